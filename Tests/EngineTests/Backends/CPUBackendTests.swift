import Safetensors
import TestSupport
import Testing

@testable import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// The streaming CPU analysis against the whole-array reference, across segmentations, threads,
/// dtypes and edge cases.
@Suite struct CPUBackendTests {}

/// Float64 sums taken in another order (lanes, segments) differ at the 1e-16 level; 1e-12 leaves
/// room for the large error sums while still catching any real difference.
private let reorderedSumTolerance = 1e-12

private func close(_ a: Double, _ b: Double, _ tolerance: Double = reorderedSumTolerance) -> Bool {
  if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
  if a == b { return true }
  return abs(a - b) <= tolerance * max(abs(a), abs(b))
}

private func stored(_ values: [Float], _ dtype: DType) -> [Float] {
  switch dtype {
  case .F16: values.map { Float(Float16($0)) }
  case .BF16: values.map { Float(bitPattern: UInt32(bfloat16Bits($0)) << 16) }
  default: values
  }
}

private func expectMatchesReference(
  _ values: [Float], dtype: DType, shape: [Int], blocksize: Int = 64, segmentElements: Int = 4096,
  threads: Int = 2, sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let settings = AnalysisSettings(blocksize: blocksize)
  let parts = try CPUBackend.analyse(
    values: values, dtype: dtype, shape: shape, settings: settings, threads: threads,
    segmentElements: segmentElements, formatsForAllRanks: true)
  let cols = shape.count >= 2 ? shape.dropFirst().reduce(1, *) : values.count
  // int8 is row-wise: the backend defines it for ≥ 2-D tensors only.
  for format in QuantFormat.allCases where format != .int8 || shape.count >= 2 {
    let roundTrip = FormatReference.roundTrip(
      format, values: values, dtype: dtype, shape: shape.count >= 2 ? shape : [1, values.count],
      blocksize: blocksize)
    let expected = FormatReference.metrics(
      format, values: values, roundTrip: roundTrip, blocksize: blocksize, cols: cols)
    let actual = try #require(parts.formats[format], sourceLocation: sourceLocation)
    let label = "\(format) \(dtype) \(shape)"
    #expect(close(actual.mse, expected.mse), "\(label) mse", sourceLocation: sourceLocation)
    #expect(close(actual.sqnrDB, expected.sqnrDB), "\(label) sqnr", sourceLocation: sourceLocation)
    #expect(
      actual.maxAbsErr == expected.maxAbsErr
        || (actual.maxAbsErr.isNaN && expected.maxAbsErr.isNaN), "\(label) max",
      sourceLocation: sourceLocation)
    #expect(
      actual.codeCounts == expected.codeCounts, "\(label) counts", sourceLocation: sourceLocation)
    #expect(
      close(actual.codeEntropyBits, expected.codeEntropyBits), "\(label) entropy",
      sourceLocation: sourceLocation)
  }
}

extension CPUBackendTests {
  @Test(arguments: [DType.F32, .F16, .BF16])
  func streamingEqualsWholeArrayReference(dtype: DType) throws {
    var data = SeededData(seed: 21)
    // Rows of 200: blocks straddle rows; 3 segments of 4096 plus a partial one.
    let values = stored(data.weights(96 * 200), dtype)
    try expectMatchesReference(values, dtype: dtype, shape: [96, 200])
    try expectMatchesReference(values, dtype: dtype, shape: [96, 200], blocksize: 128, threads: 1)
  }

  @Test func lengthsAroundBlocksAndSegments() throws {
    var data = SeededData(seed: 22)
    for length in [1, 5, 63, 64, 65, 4095, 4096, 4097, 8193] {
      let values = data.weights(length)
      try expectMatchesReference(values, dtype: .F32, shape: [length])
    }
  }

  @Test func resultsDoNotDependOnThreads() throws {
    var data = SeededData(seed: 23)
    let values = data.weights(64 * 1000)
    let settings = AnalysisSettings()
    let one = try CPUBackend.analyse(
      values: values, dtype: .F32, shape: [64, 1000], settings: settings, threads: 1,
      segmentElements: 4096)
    let four = try CPUBackend.analyse(
      values: values, dtype: .F32, shape: [64, 1000], settings: settings, threads: 4,
      segmentElements: 4096)
    for format in QuantFormat.allCases {
      #expect(one.formats[format] == four.formats[format], "\(format)")
    }
    #expect(one.stats == four.stats)
    #expect(one.histogram == four.histogram)
    #expect(one.normalizedHistogram == four.normalizedHistogram)
    #expect(one.outliers == four.outliers)
  }

  @Test func allZeroTensorIsExact() throws {
    let parts = try CPUBackend.analyse(
      values: [Float](repeating: 0, count: 300), dtype: .F16, shape: [3, 100],
      settings: AnalysisSettings())
    for format in QuantFormat.allCases {
      let metrics = try #require(parts.formats[format])
      #expect(metrics.mse == 0 && metrics.relErr == 0 && metrics.sqnrDB == .infinity, "\(format)")
      #expect(metrics.codeEntropyBits == 0)
    }
    #expect(parts.stats.zeros == 300)
    #expect(parts.histogram.counts.reduce(0, +) == 300)
  }

