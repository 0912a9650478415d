import Engine

/// How bitsandbytes stores the quantized Linear weights: the three choices Axolotl can express.
public enum ExportQuant: String, CaseIterable, Sendable, Hashable {
  /// 4-bit NormalFloat (QLoRA): `bnb_4bit_quant_type: nf4`.
  case nf4
  /// bitsandbytes' 4-bit float (QLoRA): `bnb_4bit_quant_type: fp4`.
  case fp4
  /// LLM.int8() (8-bit LoRA): `load_in_8bit: true`.
  case int8

  public var isFourBit: Bool { self != .int8 }

  /// The analysed format whose error this choice gets: nf4, nf4-dq, fp4, fp4-dq or int8.
  public func errorFormat(doubleQuant: Bool) -> QuantFormat {
    switch self {
    case .nf4: doubleQuant ? .nf4dq : .nf4
    case .fp4: doubleQuant ? .fp4dq : .fp4
    case .int8: .int8
    }
  }

  /// The format whose storage cost this choice has (the analysed format itself).
  public func memoryFormat(doubleQuant: Bool) -> QuantFormat {
    errorFormat(doubleQuant: doubleQuant)
  }

  /// Parses every `--quant` value given: the last one wins, but 4-bit and 8-bit together is an error.
  ///
  /// - Throws: `.invalidOption` for an unknown name, `.conflictingQuantization` for a mix.
  public static func parse(_ values: [String]) throws(ExportError) -> ExportQuant? {
    var result: ExportQuant?
    for value in values {
      guard let quant = ExportQuant(rawValue: value) else {
        throw .invalidOption("--quant must be nf4, fp4 or int8, got '\(value)'")
      }
      if let previous = result, previous.isFourBit != quant.isFourBit {
        throw .conflictingQuantization(
          "cannot load in 4-bit (\(previous.isFourBit ? previous : quant)) and 8-bit (int8) together: choose one"
        )
      }
      result = quant
    }
    return result
  }
}

/// What the user chose to export.
public struct ExportChoice: Sendable, Hashable {
  public var quant: ExportQuant
  /// `bnb_4bit_use_double_quant` (4-bit only).
  public var doubleQuant: Bool
  /// Modules kept in 16-bit (`llm_int8_skip_modules`; 4-bit only).
  public var skip: [ModuleName]
  /// `base_model`; nil: from `config.json`, else the checkpoint's directory.
  public var baseModel: String?
  /// `bnb_4bit_compute_dtype`: bfloat16, float16 or float32; nil leaves Axolotl's choice.
  public var computeDType: String?
  /// `llm_int8_threshold`.
  public var threshold: Float
  /// The budget the choice was planned for (`export --budget`), cited in the header.
  public var budgetBytes: UInt64?
  /// What the budget plan minimised.
  public var objective: PlanObjective = .total

  public static let computeDTypes = ["bfloat16", "float16", "float32"]

  /// - Parameter doubleQuant: defaults to true for 4-bit (Axolotl's default), false for int8.
  public init(
    quant: ExportQuant, doubleQuant: Bool? = nil, skip: [ModuleName] = [], baseModel: String? = nil,
    computeDType: String? = nil, threshold: Float = 6.0
  ) {
    self.quant = quant
    self.doubleQuant = doubleQuant ?? quant.isFourBit
    self.skip = skip
    self.baseModel = baseModel
    self.computeDType = computeDType
    self.threshold = threshold
  }
}

extension ExportChoice {
  /// The choice model of this export, keeping the weight tensors in `kept`.
  public func quantChoice(kept: Set<String>) -> QuantChoice {
    QuantChoice(quant: quant, doubleQuant: doubleQuant, kept: kept, objective: objective)
  }
}

/// The rendered YAML and what the user should be told about it.
public struct ExportResult: Sendable, Hashable {
  public var yaml: String
  /// One line each: settings that cannot take effect, a `quantization_config` in config.json, ...
  public var warnings: [String]
}
