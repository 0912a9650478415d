import Safetensors
import TestSupport
import Testing

/// The one parsed config.json of a checkpoint, read by the architecture (with transformers'
/// aliases), by export and the training estimate (keys as named), and by stored quantization.
@Suite struct CheckpointConfigTests {
  /// GPT-2 names its sizes `n_embd` / `n_layer` (transformers' GPT2Config, from
  /// scripts/checkpoint-fixtures.py): the architecture reads them, the declared fields do not.
  @Test func gpt2SizesCountForTheArchitectureOnly() throws {
    let checkpoint = try Checkpoint.open(FixturePaths.checkpoints + "/conv1d")
    let config = try #require(checkpoint.config)
    #expect(config.path == FixturePaths.checkpoints + "/conv1d/config.json")
    #expect(config.modelType == "gpt2" && config.architectures == ["GPT2LMHeadModel"])
    #expect(config.hiddenSize == 128 && config.layerCount == 1)
    #expect(config.declared.hiddenSize == nil && config.declared.layers == nil)
    #expect(config.declared.architectures == ["GPT2LMHeadModel"])
    #expect(!config.hasQuantizationConfig && config.quantization == nil)
  }

  /// A bitsandbytes save (scripts/make-prequantized.py): its quantization_config is read from
  /// the same parse.
  @Test func storedQuantizationComesFromTheSameParse() throws {
    let checkpoint = try Checkpoint.open(FixturePaths.root + "/prequantized/nf4")
    let config = try #require(checkpoint.config)
    #expect(config.hasQuantizationConfig && config.modelType == "llama")
    let quantization = try #require(config.quantization)
    #expect(quantization.quantMethod == "bitsandbytes" && quantization.quantType == "nf4")
    #expect(quantization.doubleQuant == false && quantization.skipModules == ["lm_head"])
  }

  /// Keys as named: whole numbers however written, a null quantization_config is none, and an
  /// architectures list with a non-string entry is not a list of names.
  @Test func declaredFieldsAreTheKeysAsNamed() throws {
    let text = """
      {"_name_or_path": "org/x", "hidden_size": 64.0, "num_hidden_layers": 2,
       "vocab_size": 1e3, "num_attention_heads": 2.5, "architectures": ["A", 1],
       "quantization_config": null, "text_config": {"intermediate_size": 256}}
      """
    let config = try #require(CheckpointConfig.parse(Array(text.utf8)))
    #expect(config.declared.nameOrPath == "org/x")
    #expect(config.declared.hiddenSize == 64 && config.declared.layers == 2)
    #expect(config.declared.vocabSize == 1000 && config.declared.attentionHeads == nil)
    #expect(config.declared.intermediateSize == nil && config.declared.architectures == nil)
    #expect(config.architectures == ["A"])
    #expect(!config.hasQuantizationConfig)
    #expect(CheckpointConfig.parse(Array("[1]".utf8)) == nil)
  }
}
