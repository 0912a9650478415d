import Safetensors

/// A stored-quantized tensor (bitsandbytes 4-bit or 8-bit save, FP8 weights) on the GPU.
///
/// Its scales and code books are read on the host as float32 (they are small) and uploaded once
/// per tensor; double quant's block scales are resolved on the device (`qs_stored_dq_scales_kernel`).
/// Its codes are then streamed chunk by chunk like any tensor's bytes, and a `qs_stored_*` kernel
/// turns each chunk into float32 values in the chunk's slot of the store, exactly as
/// `TensorDataReader`'s host path does for the CPU backend (4-bit values rounded to the logical
/// dtype, int8 and FP8 products in float32). The analysis kernels then run on those values as on
/// any float32 chunk, rounding their round trips to the logical dtype. In pass 1 the same kernels
/// count the stored codes, which gives the stored format's own code usage (`StoredCodeUsage`)
/// without a second read of the codes.
///
/// Device memory (`CUDASession.parts`): two code slots (one per stream), the float32 scales and
/// code books, and 256 code counters.
struct CUDAStoredDequantizer {
  let tensor: TensorInfo
  let stored: StoredQuantization
  let codes: TensorInfo
  let layout: Layout

  /// Byte offsets within the parts buffer (256-aligned).
  struct Layout {
    var codeSlots = 0, slotBytes = 0, map = 0, scales = 0, absmaxCodes = 0
    var nestedMap = 0, nestedAbsmax = 0, codeCounts = 0
    var total = 0
  }

  /// How FP8 values are scaled (kernels.cu `qs_stored_fp8_kernel`'s `scaleMode`).
  enum FP8Scale: Int32 {
    case none = 0
    case tensor, row, block
  }

  /// nil when `tensor` is not stored-quantized (or has no codes part).
  init?(tensor: TensorInfo, chunkElements: Int) {
    guard let stored = tensor.stored, let codes = stored.part(.codes) else { return nil }
    self.tensor = tensor
    self.stored = stored
    self.codes = codes
    var cursor = CUDASession.Layout()
    func take(_ bytes: Int) -> Int { cursor.take(bytes) }
    var layout = Layout()
    layout.slotBytes = (Self.codeBytes(stored.format, elements: chunkElements) + 255) / 256 * 256
    layout.codeSlots = take(2 * layout.slotBytes)
    layout.codeCounts = take(256 * 8)
    switch stored.format {
    case .nf4, .fp4:
      layout.map = take(16 * 4)
      let blocks = stored.part(.absmax)?.elementCount ?? 0
      layout.scales = take(blocks * 4)
      if stored.doubleQuant {
        layout.absmaxCodes = take(blocks)
        layout.nestedMap = take((stored.part(.nestedQuantMap)?.elementCount ?? 0) * 4)
        layout.nestedAbsmax = take((stored.part(.nestedAbsmax)?.elementCount ?? 0) * 4)
      }
    case .int8:
      layout.scales = take((stored.part(.rowScale)?.elementCount ?? 0) * 4)
    case .fp8E4M3, .fp8E5M2:
      let scale = stored.part(.blockScale) ?? stored.part(.scale)
      layout.scales = take((scale?.elementCount ?? 0) * 4)
    }
    layout.total = cursor.total
    self.layout = layout
  }

  /// Bytes of codes holding `elements` elements: two per byte for 4-bit, one otherwise.
  private static func codeBytes(_ format: StoredQuantization.Format, elements: Int) -> Int {
    format == .nf4 || format == .fp4 ? (elements + 1) / 2 : elements
  }

  /// The codes of elements `first..<first+count` within the codes part: (byte offset, bytes).
  /// `first` is a chunk start (a multiple of 4096, so even).
  private func codeRange(first: Int, count: Int) -> (offset: Int, bytes: Int) {
    let fourBit = stored.format == .nf4 || stored.format == .fp4
    return (fourBit ? first / 2 : first, Self.codeBytes(stored.format, elements: count))
  }

  /// Device address of stream `index`'s code slot.
  private func codeSlot(_ index: Int, base: UInt64) -> UInt64 {
    base + UInt64(layout.codeSlots + index * layout.slotBytes)
  }

  // MARK: - Per tensor

