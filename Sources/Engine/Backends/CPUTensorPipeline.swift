import CQuantKernels
import Dispatch
import Safetensors
import Synchronization

/// The two-pass analysis of one tensor on the CPU (see `CPUBackend` for the design); the GPU's
/// twin is `CUDATensorPipeline`.
struct CPUTensorPipeline {
  let source: any ValueSource
  let settings: AnalysisSettings
  let formatsEnabled: Bool
  let threads: Int
  let segmentElements: Int

  func execute(
    cancel: CancellationFlag?, progress: (@Sendable (UInt64) -> Void)?
  ) throws(EngineError) -> TensorAnalysisParts {
    let n = source.count
    let shape = source.shape
    let blocksize = settings.blocksize
    let segment = segmentElements
    let segments = (n + segment - 1) / segment
    let cols = shape.count >= 2 ? shape.dropFirst().reduce(1, *) : 0
    let rows = cols > 0 ? n / cols : 0
    let blocks = (n + blocksize - 1) / blocksize
    let workers = max(1, min(threads, segments))
    let bins = settings.bins

    // MARK: Pass 1: statistics, block/row/column maxima
    let blockAbsmax = SharedBuffer<Float>(count: blocks)
    let rowBits = SharedBuffer<UInt32>(count: rows)
    // Column maxima are per worker; a very wide tensor keeps pass 1 on one worker so that memory
    // stays at one column array.
    let statsWorkers = cols > 1 << 20 ? 1 : workers
    let columnAbsmax = SharedBuffer<Float>(count: cols * statsWorkers)
    let segmentStats = SharedBuffer<qs_stats_acc>(count: segments)
    try forEachSegment(workers: statsWorkers, segments: segments, cancel: cancel) {
      worker, index, floats, count in
      var acc = qs_stats_acc()
      qs_stats_init(&acc)
      let start = index * segment
      qs_stats_segment(
        floats, count, start, blocksize, blockAbsmax.base, cols,
        cols > 0 ? columnAbsmax.base + worker * cols : nil, rows > 0 ? rowBits.base : nil, &acc)
      segmentStats.base[index] = acc
    }
    var sum = 0.0
    var sumSquares = 0.0
    var lo = Float.infinity
    var hi = -Float.infinity
    var zeros: UInt64 = 0
    var nans: UInt64 = 0
    var infinities: UInt64 = 0
    for index in 0..<segments {
      let acc = segmentStats.base[index]
      sum += acc.sum
      sumSquares += acc.sum_sq
      lo = min(lo, acc.min)
      hi = max(hi, acc.max)
      zeros += acc.zeros
      nans += acc.nans
      infinities += acc.infs
    }
    let finiteCount = n - Int(nans + infinities)
    if finiteCount == 0 {
      lo = 0
      hi = 0
    }
    let mean = finiteCount > 0 ? sum / Double(finiteCount) : 0
    let isFinite = nans == 0 && infinities == 0

    var outliers: OutlierColumns?
    if cols > 0 {
      var columns = [Float](repeating: 0, count: cols)
      for worker in 0..<statsWorkers {
        let base = columnAbsmax.base + worker * cols
        for column in 0..<cols where base[column] > columns[column] {
          columns[column] = base[column]
        }
      }
      let threshold = settings.threshold
      let indices = columns.indices.filter { columns[$0] >= threshold }
      outliers = OutlierColumns(threshold: threshold, columnAbsmax: columns, indices: indices)
    }

    // MARK: Between the passes: derived scales
    let requested = Set(settings.formats)
    // int8 is row-wise: it needs rows (≥ 2-D); without them it is reported undefined (NaN).
    let formats = (formatsEnabled && isFinite && n > 0 ? requested : []).filter {
      $0 != .int8 || cols > 0
    }
    let dyn8Blocks = (n + 4095) / 4096
    let dyn8Absmax = SharedBuffer<Float>(count: formats.contains(.dyn8) ? dyn8Blocks : 0)
    if formats.contains(.dyn8) {
      let perDyn8 = 4096 / blocksize
      for block in 0..<dyn8Blocks {
        var m: Float = 0
        for inner in (block * perDyn8)..<min((block + 1) * perDyn8, blocks) {
          m = max(m, blockAbsmax.base[inner])
        }
        dyn8Absmax.base[block] = m
      }
    }
    var int8Defined = true
    let rowmax = SharedBuffer<Float>(count: formats.contains(.int8) ? rows : 0)
    if formats.contains(.int8) {
      for row in 0..<rows {
        let value = qs_round_to_dtype_ref(Float(bitPattern: rowBits.base[row]), QS_DTYPE_F16)
        if value.isInfinite { int8Defined = false }
        rowmax.base[row] = value
      }
    }
    // nf4-dq and fp4-dq share one second level: nf4 and fp4 have the same block maxima.
    let wantsSecondLevel = formats.contains(.nf4dq) || formats.contains(.fp4dq)
    let absmaxHat = SharedBuffer<Float>(count: wantsSecondLevel ? blocks : 0)
    if wantsSecondLevel && blocks > 0 {
      var offset: Float = 0
      var qabsmax = [UInt8](repeating: 0, count: blocks)
      var absmax2 = [Float](repeating: 0, count: (blocks + 255) / 256)
      qs_nf4dq_scales(blockAbsmax.base, blocks, &offset, &qabsmax, &absmax2, absmaxHat.base)
    }

    // MARK: Pass 2: histograms, deviation, round-trip errors
    let slots = FormatSlot.allCases.count
    let errors = SharedBuffer<qs_error_acc>(count: segments * slots)
    let deviations = SharedBuffer<Double>(count: segments)
    let valueCounts = SharedBuffer<UInt64>(count: bins * workers)
    let normalizedCounts = SharedBuffer<UInt64>(count: bins * workers)
    let dtype = KernelDType(source.dtype)
    let wantNF4 = formats.contains(.nf4) || formats.contains(.nf4dq)
    let wantFP4 = formats.contains(.fp4)
    let wantInt4 = formats.contains(.int4)
    let wantDQ = formats.contains(.nf4dq)
    let wantFP4DQ = formats.contains(.fp4dq)
    let wantInt8 = formats.contains(.int8) && int8Defined
    let wantDyn8 = formats.contains(.dyn8)
    // dyn8 and int8 together run as one sweep that counts the pair of codes in a per-worker table
    // of 65,536 counters (the kernel leaves it zeroed for the next segment).
    let joints = SharedBuffer<UInt32>(count: wantDyn8 && wantInt8 ? (1 << 16) * workers : 0)
    let bytesPerElement = source.bytesPerElement
    let (loValue, hiValue) = settings.histogramBounds(min: Double(lo), max: Double(hi))
    try forEachSegment(workers: workers, segments: segments, cancel: cancel) {
      worker, index, floats, count in
      let start = index * segment
      var deviation = 0.0
      qs_histogram_segment(
        floats, count, start, blocksize, blockAbsmax.base, loValue, hiValue, bins,
        valueCounts.base + worker * bins, normalizedCounts.base + worker * bins, mean, &deviation)
      deviations.base[index] = deviation
      let slot = errors.base + index * slots
      // nf4, nf4-dq, fp4, fp4-dq and int4 share the block absmax and x: one fused sweep.
      if wantNF4 || wantFP4 || wantFP4DQ || wantInt4 {
        qs_block4_error(
          floats, count, start, blocksize, blockAbsmax.base,
          wantDQ || wantFP4DQ ? absmaxHat.base : nil, dtype,
          formats.contains(.nf4) ? slot + FormatSlot.nf4.rawValue : nil,
          wantDQ ? slot + FormatSlot.nf4dq.rawValue : nil,
          wantFP4 ? slot + FormatSlot.fp4.rawValue : nil,
          wantFP4DQ ? slot + FormatSlot.fp4dq.rawValue : nil,
          wantInt4 ? slot + FormatSlot.int4.rawValue : nil)
      }
      if wantDyn8 && wantInt8 {
        qs_dyn8_int8_error(
          floats, count, start, dyn8Absmax.base, dtype, cols, rowmax.base,
          slot + FormatSlot.dyn8.rawValue, slot + FormatSlot.int8.rawValue,
          joints.base + (worker << 16))
      } else if wantDyn8 {
        qs_block_error(
          QS_BLOCK_DYN8, floats, count, start, 4096, dyn8Absmax.base, dtype,
          slot + FormatSlot.dyn8.rawValue)
      } else if wantInt8 {
        qs_int8_error(floats, count, start, cols, rowmax.base, slot + FormatSlot.int8.rawValue)
      }
      progress?(UInt64((Double(count) * bytesPerElement).rounded()))
    }

    // MARK: Reduction in segment order
    var deviation = 0.0
    for index in 0..<segments { deviation += deviations.base[index] }
    var histogramCounts = [UInt64](repeating: 0, count: bins)
    var normalized = [UInt64](repeating: 0, count: bins)
    for worker in 0..<workers {
      for bin in 0..<bins {
        histogramCounts[bin] += valueCounts.base[worker * bins + bin]
        normalized[bin] += normalizedCounts.base[worker * bins + bin]
      }
    }
    let stats = TensorStats(
      min: Double(lo), max: Double(hi), mean: mean,
      std: finiteCount > 0 ? (deviation / Double(finiteCount)).squareRoot() : 0,
      absmax: Double(max(abs(lo), abs(hi))), zeros: Int(zeros), nans: Int(nans),
      infinities: Int(infinities))

    var metrics: [QuantFormat: FormatMetrics] = [:]
    if formatsEnabled && n > 0 {
      for format in settings.formats {
        let bits = format.bitsPerParam(blocksize: blocksize, cols: cols)
        guard formats.contains(format), format != .int8 || int8Defined else {
          metrics[format] = MetricsMath.undefined(format: format, bitsPerParam: bits)
          continue
        }
        let slot = FormatSlot(format).rawValue
        var sumError = 0.0
        var maxError = 0.0
        var counts = [UInt64](repeating: 0, count: format.codeBinCount)
        for index in 0..<segments {
          let acc = errors.base[index * slots + slot]
          sumError += acc.sum_sq_err
          maxError = max(maxError, acc.max_abs_err)
          withUnsafeBytes(of: acc.counts) { raw in
            let source = raw.bindMemory(to: UInt64.self)
            for bin in 0..<counts.count { counts[bin] += source[bin] }
          }
        }
        metrics[format] = MetricsMath.finish(
          sumSquaredError: sumError, sumSquaredWeight: sumSquares, maxAbsErr: maxError,
          counts: counts, elements: n, bitsPerParam: bits)
      }
    }
    return TensorAnalysisParts(
      stats: stats, histogram: Histogram(lo: loValue, hi: hiValue, counts: histogramCounts),
      normalizedHistogram: Histogram(lo: -1, hi: 1, counts: normalized), outliers: outliers,
      formats: metrics)
  }

