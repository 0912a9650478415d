#if canImport(Glibc)
  import Glibc
#endif

/// The architecture facts of a Hugging Face `config.json` beside a checkpoint.
///
/// Only what decides how transformers builds the modules is kept: the model type and class
/// names, whether the output embedding is tied to the input one, and the sizes that name the
/// blocks and experts. Text configs nested under `text_config` (vision-language models) fill the
/// sizes the top level leaves out.
public struct CheckpointConfig: Sendable, Hashable {
  /// `model_type` (`llama`, `gpt2`, `mixtral`, …), lower-cased; nil when absent.
  public var modelType: String?
  /// `architectures` (`["PhiForCausalLM"]`).
  public var architectures: [String]
  /// `tie_word_embeddings`; transformers' default is true when the key is absent.
  public var tieWordEmbeddings: Bool
  /// `hidden_size` (or `n_embd`, `d_model`).
  public var hiddenSize: Int?
  /// `num_hidden_layers` (or `n_layer`, `num_layers`).
  public var layerCount: Int?
  /// Routed experts per MoE block: `num_local_experts`, `num_experts` or `n_routed_experts`.
  public var expertCount: Int?

  public init(
    modelType: String?, architectures: [String] = [], tieWordEmbeddings: Bool = true,
    hiddenSize: Int? = nil, layerCount: Int? = nil, expertCount: Int? = nil
  ) {
    self.modelType = modelType?.lowercased()
    self.architectures = architectures
    self.tieWordEmbeddings = tieWordEmbeddings
    self.hiddenSize = hiddenSize
    self.layerCount = layerCount
    self.expertCount = expertCount
  }

  /// True when the model routes tokens to experts.
  public var isMixtureOfExperts: Bool { (expertCount ?? 0) > 1 }

  /// Reads `config.json` in `directory`; nil when it is absent, unreadable, larger than 4 MiB or
  /// not a JSON object (an unusable config only loses the architecture, never the checkpoint).
  public static func load(directory: String) -> CheckpointConfig? {
    let path = Checkpoint.join(directory, "config.json")
    guard let status = FileAccess.status(ofPath: path), status.isRegularFile,
      status.size <= 4 << 20,
      let fd = try? FileAccess.openReadOnly(path)
    else { return nil }
    defer { FileAccess.closeDescriptor(fd) }
    var bytes = [UInt8](repeating: 0, count: Int(status.size))
    let count = bytes.withUnsafeMutableBytes { buffer in
      (try? FileAccess.read(fd, into: buffer, at: 0, file: path)) ?? -1
    }
    guard count == bytes.count else { return nil }
    return parse(bytes)
  }

  /// The facts of a `config.json` document; nil when it is not a JSON object.
  public static func parse(_ bytes: [UInt8]) -> CheckpointConfig? {
    let node = bytes.withUnsafeBytes { try? StrictJSONParser.parse($0) }
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
      architectures = items.compactMap { item in
        if case .string(let text) = item.kind { return text }
        return nil
      }
    }
    var tied = true
    if let node = members.last(where: { $0.key == "tie_word_embeddings" })?.value,
      case .bool(let flag) = node.kind
    {
      tied = flag
    }
    return CheckpointConfig(
      modelType: modelType, architectures: architectures, tieWordEmbeddings: tied,
      hiddenSize: integer(["hidden_size", "n_embd", "d_model"]),
      layerCount: integer(["num_hidden_layers", "n_layer", "num_layers"]),
      expertCount: integer(["num_local_experts", "num_experts", "n_routed_experts"]))
  }
}

extension JSONNode {
  var isNull: Bool {
    if case .null = kind { return true }
    return false
  }
}
