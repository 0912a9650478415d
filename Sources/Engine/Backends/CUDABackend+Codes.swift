import Safetensors

extension CUDABackend {
  /// The codes and scales of one format for a small tensor, computed by the encode kernels: the
  /// test hook that checks the GPU's codes bit for bit against the golden files.
  ///
  /// - nf4, fp4, int4 (blocks of `blocksize`), dyn8 (4096): codes per element, block absmax.
  /// - nf4-dq, fp4-dq: the second-level codes (`qabsmax`, one per block) and `absmax_hat` (the
  ///   same for both: nf4 and fp4 have the same block maxima).
  /// - int8 (≥ 2-D): the codes as bit patterns of Int8, and rowmax (max |fp16(w)| per row).
  /// The tensor must fit in one chunk (`deviceMemoryLimit / 8`, at most 32 MiB).
  package func codes(
    of tensor: TensorInfo, in checkpoint: Checkpoint, format: QuantFormat, blocksize: Int
  ) throws(EngineError) -> (codes: [UInt8], scales: [Float]) {
    guard [.F32, .F16, .BF16].contains(tensor.dtype) else {
      throw .invalidSettings("codes: dtype \(tensor.dtype.rawValue) is not F32, F16 or BF16")
    }
    let reader = try reader(for: checkpoint)
    return try session.withLock {
      (session) throws(EngineError) -> (codes: [UInt8], scales: [Float]) in
      do throws(CUDAError) {
        return try Self.codes(
          session: session, reader: reader, tensor: tensor, format: format, blocksize: blocksize)
      } catch {
        _ = try? session.synchronize()
        if case .engine(let engineError) = error { throw engineError }
        throw .backendUnavailable("GPU: \(tensor.name): \(error.description)")
      }
    }
  }

  private static func codes(
    session: CUDASession, reader: TensorDataReader, tensor: TensorInfo, format: QuantFormat,
    blocksize requested: Int
  ) throws(CUDAError) -> (codes: [UInt8], scales: [Float]) {
    try session.makeCurrent()
    let api = session.api
    let stream = session.streams[0]
    let grid = session.gridSize
    let n = tensor.elementCount
    let elementSize = tensor.dtype == .F32 ? 4 : 2
    let dtype: Int32 = tensor.dtype == .F32 ? 0 : (tensor.dtype == .F16 ? 1 : 2)
    let bytes = n * elementSize
    guard n > 0 else { return ([], []) }
    guard bytes <= session.chunkBytes else {
      throw .unsupported("codes: \(bytes) bytes exceed one chunk of \(session.chunkBytes)")
    }
    let blocksize = format == .dyn8 ? 4096 : requested
    let blocks = (n + blocksize - 1) / blocksize
    let cols = tensor.shape.count >= 2 ? tensor.shape.dropFirst().reduce(1, *) : n
    let rows = cols > 0 ? n / cols : 0
    // Arena: codes (n), scales (max(blocks, rows) floats), second-level arrays, partial sums.
    let codesOffset = 0
    let scalesOffset = (n + 255) / 256 * 256
    let hatOffset = scalesOffset + (max(blocks, rows) * 4 + 255) / 256 * 256
    let absmax2Offset = hatOffset + (blocks * 4 + 255) / 256 * 256
    let partialsOffset = absmax2Offset + ((blocks + 255) / 256 * 4 + 255) / 256 * 256
    let total = partialsOffset + Int(grid) * 8
    try session.ensure(&session.arena, bytes: total)
    try session.ensure(&session.store, bytes: max(bytes, 256))
    let arena = session.arena.address
    let store = session.store.address
    try api.check(api.cuMemsetD8Async(arena, 0, total, stream), "cuMemsetD8Async")
    do throws(SafetensorsError) {
      try reader.readBytes(
        of: tensor, at: 0,
        into: UnsafeMutableRawBufferPointer(start: session.pinned[0], count: bytes))
    } catch {
      throw .engine(.read(file: "", tensor: tensor.name, reason: error.description))
    }
    try api.check(
      api.cuMemcpyHtoDAsync(store, session.pinned[0], bytes, stream), "cuMemcpyHtoDAsync_v2")
    let kernels = session.kernels
    let codes = arena + UInt64(codesOffset)
    let scales = arena + UInt64(scalesOffset)
    let raw = CUDAKernels.Argument.pointer(store)
    let count = CUDAKernels.Argument.uint64(UInt64(n))
    func launch(_ name: String, _ arguments: [CUDAKernels.Argument]) throws(CUDAError) {
      try kernels.launch(name, grid: (grid, 1), stream: stream, api: api, arguments)
    }
    switch format {
    case .int8:
      guard tensor.shape.count >= 2 else { throw .unsupported("codes: int8 needs a 2-D tensor") }
      try launch(
        "qs_row_absmax_kernel",
        [raw, .int32(dtype), .uint64(0), count, .uint64(UInt64(cols)), .pointer(scales)])
      try launch("qs_round_f16_kernel", [.pointer(scales), .uint64(UInt64(rows))])
      try launch(
        "qs_int8_rows_kernel",
        [
          raw, .int32(dtype), .uint64(0), count, .uint64(UInt64(cols)), .pointer(scales),
          .pointer(codes),
        ])
      return (
        try session.download(UInt8.self, from: codes, count: n),
        try session.download(Float.self, from: scales, count: rows)
      )
    case .nf4dq, .fp4dq:
      try launch(
        "qs_block_absmax_kernel",
        [raw, .int32(dtype), count, .uint64(UInt64(blocksize)), .pointer(scales)])
      let partials = arena + UInt64(partialsOffset)
      try launch(
        "qs_absmax_sum_kernel", [.pointer(scales), .uint64(UInt64(blocks)), .pointer(partials)])
      let sum = try session.download(Double.self, from: partials, count: Int(grid)).reduce(0, +)
      let offset = Float(sum / Double(blocks))
      let hat = arena + UInt64(hatOffset)
      try launch(
        "qs_nf4dq_scales_kernel",
        [
          .pointer(scales), .uint64(UInt64(blocks)), .float(offset), .pointer(codes),
          .pointer(arena + UInt64(absmax2Offset)), .pointer(hat),
        ])
      return (
        try session.download(UInt8.self, from: codes, count: blocks),
        try session.download(Float.self, from: hat, count: blocks)
      )
    case .nf4, .fp4, .int4, .dyn8:
      let name =
        switch format {
        case .nf4: "qs_nf4_encode_kernel"
        case .fp4: "qs_fp4_encode_kernel"
        case .int4: "qs_int4_encode_kernel"
        default: "qs_dyn8_encode_kernel"
        }
      try launch(
        "qs_block_absmax_kernel",
        [raw, .int32(dtype), count, .uint64(UInt64(blocksize)), .pointer(scales)])
      try launch(
        name,
        [raw, .int32(dtype), count, .uint64(UInt64(blocksize)), .pointer(scales), .pointer(codes)])
      return (
        try session.download(UInt8.self, from: codes, count: n),
        try session.download(Float.self, from: scales, count: blocks)
      )
    }
  }
}
