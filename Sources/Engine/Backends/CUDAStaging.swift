import Dispatch
import Safetensors
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Whole tensors read into pinned host memory before their turn on the GPU.
///
/// The CUDA backend analyses one tensor at a time on the device; with staging on it lets two
/// workers in (`CUDABackend.concurrentTensorLimit`): while one holds the GPU, the other reads its
/// tensor here, outside the session lock, so the file reads of tensor k + 1 overlap the kernels,
/// copies and reductions of tensor k. A staged tensor is then copied to the device straight from
/// its buffer. A tensor over `capacityLimit` bytes, or one whose buffer cannot be pinned, is not
/// staged: the pipeline streams it through its two chunk buffers. Off unless asked for
/// (`defaultLimit`): in one run the pinning costs more than the overlap saves.
///
/// Buffers are kept for the life of the backend (one per worker, grown to the largest tensor).
final class CUDAStaging: Sendable {
  /// A staged tensor: its bytes at `address` (pinned). Give it back with `release`.
  struct Staged: @unchecked Sendable {
    let address: UnsafeMutableRawPointer
    fileprivate let buffer: PinnedBuffer
  }

  fileprivate struct PinnedBuffer: @unchecked Sendable {
    var address: UnsafeMutableRawPointer
    var capacity: Int
  }

  private let api: CUDADriverAPI
  private let context: ContextHandle
  /// The largest tensor staged, in bytes.
  let capacityLimit: Int
  private let free = Mutex<[PinnedBuffer]>([])
  private let all = Mutex<[PinnedBuffer]>([])

  /// The largest tensor staged: `QUANTSCOPE_CUDA_STAGING_MIB` (at most a quarter of the device
  /// memory limit, so a staged tensor also stays resident), else 0 — off. Measured on an H200 host
  /// (docs/GPU.md): staging saves about 10% of the analysis time once its buffers exist, but
  /// pinning two 256 MiB buffers takes 0.26–0.41 s per process, so a whole `report` of a 4.57 GB
  /// checkpoint took 1.22–1.27 s with it and 0.91–0.92 s without.
  static func defaultLimit(deviceMemoryLimit: Int) -> Int {
    guard let text = getenv("QUANTSCOPE_CUDA_STAGING_MIB").map({ String(cString: $0) }),
      let mib = Int(text), mib > 0
    else { return 0 }
    return min(mib << 20, deviceMemoryLimit / 4)
  }

  init(api: CUDADriverAPI, context: OpaquePointer, capacityLimit: Int) {
    self.api = api
    self.context = ContextHandle(pointer: context)
    self.capacityLimit = capacityLimit
  }

  /// The session's primary context, made current on a worker thread before pinned allocations.
  private struct ContextHandle: @unchecked Sendable {
    let pointer: OpaquePointer
  }

  /// Reads the whole of `tensor` into a pinned buffer, or returns nil when it is not staged (too
  /// large, empty, or no pinned memory).
  ///
  /// - Throws: `.read` when the file cannot be read (the same failure the pipeline would report).
  func stage(_ tensor: TensorInfo, reader: TensorDataReader, checkpointPath: String)
    throws(CUDAError) -> Staged?
  {
    let bytes = Int(tensor.byteCount)
    guard bytes > 0, bytes <= capacityLimit, let buffer = take(bytes) else { return nil }
    do throws(CUDAError) {
      try CUDATrace.measure("stage a tensor in pinned memory (outside the lock)") {
        () throws(CUDAError) in
        try Self.readParallel(
          reader: reader, tensor: tensor, offset: 0, bytes: bytes, into: buffer.address,
          checkpointPath: checkpointPath)
      }
    } catch {
      free.withLock { $0.append(buffer) }
      throw error
    }
    return Staged(address: buffer.address, buffer: buffer)
  }

  /// Gives the buffer of `staged` back (after every copy from it has completed).
  func release(_ staged: Staged) {
    free.withLock { $0.append(staged.buffer) }
  }

  /// Frees every buffer (the session's context must still be alive).
  func releaseAll() {
    _ = api.cuCtxSetCurrent(context.pointer)
    let addresses = all.withLock { list in
      defer { list = [] }
      return list
    }
    for buffer in addresses { _ = api.cuMemFreeHost(buffer.address) }
    free.withLock { $0 = [] }
  }

  /// A free buffer of at least `bytes` (grown or allocated as needed), or nil.
  private func take(_ bytes: Int) -> PinnedBuffer? {
    var buffer = free.withLock { list -> PinnedBuffer? in
      guard !list.isEmpty else { return nil }
      // The smallest free buffer that fits, else the largest (to be grown).
      let fitting = list.indices.filter { list[$0].capacity >= bytes }
      let index =
        fitting.min { list[$0].capacity < list[$1].capacity }
        ?? list.indices.max { list[$0].capacity < list[$1].capacity }!
      return list.remove(at: index)
    }
    if let existing = buffer, existing.capacity >= bytes { return existing }
    _ = api.cuCtxSetCurrent(context.pointer)
    if let old = buffer {
      _ = api.cuMemFreeHost(old.address)
      all.withLock { $0.removeAll { $0.address == old.address } }
      buffer = nil
    }
    // Round up to 64 MiB so that a few growing tensors do not reallocate each time.
    let capacity = min(capacityLimit, (bytes + (64 << 20) - 1) / (64 << 20) * (64 << 20))
    var host: UnsafeMutableRawPointer?
    let status = CUDATrace.measure("stage: pin host memory") {
      api.cuMemHostAlloc(&host, capacity, 0)
    }
    guard status == 0, let host else { return nil }
    let fresh = PinnedBuffer(address: host, capacity: capacity)
    all.withLock { $0.append(fresh) }
    return fresh
  }

  // MARK: - Reading

  /// Threads reading one range (the machine's cores, at most 16).
  static let readThreads = max(1, min(16, CPUBackend.coreCount))

  /// Reads `bytes` of `tensor` from byte `offset` into `destination`, in parallel slices of at
  /// least 2 MiB (one `pread` stream reads a file in the page cache at about 4 GB/s on an H200
  /// host, far below its 54 GB/s host-to-device copy).
  static func readParallel(
    reader: TensorDataReader, tensor: TensorInfo, offset: Int, bytes: Int,
    into destination: UnsafeMutableRawPointer, checkpointPath: String
  ) throws(CUDAError) {
    let slice = max(2 << 20, (bytes + readThreads - 1) / readThreads)
    let slices = (bytes + slice - 1) / slice
    let target = PinnedAddress(base: destination)
    let failure = Mutex<SafetensorsError?>(nil)
    let work: @Sendable (Int) -> Void = { index in
      let start = index * slice
      let count = min(slice, bytes - start)
      do throws(SafetensorsError) {
        try reader.readBytes(
          of: tensor, at: UInt64(offset + start),
          into: UnsafeMutableRawBufferPointer(start: target.base + start, count: count))
      } catch {
        failure.withLock { if $0 == nil { $0 = error } }
      }
    }
    if slices <= 1 {
      work(0)
    } else {
      DispatchQueue.concurrentPerform(iterations: slices, execute: work)
    }
    if let error = failure.withLock({ $0 }) {
      throw .engine(.read(file: checkpointPath, tensor: tensor.name, reason: error.description))
    }
  }

  /// A pinned host address handed to the reading threads (each writes its own slice).
  private struct PinnedAddress: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
  }
}
