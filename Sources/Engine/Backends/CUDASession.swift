/// The device state of one `CUDABackend`: primary context, module, two streams with their
/// pinned host buffers, and three growable device buffers under a memory limit.
///
/// Not thread-safe: `CUDABackend` keeps it behind a mutex and makes its context current on the
/// calling thread before each use.
final class CUDASession {
  let api: CUDADriverAPI
  let device: Int32
  let context: OpaquePointer
  let module: OpaquePointer
  let kernels: CUDAKernels
  /// Two streams: chunk c is copied and processed on stream c % 2, so one chunk's copy overlaps
  /// the other's kernels (and the host's file read of the next chunk).
  private(set) var streams: [OpaquePointer] = []
  /// Recorded after each host-to-device copy: the pinned buffer of that stream is free again.
  private(set) var copyEvents: [OpaquePointer] = []
  /// Pinned (page-locked) host buffers, one per stream, `chunkBytes` each.
  private(set) var pinned: [UnsafeMutableRawPointer] = []
  /// Bytes per chunk: a multiple of 16 KiB, so a chunk holds a multiple of 4096 elements of any
  /// dtype (every block size divides it).
  let chunkBytes: Int
  /// Device memory this session may hold (store + arena + parts).
  let memoryLimit: Int
  /// Blocks per grid-stride launch (4 per multiprocessor).
  let gridSize: UInt32
  /// Tensor bytes (resident) or the two chunk slots (streaming).
  var store = DeviceBuffer()
  /// Per-tensor arrays and accumulators.
  var arena = DeviceBuffer()
  /// A stored-quantized tensor's scales, code books and code chunk slots (`CUDAStoredDequantizer`).
  var parts = DeviceBuffer()

  /// A device allocation that only grows.
  struct DeviceBuffer {
    var address: UInt64 = 0
    var capacity = 0
  }

  /// Lays out arrays in one device buffer: each `take` returns the next offset, 256-byte aligned
  /// (as cuMemAlloc aligns the buffer itself), at least 8 bytes apart.
  struct Layout {
    private(set) var total = 0

    mutating func take(_ bytes: Int) -> Int {
      let offset = total
      total += (max(bytes, 8) + 255) / 256 * 256
      return offset
    }
  }

