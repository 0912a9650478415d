import CQuantKernels
import Dispatch
import Safetensors
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The CPU analysis engine: the reference backend, streaming each tensor from disk in two passes.
///
/// **Passes.** A tensor is cut into segments of `segmentElements` elements (a multiple of 4096,
/// so no block of any format straddles two segments), read with `TensorDataReader.readBytes` into
/// reused per-thread buffers and converted by the C fast path (F32, F16, BF16; other analysable
/// dtypes through `readFloats`).
/// 1. Statistics (float64 sums, finite min/max, zero/NaN/inf counts), the absmax of every block
///    (`settings.blocksize`), the absmax of every row and column (≥ 2-D). dyn8's 4096-block maxima,
///    int8's rowmax (= fp16(row absmax), rounding being monotonic) and the double-quant second level
///    of nf4-dq and fp4-dq (which needs the mean of all block maxima) are derived from these between the passes.
/// 2. The value histogram over [min, max] (known only after pass 1), the block-normalised
///    histogram, Σ(w − mean)² for the standard deviation, and the fused round trip + error kernel of
///    every requested format — no codes array is ever stored.
///
/// **Threads and determinism.** The segments of a tensor are shared out to `threads` workers; every
/// float64 partial sum is kept per segment and reduced in segment order, so the result does not
/// depend on the thread count or the scheduling. Rows and columns need no alignment of the splits:
/// their maxima are merged with max (order-free) — per-thread column arrays, an atomic max per row.
///
/// **Memory.** Per thread: one segment of raw bytes and one of floats (≤ 3 MiB). Per tensor: the
/// block scales (4 bytes per block, twice for nf4-dq or fp4-dq), row and column maxima, and 2 KiB of
/// accumulators per format and segment.
public struct CPUBackend: Backend {
  /// Worker threads used within one tensor.
  public let threads: Int
  /// Elements per segment (the unit of reading and of work sharing).
  public let segmentElements: Int

  public var displayName: String { "cpu ×\(threads)" }
  public var identifier: String { "cpu" }

  private let readers = ReaderCache()

  /// - Parameter threads: worker threads per tensor; default: the number of online cores.
  public init(threads: Int = CPUBackend.coreCount) {
    self.init(threads: threads, segmentElements: 1 << 18)
  }

  /// `segmentElements` is rounded up to a multiple of 4096 (for tests of segment boundaries).
  package init(threads: Int, segmentElements: Int) {
    self.threads = max(1, threads)
    self.segmentElements = max(4096, (segmentElements + 4095) / 4096 * 4096)
  }

  /// The number of online CPU cores (at least 1).
  public static var coreCount: Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
  }

  public func analyse(
    _ tensor: TensorInfo, in checkpoint: Checkpoint, settings: AnalysisSettings,
    cancel: CancellationFlag?, progress: (@Sendable (UInt64) -> Void)?
  ) throws(EngineError) -> TensorAnalysis {
    try Self.validate(settings)
    let reader = try readers.reader(for: checkpoint)
    let role = ModelArchitecture(checkpoint).role(of: tensor)
    let source: any ValueSource =
      role.transposed && tensor.shape.count == 2
      ? try TransposedValues.source(tensor, reader: reader, checkpointPath: checkpoint.path)
      : TensorSource(reader: reader, tensor: tensor, checkpointPath: checkpoint.path)
    let pipeline = CPUTensorPipeline(
      source: source, settings: settings, formatsEnabled: tensor.shape.count >= 2,
      threads: threads, segmentElements: segmentElements)
    var result = TensorAnalysis(
      tensor, quantizable: role.quantizable,
      parts: try pipeline.execute(cancel: cancel, progress: progress))
    if let stored = tensor.stored {
      let usage = try StoredCodeUsage.count(
        tensor, stored: stored, reader: reader, checkpointPath: checkpoint.path)
      StoredCodeUsage.apply(usage, stored: stored, to: &result)
    }
    return result
  }

  /// Analyses values already in memory (tests; formats for any rank when `formatsForAllRanks`).
  package static func analyse(
    values: [Float], dtype: DType, shape: [Int], settings: AnalysisSettings, threads: Int = 1,
    segmentElements: Int = 1 << 18, formatsForAllRanks: Bool = false
  ) throws(EngineError) -> TensorAnalysisParts {
    try validate(settings)
    let pipeline = CPUTensorPipeline(
      source: MemorySource(values: values, dtype: dtype, shape: shape), settings: settings,
      formatsEnabled: formatsForAllRanks || shape.count >= 2, threads: threads,
      segmentElements: max(4096, (segmentElements + 4095) / 4096 * 4096))
    return try pipeline.execute(cancel: nil, progress: nil)
  }

  static func validate(_ settings: AnalysisSettings) throws(EngineError) {
    if !QuantFormat.isValidBlocksize(settings.blocksize) {
      throw .invalidSettings(
        "block size \(settings.blocksize): must be a power of two from 32 to 4096")
    }
    if settings.bins < 1 || settings.bins > 1 << 20 {
      throw .invalidSettings("bins \(settings.bins): must be 1...1048576")
    }
    if !settings.threshold.isFinite || settings.threshold < 0 {
      throw .invalidSettings("threshold \(settings.threshold): must be a finite value ≥ 0")
    }
  }
}

/// The results of one tensor's analysis, before they are wrapped with the tensor's identity.
package struct TensorAnalysisParts: Sendable {
  package var stats: TensorStats
  package var histogram: Histogram
  package var normalizedHistogram: Histogram
  package var outliers: OutlierColumns?
  package var formats: [QuantFormat: FormatMetrics]
}

extension TensorAnalysis {
  /// The analysis of `tensor` from what a backend computed for it.
  init(_ tensor: TensorInfo, quantizable: Bool, parts: TensorAnalysisParts) {
    self.init(
      name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, params: tensor.elementCount,
      quantizable: quantizable,
      stats: parts.stats, histogram: parts.histogram,
      normalizedHistogram: parts.normalizedHistogram, outliers: parts.outliers,
      formats: parts.formats)
  }
}
