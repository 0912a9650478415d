import Safetensors
import TestSupport
import Testing

/// One test per validation rule of docs/SAFETENSORS.md, asserting the exact error line.
@Suite struct ValidationRuleTests {}

private typealias F = HeaderFixtures

// MARK: - Rules 1–4

extension ValidationRuleTests {
  @Test(arguments: [0, 1, 7])
  func rule1TooShort(size: Int) throws {
    let reason = try F.reason(bytes: [UInt8](repeating: 0, count: size))
    #expect(reason == "file is \(size) bytes, too short for a safetensors header")
  }

  @Test func rule2HeaderTooLargeIsADecimalLimit() throws {
    #expect(
      try F.reason("{}", headerLength: 100_000_001)
        == "header length 100000001 exceeds the 100000000-byte limit")
    #expect(
      try F.reason("{}", headerLength: UInt64.max)
        == "header length 18446744073709551615 exceeds the 100000000-byte limit")
    // 100,000,000 itself passes rule 2 and fails rule 3 (it is not 100 MiB = 104,857,600).
    #expect(
      try F.reason("{}", headerLength: 100_000_000)
        == "header length 100000000 runs past the end of the file (10 bytes)")
  }

  @Test func rule3HeaderPastEnd() throws {
    #expect(
      try F.reason("{}", headerLength: 3)
        == "header length 3 runs past the end of the file (10 bytes)")
    #expect(
      try F.reason(bytes: [8, 0, 0, 0, 0, 0, 0, 0])
        == "header length 8 runs past the end of the file (8 bytes)")
  }

  @Test(
    arguments: [
      ([0x7B, 0xFF, 0x7D], 9),  // invalid byte
      ([0x7B, 0x7D, 0x20, 0xC0, 0x80], 11),  // overlong
      ([0x7B, 0x22, 0xED, 0xA0, 0x80, 0x22], 10),  // UTF-16 surrogate
      ([0x7B, 0x7D, 0xE2, 0x82], 10),  // truncated sequence
      ([0x7B, 0x7D, 0xF4, 0x90, 0x80, 0x80], 10),  // above U+10FFFF
      ([0x80, 0x7B, 0x7D], 8),  // stray continuation byte
    ] as [([UInt8], Int)])
  func rule4NotUTF8(header: [UInt8], badOffset: Int) throws {
    let reason = try F.reason(bytes: SafetensorsFixture.bytes(headerBytes: header))
    #expect(reason == "header is not valid UTF-8 (first bad byte at file offset \(badOffset))")
  }
}

// MARK: - Rule 5

extension ValidationRuleTests {
  /// (header, text whose first occurrence marks the error offset, reason after `: `).
  static let rule5Cases: [(String, String, String)] = [
    ("", "", "EOF while parsing a value"),
    ("        ", "", "EOF while parsing a value"),
    ("[]", "[", "expected an object, found an array"),
    ("null", "n", "expected an object, found null"),
    ("{}\u{0}\u{0}", "\u{0}", "trailing characters after the top-level value"),
    ("{} {}", "@3", "trailing characters after the top-level value"),
    ("\u{FEFF}{}", "\u{FEFF}", "expected value, found byte 0xEF"),
    ("{\"a\":\(F.entry("U8", "[0]", 0, 0)),}", "@53", "trailing comma in an object"),
    (
      "{\"a\":{\"dtype\":\"U8\",\"shape\":[0,],\"data_offsets\":[0,0]}}", "]",
      "trailing comma in an array"
    ),
    ("{/* c */}", "/", "expected a string key, found '/'"),
    ("{\"a\":\(F.entry("f32", "[1]", 0, 4))}", "\"f32\"", "tensor a: unknown dtype \"f32\""),
    ("{\"a\":\(F.entry("F128", "[1]", 0, 4))}", "\"F128\"", "tensor a: unknown dtype \"F128\""),
    (
      "{\"a\":\(F.entry("U8", "[-1]", 0, 0))}", "-1",
      "tensor a: shape element -1 is not a non-negative integer"
    ),
    (
      "{\"a\":\(F.entry("U8", "[-0]", 0, 0))}", "-0",
      "tensor a: shape element -0 is not a non-negative integer"
    ),
    (
      "{\"a\":\(F.entry("U8", "[4.0]", 0, 4))}", "4.0",
      "tensor a: shape element 4.0 is not a non-negative integer"
    ),
    (
      "{\"a\":\(F.entry("U8", "[4e0]", 0, 4))}", "4e0",
      "tensor a: shape element 4e0 is not a non-negative integer"
    ),
    ("{\"a\":\(F.entry("U8", "[04]", 0, 4))}", "04", "invalid number: leading zero"),
    (
      "{\"a\":\(F.entry("U8", "[18446744073709551616]", 0, 4))}", "1844",
      "tensor a: shape element 18446744073709551616 exceeds 18446744073709551615"
    ),
    (
      "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", "[0,1,2]",
      "tensor a: data_offsets must have exactly 2 elements, found 3"
    ),
    (
      "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}", "[0]}",
      "tensor a: data_offsets must have exactly 2 elements, found 1"
    ),
    (
      "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1.0]}}", "1.0",
      "tensor a: data_offsets element 1.0 is not a non-negative integer"
    ),
    (
      "{\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,1]}}", "{\"dtype",
      "tensor a: missing field `shape`"
    ),
    (
      "{\"a\":null}", "null",
      "tensor a: expected an object with dtype, shape and data_offsets, found null"
    ),
    (
      "{\"a\":{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}",
      "\"dtype\":\"U8\",\"shape", "tensor a: duplicate field `dtype`"
    ),
    (
      "{\"__metadata__\":{},\"__metadata__\":{}}", "\"__metadata__\":{}}",
      "duplicate field `__metadata__`"
    ),
    (
      "{\"__metadata__\":{\"n\":1}}", "1",
      "`__metadata__` value for key \"n\" must be a string, found a number"
    ),
    (
      "{\"__metadata__\":{\"n\":{\"x\":\"y\"}}}", "{\"x\"",
      "`__metadata__` value for key \"n\" must be a string, found an object"
    ),
    (
      "{\"__metadata__\":\(F.entry("U8", "[0]", 0, 0))}", "[0]",
      "`__metadata__` value for key \"shape\" must be a string, found an array"
    ),
    (
      "{\"__metadata__\":5}", "5",
      "`__metadata__` must be null or an object of strings, found a number"
    ),
    (
      "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"x\":\"\u{1}\"}}", "\u{1}",
      "control character in a string"
    ),
    (
      "{\"\\ud800\":\(F.entry("U8", "[0]", 0, 0))}", "\\ud800",
      "lone leading surrogate in a \\u escape"
    ),
    (
      "{\"\\udc00\":\(F.entry("U8", "[0]", 0, 0))}", "\\udc00",
      "lone trailing surrogate in a \\u escape"
    ),
    (
      "{\"a\" \(F.entry("U8", "[0]", 0, 0))}", "{\"dtype",
      "expected ':' after an object key, found '{'"
    ),
    ("{'a':1}", "'", "expected a string key, found '''"),
    ("{\"a\":tru}", "tru", "invalid literal, expected true"),
    (
      "{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0],\"x\":-1e400}}", "-1e400",
      "number out of range"
    ),
  ]

