import Safetensors

/// A small line-oriented YAML emitter: block mappings, block sequences of scalars, and comments,
/// written so that PyYAML (YAML 1.1, what Axolotl loads configs with) reads back exactly the
/// values written.
///
/// Strings are plain only when they cannot be read as anything else; otherwise they are double
/// quoted with escapes. Floats always carry a decimal point (`6.0`, `0.0002`, `1.0e-05`):
/// PyYAML reads `1e-05` as a string (docs/AXOLOTL.md trap 2). Trailing comments are aligned.
public struct YAMLWriter: Sendable {
  /// A scalar value.
  public enum Scalar: Sendable, Hashable {
    case string(String)
    case bool(Bool)
    case int(Int)
    case double(Double)
    case float(Float)
  }

  private struct Line: Sendable {
    var body: String
    var comment: String?
  }

  private var lines: [Line] = []
  /// Column at which trailing comments start (longer lines push theirs right).
  public var commentColumn: Int

  public init(commentColumn: Int = 36) { self.commentColumn = commentColumn }

  // MARK: - Building

  /// One `# …` line per line of `text`, at `indent` spaces.
  public mutating func comment(_ text: String, indent: Int = 0) {
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let body = Self.commentText(String(line))
      lines.append(Line(body: spaces(indent) + (body.isEmpty ? "#" : "# " + body), comment: nil))
    }
  }

  /// `key: value`.
  public mutating func pair(_ key: String, _ value: Scalar, indent: Int = 0, comment: String? = nil)
  {
    lines.append(
      Line(body: spaces(indent) + Self.string(key) + ": " + Self.scalar(value), comment: comment))
  }

  /// `key:`, opening a nested mapping or sequence written at a deeper indent.
  public mutating func open(_ key: String, indent: Int = 0, comment: String? = nil) {
    lines.append(Line(body: spaces(indent) + Self.string(key) + ":", comment: comment))
  }

  /// `- value`, an item of the sequence opened above.
  public mutating func item(_ value: Scalar, indent: Int = 0, comment: String? = nil) {
    lines.append(Line(body: spaces(indent) + "- " + Self.scalar(value), comment: comment))
  }

  /// `- key: value`, the first pair of a mapping inside a sequence; continue it with `pair` at
  /// `indent + 2`.
  public mutating func itemPair(
    _ key: String, _ value: Scalar, indent: Int = 0, comment: String? = nil
  ) {
    lines.append(
      Line(
        body: spaces(indent) + "- " + Self.string(key) + ": " + Self.scalar(value), comment: comment
      ))
  }

  /// The document, each line ending in `\n`.
  public func render() -> String {
    var out = ""
    for line in lines {
      out += line.body
      if let comment = line.comment {
        let pad = max(commentColumn - line.body.count, 2)
        out += String(repeating: " ", count: pad) + "# " + Self.commentText(comment)
      }
      out += "\n"
    }
    return out
  }

  private func spaces(_ count: Int) -> String { String(repeating: " ", count: max(count, 0)) }

  // MARK: - Scalars

  /// The YAML text of a scalar.
  public static func scalar(_ value: Scalar) -> String {
    switch value {
    case .string(let text): string(text)
    case .bool(let flag): flag ? "true" : "false"
    case .int(let number): String(number)
    case .double(let number): float(number)
    case .float(let number): float(number)
    }
  }

  /// A string, plain when that is unambiguous, else double quoted.
  public static func string(_ text: String) -> String {
    needsQuotes(text) ? doubleQuoted(text) : text
  }

  /// Words YAML 1.1 resolves to booleans or null (compared case-insensitively; `y` and `n` are
  /// booleans in the 1.1 spec though PyYAML reads them as strings: quoted anyway).
  private static let reservedWords: Set<String> = [
    "y", "n", "yes", "no", "true", "false", "on", "off", "null",
  ]

  /// True unless `text` is a plain scalar PyYAML reads back as the same string.
  ///
  /// Plain strings start with a letter, `_` or `/`, hold only ASCII letters, digits, `_`, `-`,
  /// `.` and `/`, and are not a YAML 1.1 boolean or null. This rules out every indicator
  /// character, `: ` and ` #`, spaces, numbers, dates and `.inf` (which start with a digit, sign
  /// or dot) — quoting more than strictly needed is harmless.
  public static func needsQuotes(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first else { return true }
    guard isLetter(first) || first == "_" || first == "/" else { return true }
    for scalar in text.unicodeScalars {
      guard
        isLetter(scalar) || ("0"..."9").contains(scalar) || "_-./".unicodeScalars.contains(scalar)
      else {
        return true
      }
    }
    return reservedWords.contains(text.lowercased())
  }

  private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
    ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
  }

  /// `"…"` with YAML double-quoted escapes for `"`, `\`, control characters, line and paragraph
  /// separators and the BOM; other non-ASCII text is written as is (UTF-8).
  public static func doubleQuoted(_ text: String) -> String {
    QuotedString.quoted(text) { scalar in
      switch scalar {
      case "\0": "\\0"
      case "\u{85}": "\\N"
      case "\u{2028}": "\\L"
      case "\u{2029}": "\\P"
      case _ where QuotedString.isControl(scalar): "\\x" + hex(scalar.value, digits: 2)
      case "\u{FEFF}", "\u{FFFE}", "\u{FFFF}": "\\u" + hex(scalar.value, digits: 4)
      default: nil
      }
    }
  }

  /// A float that YAML 1.1 reads as a float: always a decimal point, a signed exponent.
  public static func float<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) -> String
  {
    if value.isNaN { return ".nan" }
    if value.isInfinite { return value < 0 ? "-.inf" : ".inf" }
    let text = value.description
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
      var mantissa = String(text[..<e])
      var exponent = String(text[text.index(after: e)...])
      if !mantissa.contains(".") { mantissa += ".0" }
      if !exponent.hasPrefix("-") && !exponent.hasPrefix("+") { exponent = "+" + exponent }
      return mantissa + "e" + exponent
    }
    return text.contains(".") ? text : text + ".0"
  }

  /// Comment text on one line: control characters and line separators are shown escaped so a
  /// hostile path cannot end the comment and inject keys.
  static func commentText(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar.value {
      case 0x0A: out += "\\n"
      case 0x0D: out += "\\r"
      case 0x09: out += " "
      case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0xFEFF:
        out += "\\u{" + hex(scalar.value, digits: 4) + "}"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  private static func hex(_ value: UInt32, digits: Int) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
  }
}
