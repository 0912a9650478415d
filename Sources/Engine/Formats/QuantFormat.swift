/// The data types QuantScope compares. Raw values are the CLI/JSON identifiers.
public enum QuantFormat: String, CaseIterable, Sendable, Hashable, Codable {
  /// 4-bit NormalFloat, blockwise absmax (`bnb_4bit_quant_type: nf4`).
  case nf4
  /// nf4 with double quantization of the block scales (`bnb_4bit_use_double_quant: true`).
  case nf4dq = "nf4-dq"
  /// bitsandbytes' 4-bit float (`bnb_4bit_quant_type: fp4`).
  case fp4
  /// fp4 with double quantization of the block scales (`bnb_4bit_quant_type: fp4` with
  /// `bnb_4bit_use_double_quant: true`): nf4-dq's second level over fp4's scales.
  case fp4dq = "fp4-dq"
  /// LLM.int8() row-wise absmax weight quantization (`load_in_8bit: true`).
  case int8
  /// 8-bit dynamic map, blockwise (blocksize 4096).
  case dyn8
  /// Linear absmax 4-bit (15 levels): the linear counterpart of nf4, for comparison.
  case int4

  /// True for the nonlinear (codebook) formats; false for the linear ones (int8, int4).
  public var isNonlinear: Bool {
    switch self {
    case .nf4, .nf4dq, .fp4, .fp4dq, .dyn8: true
    case .int8, .int4: false
    }
  }

  /// Number of bins of the code-usage histogram (FORMATS.md §9): 16, 256 (dyn8), 255 (int8).
  public var codeBinCount: Int {
    switch self {
    case .nf4, .nf4dq, .fp4, .fp4dq, .int4: 16
    case .dyn8: 256
    case .int8: 255
    }
  }
}

extension QuantFormat {
  /// Nominal storage cost in bits per parameter (FORMATS.md §9; partial blocks and per-tensor constants
  /// ignored): nf4, fp4, int4 4 + 32/bs; nf4-dq, fp4-dq 4 + 8/bs + 32/(256·bs); dyn8 8 + 32/4096;
  /// int8 8 + 32/cols.
  public func bitsPerParam(blocksize: Int, cols: Int) -> Double {
    let bs = Double(blocksize)
    switch self {
    case .nf4, .fp4, .int4: return 4 + 32 / bs
    case .nf4dq, .fp4dq: return 4 + 8 / bs + 32 / (256 * bs)
    case .dyn8: return 8 + 32.0 / 4096
    case .int8: return 8 + 32 / Double(max(cols, 1))
    }
  }
}
