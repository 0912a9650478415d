import Safetensors

/// The analysis of one tensor on the GPU: the same two passes as `CPUTensorPipeline`, with the
/// kernels of `CUDA/kernels.cu` in place of the C functions they mirror.
///
/// **Data path.** A tensor staged by `CUDAStaging` (read whole into pinned memory while the
/// previous tensor was on the GPU) is copied to the device chunk by chunk straight from there.
/// Otherwise its raw bytes are read with `TensorDataReader.readBytes` into two pinned host buffers
/// in turn and copied asynchronously; chunk c uses stream c % 2, so the file read of chunk c+1 and
/// the copy/kernels of chunk c overlap. A tensor whose bytes fit
/// the memory limit stays resident in device memory and pass 2 runs on it without a second read;
/// a larger one is streamed through two chunk slots, twice. A stored-quantized tensor streams its
/// codes instead, and `CUDAStoredDequantizer` turns each chunk into float32 values in the chunk's
/// slot before the analysis kernels run on it (streamed twice when not resident: dequantized again).
///
/// **Pass 1.** Statistics (`qs_stats_segment_kernel`), block maxima (`qs_block_absmax_kernel`, for
/// the block size and for dyn8's 4096), row and column maxima (≥ 2-D), and the round trip of fp4
/// (unless fp4-dq is asked for), int4 and dyn8, which need nothing beyond their own block maxima.
/// **Between.** min/max/mean from pass 1; int8 rowmax = fp16(row absmax); the double-quant second
/// level of nf4-dq and fp4-dq (`qs_absmax_sum_kernel`, `qs_nf4dq_scales_kernel`).
/// **Pass 2.** Histograms and Σ(w − mean)² (`qs_histogram_segment_kernel`), nf4 with nf4-dq
/// (`qs_nf4_error_kernel`), fp4 with fp4-dq (`qs_fp4_error_kernel`), int8 (`qs_int8_error_kernel`).
///
/// Results are reduced on the host in float64 and finished by `MetricsMath`, like the CPU's.
struct CUDATensorPipeline {
  let session: CUDASession
  let tensor: TensorInfo
  let reader: TensorDataReader
  let checkpointPath: String
  let settings: AnalysisSettings
  /// The whole tensor already in pinned host memory (`CUDAStaging`), or nil: read chunk by chunk.
  var staged: UnsafeMutableRawPointer? = nil

  /// Slots of the float64 sums (kernels.cu `QS_SUM_*`).
  enum SumSlot: Int {
    case weight = 0
    case weightSquared, deviation, nf4, nf4dq, fp4, int8, dyn8, int4, fp4dq
    static let count = 10
  }

  /// Slots of the max keys (kernels.cu `QS_KEY_*`); error slots share the sum slots' order.
  enum KeySlot: Int {
    case max = 0
    case negatedMin, absmax
    static let count = 10
    static func error(_ format: QuantFormat) -> Int { SumSlot.error(format).rawValue }
  }

  /// Offsets of the per-tensor arrays within the arena (bytes; 256-aligned).
  struct ArenaLayout {
    var sums = 0, partials = 0, keys = 0, counters = 0, codeCounts = 0
    var valueHistogram = 0, normalizedHistogram = 0
    var absmax = 0, absmaxHat = 0, dyn8Absmax = 0, rowAbsmax = 0, columnAbsmax = 0
    var total = 0

    init(grid: Int, bins: Int, blocks: Int, dyn8Blocks: Int, rows: Int, cols: Int) {
      var cursor = CUDASession.Layout()
      func take(_ bytes: Int) -> Int { cursor.take(bytes) }
      sums = take(2 * grid * SumSlot.count * 8)
      partials = take(grid * 8)
      keys = take(KeySlot.count * 8)
      counters = take(3 * 8)
      codeCounts = take(QuantFormat.allCases.count * 256 * 8)
      valueHistogram = take(bins * 8)
      normalizedHistogram = take(bins * 8)
      absmax = take(blocks * 4)
      absmaxHat = take(blocks * 4)
      dyn8Absmax = take(dyn8Blocks * 4)
      rowAbsmax = take(rows * 4)
      columnAbsmax = take(cols * 4)
      total = cursor.total
    }
  }

