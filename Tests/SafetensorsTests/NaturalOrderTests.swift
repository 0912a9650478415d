import Safetensors
import TestSupport
import Testing

/// `NaturalOrder.less`: digit runs compare as numbers; the order is total.
@Suite struct NaturalOrderTests {}

extension NaturalOrderTests {
  /// Naturally equal names (`a01`, `a1`) fall back to byte order.
  @Test func digitRunsCompareAsNumbers() {
    let names = [
      "model.layers.10.mlp", "model.layers.2.mlp", "model.layers.1.mlp", "lm_head.weight",
      "model.embed",
      "model.layers.2.attn", "a10b2", "a10b10", "a9", "", "a01", "a1",
    ]
    #expect(
      names.sorted(by: NaturalOrder.less) == [
        "", "a01", "a1", "a9", "a10b2", "a10b10", "lm_head.weight", "model.embed",
        "model.layers.1.mlp",
        "model.layers.2.attn", "model.layers.2.mlp", "model.layers.10.mlp",
      ])
  }

  @Test func isAStrictTotalOrder() {
    var generator = SplitMix64(seed: 3)
    let alphabet = Array("a0.19_")
    let names = (0..<300).map { _ in
      String(
        (0..<Int.random(in: 0...6, using: &generator)).map { _ in
          alphabet.randomElement(using: &generator)!
        })
    }
    for a in names {
      #expect(!NaturalOrder.less(a, a))
      for b in names.prefix(60) where a != b {
        #expect(NaturalOrder.less(a, b) != NaturalOrder.less(b, a), "\(a) \(b)")
      }
    }
    let sorted = names.sorted(by: NaturalOrder.less)
    for (x, y) in zip(sorted, sorted.dropFirst()) { #expect(!NaturalOrder.less(y, x)) }
  }

  @Test func hugeDigitRunsDoNotOverflow() {
    #expect(NaturalOrder.less("x99999999999999999999999", "x100000000000000000000000"))
  }
}
