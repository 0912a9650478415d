import Testing

@testable import Terminal

/// The one fitting rule: shorten where least is lost, mark `…`, never cut a number into another.
@Suite struct TextFitTests {
  /// The maximal runs of digits (with their `.`) of `text`, with where they start.
  func numbers(_ text: String) -> [(start: Int, digits: String)] {
    var result: [(Int, String)] = []
    var current = ""
    var start = 0
    for (offset, character) in Array(text).enumerated() {
      if character.isNumber || (character == "." && !current.isEmpty) {
        if current.isEmpty { start = offset }
        current.append(character)
      } else if !current.isEmpty {
        result.append((start, current))
        current = ""
      }
    }
    if !current.isEmpty { result.append((start, current)) }
    return result.map {
      (start: $0.0, digits: $0.1.hasSuffix(".") ? String($0.1.dropLast()) : $0.1)
    }
  }
}

// MARK: - One string

extension TextFitTests {
  @Test func textThatFitsIsUntouched() {
    #expect(TextFit.truncated("rel_err 0.0158", width: 14) == "rel_err 0.0158")
    #expect(TextFit.truncated("abc", width: 0) == "")
    #expect(TextFit.truncated("abc", width: 1) == "…")
  }

  /// The QA report's case: 0.0158 must not read as 0.01.
  @Test func aNumberIsNeverCutIntoAnotherNumber() {
    #expect(TextFit.truncated("rel_err 0.0158", width: 13) == "rel_err…")
    #expect(TextFit.truncated("model.layers.10.mlp", width: 15) == "model.layers…")
    #expect(TextFit.truncated("shape 4096×4096 BF16", width: 14) == "shape…")
    #expect(TextFit.truncated("error 4.2e-5 ok", width: 11) == "error…")
  }

  /// Every width of strings full of numbers: each number left in the output is one of the
  /// original's, whole, at the same place.
  @Test(arguments: [
    "entropy 3.50/4 bits · rel_err 0.0158", "model.layers.12.self_attn.q_proj 4096×14336",
    "3 columns ≥ 6.0: 40 (7.25) 7 (7.00) 20 (6.10)",
    "nf4 0.1072  nf4-dq 0.1073  fp4 0.1447  int8 0.0086",
  ])
  func noWidthLeavesAPartialNumber(text: String) {
    let original = numbers(text)
    for width in 1...text.count {
      let shortened = TextFit.truncated(text, width: width)
      #expect(shortened.count <= width, "\(width): \(shortened)")
      if shortened != text { #expect(shortened.hasSuffix("…"), "\(width): \(shortened)") }
      for number in numbers(String(shortened.dropLast(shortened == text ? 0 : 1))) {
        #expect(
          original.contains { $0.start == number.start && $0.digits == number.digits },
          "\(width): '\(shortened)' has \(number.digits)")
      }
    }
  }

  @Test func aWordIsCutAtANearbySpace() {
    // "transformers k…" would leave a stray letter: the cut goes back to the space.
    #expect(
      TextFit.truncated("space keeps it in transformers kept modules", width: 33)
        == "space keeps it in transformers…")
    // A long word with no space near is cut inside, marked.
    #expect(TextFit.truncated("input_layernorm", width: 10) == "input_lay…")
  }

  @Test func truncatedHeadKeepsTheEnd() {
    #expect(TextFit.truncatedHead("/home/me/models/Llama-3-8B", width: 12) == "…/Llama-3-8B")
    #expect(TextFit.truncatedHead("short", width: 12) == "short")
  }
}

// MARK: - A line of parts

extension TextFitTests {
  func joined(_ parts: [TextFit.Part]) -> String { parts.map(\.text).joined() }

  @Test func shortFormsComeBeforeDropping() {
    let parts = [
      TextFit.Part("label "), TextFit.Part("(16-bit)", short: "16b", importance: 1),
    ]
    #expect(joined(TextFit.fit(parts, width: 14)) == "label (16-bit)")
    #expect(joined(TextFit.fit(parts, width: 10)) == "label 16b")
  }

  @Test func droppedPartsLeaveOneEllipsisAndTheLeastImportantGoFirst() {
    let parts = [
      TextFit.Part("nf4 0.1072 "), TextFit.Part("fp4 0.1447 ", importance: 3),
      TextFit.Part("int8 0.0086 ", importance: 2), TextFit.Part("int4 0.1286", importance: 1),
    ]
    #expect(joined(TextFit.fit(parts, width: 35)) == "nf4 0.1072 fp4 0.1447 int8 0.0086 …")
    #expect(joined(TextFit.fit(parts, width: 34)) == "nf4 0.1072 fp4 0.1447 …")
    #expect(joined(TextFit.fit(parts, width: 23)) == "nf4 0.1072 fp4 0.1447 …")
    #expect(joined(TextFit.fit(parts, width: 12)) == "nf4 0.1072 …")
  }

  @Test func theMarkerKeepsTheWordsAroundItApart() {
    let parts = [
      TextFit.Part("min 1  "), TextFit.Part("mean 2  ", importance: 1), TextFit.Part("std 3"),
    ]
    #expect(joined(TextFit.fit(parts, width: 16)) == "min 1  … std 3")
  }

  @Test func essentialPartsAreTruncatedLongestFirst() {
    let parts = [TextFit.Part("a-very-long-tensor-name"), TextFit.Part(" BF16")]
    let fitted = joined(TextFit.fit(parts, width: 15))
    #expect(fitted == "a-very-long-…" + " BF16" || fitted.count <= 15)
    #expect(fitted.hasSuffix(" BF16"))
  }
}

// MARK: - Canvas

extension TextFitTests {
  @Test func canvasPutMarksEveryCut() {
    var canvas = Canvas(width: 20, height: 1)
    canvas.put("entropy 3.50/4 bits · rel_err 0.0158", x: 0, y: 0)
    #expect(canvas.lines == ["entropy 3.50/4 bits…"])
  }
}
