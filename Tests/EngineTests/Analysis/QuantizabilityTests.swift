import Engine
import Safetensors
import Testing

/// Which tensors transformers + bitsandbytes quantize (names and shapes only).
@Suite struct QuantizabilityTests {}

extension QuantizabilityTests {
  @Test(arguments: [
    "model.layers.0.self_attn.q_proj.weight", "model.layers.31.mlp.down_proj.weight",
    "transformer.h.0.attn.c_attn.weight", "encoder.layer.0.attention.self.query.weight",
  ])
  func linearWeightsAreQuantized(name: String) {
    #expect(Quantizability.isQuantizable(name: name, shape: [4096, 4096]))
  }

  @Test(
    arguments: [
      ("model.embed_tokens.weight", [32000, 4096]), ("transformer.wte.weight", [50257, 768]),
      ("transformer.wpe.weight", [1024, 768]), ("embeddings.word_embeddings.weight", [30522, 384]),
      ("embeddings.position_embeddings.weight", [512, 384]),
      ("embeddings.token_type_embeddings.weight", [2, 384]), ("lm_head.weight", [32000, 4096]),
      ("gpt_neox.embed_out.weight", [50432, 2048]), ("output.weight", [32000, 4096]),
      ("model.layers.0.input_layernorm.weight", [4096]),
      ("model.layers.0.self_attn.q_proj.bias", [4096]),
      ("model.norm.weight", [4096]), ("conv.weight", [64, 3, 7, 7]),
    ] as [(String, [Int])])
  func othersAreNot(name: String, shape: [Int]) {
    #expect(!Quantizability.isQuantizable(name: name, shape: shape))
    #expect(!Quantizability.reason(name: name, shape: shape).isEmpty)
  }
}

extension QuantizabilityTests {
  /// A 2-D integer buffer named like nothing special (position ids, masks) is never a weight.
  @Test func integerBuffersAreNotQuantizable() {
    func tensor(_ dtype: DType) -> TensorInfo {
      TensorInfo(
        name: "position_ids", dtype: dtype, shape: [1, 512], fileIndex: 0, fileOffset: 0,
        byteCount: 0)
    }
    #expect(Quantizability.isQuantizable(tensor(.BF16)))
    #expect(!Quantizability.isQuantizable(tensor(.I64)))
    #expect(Quantizability.reason(tensor(.I64)) == "dtype I64: a buffer, not a weight")
  }
}