  /// Runs `body(worker, segment, floats, count)` for every segment, shared out to `workers`
  /// threads that each own one float buffer and one raw buffer, reused across segments.
  private func forEachSegment(
    workers: Int, segments: Int, cancel: CancellationFlag?,
    _ body: @escaping @Sendable (Int, Int, UnsafeMutablePointer<Float>, Int) -> Void
  ) throws(EngineError) {
    guard segments > 0 else { return }
    let queue = WorkCursor(count: segments)
    let segment = segmentElements
    let n = source.count
    let source = self.source
    let work: @Sendable (Int) -> Void = { worker in
      let floats = UnsafeMutablePointer<Float>.allocate(capacity: segment)
      let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: segment * 8, alignment: 64)
      defer {
        floats.deallocate()
        scratch.deallocate()
      }
      while let index = queue.claim(cancel: cancel) {
        let start = index * segment
        let count = min(segment, n - start)
        do throws(EngineError) {
          try source.load(start: start, count: count, into: floats, scratch: scratch)
        } catch {
          queue.fail(error)
          return
        }
        body(worker, index, floats, count)
      }
    }
    if workers == 1 {
      work(0)
    } else {
      DispatchQueue.concurrentPerform(iterations: workers) { work($0) }
    }
    try queue.throwFailure()
  }
}
