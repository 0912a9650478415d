import Safetensors
import Testing

@testable import Engine

/// Matching a capture against a weight checkpoint: every unusable tensor is a one-line problem.
@Suite struct ActivationCaptureTests {
  static func info(_ name: String, _ dtype: DType, _ shape: [Int]) -> TensorInfo {
    TensorInfo(name: name, dtype: dtype, shape: shape, fileIndex: 0, fileOffset: 0, byteCount: 0)
  }

  static func checkpoint(_ path: String, _ tensors: [TensorInfo]) -> Checkpoint {
    Checkpoint(
      path: path, indexPath: nil, totalSizeHint: nil, files: [], tensors: tensors, warnings: [])
  }

  static let weights = checkpoint(
    "model.safetensors",
    [
      info("model.layers.0.self_attn.q_proj.weight", .BF16, [8, 16]),
      info("model.layers.0.mlp.down_proj.weight", .BF16, [16, 32]),
      info("model.layers.1.mlp.down_proj.weight", .BF16, [16, 32]),
      info("model.norm.weight", .BF16, [16]),
      info("model.layers.0.mlp.ids.weight", .I32, [4, 4]),
    ])
}

extension ActivationCaptureTests {
  @Test func matchesTwoDAndOneDCaptures() {
    let capture = Self.checkpoint(
      "acts.safetensors",
      [
        Self.info("model.layers.0.self_attn.q_proj", .F16, [64, 16]),
        Self.info("model.layers.0.mlp.down_proj", .F32, [32]),
      ])
    let matched = ActivationCapture.match(capture: capture, weights: Self.weights)
    #expect(matched.problems.isEmpty)
    #expect(
      matched.entries.map(\.module) == [
        "model.layers.0.self_attn.q_proj", "model.layers.0.mlp.down_proj",
      ])
    #expect(matched.entries[0].tokens == 64)
    #expect(matched.entries[0].features == 16)
    #expect(matched.entries[0].outFeatures == 8)
    #expect(matched.entries[0].layer == 0)
    #expect(matched.entries[1].tokens == nil)
    #expect(matched.entries[1].features == 32)
  }

  @Test func everyUnusableTensorIsReported() {
    let capture = Self.checkpoint(
      "acts.safetensors",
      [
        Self.info("model.layers.0.self_attn.k_proj", .F16, [64, 16]),
        Self.info("model.layers.0.self_attn.q_proj", .F16, [64, 15]),
        Self.info("model.layers.0.mlp.down_proj", .F16, [2, 4, 32]),
        Self.info("model.layers.1.mlp.down_proj", .I32, [4, 32]),
        Self.info("model.norm", .F32, [16]),
        Self.info("model.layers.0.mlp.ids", .F32, [4, 4]),
        Self.info("model.layers.1.mlp.down_proj", .F32, [0, 32]),
      ])
    let matched = ActivationCapture.match(capture: capture, weights: Self.weights)
    #expect(matched.entries.isEmpty)
    #expect(
      matched.problems == [
        "model.layers.0.self_attn.k_proj: no tensor model.layers.0.self_attn.k_proj.weight in the weight checkpoint",
        "model.layers.0.self_attn.q_proj: capture has 15 features, model.layers.0.self_attn.q_proj.weight has 16 columns",
        "model.layers.0.mlp.down_proj: shape [2, 4, 32] is neither [tokens, in_features] nor [in_features]",
        "model.layers.1.mlp.down_proj: dtype I32 is not a floating type",
        "model.norm: model.norm.weight is BF16 [16], not a Linear weight [out, in]",
        "model.layers.0.mlp.ids: model.layers.0.mlp.ids.weight is I32 [4, 4], not a Linear weight [out, in]",
        "model.layers.1.mlp.down_proj: captured twice; the first one is used",
      ])
  }

  @Test func emptyTokenCaptureIsAProblem() {
    let capture = Self.checkpoint(
      "acts.safetensors", [Self.info("model.layers.1.mlp.down_proj", .F32, [0, 32])])
    let matched = ActivationCapture.match(capture: capture, weights: Self.weights)
    #expect(matched.entries.isEmpty)
    #expect(matched.problems == ["model.layers.1.mlp.down_proj: capture has no tokens"])
  }

  @Test(
    arguments: [
      ("model.layers.3.mlp.down_proj", 3), ("transformer.h.11.attn.c_attn", 11),
      ("lm_head", nil), ("model.layers.x.mlp", nil),
    ] as [(String, Int?)])
  func layerIndex(name: String, layer: Int?) {
    #expect(ActivationCapture.layerIndex(of: name) == layer)
  }
}