  /// One chunk on the device.
  struct Chunk {
    var first: Int
    var count: Int
    var address: UInt64
    var streamIndex: Int
  }

  // MARK: - Run

  /// The analysis, and for a stored-quantized tensor the usage of its stored codes.
  func run(cancel: CancellationFlag?, progress: (@Sendable (UInt64) -> Void)?)
    throws(EngineError) -> (parts: TensorAnalysisParts, stored: StoredCodeUsage?)
  {
    do throws(CUDAError) {
      return try execute(cancel: cancel, progress: progress)
    } catch {
      _ = try? session.synchronize()
      if case .engine(let engineError) = error { throw engineError }
      throw .backendUnavailable("GPU: \(tensor.name): \(error.description)")
    }
  }

  private func execute(cancel: CancellationFlag?, progress: (@Sendable (UInt64) -> Void)?)
    throws(CUDAError) -> (parts: TensorAnalysisParts, stored: StoredCodeUsage?)
  {
    let api = session.api
    let kernels = session.kernels
    let grid = session.gridSize
    let n = tensor.elementCount
    // A stored-quantized tensor is dequantized to float32 on the device, chunk by chunk, and
    // analysed as its logical dtype; any other is read as its own dtype.
    let dequantizer = CUDAStoredDequantizer(tensor: tensor, chunkElements: session.chunkBytes / 4)
    let elementSize = dequantizer != nil || tensor.dtype == .F32 ? 4 : 2
    let dtype = Self.kernelDType(
      load: dequantizer != nil ? .F32 : tensor.dtype, round: tensor.dtype)
    let shape = tensor.shape
    let blocksize = settings.blocksize
    let bins = settings.bins
    let cols = shape.count >= 2 ? shape.dropFirst().reduce(1, *) : 0
    let rows = cols > 0 ? n / cols : 0
    let blocks = (n + blocksize - 1) / blocksize
    let dyn8Blocks = (n + 4095) / 4096
    let formatsEnabled = shape.count >= 2 && n > 0
    let requested = Set(settings.formats)
    let wants = { (format: QuantFormat) in formatsEnabled && requested.contains(format) }

    // MARK: Memory
    let layout = ArenaLayout(
      grid: Int(grid), bins: bins, blocks: blocks, dyn8Blocks: dyn8Blocks, rows: rows, cols: cols)
    let tensorBytes = n * elementSize
    let chunkElements = session.chunkBytes / elementSize
    let partsBytes = dequantizer?.layout.total ?? 0
    let resident = layout.total + partsBytes + tensorBytes <= session.memoryLimit
    let storeBytes = resident ? max(tensorBytes, 256) : 2 * session.chunkBytes
    guard layout.total + partsBytes + storeBytes <= session.memoryLimit else {
      throw .unsupported(
        "needs \((layout.total + partsBytes + storeBytes) >> 20) MiB of device memory, over the "
          + "limit of \(session.memoryLimit >> 20) MiB")
    }
    try session.ensure(&session.arena, bytes: layout.total)
    try session.ensure(&session.store, bytes: storeBytes)
    if partsBytes > 0 { try session.ensure(&session.parts, bytes: partsBytes) }
    let arena = session.arena.address
    let store = session.store.address
    let partsBase = session.parts.address
    if let dequantizer {
      try CUDATrace.measure("stored tensor: scales and code books") { () throws(CUDAError) in
        try dequantizer.prepare(
          session: session, base: partsBase, reader: reader, checkpointPath: checkpointPath)
      }
    }
    let stream0 = session.streams[0]
    try CUDATrace.measure("clear the arena") { () throws(CUDAError) in
      try api.check(api.cuMemsetD8Async(arena, 0, layout.total, stream0), "cuMemsetD8Async")
      try api.check(api.cuStreamSynchronize(stream0), "cuStreamSynchronize")
    }
    func at(_ offset: Int) -> UInt64 { arena + UInt64(offset) }
    func sums(_ streamIndex: Int) -> UInt64 {
      at(layout.sums) + UInt64(streamIndex * Int(grid) * SumSlot.count * 8)
    }
    func codeCounts(_ format: QuantFormat) -> UInt64 {
      let index = QuantFormat.allCases.firstIndex(of: format) ?? 0
      return at(layout.codeCounts) + UInt64(index * 256 * 8)
    }
    let keys = at(layout.keys)
    let counters = at(layout.counters)
    let absmax = at(layout.absmax)
    let dyn8Absmax = at(layout.dyn8Absmax)
    let rowAbsmax = at(layout.rowAbsmax)
    let columnAbsmax = at(layout.columnAbsmax)
    let absmaxHat = at(layout.absmaxHat)

    // MARK: Chunk loop
    /// Streams the tensor (or, with `upload` false, walks the resident copy) and calls `body`.
    /// `firstPass`: reports progress and counts a stored tensor's codes.
    func forEachChunk(
      upload: Bool, firstPass: Bool, _ body: (Chunk) throws(CUDAError) -> Void
    ) throws(CUDAError) {
      if !upload {
        try body(Chunk(first: 0, count: n, address: store, streamIndex: 0))
        return
      }
      var first = 0
      var index = 0
      while first < n {
        let count = min(chunkElements, n - first)
        let s = index % 2
        let bytes = count * elementSize
        if cancel?.isCancelled == true { throw .engine(.cancelled) }
        let address =
          resident ? store + UInt64(first * elementSize) : store + UInt64(s * session.chunkBytes)
        if let dequantizer {
          // The chunk's codes, dequantized on the device into `address`.
          try dequantizer.streamChunk(
            session: session, base: partsBase, reader: reader, checkpointPath: checkpointPath,
            first: first, count: count, streamIndex: s, out: address, countCodes: firstPass)
        } else {
          let source: UnsafeMutableRawPointer
          if let staged {
            // Copies go straight from the staged tensor (kept until the run's last synchronise).
            source = staged + first * elementSize
          } else {
            try CUDATrace.measure("wait for a pinned buffer") { () throws(CUDAError) in
              try api.check(api.cuEventSynchronize(session.copyEvents[s]), "cuEventSynchronize")
            }
            try CUDATrace.measure("read into pinned memory") { () throws(CUDAError) in
              try CUDAStaging.readParallel(
                reader: reader, tensor: tensor, offset: first * elementSize, bytes: bytes,
                into: session.pinned[s], checkpointPath: checkpointPath)
            }
            source = session.pinned[s]
          }
          try api.check(
            api.cuMemcpyHtoDAsync(address, source, bytes, session.streams[s]),
            "cuMemcpyHtoDAsync_v2")
          try api.check(
            api.cuEventRecord(session.copyEvents[s], session.streams[s]), "cuEventRecord")
        }
        try body(Chunk(first: first, count: count, address: address, streamIndex: s))
        // Progress counts file bytes: a stored tensor's share of all its parts, as on the CPU.
        if firstPass {
          progress?(
            dequantizer == nil
              ? UInt64(bytes)
              : UInt64((Double(count) * Double(tensor.byteCount) / Double(n)).rounded()))
        }
        first += count
        index += 1
      }
      try session.synchronize()
    }

    func launch(
      _ name: String, _ chunk: Chunk, grid: (x: UInt32, y: UInt32)? = nil, sharedBytes: UInt32 = 0,
      _ arguments: [CUDAKernels.Argument]
    ) throws(CUDAError) {
      try kernels.launch(
        name, grid: grid ?? (session.gridSize, 1), sharedBytes: sharedBytes,
        stream: session.streams[chunk.streamIndex], api: api, arguments)
    }

    // MARK: Pass 1
    let wantsBlockAbsmax = n > 0  // the normalised histogram always needs it
    try forEachChunk(upload: true, firstPass: true) { (chunk) throws(CUDAError) in
      let raw = CUDAKernels.Argument.pointer(chunk.address)
      let count = CUDAKernels.Argument.uint64(UInt64(chunk.count))
      try launch(
        "qs_stats_segment_kernel", chunk,
        [
          raw, .int32(dtype), count, .pointer(sums(chunk.streamIndex)), .pointer(keys),
          .pointer(counters),
        ])
      let firstBlock = UInt64(chunk.first / blocksize * 4)
      if wantsBlockAbsmax {
        try launch(
          "qs_block_absmax_kernel", chunk,
          [raw, .int32(dtype), count, .uint64(UInt64(blocksize)), .pointer(absmax + firstBlock)])
      }
      if wants(.dyn8) {
        try launch(
          "qs_block_absmax_kernel", chunk,
          [
            raw, .int32(dtype), count, .uint64(4096),
            .pointer(dyn8Absmax + UInt64(chunk.first / 4096 * 4)),
          ])
      }
      if cols > 0 {
        let rowsInChunk = (chunk.count + cols - 1) / cols + 1
        let gridX = UInt32(min((cols + 255) / 256, 4096))
        let gridY = UInt32(min(65535, max(1, (rowsInChunk + 63) / 64)))
        try launch(
          "qs_column_absmax_kernel", chunk, grid: (gridX, gridY),
          [
            raw, .int32(dtype), .uint64(UInt64(chunk.first)), count, .uint64(UInt64(cols)),
            .pointer(columnAbsmax),
          ])
      }
      if wants(.int8) {
        try launch(
          "qs_row_absmax_kernel", chunk,
          [
            raw, .int32(dtype), .uint64(UInt64(chunk.first)), count, .uint64(UInt64(cols)),
            .pointer(rowAbsmax),
          ])
      }
      let slots = sums(chunk.streamIndex)
      // fp4 runs here unless fp4-dq is asked for (then fp4 rides with it in pass 2).
      for (format, code) in [(QuantFormat.fp4, Int32(1)), (.int4, 2), (.dyn8, 3)]
      where wants(format) && !(format == .fp4 && wants(.fp4dq)) {
        let size = format == .dyn8 ? 4096 : blocksize
        let scales =
          format == .dyn8 ? dyn8Absmax + UInt64(chunk.first / 4096 * 4) : absmax + firstBlock
        try launch(
          "qs_block_error_kernel", chunk,
          [
            .int32(code), raw, .int32(dtype), count, .uint64(UInt64(size)), .pointer(scales),
            .int32(Int32(SumSlot.error(format).rawValue)), .pointer(slots), .pointer(keys),
            .pointer(codeCounts(format)),
          ])
      }
    }

    // MARK: Between the passes
    let keyValues = try session.download(UInt64.self, from: keys, count: KeySlot.count)
    let counterValues = try session.download(UInt64.self, from: counters, count: 3)
    let zeros = counterValues[0]
    let nans = counterValues[1]
    let infinities = counterValues[2]
    let finiteCount = n - Int(nans + infinities)
    var lo = Float(-Self.decode(keyValues[KeySlot.negatedMin.rawValue]))
    var hi = Float(Self.decode(keyValues[KeySlot.max.rawValue]))
    if finiteCount == 0 {
      lo = 0
      hi = 0
    }
    let pass1Sums = try reduceSums(sums(0), grid: Int(grid))
    let mean = finiteCount > 0 ? pass1Sums[SumSlot.weight.rawValue] / Double(finiteCount) : 0
    let sumSquares = pass1Sums[SumSlot.weightSquared.rawValue]
    let isFinite = nans == 0 && infinities == 0
    // int8 is row-wise: it needs rows (≥ 2-D), as in CPUTensorPipeline.
    let computed = (formatsEnabled && isFinite ? requested : []).filter { $0 != .int8 || cols > 0 }

    var int8Defined = true
    if computed.contains(.int8) {
      try kernels.launch(
        "qs_round_f16_kernel", grid: (grid, 1), stream: stream0, api: api,
        [.pointer(rowAbsmax), .uint64(UInt64(rows))])
      // fp16(row absmax) = +inf exactly when some |w| ≥ 65520 (FORMATS.md §6: int8 undefined).
      int8Defined = !(hi >= 65520 || lo <= -65520)
    }
    let wantsSecondLevel = computed.contains(.nf4dq) || computed.contains(.fp4dq)
    if wantsSecondLevel && blocks > 0 {
      let partials = at(layout.partials)
      try kernels.launch(
        "qs_absmax_sum_kernel", grid: (grid, 1), stream: stream0, api: api,
        [.pointer(absmax), .uint64(UInt64(blocks)), .pointer(partials)])
      let partialValues = try session.download(Double.self, from: partials, count: Int(grid))
      let total = partialValues.reduce(0, +)
      let offset = Float(total / Double(blocks))
      try kernels.launch(
        "qs_nf4dq_scales_kernel", grid: (grid, 1), stream: stream0, api: api,
        [
          .pointer(absmax), .uint64(UInt64(blocks)), .float(offset), .pointer(0), .pointer(0),
          .pointer(absmaxHat),
        ])
    }
    // Pass 2 runs on both streams: the rowmax rounding and the second-level scales (stream 0) must
    // be done.
    try CUDATrace.measure("synchronize stream 0") { () throws(CUDAError) in
      try api.check(api.cuStreamSynchronize(stream0), "cuStreamSynchronize")
    }

    // MARK: Pass 2
    let (loValue, hiValue) = settings.histogramBounds(min: Double(lo), max: Double(hi))
    let scale = hiValue > loValue ? Double(bins) / (hiValue - loValue) : 0.0
    let halfBins = Double(bins) * 0.5
    let sharedBytes = 2 * bins * 4
    let useShared = sharedBytes <= 40 * 1024
    let wantNF4 = computed.contains(.nf4) || computed.contains(.nf4dq)
    let wantDQ = computed.contains(.nf4dq)
    let wantFP4DQ = computed.contains(.fp4dq)
    let wantInt8 = computed.contains(.int8) && int8Defined
    try forEachChunk(upload: !resident, firstPass: false) { (chunk) throws(CUDAError) in
      guard chunk.count > 0 else { return }
      let raw = CUDAKernels.Argument.pointer(chunk.address)
      let count = CUDAKernels.Argument.uint64(UInt64(chunk.count))
      let firstBlock = UInt64(chunk.first / blocksize * 4)
      let slots = sums(chunk.streamIndex)
      try launch(
        "qs_histogram_segment_kernel", chunk, sharedBytes: useShared ? UInt32(sharedBytes) : 0,
        [
          raw, .int32(dtype), count, .uint64(UInt64(blocksize)), .pointer(absmax + firstBlock),
          .double(loValue), .double(scale), .double(halfBins), .uint32(UInt32(bins)),
          .pointer(at(layout.valueHistogram)), .pointer(at(layout.normalizedHistogram)),
          .double(mean), .pointer(slots), .int32(useShared ? 1 : 0),
        ])
      if wantNF4 {
        try launch(
          "qs_nf4_error_kernel", chunk,
          [
            raw, .int32(dtype), count, .uint64(UInt64(blocksize)), .pointer(absmax + firstBlock),
            .pointer(wantDQ ? absmaxHat + firstBlock : 0), .pointer(slots), .pointer(keys),
            .pointer(codeCounts(.nf4)), .pointer(wantDQ ? codeCounts(.nf4dq) : 0),
          ])
      }
      if wantFP4DQ {
        try launch(
          "qs_fp4_error_kernel", chunk,
          [
            raw, .int32(dtype), count, .uint64(UInt64(blocksize)), .pointer(absmax + firstBlock),
            .pointer(absmaxHat + firstBlock), .pointer(slots), .pointer(keys),
            .pointer(codeCounts(.fp4)), .pointer(codeCounts(.fp4dq)),
          ])
      }
      if wantInt8 {
        try launch(
          "qs_int8_error_kernel", chunk,
          [
            raw, .int32(dtype), .uint64(UInt64(chunk.first)), count, .uint64(UInt64(cols)),
            .pointer(rowAbsmax), .pointer(slots), .pointer(keys), .pointer(codeCounts(.int8)),
          ])
      }
    }
    try session.synchronize()

    // MARK: Reduction
    let totals = try reduceSums(sums(0), grid: Int(grid))
    let finalKeys = try session.download(UInt64.self, from: keys, count: KeySlot.count)
    let histogramCounts = try session.download(
      UInt64.self, from: at(layout.valueHistogram), count: bins)
    let normalizedCounts = try session.download(
      UInt64.self, from: at(layout.normalizedHistogram), count: bins)
    let stats = TensorStats(
      min: Double(lo), max: Double(hi), mean: mean,
      std: finiteCount > 0
        ? (totals[SumSlot.deviation.rawValue] / Double(finiteCount)).squareRoot() : 0,
      absmax: Double(max(abs(lo), abs(hi))), zeros: Int(zeros), nans: Int(nans),
      infinities: Int(infinities))

    var outliers: OutlierColumns?
    if cols > 0 {
      let columns = try session.download(Float.self, from: columnAbsmax, count: cols)
      let threshold = settings.threshold
      outliers = OutlierColumns(
        threshold: threshold, columnAbsmax: columns,
        indices: columns.indices.filter { columns[$0] >= threshold })
    }

    var metrics: [QuantFormat: FormatMetrics] = [:]
    if formatsEnabled {
      for format in settings.formats {
        let bits = format.bitsPerParam(blocksize: blocksize, cols: cols)
        guard computed.contains(format), format != .int8 || int8Defined else {
          metrics[format] = MetricsMath.undefined(format: format, bitsPerParam: bits)
          continue
        }
        let counts = try session.download(
          UInt64.self, from: codeCounts(format), count: format.codeBinCount)
        metrics[format] = MetricsMath.finish(
          sumSquaredError: totals[SumSlot.error(format).rawValue], sumSquaredWeight: sumSquares,
          maxAbsErr: Self.decode(finalKeys[KeySlot.error(format)]), counts: counts, elements: n,
          bitsPerParam: bits)
      }
    }
    let parts = TensorAnalysisParts(
      stats: stats, histogram: Histogram(lo: loValue, hi: hiValue, counts: histogramCounts),
      normalizedHistogram: Histogram(lo: -1, hi: 1, counts: normalizedCounts), outliers: outliers,
      formats: metrics)
    return (parts, try dequantizer?.usage(session: session, base: partsBase))
  }