  @Test(arguments: rule5Cases)
  func rule5InvalidJSONOrSchema(header: String, marker: String, reason: String) throws {
    // The marker is the text at the error's offset (first occurrence), `@N` for offset N, or
    // empty for the end of the header.
    let at =
      marker.hasPrefix("@")
      ? Int(marker.dropFirst()) ?? -1
      : marker.isEmpty ? header.utf8.count : F.offset(of: marker, in: header)
    #expect(try F.reason(header) == "invalid header JSON at header byte \(at): \(reason)")
  }

  @Test func rule5NestingIsBounded() throws {
    let deep =
      "{\"a\":{\"x\":" + String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
      + "}}"
    let reason = try #require(try F.reason(deep))
    #expect(
      reason.hasPrefix("invalid header JSON at header byte ")
        && reason.hasSuffix("nesting deeper than 128 levels"))
  }
}

// MARK: - Rules 7–11

extension ValidationRuleTests {
  @Test func rule7HoleAtTheStart() throws {
    let header = "{\"a\":\(F.entry("U8", "[2]", 1, 3))}"
    #expect(
      try F.reason(header, data: [0, 0, 0]) == "tensor a: data_offsets [1, 3] should begin at 0")
  }

  @Test func rule7GapOverlapAndReversedOffsets() throws {
    let gap = "{\"a\":\(F.entry("U8", "[2]", 0, 2)),\"b\":\(F.entry("U8", "[1]", 3, 4))}"
    #expect(
      try F.reason(gap, data: [0, 0, 0, 0]) == "tensor b: data_offsets [3, 4] should begin at 2")
    let overlap = "{\"a\":\(F.entry("U8", "[4]", 0, 4)),\"b\":\(F.entry("U8", "[4]", 2, 6))}"
    #expect(
      try F.reason(overlap, data: [UInt8](repeating: 0, count: 6))
        == "tensor b: data_offsets [2, 6] should begin at 4")
    let reversed = "{\"a\":\(F.entry("U8", "[2]", 0, 2)),\"b\":\(F.entry("U8", "[1]", 2, 1))}"
    #expect(
      try F.reason(reversed, data: [0, 0]) == "tensor b: data_offsets [2, 1] end before they begin")
  }

  @Test func rule7EmptyTensorOnlyOnABoundary() throws {
    let inside = "{\"a\":\(F.entry("F32", "[1]", 0, 4)),\"e\":\(F.entry("U8", "[0]", 2, 2))}"
    #expect(
      try F.reason(inside, data: [0, 0, 0, 0]) == "tensor e: data_offsets [2, 2] should begin at 4")
    let boundary =
      "{\"a\":\(F.entry("F32", "[1]", 0, 4)),\"e\":\(F.entry("U8", "[0]", 4, 4)),\"b\":\(F.entry("U8", "[1]", 4, 5))}"
    #expect(try F.reason(boundary, data: [0, 0, 0, 0, 0]) == nil)
  }

  @Test func rule7UsesTheSortedOrderNotTheKeyOrder() throws {
    // "z" sorts first by offsets and fails rule 10; "a" would fail rule 7 but comes later.
    let header = "{\"a\":\(F.entry("U8", "[1]", 9, 10)),\"z\":\(F.entry("U8", "[2]", 0, 1))}"
    #expect(
      try F.reason(header, data: [0]) == "tensor z: U8 [2] needs 2 bytes but data_offsets give 1")
  }

  @Test func rule8OverflowLeftToRight() throws {
    let overflow = "{\"a\":\(F.entry("U8", "[4294967296,4294967296,0]", 0, 0))}"
    #expect(
      try F.reason(overflow)
        == "tensor a: shape [4294967296, 4294967296, 0] overflows a 64-bit byte count")
    let bits = "{\"a\":\(F.entry("F32", "[4611686018427387904]", 0, 0))}"
    #expect(
      try F.reason(bits) == "tensor a: shape [4611686018427387904] overflows a 64-bit byte count")
    let passes = "{\"a\":\(F.entry("U8", "[0,4294967296,4294967296]", 0, 0))}"
    #expect(try F.reason(passes) == nil)
  }

  @Test func rule9PartialBytes() throws {
    let header = "{\"a\":\(F.entry("F4", "[3]", 0, 2))}"
    #expect(
      try F.reason(header, data: [0, 0])
        == "tensor a: 3 elements of F4 do not fill a whole number of bytes")
    let f6 = "{\"a\":\(F.entry("F6_E2M3", "[2,3]", 0, 5))}"
    #expect(
      try F.reason(f6, data: [UInt8](repeating: 0, count: 5))
        == "tensor a: 6 elements of F6_E2M3 do not fill a whole number of bytes")
  }

  @Test func rule10SizeMismatch() throws {
    let header = "{\"a\":\(F.entry("F32", "[2]", 0, 4))}"
    #expect(
      try F.reason(header, data: [0, 0, 0, 0])
        == "tensor a: F32 [2] needs 8 bytes but data_offsets give 4")
    let scalar = "{\"s\":\(F.entry("BF16", "[]", 0, 4))}"
    #expect(
      try F.reason(scalar, data: [0, 0, 0, 0])
        == "tensor s: BF16 [] needs 2 bytes but data_offsets give 4")
  }

  @Test func rule11TrailingBytesAndTruncation() throws {
    let header = "{\"a\":\(F.entry("U8", "[2]", 0, 2))}"
    #expect(try F.reason(header, data: [0, 0, 0, 0, 0]) == "3 bytes follow the last tensor")
    #expect(
      try F.reason(header, data: [0]) == "file is truncated: tensors need 2 data bytes, file has 1")
    #expect(try F.reason("{}", data: [1]) == "1 bytes follow the last tensor")
  }

  @Test func rule11RunsOnlyAfterEveryTensorPassed() throws {
    let header = "{\"a\":\(F.entry("U8", "[2]", 0, 2)),\"b\":\(F.entry("F16", "[2]", 2, 5))}"
    #expect(
      try F.reason(header, data: [0]) == "tensor b: F16 [2] needs 4 bytes but data_offsets give 3")
  }

  @Test func errorsNameTheFileAndTheEmptyTensorName() throws {
    let header = "{\"\":\(F.entry("U8", "[2]", 0, 1))}"
    #expect(
      try F.reason(header, data: [0]) == "tensor \"\": U8 [2] needs 2 bytes but data_offsets give 1"
    )
  }
}

