import Engine

/// What a plan minimises.
public enum PlanObjective: String, Sendable, Hashable, CaseIterable {
  /// Σ params·rel_err over the quantized tensors ÷ params of every quantizable tensor (a tensor
  /// kept in 16-bit counts 0).
  case total
  /// The largest rel_err among the quantized tensors.
  case worst
}

/// One bitsandbytes/Axolotl decision: the quantization type, double quant, the tensors kept in
/// 16-bit, and the objective it is judged by. The explorer's totals, the export, `plan` and the
/// YAML comments all derive their figures from it (`ChoiceSummary`).
public struct QuantChoice: Sendable, Hashable {
  public var quant: ExportQuant
  /// `bnb_4bit_use_double_quant` (always false for int8).
  public var doubleQuant: Bool
  /// Names of the weight tensors kept in 16-bit.
  public var kept: Set<String>
  public var objective: PlanObjective

  public init(
    quant: ExportQuant, doubleQuant: Bool, kept: Set<String> = [], objective: PlanObjective = .total
  ) {
    self.quant = quant
    self.doubleQuant = quant.isFourBit && doubleQuant
    self.kept = kept
    self.objective = objective
  }

  /// The default choice, one rule for the explorer and the CLI: nf4 with double quantization
  /// (QLoRA's and Axolotl's default), nothing kept in 16-bit beyond what transformers keeps.
  public static let standard = QuantChoice(quant: .nf4, doubleQuant: true)

  /// The configurations `--quant auto` tries: every type and double-quant setting Axolotl can
  /// express, each with its own measured error (nf4-dq, nf4, fp4-dq, fp4, int8).
  public static let autoConfigurations: [(ExportQuant, Bool)] = [
    (.nf4, true), (.nf4, false), (.fp4, true), (.fp4, false), (.int8, false),
  ]

  /// The keeps that take effect: all of them for 4-bit (`llm_int8_skip_modules`), none for int8
  /// (Axolotl's 8-bit path passes no skip list).
  public var appliedKept: Set<String> { quant.isFourBit ? kept : [] }

  /// The analysed format whose errors this choice has.
  public var errorFormat: QuantFormat { quant.errorFormat(doubleQuant: doubleQuant) }

  /// How bitsandbytes stores the quantized tensors.
  public var layout: BitsandbytesStorage.Layout {
    quant.isFourBit ? (doubleQuant ? .fourBitDoubleQuant : .fourBit) : .int8
  }

  /// "nf4 + double quant", "fp4", "int8".
  public var label: String { quant.rawValue + (doubleQuant ? " + double quant" : "") }

  /// The choice an analysed format stands for (nil for int4 and dyn8, which Axolotl cannot load).
  public init?(format: QuantFormat, kept: Set<String> = [], objective: PlanObjective = .total) {
    switch format {
    case .nf4: self.init(quant: .nf4, doubleQuant: false, kept: kept, objective: objective)
    case .nf4dq: self.init(quant: .nf4, doubleQuant: true, kept: kept, objective: objective)
    case .fp4: self.init(quant: .fp4, doubleQuant: false, kept: kept, objective: objective)
    case .fp4dq: self.init(quant: .fp4, doubleQuant: true, kept: kept, objective: objective)
    case .int8: self.init(quant: .int8, doubleQuant: false, kept: kept, objective: objective)
    case .int4, .dyn8: return nil
    }
  }
}
