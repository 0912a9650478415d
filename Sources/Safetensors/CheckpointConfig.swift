/// The Hugging Face `config.json` beside a checkpoint, read and parsed once when it is opened.
///
/// Three readers take different facts from the one document:
/// - the architecture (how transformers builds the modules): the model type and class names,
///   whether the output embedding is tied, and the sizes that name the blocks and experts, with
///   the aliases older model classes use (`n_embd`, `n_layer`) and, for vision-language models,
///   the sizes of the nested `text_config`;
/// - export and the training-memory estimate: the top-level keys exactly as named (`declared`),
///   with no alias or nested fallback;
/// - stored-quantization recognition and export of a pre-quantized save: `quantization_config`
///   (`quantization`).
public struct CheckpointConfig: Sendable, Hashable {
  /// The config.json read; empty when parsed from bytes.
  public var path: String
  /// `model_type` (`llama`, `gpt2`, `mixtral`, …), lower-cased; nil when absent.
  public var modelType: String?
  /// `architectures` (`["PhiForCausalLM"]`), its string entries.
  public var architectures: [String]
  /// `tie_word_embeddings`; transformers' default is true when the key is absent.
  public var tieWordEmbeddings: Bool
  /// `hidden_size` (or `n_embd`, `d_model`).
  public var hiddenSize: Int?
  /// `num_hidden_layers` (or `n_layer`, `num_layers`).
  public var layerCount: Int?
  /// Routed experts per MoE block: `num_local_experts`, `num_experts` or `n_routed_experts`.
  public var expertCount: Int?
  /// The top-level keys as named, for export and the training-memory estimate.
  public var declared = Declared()
  /// True when the config carries a `quantization_config` that is not null (Axolotl then
  /// ignores `bnb_config_kwargs`).
  public var hasQuantizationConfig = false
  /// `quantization_config` when it is an object (and the file is valid UTF-8).
  public var quantization: StoredConfig?

  /// The top-level fields of config.json exactly as keyed: no alias, nothing from `text_config`.
  public struct Declared: Sendable, Hashable {
    /// `_name_or_path`: the hub id or path the model was saved from.
    public var nameOrPath: String?
    /// `hidden_size`.
    public var hiddenSize: Int?
    /// `num_hidden_layers`.
    public var layers: Int?
    /// `intermediate_size`.
    public var intermediateSize: Int?
    /// `num_attention_heads`.
    public var attentionHeads: Int?
    /// `vocab_size`.
    public var vocabSize: Int?
    /// `architectures`; nil when absent or when an entry is not a string.
    public var architectures: [String]?

    public init() {}
  }

  public init(
    modelType: String?, architectures: [String] = [], tieWordEmbeddings: Bool = true,
    hiddenSize: Int? = nil, layerCount: Int? = nil, expertCount: Int? = nil, path: String = ""
  ) {
    self.path = path
    self.modelType = modelType?.lowercased()
    self.architectures = architectures
    self.tieWordEmbeddings = tieWordEmbeddings
    self.hiddenSize = hiddenSize
    self.layerCount = layerCount
    self.expertCount = expertCount
  }

  /// True when the model routes tokens to experts.
  public var isMixtureOfExperts: Bool { (expertCount ?? 0) > 1 }

  /// Largest config.json read.
  static let maximumSize: UInt64 = 16 << 20

  /// Reads `config.json` in `directory`; nil when it is absent, unreadable, larger than 16 MiB or
  /// not a JSON object (an unusable config only loses what it would tell, never the checkpoint).
  public static func load(directory: String) -> CheckpointConfig? {
    let path = Checkpoint.join(directory, "config.json")
    guard let status = FileAccess.status(ofPath: path), status.isRegularFile,
      status.size <= maximumSize,
      let fd = try? FileAccess.openReadOnly(path)
    else { return nil }
    defer { FileAccess.closeDescriptor(fd) }
    var bytes = [UInt8](repeating: 0, count: Int(status.size))
    let count = bytes.withUnsafeMutableBytes { buffer in
      (try? FileAccess.read(fd, into: buffer, at: 0, file: path)) ?? -1
    }
    guard count == bytes.count else { return nil }
    return parse(bytes, path: path)
  }

