import FoundationEssentials
import Safetensors

/// Settings of one analysis run. Part of the cache key.
public struct AnalysisSettings: Sendable, Hashable, Codable {
  /// Formats to evaluate, in display order.
  public var formats: [QuantFormat]
  /// Block size of nf4, nf4-dq, fp4 and int4 (a power of two, 32...4096). dyn8 always uses 4096.
  public var blocksize: Int
  /// Outlier threshold on |w| (LLM.int8(): 6.0). A column is an outlier when max |w| ≥ threshold.
  public var threshold: Float
  /// Bins of the value histogram.
  public var bins: Int
  /// Range of the value histogram; nil: each tensor's [min, max]. Values outside a given range are
  /// counted in the first or last bin (the bin formula clamps), so every finite value is counted.
  public var histogramRange: ValueRange?

  public init(
    formats: [QuantFormat] = QuantFormat.allCases, blocksize: Int = 64, threshold: Float = 6.0,
    bins: Int = 64, histogramRange: ValueRange? = nil
  ) {
    self.formats = formats
    self.blocksize = blocksize
    self.threshold = threshold
    self.bins = bins
    self.histogramRange = histogramRange
  }

  /// The value histogram's range for a tensor whose finite values span [min, max].
  func histogramBounds(min: Double, max: Double) -> (lo: Double, hi: Double) {
    histogramRange.map { ($0.lo, $0.hi) } ?? (min, max)
  }
}

/// A closed interval of values, lo < hi (both finite).
public struct ValueRange: Sendable, Hashable, Codable {
  public var lo: Double
  public var hi: Double

  public init(lo: Double, hi: Double) {
    self.lo = lo
    self.hi = hi
  }
}

/// Streaming statistics of a tensor's values (float64 accumulation).
public struct TensorStats: Sendable, Hashable, Codable {
  public var min: Double
  public var max: Double
  public var mean: Double
  public var std: Double
  public var absmax: Double
  public var zeros: Int
  public var nans: Int
  public var infinities: Int
  public var nonfinite: Int { nans + infinities }

  public init(
    min: Double, max: Double, mean: Double, std: Double, absmax: Double, zeros: Int, nans: Int,
    infinities: Int
  ) {
    self.min = min
    self.max = max
    self.mean = mean
    self.std = std
    self.absmax = absmax
    self.zeros = zeros
    self.nans = nans
    self.infinities = infinities
  }
}

/// A fixed-range histogram: `counts.count` equal bins over [lo, hi]; the last bin includes hi.
public struct Histogram: Sendable, Hashable, Codable {
  public var lo: Double
  public var hi: Double
  public var counts: [UInt64]

  public init(lo: Double, hi: Double, counts: [UInt64]) {
    self.lo = lo
    self.hi = hi
    self.counts = counts
  }
}

/// Weight outlier columns [ours]: columns j of W[rows, cols] with max_i |W[i,j]| ≥ threshold.
public struct OutlierColumns: Sendable, Hashable, Codable {
  public var threshold: Float
  /// max |w| of every column (cols = product of shape[1...]).
  public var columnAbsmax: [Float]
  /// Ascending indices of the columns at or above the threshold.
  public var indices: [Int]

  public init(threshold: Float, columnAbsmax: [Float], indices: [Int]) {
    self.threshold = threshold
    self.columnAbsmax = columnAbsmax
    self.indices = indices
  }

  private enum CodingKeys: String, CodingKey {
    case threshold, indices
    case columnAbsmax = "columnAbsmaxF32LE"
  }