// MARK: - Rule 5 order

extension ValidationRuleTests {
  /// The reference (serde's derived visitor over a streaming parser) meets `__metadata__` values as
  /// it reads them, checks tensor entries after the closing brace, and trailing characters last.
  @Test func rule5ReportsErrorsInTheReferenceOrder() throws {
    let metadataBeforeEntries = "{\"a\":null,\"__metadata__\":5}"
    #expect(
      try F.reason(metadataBeforeEntries)
        == "invalid header JSON at header byte 25: `__metadata__` must be null or an object of strings, found a number"
    )
    let metadataBeforeLaterSyntax = "{\"__metadata__\":5,\"a\":[1,"
    #expect(
      try F.reason(metadataBeforeLaterSyntax)
        == "invalid header JSON at header byte 16: `__metadata__` must be null or an object of strings, found a number"
    )
    let syntaxBeforeEntries = "{\"a\":null,\"b\":[1,"
    #expect(
      try F.reason(syntaxBeforeEntries)
        == "invalid header JSON at header byte 17: EOF while parsing a value")
    let entriesBeforeTrailing = "{\"a\":null} x"
    #expect(
      try F.reason(entriesBeforeTrailing)
        == "invalid header JSON at header byte 5: tensor a: expected an object with dtype, shape and data_offsets, found null"
    )
    let notAnObjectAtOnce = "[1,"
    #expect(
      try F.reason(notAnObjectAtOnce)
        == "invalid header JSON at header byte 0: expected an object, found an array")
  }
}
