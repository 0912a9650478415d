import Safetensors

/// Model-level figures per format: param-weighted errors over the quantizable tensors and the
/// memory footprint of the whole model when those tensors are stored in the format.
///
/// Errors are aggregated over analysed quantizable tensors only (what bitsandbytes would quantize);
/// memory counts every tensor as bitsandbytes stores it: quantizable ones in the format (or
/// 16-bit when kept), other floating tensors at 16 bits per parameter as a loader would hold them
/// for training, and integer buffers (position ids, …) at their stored size. A format that covers
/// no tensor has NaN errors and bits (shown as "-" / null), never a perfect score.
public struct ModelTotals: Sendable, Hashable {
  /// Aggregate of one format.
  public struct FormatTotal: Sendable, Hashable {
    /// Parameters of the analysed quantizable tensors this total covers.
    public var params: Int
    /// Number of tensors covered.
    public var tensors: Int
    /// Σ(ŵ − w)² / params: the param-weighted mean of the tensors' mse.
    public var mse: Double
    /// Param-weighted mean of the tensors' rel_err: Σ pᵢ·rel_errᵢ / Σ pᵢ.
    public var relErr: Double
    /// The SQNR of that rel_err, −20·log10(relErr) (as for one tensor): +inf when exact. (Pooling
    /// ΣS_w / ΣS_e instead would weight tensors by their energy and disagree with `relErr`.)
    public var sqnrDB: Double
    /// Param-weighted nominal bits per parameter of the covered tensors.
    public var bitsPerParam: Double
    /// The model's weights in bytes with every quantizable tensor in this format (bitsandbytes' storage).
    public var bytes: UInt64
    /// Covered tensors already stored in this format in the file: their error cannot be measured,
    /// so neither can the total's (`isUnmeasurable`).
    public var storedTensors: Int = 0

    /// True when some covered tensor is stored in this format: the errors are NaN, and every view
    /// shows `StoredCodeUsage.unmeasurableCell` instead.
    public var isUnmeasurable: Bool { storedTensors > 0 }
  }

  /// Parameters of every tensor of the model.
  public var params: Int
  /// Parameters of the quantizable tensors (analysed or not).
  public var quantizableParams: Int
  /// Model size with every floating tensor in 16 bits (integer buffers as stored).
  public var bytes16: UInt64
  public var formats: [QuantFormat: FormatTotal]

  let tensors: [TensorInfo]
  /// Per tensor: does bitsandbytes quantize it (the architecture's decision).
  public let quantizable: [Bool]
  private let blocksize: Int

  /// - Parameters:
  ///   - tensors: the checkpoint's tensors.
  ///   - analyses: results by tensor index (nil = not analysed yet, or not analysable).
  /// - Complexity: O(tensors × formats).
  ///   - architecture: decides which tensors are quantizable (default: by name and shape alone).
  public init(
    tensors: [TensorInfo], analyses: [TensorAnalysis?], settings: AnalysisSettings,
    architecture: ModelArchitecture? = nil
  ) {
    self.tensors = tensors
    self.blocksize = settings.blocksize
    let architecture = architecture ?? ModelArchitecture(config: nil, tensorNames: [])
    self.quantizable = tensors.map { architecture.role(of: $0).quantizable }
    params = tensors.reduce(0) { $0 + $1.elementCount }
    quantizableParams = zip(tensors, quantizable).reduce(0) { $0 + ($1.1 ? $1.0.elementCount : 0) }
    bytes16 = tensors.reduce(UInt64(0)) { $0 + Self.unquantizedBytes($1) }
    formats = [:]
    for format in settings.formats {
      var covered = 0
      var count = 0
      var stored = 0
      var sumError = 0.0
      var weightedRel = 0.0
      var weightedBits = 0.0
      for (index, analysis) in analyses.enumerated() where index < tensors.count {
        guard quantizable[index], let analysis, let metrics = analysis.formats[format] else {
          continue
        }
        let p = analysis.params
        covered += p
        count += 1
        if analysis.isStoredFormat(format) { stored += 1 }
        sumError += metrics.sumSquaredError
        weightedRel += Double(p) * metrics.relErr
        weightedBits += Double(p) * metrics.bitsPerParam
      }
      let denominator = covered > 0 ? Double(covered) : .nan
      let relErr = weightedRel / denominator
      formats[format] = FormatTotal(
        params: covered, tensors: count, mse: sumError / denominator, relErr: relErr,
        sqnrDB: relErr == 0 ? .infinity : -20 * log10(relErr),
        bitsPerParam: weightedBits / denominator,
        bytes: memoryBytes(format: format, keeping: []), storedTensors: stored)
    }
  }

  /// The model's weights as bitsandbytes stores them (`BitsandbytesStorage`, block size 64) with
  /// the quantizable tensors in `format`, except the tensors named in `kept`, which stay 16-bit
  /// like every non-quantizable tensor.
  public func memoryBytes(format: QuantFormat, keeping kept: Set<String>) -> UInt64 {
    BitsandbytesStorage.modelBytes(
      tensors, quantizable: quantizable, layout: BitsandbytesStorage.layout(of: format), kept: kept)
  }

  /// Bytes of a tensor left unquantized: 16 bits per parameter for floating tensors, the stored
  /// size for the others.
  static func unquantizedBytes(_ tensor: TensorInfo) -> UInt64 {
    BitsandbytesStorage.unquantizedBytes(tensor)
  }
}

#if canImport(Glibc)
  import Glibc
#endif