  init(
    api: CUDADriverAPI, device: Int32, image: CUDACompiler.Image, multiprocessors: Int,
    memoryLimit: Int, chunkBytes: Int
  ) throws(CUDAError) {
    self.api = api
    self.device = device
    var context: OpaquePointer?
    try api.check(api.cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain")
    guard let context else { throw .unsupported("cuDevicePrimaryCtxRetain returned no context") }
    self.context = context
    do throws(CUDAError) {
      try api.check(api.cuCtxSetCurrent(context), "cuCtxSetCurrent")
      var module: OpaquePointer?
      let status = image.bytes.withUnsafeBytes { raw in
        api.cuModuleLoadData(&module, raw.baseAddress)
      }
      try api.check(status, "cuModuleLoadData")
      guard let module else { throw .unsupported("cuModuleLoadData returned no module") }
      self.module = module
      do throws(CUDAError) { kernels = try CUDAKernels(module: module, api: api) } catch {
        _ = api.cuModuleUnload(module)
        throw error
      }
    } catch {
      _ = api.cuDevicePrimaryCtxRelease(device)
      throw error
    }
    self.memoryLimit = memoryLimit
    self.chunkBytes = chunkBytes
    self.gridSize = UInt32(max(multiprocessors, 1) * 4)
    do throws(CUDAError) {
      for _ in 0..<2 {
        var stream: OpaquePointer?
        try api.check(
          api.cuStreamCreate(&stream, 1 /* CU_STREAM_NON_BLOCKING */), "cuStreamCreate")
        if let stream { streams.append(stream) }
        var event: OpaquePointer?
        try api.check(api.cuEventCreate(&event, 2 /* CU_EVENT_DISABLE_TIMING */), "cuEventCreate")
        if let event { copyEvents.append(event) }
        var host: UnsafeMutableRawPointer?
        try api.check(api.cuMemHostAlloc(&host, chunkBytes, 0), "cuMemHostAlloc")
        if let host { pinned.append(host) }
      }
      guard streams.count == 2, copyEvents.count == 2, pinned.count == 2 else {
        throw .unsupported("stream, event or pinned buffer creation returned nothing")
      }
    } catch {
      release()
      throw error
    }
  }

  /// Makes the session's context current on the calling thread.
  ///
  /// The corresponding C function is `cuCtxSetCurrent`.
  func makeCurrent() throws(CUDAError) {
    try api.check(api.cuCtxSetCurrent(context), "cuCtxSetCurrent")
  }

  /// Grows `buffer` to at least `bytes` (contents not kept).
  ///
  /// The corresponding C functions are `cuMemFree_v2` and `cuMemAlloc_v2`.
  func ensure(_ buffer: inout DeviceBuffer, bytes: Int) throws(CUDAError) {
    guard buffer.capacity < bytes else { return }
    if buffer.address != 0 {
      try api.check(api.cuMemFree(buffer.address), "cuMemFree_v2")
      buffer = DeviceBuffer()
    }
    var address: UInt64 = 0
    try api.check(api.cuMemAlloc(&address, bytes), "cuMemAlloc_v2")
    buffer = DeviceBuffer(address: address, capacity: bytes)
  }

  /// Waits for both streams.
  func synchronize() throws(CUDAError) {
    try CUDATrace.measure("synchronize both streams") { () throws(CUDAError) in
      for stream in streams {
        try api.check(api.cuStreamSynchronize(stream), "cuStreamSynchronize")
      }
    }
  }

  /// Copies `count` values of `T` from device `address` into a new array (on stream 0, waited for).
  func download<T: BitwiseCopyable>(_ type: T.Type, from address: UInt64, count: Int)
    throws(CUDAError) -> [T]
  {
    guard count > 0 else { return [] }
    return try CUDATrace.measure("download") { () throws(CUDAError) -> [T] in
      var values = [T](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
      let status = values.withUnsafeMutableBytes { raw in
        api.cuMemcpyDtoHAsync(raw.baseAddress, address, raw.count, streams[0])
      }
      try api.check(status, "cuMemcpyDtoHAsync_v2")
      try api.check(api.cuStreamSynchronize(streams[0]), "cuStreamSynchronize")
      return values
    }
  }

  /// Copies `values` to device `address` (on stream 0, waited for).
  ///
  /// The corresponding C function is `cuMemcpyHtoDAsync_v2`.
  func upload<T: BitwiseCopyable>(_ values: [T], to address: UInt64) throws(CUDAError) {
    guard !values.isEmpty else { return }
    let status = values.withUnsafeBytes { raw in
      api.cuMemcpyHtoDAsync(address, raw.baseAddress, raw.count, streams[0])
    }
    try api.check(status, "cuMemcpyHtoDAsync_v2")
    try api.check(api.cuStreamSynchronize(streams[0]), "cuStreamSynchronize")
  }

  /// Frees everything; errors are ignored (nothing useful can be done about them here).
  func release() {
    _ = api.cuCtxSetCurrent(context)
    for stream in streams { _ = api.cuStreamSynchronize(stream) }
    if store.address != 0 { _ = api.cuMemFree(store.address) }
    if arena.address != 0 { _ = api.cuMemFree(arena.address) }
    if parts.address != 0 { _ = api.cuMemFree(parts.address) }
    store = DeviceBuffer()
    arena = DeviceBuffer()
    parts = DeviceBuffer()
    for host in pinned { _ = api.cuMemFreeHost(host) }
    for event in copyEvents { _ = api.cuEventDestroy(event) }
    for stream in streams { _ = api.cuStreamDestroy(stream) }
    pinned = []
    copyEvents = []
    streams = []
    _ = api.cuModuleUnload(module)
    _ = api.cuDevicePrimaryCtxRelease(device)
  }
}
