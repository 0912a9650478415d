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

  /// Largest config.json read.
  static let maximumSize: UInt64 = 16 << 20

  /// The config.json beside `checkpoint` (in its directory, or beside its first file), or nil when
  /// there is none, it cannot be read, or it has no `quantization_config` object.
  public static func load(besides checkpoint: Checkpoint) -> StoredConfig? {
    let directory: String
    if FileAccess.status(ofPath: checkpoint.path)?.isDirectory == true {
      directory = checkpoint.path
    } else {
      directory = Checkpoint.parent(of: checkpoint.files.first?.path ?? checkpoint.path)
    }
    let path = Checkpoint.join(directory, "config.json")
    guard let bytes = try? readFile(path) else { return nil }
    return parse(bytes, path: path)
  }

  /// Reads `quantization_config` from config.json bytes; nil when it is not there.
  static func parse(_ bytes: [UInt8], path: String) -> StoredConfig? {
    let root: JSONNode? = bytes.withUnsafeBytes { raw in
      guard UTF8Validation.firstInvalidOffset(raw) == nil else { return nil }
      return try? StrictJSONParser.parse(raw)
    }
    guard let root, case .object(let top) = root.kind,
      let node = top.last(where: { $0.key == "quantization_config" })?.value,
      case .object(let members) = node.kind
    else { return nil }
    var config = StoredConfig(path: path)
    for member in members {
      switch (member.key, member.value.kind) {
      case ("quant_method", .string(let text)): config.quantMethod = text
      case ("load_in_4bit", .bool(let flag)): config.loadIn4bit = flag
      case ("load_in_8bit", .bool(let flag)): config.loadIn8bit = flag
      case ("bnb_4bit_quant_type", .string(let text)): config.quantType = text
      case ("bnb_4bit_use_double_quant", .bool(let flag)): config.doubleQuant = flag
      case ("llm_int8_skip_modules", .array(let items)):
        config.skipModules = items.compactMap {
          if case .string(let text) = $0.kind { return text }
          return nil
        }
      case ("weight_block_size", .array(let items)):
        config.weightBlockSize = items.map {
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
    return config
  }

  init(path: String) { self.path = path }

  private static func readFile(_ path: String) throws(SafetensorsError) -> [UInt8] {
    let fd = try FileAccess.openReadOnly(path)
    defer { FileAccess.closeDescriptor(fd) }
    let status = try FileAccess.status(of: fd, file: path)
    guard status.isRegularFile, status.size <= maximumSize else { return [] }
    let count = Int(status.size)
    let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 8)
    defer { raw.deallocate() }
    let got = try FileAccess.read(
      fd, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]), at: 0, file: path)
    return Array(UnsafeRawBufferPointer(rebasing: raw[0..<min(got, count)]))
  }
}
