import Testing

@testable import Terminal

/// xterm SGR 1006 mouse reports, and the OSC 52 clipboard sequence.
@Suite struct MouseEventTests {
  func codes(_ text: String) -> [UInt32] { text.unicodeScalars.map(\.value) }
}

extension MouseEventTests {
  @Test func pressReleaseAndWheelDecode() {
    #expect(
      MouseEvent.sgr(parameters: "0;10;5", final: "M")
        == MouseEvent(button: .left, isPress: true, x: 9, y: 4))
    #expect(
      MouseEvent.sgr(parameters: "0;10;5", final: "m")
        == MouseEvent(button: .left, isPress: false, x: 9, y: 4))
    #expect(MouseEvent.sgr(parameters: "2;1;1", final: "M")?.button == .right)
    #expect(
      MouseEvent.sgr(parameters: "64;3;7", final: "M") == MouseEvent(button: .wheelUp, x: 2, y: 6))
    #expect(
      MouseEvent.sgr(parameters: "65;3;7", final: "M") == MouseEvent(button: .wheelDown, x: 2, y: 6)
    )
    // Shift (4) and Ctrl (16) do not change the button.
    #expect(MouseEvent.sgr(parameters: "20;3;7", final: "M")?.button == .left)
  }

  @Test func motionAndMalformedReportsAreNotEvents() {
    #expect(MouseEvent.sgr(parameters: "32;3;7", final: "M") == nil)
    #expect(MouseEvent.sgr(parameters: "0;3", final: "M") == nil)
    #expect(MouseEvent.sgr(parameters: "0;0;7", final: "M") == nil)
    #expect(MouseEvent.sgr(parameters: "x;3;7", final: "M") == nil)
    #expect(MouseEvent.sgr(parameters: "0;3;7", final: "q") == nil)
  }

  /// What follows ESC on the wire: a whole report is one event; anything else is not.
  @Test func reportsAfterEscape() {
    #expect(KeyDecoder.mouseReport(codes("[<0;12;3M")) == MouseEvent(button: .left, x: 11, y: 2))
    #expect(KeyDecoder.isMouseReportPrefix(codes("[<0;1")))
    #expect(!KeyDecoder.isMouseReportPrefix(codes("[A")))
    #expect(!KeyDecoder.isMouseReportPrefix(codes("x")))
    #expect(KeyDecoder.mouseReport(codes("[<0;12")) == nil)
    #expect(KeyDecoder.mouseReport(codes("[A")) == nil)
  }

  /// RFC 4648 §10 test vectors.
  @Test func base64MatchesTheRFCVectors() {
    let vectors = [
      "": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=",
      "foobar": "Zm9vYmFy",
    ]
    for (plain, encoded) in vectors {
      #expect(ClipboardSequence.base64(Array(plain.utf8)) == encoded, "\(plain)")
    }
    #expect(ClipboardSequence.osc52("foo") == "\u{1B}]52;c;Zm9v\u{07}")
  }

  @Test func heatLegendShowsBothEndsAndTheShadesInOrder() {
    var canvas = Canvas(width: 30, height: 1)
    let end = HeatLegend.draw(
      into: &canvas, label: "heat:", best: "0.0072", worst: "0.165", x: 0, y: 0, isMonochrome: true)
    #expect(canvas.lines == ["heat: 0.0072 ░▒▓█ 0.165       "])
    #expect(end == 23)
    #expect(HeatLegend.width(label: "heat:", best: "0.0072", worst: "0.165") == 23)
  }
}