  /// A kernel's `dtype` argument (kernels.cu `QS_LOAD_DTYPE` / `QS_ROUND_DTYPE`): how the chunk's
  /// bytes are read, and the dtype round trips are rounded to.
  static func kernelDType(load: DType, round: DType) -> Int32 {
    func code(_ dtype: DType) -> Int32 {
      switch dtype {
      case .F16: 1
      case .BF16: 2
      default: 0
      }
    }
    return code(load) | code(round) << 2
  }

  /// Adds the per-block float64 slots of both streams, slot by slot, in a fixed order.
  private func reduceSums(_ base: UInt64, grid: Int) throws(CUDAError) -> [Double] {
    let values = try session.download(Double.self, from: base, count: 2 * grid * SumSlot.count)
    var totals = [Double](repeating: 0, count: SumSlot.count)
    for block in 0..<(2 * grid) {
      for slot in 0..<SumSlot.count { totals[slot] += values[block * SumSlot.count + slot] }
    }
    return totals
  }

  /// Inverse of kernels.cu `qs_double_key`; key 0 (nothing recorded) decodes to −inf.
  static func decode(_ key: UInt64) -> Double {
    if key == 0 { return -.infinity }
    let bits = key >> 63 == 1 ? key & ~(UInt64(1) << 63) : ~key
    return Double(bitPattern: bits)
  }
}

extension CUDATensorPipeline.SumSlot {
  /// The error slot of a format.
  static func error(_ format: QuantFormat) -> Self {
    switch format {
    case .nf4: .nf4
    case .nf4dq: .nf4dq
    case .fp4: .fp4
    case .fp4dq: .fp4dq
    case .int8: .int8
    case .dyn8: .dyn8
    case .int4: .int4
    }
  }
}