  /// The facts of a `config.json` document; nil when it is not a JSON object.
  public static func parse(_ bytes: [UInt8], path: String = "") -> CheckpointConfig? {
    let (node, validUTF8) = bytes.withUnsafeBytes { raw in
      (try? StrictJSONParser.parse(raw), UTF8Validation.firstInvalidOffset(raw) == nil)
    }
    guard let node, case .object(let members) = node.kind else { return nil }
    var nested: [JSONNode.Member] = []
    if let text = members.last(where: { $0.key == "text_config" }),
      case .object(let inner) = text.value.kind
    {
      nested = inner
    }
    func value(_ keys: [String]) -> JSONNode? {
      for key in keys {
        if let member = members.last(where: { $0.key == key }), !member.value.isNull {
          return member.value
        }
      }
      for key in keys {
        if let member = nested.last(where: { $0.key == key }), !member.value.isNull {
          return member.value
        }
      }
      return nil
    }
    func integer(_ keys: [String]) -> Int? {
      guard let node = value(keys), case .number(let number) = node.kind else { return nil }
      return number.unsignedValue.flatMap { Int(exactly: $0) }
    }
    var modelType: String?
    if let node = value(["model_type"]), case .string(let text) = node.kind { modelType = text }
    var architectures: [String] = []
    if let node = value(["architectures"]), case .array(let items) = node.kind {
      architectures = items.compactMap(\.stringValue)
    }
    var tied = true
    if let node = members.last(where: { $0.key == "tie_word_embeddings" })?.value,
      case .bool(let flag) = node.kind
    {
      tied = flag
    }
    var config = CheckpointConfig(
      modelType: modelType, architectures: architectures, tieWordEmbeddings: tied,
      hiddenSize: integer(["hidden_size", "n_embd", "d_model"]),
      layerCount: integer(["num_hidden_layers", "n_layer", "num_layers"]),
      expertCount: integer(["num_local_experts", "num_experts", "n_routed_experts"]), path: path)
    config.declared = Declared(members)
    let quantization = members.last { $0.key == "quantization_config" }?.value
    config.hasQuantizationConfig = quantization.map { !$0.isNull } ?? false
    if validUTF8, let quantization, case .object(let fields) = quantization.kind {
      config.quantization = StoredConfig(fields, path: path)
    }
    return config
  }
}

extension CheckpointConfig.Declared {
  /// The declared fields of config.json's top-level `members`.
  init(_ members: [JSONNode.Member]) {
    func member(_ key: String) -> JSONNode? { members.last { $0.key == key }?.value }
    func integer(_ key: String) -> Int? {
      guard let node = member(key), case .number(let number) = node.kind else { return nil }
      return number.integerValue
    }
    nameOrPath = member("_name_or_path")?.stringValue
    hiddenSize = integer("hidden_size")
    layers = integer("num_hidden_layers")
    intermediateSize = integer("intermediate_size")
    attentionHeads = integer("num_attention_heads")
    vocabSize = integer("vocab_size")
    if let node = member("architectures"), case .array(let items) = node.kind {
      let names = items.compactMap(\.stringValue)
      architectures = names.count == items.count ? names : nil
    }
  }
}

extension JSONNode {
  var isNull: Bool {
    if case .null = kind { return true }
    return false
  }

  /// The text of a string node; nil for any other kind.
  var stringValue: String? {
    if case .string(let text) = kind { return text }
    return nil
  }
}

extension JSONNumber {
  /// The value when it is a whole number that fits in `Int` (`768`, `-1`, `768.0`, `1e3`).
  var integerValue: Int? {
    if let value = unsignedValue { return Int(exactly: value) }
    guard let value = Double(text), value.rounded() == value,
      value >= -9.223_372_036_854_775_808e18, value < 9.223_372_036_854_775_808e18
    else { return nil }
    return Int(value)
  }
}