  /// Uploads the scales and code books, resolves double quant's block scales and clears the code
  /// counters; waited for on stream 0 before the codes are streamed.
  func prepare(session: CUDASession, base: UInt64, reader: TensorDataReader, checkpointPath: String)
    throws(CUDAError)
  {
    let api = session.api
    func at(_ offset: Int) -> UInt64 { base + UInt64(offset) }
    func floats(_ part: TensorInfo?) throws(CUDAError) -> [Float] {
      guard let part else { return [] }
      do { return try reader.floats(of: part, from: 0, count: part.elementCount) } catch {
        throw .engine(.read(file: checkpointPath, tensor: tensor.name, reason: error.description))
      }
    }
    try api.check(
      api.cuMemsetD8Async(at(layout.codeCounts), 0, 256 * 8, session.streams[0]),
      "cuMemsetD8Async")
    switch stored.format {
    case .nf4, .fp4:
      try session.upload(
        Array(try floats(stored.part(.quantMap)).prefix(16)), to: at(layout.map))
      guard let absmax = stored.part(.absmax) else { break }
      guard stored.doubleQuant else {
        try session.upload(try floats(absmax), to: at(layout.scales))
        break
      }
      let absmaxCodes: [UInt8]
      do { absmaxCodes = try reader.bytes(of: absmax, from: 0, count: absmax.elementCount) } catch {
        throw .engine(.read(file: checkpointPath, tensor: tensor.name, reason: error.description))
      }
      try session.upload(absmaxCodes, to: at(layout.absmaxCodes))
      try session.upload(try floats(stored.part(.nestedQuantMap)), to: at(layout.nestedMap))
      try session.upload(try floats(stored.part(.nestedAbsmax)), to: at(layout.nestedAbsmax))
      try session.kernels.launch(
        "qs_stored_dq_scales_kernel", grid: (session.gridSize, 1), stream: session.streams[0],
        api: api,
        [
          .pointer(at(layout.absmaxCodes)), .uint64(UInt64(absmax.elementCount)),
          .pointer(at(layout.nestedMap)), .pointer(at(layout.nestedAbsmax)),
          .uint64(UInt64(max(stored.nestedBlocksize, 1))), .float(stored.nestedOffset),
          .pointer(at(layout.scales)),
        ])
    case .int8:
      try session.upload(try floats(stored.part(.rowScale)), to: at(layout.scales))
    case .fp8E4M3, .fp8E5M2:
      try session.upload(
        try floats(stored.part(.blockScale) ?? stored.part(.scale)), to: at(layout.scales))
    }
    try api.check(api.cuStreamSynchronize(session.streams[0]), "cuStreamSynchronize")
  }

  /// Streams one chunk: waits for stream `streamIndex`'s pinned buffer, reads the codes of
  /// elements `first..<first+count` into it, copies them to the stream's code slot and dequantizes
  /// them into float32 values at `out` (all on that stream); counts the codes when `countCodes`.
  func streamChunk(
    session: CUDASession, base: UInt64, reader: TensorDataReader, checkpointPath: String,
    first: Int, count: Int, streamIndex s: Int, out: UInt64, countCodes: Bool
  ) throws(CUDAError) {
    let api = session.api
    let (offset, bytes) = codeRange(first: first, count: count)
    try CUDATrace.measure("wait for a pinned buffer") { () throws(CUDAError) in
      try api.check(api.cuEventSynchronize(session.copyEvents[s]), "cuEventSynchronize")
    }
    try CUDATrace.measure("read stored codes into pinned memory") { () throws(CUDAError) in
      try CUDAStaging.readParallel(
        reader: reader, tensor: codes, offset: offset, bytes: bytes, into: session.pinned[s],
        checkpointPath: checkpointPath)
    }
    let slot = codeSlot(s, base: base)
    try api.check(
      api.cuMemcpyHtoDAsync(slot, session.pinned[s], bytes, session.streams[s]),
      "cuMemcpyHtoDAsync_v2")
    try api.check(api.cuEventRecord(session.copyEvents[s], session.streams[s]), "cuEventRecord")
    try dequantize(
      session: session, base: base, first: first, count: count, codesAddress: slot, out: out,
      stream: session.streams[s], countCodes: countCodes)
  }