  // The column maxima (thousands per tensor, most of an analysis cache) are encoded as the base64
  // of their little-endian float32 bits: exact, and much faster to decode than a JSON array of
  // numbers (a 7B-shaped checkpoint's cache: 14.8 MB → 7.8 MB; `report` from it 0.84 s → 0.24 s).
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    threshold = try container.decode(Float.self, forKey: .threshold)
    indices = try container.decode([Int].self, forKey: .indices)
    let text = try container.decode(String.self, forKey: .columnAbsmax)
    guard let bytes = Data(base64Encoded: text), bytes.count % 4 == 0 else {
      throw DecodingError.dataCorruptedError(
        forKey: .columnAbsmax, in: container, debugDescription: "not base64 of float32 values")
    }
    columnAbsmax = bytes.withUnsafeBytes { raw in
      (0..<bytes.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(threshold, forKey: .threshold)
    try container.encode(indices, forKey: .indices)
    var bytes = Data(capacity: columnAbsmax.count * 4)
    for value in columnAbsmax {
      withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }
    try container.encode(bytes.base64EncodedString(), forKey: .columnAbsmax)
  }
}

/// Round-trip metrics of one format on one tensor (FORMATS.md §9), all float64.
/// NaN everywhere when the tensor holds NaN/±inf (or int8 overflows fp16).
public struct FormatMetrics: Sendable, Hashable, Codable {
  public var mse: Double
  public var rmse: Double
  public var maxAbsErr: Double
  public var relErr: Double
  /// `+infinity` for an exact round trip.
  public var sqnrDB: Double
  public var bitsPerParam: Double
  public var codeEntropyBits: Double
  /// Code-usage histogram (`QuantFormat.codeBinCount` bins).
  public var codeCounts: [UInt64]
  /// Σ (ŵ − w)² and Σ w², kept so totals can be param-weighted exactly.
  public var sumSquaredError: Double
  public var sumSquaredWeight: Double

  public init(
    mse: Double, rmse: Double, maxAbsErr: Double, relErr: Double, sqnrDB: Double,
    bitsPerParam: Double, codeEntropyBits: Double, codeCounts: [UInt64],
    sumSquaredError: Double, sumSquaredWeight: Double
  ) {
    self.mse = mse
    self.rmse = rmse
    self.maxAbsErr = maxAbsErr
    self.relErr = relErr
    self.sqnrDB = sqnrDB
    self.bitsPerParam = bitsPerParam
    self.codeEntropyBits = codeEntropyBits
    self.codeCounts = codeCounts
    self.sumSquaredError = sumSquaredError
    self.sumSquaredWeight = sumSquaredWeight
  }
}

/// Everything QuantScope knows about one tensor after analysis.
public struct TensorAnalysis: Sendable, Hashable, Codable {
  public var name: String
  public var dtype: DType
  public var shape: [Int]
  public var params: Int
  /// True for tensors bitsandbytes would quantize through transformers (see `Quantizability`).
  public var quantizable: Bool
  public var stats: TensorStats
  /// Histogram of the values over [min, max] (`settings.bins` bins).
  public var histogram: Histogram
  /// Histogram of w / absmax_block over [-1, 1] (blocks of `settings.blocksize`), what the bins
  /// overlay is drawn on.
  public var normalizedHistogram: Histogram
  /// Only for tensors with ≥ 2 dimensions.
  public var outliers: OutlierColumns?
  /// Only for tensors with ≥ 2 dimensions; keyed by format.
  public var formats: [QuantFormat: FormatMetrics]
  /// For a stored-quantized tensor: its own format's code usage, from the stored codes.
  public var stored: StoredCodeUsage?

  public init(
    name: String, dtype: DType, shape: [Int], params: Int, quantizable: Bool, stats: TensorStats,
    histogram: Histogram, normalizedHistogram: Histogram, outliers: OutlierColumns?,
    formats: [QuantFormat: FormatMetrics]
  ) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.params = params
    self.quantizable = quantizable
    self.stats = stats
    self.histogram = histogram
    self.normalizedHistogram = normalizedHistogram
    self.outliers = outliers
    self.formats = formats
  }

  /// True when `format` is the one the tensor is stored in: its error cannot be measured (the
  /// original weights are not in the file), only its code usage.
  public func isStoredFormat(_ format: QuantFormat) -> Bool {
    stored?.quantFormat == format
  }
}
