import TestSupport
import Testing

@testable import Exporter

/// The YAML emitter: quoting and float spelling, checked against PyYAML itself.
@Suite struct YAMLWriterTests {}

extension YAMLWriterTests {
  /// Strings YAML 1.1 would read as something else, or that break plain scalars.
  static let hostile = [
    "yes", "no", "on", "off", "y", "n", "Y", "N", "true", "False", "NULL", "null", "~", "",
    "1e3", "1.0", "0x1F", "0o17", "017", "1_000", "0b101", "1:20", "+12", "-3", ".inf", "-.inf",
    ".NaN",
    "2026-11-29", "2001-12-14t21:59:43.10-05:00", "*ref", "&anchor", "!tag", "%TAG", "@at", "`tick",
    "- item", "-", "?", "? key", ":", "key: value", "a #comment", "#hash", "a: ", "[list]", "{map}",
    "|", ">",
    "'single'", "\"double\"", " leading", "trailing ", "tab\there", "new\nline", "cr\rret",
    "nul\u{0}",
    "bell\u{7}", "del\u{7F}", "nel\u{85}", "ls\u{2028}ps\u{2029}", "bom\u{FEFF}", "back\\slash",
    "ünïcødé", "日本語", "emoji 🚀", "=", "<<", "model.layers.7.mlp.down_proj",
    "meta-llama/Llama-2-7b-hf",
    "/models/x y/z", "C:\\path", "---", "...", "%", "a,b", "x]",
  ]

  @Test func hostileStringsRoundTripThroughPyYAML() throws {
    var yaml = YAMLWriter()
    yaml.open("values")
    for text in Self.hostile { yaml.item(.string(text), indent: 2, comment: "c " + text) }
    for (index, text) in Self.hostile.enumerated() { yaml.pair("k\(index)", .string(text)) }
    let doc = try PyYAMLDocument.load(yaml.render())
    #expect(doc["values"]?.type == "list")
    for (index, text) in Self.hostile.enumerated() {
      let item = doc["values[\(index)]"]
      #expect(item?.type == "str", "\(text.debugDescription) read as \(item?.type ?? "nothing")")
      #expect(item.flatMap { PyYAMLDocument.string($0.json) } == text, "\(text.debugDescription)")
      #expect(doc["k\(index)"].flatMap { PyYAMLDocument.string($0.json) } == text)
    }
  }

  @Test func plainStringsStayPlain() {
    for text in [
      "lm_head", "model.layers.7.mlp.down_proj", "nf4", "qlora", "auto", "meta-llama/Llama-2-7b-hf",
      "/models/Llama",
    ] {
      #expect(YAMLWriter.string(text) == text)
    }
  }

  @Test func floatsAlwaysHaveADecimalPoint() throws {
    #expect(YAMLWriter.float(6.0 as Float) == "6.0")
    #expect(YAMLWriter.float(4 as Float) == "4.0")
    #expect(YAMLWriter.float(0.0002) == "0.0002")
    #expect(YAMLWriter.float(1e-05) == "1.0e-05")
    #expect(YAMLWriter.float(1e16) == "1.0e+16")
    #expect(YAMLWriter.float(2.5e-7) == "2.5e-07")
    #expect(YAMLWriter.float(Double.infinity) == ".inf")
    var yaml = YAMLWriter()
    let values: [Double] = [6.0, 0.0002, 1e-05, 1e16, 2.5e-7, -3.0, 123456.75]
    for (index, value) in values.enumerated() { yaml.pair("f\(index)", .double(value)) }
    yaml.pair("t", .float(5.5 as Float))
    let doc = try PyYAMLDocument.load(yaml.render())
    for (index, value) in values.enumerated() {
      #expect(doc["f\(index)"]?.type == "float")
      #expect(doc["f\(index)"].flatMap { Double($0.json) } == value)
    }
    #expect(doc["t"]?.json == "5.5")
  }

  @Test func commentsAreAlignedAndCannotBreakLines() {
    var yaml = YAMLWriter(commentColumn: 12)
    yaml.pair("a", .int(1), comment: "one\nb: 2")
    yaml.comment("x\ny")
    #expect(yaml.render() == "a: 1        # one\\nb: 2\n# x\n# y\n")
  }
}
