/// A strict RFC 8259 JSON parser over a byte buffer, with byte offsets in every error.
///
/// No extensions: no BOM, comments, trailing commas, NaN, or single quotes. Numbers keep enough of
/// their text to tell bare digits (`12`) from other JSON numbers (`-0`, `4.0`, `4e0`), which the
/// safetensors schema rejects for shapes and offsets. Nesting is limited to 128 levels, as serde_json
/// limits it, so a hostile header cannot exhaust the stack.
///
/// The input must already be valid UTF-8 (the reader checks that first: rule 4), so strings are
/// only checked for JSON rules (raw control characters, escapes, lone surrogates).
struct StrictJSONParser {
  /// A syntax error at `offset` (0-based, from the start of the buffer).
  struct SyntaxError: Error {
    var offset: Int
    var reason: String
  }

  /// Deepest nesting of arrays and objects accepted.
  static let maximumDepth = 128

  private let bytes: UnsafeRawBufferPointer
  private var position = 0
  private var depth = 0

  private init(_ bytes: UnsafeRawBufferPointer) {
    self.bytes = bytes
  }

  /// Parses exactly one JSON value surrounded by optional JSON whitespace.
  ///
  /// - Complexity: O(n) time over the `n` bytes; memory proportional to the parsed tree.
  static func parse(_ bytes: UnsafeRawBufferPointer) throws(SyntaxError) -> JSONNode {
    var parser = StrictJSONParser(bytes)
    parser.skipWhitespace()
    guard parser.position < bytes.count else {
      throw SyntaxError(offset: parser.position, reason: "EOF while parsing a value")
    }
    let value = try parser.parseValue()
    parser.skipWhitespace()
    if parser.position < bytes.count {
      throw SyntaxError(
        offset: parser.position, reason: "trailing characters after the top-level value")
    }
    return value
  }

