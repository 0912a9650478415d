import Engine
import Safetensors

/// The figures of one `QuantChoice` on one model: what the explorer's totals and memory line, the
/// export's comments and `plan` print for it. Derived in one place so they agree.
public struct ChoiceSummary: Sendable {
  public let choice: QuantChoice
  /// Error totals per analysed format over the tensors the choice quantizes (its kept tensors left
  /// out: they are not quantized).
  public let totals: ModelTotals
  /// The weights as bitsandbytes stores them under the choice.
  public let weightsBytes: UInt64
  /// The same with nothing kept: `weightsBytes − baseBytes` is what the kept tensors cost.
  public let baseBytes: UInt64
  /// Every floating tensor at 16 bits (integer buffers as stored).
  public let bytes16: UInt64
  /// The objective's value (`PlanObjective`); NaN when no quantized tensor was analysed.
  public let value: Double
  /// Quantizable tensors, and those analysed in the choice's error format.
  public let quantizableCount: Int
  public let analysedCount: Int

  /// - Parameter analyses: by tensor index (nil: not analysed).
  /// - Complexity: O(tensors × formats).
  /// - Parameter architecture: what bitsandbytes quantizes (nil: decided from the names alone).
  public init(
    choice: QuantChoice, tensors: [TensorInfo], analyses: [TensorAnalysis?],
    settings: AnalysisSettings,
    architecture: ModelArchitecture? = nil
  ) {
    self.choice = choice
    let kept = choice.appliedKept
    totals = Self.totals(
      tensors: tensors, analyses: analyses, settings: settings, kept: kept,
      architecture: architecture)
    let quantizable = totals.quantizable
    weightsBytes = BitsandbytesStorage.modelBytes(
      tensors, quantizable: quantizable, layout: choice.layout, kept: kept)
    baseBytes = BitsandbytesStorage.modelBytes(
      tensors, quantizable: quantizable, layout: choice.layout, kept: [])
    bytes16 = totals.bytes16
    let format = choice.errorFormat
    var quantizableParams = 0
    var weighted = 0.0
    var worst = -Double.infinity
    var quantizedAnalysed = 0
    var count = 0
    var analysed = 0
    for (index, tensor) in tensors.enumerated() where quantizable[index] {
      count += 1
      quantizableParams += tensor.elementCount
      guard index < analyses.count, let metrics = analyses[index]?.formats[format] else { continue }
      analysed += 1
      guard !kept.contains(tensor.name) else { continue }
      quantizedAnalysed += 1
      weighted += Double(tensor.elementCount) * metrics.relErr
      worst = max(worst, metrics.relErr)
    }
    quantizableCount = count
    analysedCount = analysed
    switch choice.objective {
    case .total:
      value = analysed == 0 ? .nan : weighted / Double(max(quantizableParams, 1))
    case .worst:
      value = analysed == 0 ? .nan : (quantizedAnalysed == 0 ? 0 : worst)
    }
  }

  /// What the kept tensors add to the weights (0 when keeping costs nothing or saves bytes).
  public var keptExtraBytes: UInt64 { weightsBytes > baseBytes ? weightsBytes - baseBytes : 0 }

  /// True while some quantizable tensor has no result in the choice's format.
  public var isPartial: Bool { analysedCount < quantizableCount }

  /// The total of the choice's error format over its quantized tensors, when any was analysed.
  public var chosenTotal: ModelTotals.FormatTotal? {
    guard let total = totals.formats[choice.errorFormat], total.tensors > 0 else { return nil }
    return total
  }

  /// Error totals per format with the tensors in `kept` left out (they stay 16-bit).
  public static func totals(
    tensors: [TensorInfo], analyses: [TensorAnalysis?], settings: AnalysisSettings,
    kept: Set<String>,
    architecture: ModelArchitecture? = nil
  ) -> ModelTotals {
    let quantized = analyses.enumerated().map { index, analysis in
      index < tensors.count && kept.contains(tensors[index].name) ? nil : analysis
    }
    return ModelTotals(
      tensors: tensors, analyses: quantized, settings: settings, architecture: architecture)
  }
}