  /// Dequantizes one chunk: the codes of elements `first..<first+count` at `codesAddress` become
  /// float32 values at `out`, on `stream`; counts the codes when `countCodes`.
  private func dequantize(
    session: CUDASession, base: UInt64, first: Int, count: Int, codesAddress: UInt64,
    out: UInt64, stream: OpaquePointer, countCodes: Bool
  ) throws(CUDAError) {
    let counts = CUDAKernels.Argument.pointer(countCodes ? base + UInt64(layout.codeCounts) : 0)
    let scales = CUDAKernels.Argument.pointer(base + UInt64(layout.scales))
    let name: String
    let arguments: [CUDAKernels.Argument]
    switch stored.format {
    case .nf4, .fp4:
      // bitsandbytes 0.50.2 writes fp4 to float16 as sign and magnitude (TensorDataReader+Stored).
      let signMagnitude: Int32 = stored.format == .fp4 && tensor.dtype == .F16 ? 1 : 0
      name = "qs_stored_4bit_kernel"
      arguments = [
        .pointer(codesAddress), .uint64(UInt64(first)), .uint64(UInt64(count)),
        .pointer(base + UInt64(layout.map)), scales, .uint64(UInt64(max(stored.blocksize, 1))),
        .int32(signMagnitude),
        .int32(CUDATensorPipeline.kernelDType(load: .F32, round: tensor.dtype)), .pointer(out),
        counts,
      ]
    case .int8:
      let cols = TensorDataReader.int8Columns(codes)
      name = "qs_stored_int8_kernel"
      arguments = [
        .pointer(codesAddress), .uint64(UInt64(first)), .uint64(UInt64(count)),
        .uint64(UInt64(cols)), scales, .pointer(out), counts,
      ]
    case .fp8E4M3, .fp8E5M2:
      let cols = TensorDataReader.fp8Columns(codes)
      var mode = FP8Scale.none
      var block = [1, 1]
      var scaleCols = 1
      if let blockPart = stored.part(.blockScale), let tile = stored.scaleBlock {
        mode = .block
        block = tile
        scaleCols = blockPart.shape.count >= 2 ? blockPart.shape[1] : 1
      } else if let scale = stored.part(.scale) {
        mode = scale.elementCount > 1 ? .row : .tensor
      }
      name = "qs_stored_fp8_kernel"
      arguments = [
        .pointer(codesAddress), .int32(stored.format == .fp8E5M2 ? 1 : 0),
        .uint64(UInt64(first)), .uint64(UInt64(count)), .uint64(UInt64(cols)),
        .int32(mode.rawValue), scales, .uint64(UInt64(max(block[0], 1))),
        .uint64(UInt64(max(block[1], 1))), .uint64(UInt64(scaleCols)), .pointer(out), counts,
      ]
    }
    try session.kernels.launch(
      name, grid: (session.gridSize, 1), stream: stream, api: session.api, arguments)
  }

  /// The stored format's code usage, from the counters filled in pass 1.
  func usage(session: CUDASession, base: UInt64) throws(CUDAError) -> StoredCodeUsage {
    let bins = StoredCodeUsage.binCount(stored.format)
    let counts = try session.download(
      UInt64.self, from: base + UInt64(layout.codeCounts), count: bins)
    return StoredCodeUsage(counts: counts, stored: stored, elements: tensor.elementCount)
  }
}

extension CUDABackend {
  /// A stored-quantized tensor's values as the device dequantizes them, through the same code
  /// slots and kernels as the analysis (tests hold them to bitsandbytes' values); nil for a
  /// tensor that is not stored-quantized.
  package func dequantizedValues(of tensor: TensorInfo, in checkpoint: Checkpoint)
    throws(EngineError) -> [Float]?
  {
    let reader = try reader(for: checkpoint)
    return try session.withLock { (session) throws(EngineError) -> [Float]? in
      do throws(CUDAError) {
        try session.makeCurrent()
        let chunkElements = session.chunkBytes / 4
        guard let dequantizer = CUDAStoredDequantizer(tensor: tensor, chunkElements: chunkElements)
        else { return nil }
        let n = tensor.elementCount
        try session.ensure(&session.parts, bytes: dequantizer.layout.total)
        try session.ensure(&session.store, bytes: max(n * 4, 256))
        let base = session.parts.address
        try dequantizer.prepare(
          session: session, base: base, reader: reader, checkpointPath: checkpoint.path)
        var first = 0
        var index = 0
        while first < n {
          let count = min(chunkElements, n - first)
          try dequantizer.streamChunk(
            session: session, base: base, reader: reader, checkpointPath: checkpoint.path,
            first: first, count: count, streamIndex: index % 2,
            out: session.store.address + UInt64(first * 4), countCodes: false)
          first += count
          index += 1
        }
        try session.synchronize()
        return try session.download(Float.self, from: session.store.address, count: n)
      } catch {
        _ = try? session.synchronize()
        if case .engine(let engineError) = error { throw engineError }
        throw .backendUnavailable("GPU: \(tensor.name): \(error.description)")
      }
    }
  }
}
