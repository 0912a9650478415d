import Testing

@testable import Engine

/// `containsBytes` gives the answer of `String.contains` on tensor names and markers.
@Suite struct ContainsBytesTests {
  @Test(arguments: [
    ("model.layers.0.self_attn.q_proj.weight", "attn"), ("transformer.h.0.ln_1.weight", "ln_"),
    ("lm_head.weight", "lm_head"), ("norm", "norm"), ("nor", "norm"), ("", "x"), ("abc", ""),
    ("embed_out", "embed_outs"), ("aab", "ab"), ("model.vision_tower.x", "vision"),
    ("encoder.layer.0.attention.self.query.weight", "attention"), ("résumé_proj", "sumé"),
  ])
  func agreesWithContains(text: String, needle: String) {
    #expect(text.containsBytes(needle) == text.contains(needle), "\(text) / \(needle)")
  }
}
