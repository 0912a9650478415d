/// The `quantization_config` of a checkpoint's config.json, as far as stored quantization needs it.
///
/// transformers writes it for bitsandbytes saves (`quant_method` "bitsandbytes", `load_in_4bit`,
/// `bnb_4bit_quant_type`, `bnb_4bit_use_double_quant`, `llm_int8_skip_modules`) and FP8 releases
/// carry it too (`quant_method` "fp8", `weight_block_size`).
public struct StoredConfig: Sendable, Hashable {
  /// The config.json read.
  public var path: String
  /// `quant_method`, when present.
  public var quantMethod: String?
  public var loadIn4bit: Bool?
  public var loadIn8bit: Bool?
  /// `bnb_4bit_quant_type` ("nf4" / "fp4").
  public var quantType: String?
  /// `bnb_4bit_use_double_quant`.
  public var doubleQuant: Bool?
  /// `llm_int8_skip_modules`; nil when absent or null.
  public var skipModules: [String]?
  /// `weight_block_size`, when present (may be malformed: checked by the caller).
  public var weightBlockSize: [Int]?

  /// Reads the members of a `quantization_config` object of the config.json at `path`.
  init(_ members: [JSONNode.Member], path: String) {
    self.path = path
    for member in members {
      switch (member.key, member.value.kind) {
      case ("quant_method", .string(let text)): quantMethod = text
      case ("load_in_4bit", .bool(let flag)): loadIn4bit = flag
      case ("load_in_8bit", .bool(let flag)): loadIn8bit = flag
      case ("bnb_4bit_quant_type", .string(let text)): quantType = text
      case ("bnb_4bit_use_double_quant", .bool(let flag)): doubleQuant = flag
      case ("llm_int8_skip_modules", .array(let items)):
        skipModules = items.compactMap(\.stringValue)
      case ("weight_block_size", .array(let items)):
        weightBlockSize = items.map {
          if case .number(let number) = $0.kind, number.isBareDigits,
            let value = number.unsignedValue,
            value <= 1 << 20
          {
            return Int(value)
          }
          return 0
        }
      default:
        continue
      }
    }
  }
}
