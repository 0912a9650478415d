import FileSystem
import FoundationEssentials

/// The few fields of a Hugging Face `config.json` the export needs.
struct ModelConfig: Sendable, Decodable {
  /// `_name_or_path`: the hub id or path the model was saved from.
  var nameOrPath: String?
  var modelType: String?
  /// True when the config carries a `quantization_config` (Axolotl then ignores `bnb_config_kwargs`).
  var hasQuantizationConfig: Bool
  /// The dimensions the training-memory estimate uses (nil when absent).
  var hiddenSize: Int?
  var layers: Int?
  var intermediateSize: Int?
  var attentionHeads: Int?
  var vocabSize: Int?
  /// `architectures`, e.g. ["LlamaForCausalLM"].
  var architectures: [String]?

  private enum CodingKeys: String, CodingKey {
    case nameOrPath = "_name_or_path"
    case modelType = "model_type"
    case quantizationConfig = "quantization_config"
    case hiddenSize = "hidden_size"
    case layers = "num_hidden_layers"
    case intermediateSize = "intermediate_size"
    case attentionHeads = "num_attention_heads"
    case vocabSize = "vocab_size"
    case architectures
  }

  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    nameOrPath = try? container.decodeIfPresent(String.self, forKey: .nameOrPath)
    modelType = try? container.decodeIfPresent(String.self, forKey: .modelType)
    hiddenSize = try? container.decodeIfPresent(Int.self, forKey: .hiddenSize)
    layers = try? container.decodeIfPresent(Int.self, forKey: .layers)
    intermediateSize = try? container.decodeIfPresent(Int.self, forKey: .intermediateSize)
    attentionHeads = try? container.decodeIfPresent(Int.self, forKey: .attentionHeads)
    vocabSize = try? container.decodeIfPresent(Int.self, forKey: .vocabSize)
    architectures = try? container.decodeIfPresent([String].self, forKey: .architectures)
    hasQuantizationConfig =
      container.contains(.quantizationConfig)
      && !((try? container.decodeNil(forKey: .quantizationConfig)) ?? false)
  }

  /// Reads `directory/config.json`; nil when absent or not a JSON object (at most 4 MiB read).
  static func load(directory: String) -> ModelConfig? {
    let path = directory.hasSuffix("/") ? directory + "config.json" : directory + "/config.json"
    guard let bytes = try? FileSystem.readAll(path, limit: (4 << 20) - 1) else { return nil }
    return try? JSONDecoder().decode(ModelConfig.self, from: Data(bytes))
  }
}