  @Test func nonFiniteTensorHasNaNMetrics() throws {
    var values = [Float](repeating: 0.5, count: 256)
    values[17] = .nan
    values[99] = -.infinity
    let parts = try CPUBackend.analyse(
      values: values, dtype: .F32, shape: [4, 64], settings: AnalysisSettings())
    for format in QuantFormat.allCases {
      #expect(try #require(parts.formats[format]).mse.isNaN, "\(format)")
    }
    #expect(parts.stats.nans == 1 && parts.stats.infinities == 1)
    #expect(parts.stats.min == 0.5 && parts.stats.max == 0.5)
    #expect(parts.histogram.counts.reduce(0, +) == 254)
  }

  @Test func int8UndefinedWhenFP16Overflows() throws {
    var values = [Float](repeating: 0.5, count: 128)
    values[3] = 70000
    let parts = try CPUBackend.analyse(
      values: values, dtype: .F32, shape: [2, 64], settings: AnalysisSettings())
    #expect(try #require(parts.formats[.int8]).mse.isNaN)
    #expect(try #require(parts.formats[.nf4]).mse.isFinite)
  }

  @Test func statsHistogramsAndOutliers() throws {
    // W[3, 4] with an outlier column (1) and a value of exactly the threshold (column 3).
    let values: [Float] = [0.5, -7, 2, 6, 3, 1, -1, 0.25, -2, 0, 1.5, -5.9999995]
    let parts = try CPUBackend.analyse(
      values: values, dtype: .F32, shape: [3, 4], settings: AnalysisSettings(bins: 4))
    let outliers = try #require(parts.outliers)
    #expect(outliers.indices == [1, 3])
    #expect(outliers.columnAbsmax == [3, 7, 2, 6])
    #expect(parts.stats.min == -7 && parts.stats.max == 6 && parts.stats.absmax == 7)
    #expect(parts.stats.zeros == 1)
    let mean = values.reduce(0.0) { $0 + Double($1) } / 12
    #expect(close(parts.stats.mean, mean))
    // Bins of width 13/4 over [-7, 6]: -7 -5.9999995 | -2 -1 | 0 0.25 0.5 1 1.5 2 | 3 6.
    #expect(parts.histogram.counts == [2, 2, 6, 2])
    #expect(parts.normalizedHistogram.counts.reduce(0, +) == 12)
  }

  /// A set histogram range: bins of width 1 over [-2, 2]; values outside land in the end bins
  /// (every finite value is counted); the statistics still span the data.
  @Test func histogramRangeClampsIntoTheEndBins() throws {
    let values: [Float] = [0.5, -7, 2, 6, 3, 1, -1, 0.25, -2, 0, 1.5, -5.9999995]
    let parts = try CPUBackend.analyse(
      values: values, dtype: .F32, shape: [3, 4],
      settings: AnalysisSettings(bins: 4, histogramRange: ValueRange(lo: -2, hi: 2)))
    #expect(parts.histogram.lo == -2 && parts.histogram.hi == 2)
    // [-2,-1): -7 -5.9999995 -2 | [-1,0): -1 | [0,1): 0 0.25 0.5 | [1,2]: 1 1.5 2 3 6.
    #expect(parts.histogram.counts == [3, 1, 3, 5])
    #expect(parts.stats.min == -7 && parts.stats.max == 6)
  }

  @Test func rejectsInvalidSettings() {
    #expect(throws: EngineError.self) {
      try CPUBackend.analyse(
        values: [1], dtype: .F32, shape: [1], settings: AnalysisSettings(blocksize: 48))
    }
    #expect(throws: EngineError.self) {
      try CPUBackend.analyse(
        values: [1], dtype: .F32, shape: [1], settings: AnalysisSettings(bins: 0))
    }
  }

  @Test func emptyTensor() throws {
    let parts = try CPUBackend.analyse(
      values: [], dtype: .BF16, shape: [0, 4], settings: AnalysisSettings())
    #expect(parts.formats.isEmpty)
    #expect(parts.stats.min == 0 && parts.stats.max == 0 && parts.stats.zeros == 0)
    #expect(parts.histogram.counts.reduce(0, +) == 0)
    #expect(parts.outliers?.indices == [])
  }

  @Test func oneDimensionalTensorsHaveNoFormats() throws {
    let parts = try CPUBackend.analyse(
      values: [1, 2, 3], dtype: .F32, shape: [3], settings: AnalysisSettings())
    #expect(parts.formats.isEmpty)
    #expect(parts.outliers == nil)
  }

  @Test func metricsAreConsistent() throws {
    var data = SeededData(seed: 24)
    let values = data.weights(64 * 64)
    let parts = try CPUBackend.analyse(
      values: values, dtype: .F32, shape: [64, 64], settings: AnalysisSettings())
    let sumWeight = values.reduce(0.0) { $0 + Double($1) * Double($1) }
    for (format, metrics) in parts.formats {
      #expect(close(metrics.rmse * metrics.rmse, metrics.mse), "\(format)")
      #expect(close(metrics.sumSquaredError, metrics.mse * 4096), "\(format)")
      #expect(
        close(metrics.relErr, (metrics.sumSquaredError / sumWeight).squareRoot()), "\(format)")
      #expect(close(metrics.sqnrDB, -20 * log10(metrics.relErr)), "\(format)")
      #expect(metrics.codeCounts.reduce(0, +) == 4096)
    }
  }
}