  /// Parses a document whose top level must be an object, in the order serde's derived struct
  /// visitor reads it (safetensors' `HashMetadata`): `visit` runs on each member as soon as it is
  /// parsed, so a bad member is reported before a syntax error further on; `finish` runs after the
  /// closing brace; trailing characters are checked last.
  ///
  /// A top-level value that is not an object is reported at its first byte, without parsing it.
  static func parseObjectDocument(
    _ bytes: UnsafeRawBufferPointer,
    visit: @escaping (JSONNode.Member) throws(SyntaxError) -> Void,
    finish: () throws(SyntaxError) -> Void
  ) throws(SyntaxError) {
    var parser = StrictJSONParser(bytes)
    parser.skipWhitespace()
    guard let first = parser.peek() else {
      throw SyntaxError(offset: parser.position, reason: "EOF while parsing a value")
    }
    if first != UInt8(ascii: "{") {
      let found: String
      switch first {
      case UInt8(ascii: "["): found = "an array"
      case UInt8(ascii: "\""): found = "a string"
      case UInt8(ascii: "t"), UInt8(ascii: "f"): found = "a boolean"
      case UInt8(ascii: "n"): found = "null"
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): found = "a number"
      default:
        throw SyntaxError(
          offset: parser.position, reason: "expected value, found \(Self.describe(first))")
      }
      throw SyntaxError(offset: parser.position, reason: "expected an object, found \(found)")
    }
    _ = try parser.parseObject(visit: visit)
    try finish()
    parser.skipWhitespace()
    if parser.position < bytes.count {
      throw SyntaxError(
        offset: parser.position, reason: "trailing characters after the top-level value")
    }
  }

  // MARK: - Values

  private mutating func parseValue() throws(SyntaxError) -> JSONNode {
    let start = position
    guard let byte = peek() else {
      throw SyntaxError(offset: position, reason: "EOF while parsing a value")
    }
    switch byte {
    case UInt8(ascii: "{"): return JSONNode(offset: start, kind: .object(try parseObject()))
    case UInt8(ascii: "["): return JSONNode(offset: start, kind: .array(try parseArray()))
    case UInt8(ascii: "\""): return JSONNode(offset: start, kind: .string(try parseString()))
    case UInt8(ascii: "t"):
      try expectLiteral("true")
      return JSONNode(offset: start, kind: .bool(true))
    case UInt8(ascii: "f"):
      try expectLiteral("false")
      return JSONNode(offset: start, kind: .bool(false))
    case UInt8(ascii: "n"):
      try expectLiteral("null")
      return JSONNode(offset: start, kind: .null)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return JSONNode(offset: start, kind: .number(try parseNumber()))
    default:
      throw SyntaxError(offset: position, reason: "expected value, found \(Self.describe(byte))")
    }
  }

  private mutating func enter() throws(SyntaxError) {
    depth += 1
    if depth > Self.maximumDepth {
      throw SyntaxError(offset: position, reason: "nesting deeper than \(Self.maximumDepth) levels")
    }
  }

  /// Parses an object; with `visit`, hands each member to it instead of collecting them.
  private mutating func parseObject(
    visit: ((JSONNode.Member) throws(SyntaxError) -> Void)? = nil
  ) throws(SyntaxError) -> [JSONNode.Member] {
    var members: [JSONNode.Member] = []
    if try entersEmpty(closedBy: "}") { return members }
    while true {
      skipWhitespace()
      let keyOffset = position
      guard let byte = peek() else {
        throw SyntaxError(offset: position, reason: "EOF while parsing an object")
      }
      guard byte == UInt8(ascii: "\"") else {
        throw SyntaxError(
          offset: position, reason: "expected a string key, found \(Self.describe(byte))")
      }
      let key = try parseString()
      skipWhitespace()
      guard peek() == UInt8(ascii: ":") else {
        throw SyntaxError(
          offset: position, reason: "expected ':' after an object key, found \(describeHere())")
      }
      position += 1
      skipWhitespace()
      let value = try parseValue()
      let member = JSONNode.Member(key: key, keyOffset: keyOffset, value: value)
      if let visit { try visit(member) } else { members.append(member) }
      if try !continuesAfterItem(closedBy: "}", in: "an object") { return members }
    }
  }

  private mutating func parseArray() throws(SyntaxError) -> [JSONNode] {
    var elements: [JSONNode] = []
    if try entersEmpty(closedBy: "]") { return elements }
    while true {
      skipWhitespace()
      elements.append(try parseValue())
      if try !continuesAfterItem(closedBy: "]", in: "an array") { return elements }
    }
  }

  /// Enters a container at its opening bracket: true when `close` follows at once (consumed,
  /// leaving the empty container).
  private mutating func entersEmpty(closedBy close: Unicode.Scalar) throws(SyntaxError) -> Bool {
    try enter()
    position += 1
    skipWhitespace()
    guard peek() == UInt8(ascii: close) else { return false }
    position += 1
    depth -= 1
    return true
  }

  /// After a member or element of `container` ("an object", "an array"): true when a comma
  /// follows (consumed; the closing bracket may not come next), false when `close` follows
  /// (consumed, leaving the container).
  private mutating func continuesAfterItem(
    closedBy close: Unicode.Scalar, in container: String
  ) throws(SyntaxError) -> Bool {
    skipWhitespace()
    guard let next = peek() else {
      throw SyntaxError(offset: position, reason: "EOF while parsing \(container)")
    }
    if next == UInt8(ascii: ",") {
      position += 1
      skipWhitespace()
      if peek() == UInt8(ascii: close) {
        throw SyntaxError(offset: position, reason: "trailing comma in \(container)")
      }
      return true
    }
    if next == UInt8(ascii: close) {
      position += 1
      depth -= 1
      return false
    }
    throw SyntaxError(
      offset: position,
      reason: "expected ',' or '\(close)' in \(container), found \(Self.describe(next))")
  }

  private mutating func expectLiteral(_ literal: StaticString) throws(SyntaxError) {
    let start = position
    let count = literal.utf8CodeUnitCount
    let text = literal.utf8Start
    for index in 0..<count {
      guard position < bytes.count, bytes[position] == text[index] else {
        throw SyntaxError(offset: start, reason: "invalid literal, expected \(literal)")
      }
      position += 1
    }
  }

  // MARK: - Numbers

  /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
  private mutating func parseNumber() throws(SyntaxError) -> JSONNumber {
    let start = position
    var isBareDigits = true
    if peek() == UInt8(ascii: "-") {
      isBareDigits = false
      position += 1
    }
    guard let first = peek(), Self.isDigit(first) else {
      throw SyntaxError(offset: position, reason: "invalid number: expected a digit")
    }
    var integer: UInt64? = 0
    if first == UInt8(ascii: "0") {
      position += 1
      if let next = peek(), Self.isDigit(next) {
        throw SyntaxError(offset: start, reason: "invalid number: leading zero")
      }
    } else {
      while let digit = peek(), Self.isDigit(digit) {
        if let current = integer {
          let (times10, overflow1) = current.multipliedReportingOverflow(by: 10)
          let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
          integer = overflow1 || overflow2 ? nil : sum
        }
        position += 1
      }
    }
    if peek() == UInt8(ascii: ".") {
      isBareDigits = false
      position += 1
      guard let digit = peek(), Self.isDigit(digit) else {
        throw SyntaxError(offset: position, reason: "invalid number: expected a digit after '.'")
      }
      while let digit = peek(), Self.isDigit(digit) { position += 1 }
    }
    if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
      isBareDigits = false
      position += 1
      if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
      guard let digit = peek(), Self.isDigit(digit) else {
        throw SyntaxError(
          offset: position, reason: "invalid number: expected a digit in the exponent")
      }
      while let digit = peek(), Self.isDigit(digit) { position += 1 }
    }
    let text = String(
      decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    // serde_json reads such numbers as f64 and rejects those beyond its range.
    if !isBareDigits || integer == nil, let value = Double(text), value.isInfinite {
      throw SyntaxError(offset: start, reason: "number out of range")
    }
    return JSONNumber(
      text: text, isBareDigits: isBareDigits, unsignedValue: isBareDigits ? integer : nil)
  }

  // MARK: - Strings

  private mutating func parseString() throws(SyntaxError) -> String {
    position += 1  // opening quote
    let contentStart = position
    // Fast path: no escapes.
    while position < bytes.count {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        let text = String(
          decoding: UnsafeRawBufferPointer(rebasing: bytes[contentStart..<position]), as: UTF8.self)
        position += 1
        return text
      }
      if byte == UInt8(ascii: "\\") { break }
      if byte < 0x20 {
        throw SyntaxError(offset: position, reason: "control character in a string")
      }
      position += 1
    }
    var decoded = Array(UnsafeRawBufferPointer(rebasing: bytes[contentStart..<position]))
    while true {
      guard position < bytes.count else {
        throw SyntaxError(offset: position, reason: "EOF while parsing a string")
      }
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        position += 1
        return String(decoding: decoded, as: UTF8.self)
      }
      if byte < 0x20 {
        throw SyntaxError(offset: position, reason: "control character in a string")
      }
      if byte != UInt8(ascii: "\\") {
        decoded.append(byte)
        position += 1
        continue
      }
      let escapeOffset = position
      position += 1
      guard let kind = peek() else {
        throw SyntaxError(offset: position, reason: "EOF while parsing a string")
      }
      position += 1
      switch kind {
      case UInt8(ascii: "\""): decoded.append(0x22)
      case UInt8(ascii: "\\"): decoded.append(0x5C)
      case UInt8(ascii: "/"): decoded.append(0x2F)
      case UInt8(ascii: "b"): decoded.append(0x08)
      case UInt8(ascii: "f"): decoded.append(0x0C)
      case UInt8(ascii: "n"): decoded.append(0x0A)
      case UInt8(ascii: "r"): decoded.append(0x0D)
      case UInt8(ascii: "t"): decoded.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = try parseHex4()
        if (0xDC00...0xDFFF).contains(scalar) {
          throw SyntaxError(offset: escapeOffset, reason: "lone trailing surrogate in a \\u escape")
        }
        if (0xD800...0xDBFF).contains(scalar) {
          guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
            bytes[position + 1] == UInt8(ascii: "u")
          else {
            throw SyntaxError(
              offset: escapeOffset, reason: "lone leading surrogate in a \\u escape")
          }
          position += 2
          let low = try parseHex4()
          guard (0xDC00...0xDFFF).contains(low) else {
            throw SyntaxError(
              offset: escapeOffset, reason: "lone leading surrogate in a \\u escape")
          }
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let unicode = Unicode.Scalar(scalar) else {
          throw SyntaxError(offset: escapeOffset, reason: "invalid \\u escape")
        }
        decoded.append(contentsOf: Array(String(Character(unicode)).utf8))
      default:
        throw SyntaxError(offset: escapeOffset, reason: "invalid escape")
      }
    }
  }

  private mutating func parseHex4() throws(SyntaxError) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard let byte = peek() else {
        throw SyntaxError(offset: position, reason: "EOF while parsing a string")
      }
      let digit: UInt32
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
      default: throw SyntaxError(offset: position, reason: "invalid hex digit in a \\u escape")
      }
      value = value << 4 | digit
      position += 1
    }
    return value
  }

  // MARK: - Bytes

  private func peek() -> UInt8? {
    position < bytes.count ? bytes[position] : nil
  }

  private mutating func skipWhitespace() {
    while position < bytes.count {
      switch bytes[position] {
      case 0x20, 0x09, 0x0A, 0x0D: position += 1
      default: return
      }
    }
  }

  private func describeHere() -> String {
    guard let byte = peek() else { return "end of input" }
    return Self.describe(byte)
  }

  private static func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }

  /// `'x'` for printable ASCII, `byte 0x00` otherwise.
  static func describe(_ byte: UInt8) -> String {
    if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
    let hex = String(byte, radix: 16, uppercase: true)
    return "byte 0x" + (hex.count < 2 ? "0" : "") + hex
  }
}
