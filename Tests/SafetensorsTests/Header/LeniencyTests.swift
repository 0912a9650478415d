import Safetensors
import TestSupport
import Testing

/// Each row of the "What the reference accepts" table of docs/SAFETENSORS.md: accepted, with
/// the stated behaviour.
@Suite struct LeniencyTests {}

private typealias F = HeaderFixtures

extension LeniencyTests {
  @Test(arguments: [" ", "\t", "\r\n", " \n\t\r "])
  func whitespaceBeforeAndAfterTheObject(space: String) throws {
    let body = "{\"a\":\(F.entry("U8", "[1]", 0, 1))}"
    let checkpoint = try F.open(space + body + space, data: [7])
    #expect(checkpoint.tensors.map(\.name) == ["a"])
  }

  @Test func unalignedHeaderLengthAndData() throws {
    // Header of odd length: the F32 data starts at file offset 8 + 51 + 1, not 8-aligned.
    let header = "{\"p\":\(F.entry("U8", "[1]", 0, 1)),\"x\":\(F.entry("F32", "[2]", 1, 9))}"
    #expect(header.utf8.count % 8 != 0)
    let one = Float(1.5).bitPattern
    let two = Float(-3).bitPattern
    let data: [UInt8] =
      [9] + (0..<4).map { UInt8(truncatingIfNeeded: one >> ($0 * 8)) }
      + (0..<4).map { UInt8(truncatingIfNeeded: two >> ($0 * 8)) }
    let directory = try TemporaryDirectory("unaligned")
    let path = try SafetensorsFixture.write(
      header: header, data: data, to: directory.file("u.safetensors"))
    let reader = try TensorDataReader(checkpoint: Checkpoint.open(path))
    let x = try #require(reader.checkpoint.tensors.first { $0.name == "x" })
    #expect(x.fileOffset % 4 != 0)
    var values: [Float] = [0, 0]
    try values.withUnsafeMutableBufferPointer {
      try reader.readFloats(of: x, from: 0, count: 2, into: $0.baseAddress!)
    }
    #expect(values == [1.5, -3])
  }

  @Test func keysInAnyOrderAreListedInNaturalOrder() throws {
    let header =
      "{\"layers.10.w\":\(F.entry("U8", "[1]", 2, 3)),\"layers.2.w\":\(F.entry("F16", "[1]", 0, 2)),"
      + "\"layers.1.w\":\(F.entry("U8", "[1]", 3, 4))}"
    let checkpoint = try F.open(header, data: [0, 0, 0, 0])
    #expect(checkpoint.tensors.map(\.name) == ["layers.1.w", "layers.2.w", "layers.10.w"])
    #expect(
      checkpoint.tensors.map(\.fileOffset) == [
        8 + 3 + UInt64(header.utf8.count), 8 + UInt64(header.utf8.count),
        10 + UInt64(header.utf8.count),
      ])
  }

  @Test func unknownFieldsAreIgnored() throws {
    let header =
      "{\"a\":{\"dtype\":\"U8\",\"extra\":{\"deep\":[1,-2.5e3,null,true]},\"shape\":[1],\"data_offsets\":[0,1],\"z\":\"\"}}"
    #expect(try F.open(header, data: [1]).tensors.count == 1)
  }

  @Test(arguments: ["", "\"__metadata__\":null,", "\"__metadata__\":{},"])
  func metadataMissingNullOrEmpty(metadata: String) throws {
    let checkpoint = try F.open("{\(metadata)\"a\":\(F.entry("U8", "[1]", 0, 1))}", data: [1])
    #expect(checkpoint.files[0].metadata == nil)
  }

  @Test func metadataStringsAreKept() throws {
    let checkpoint = try F.open("{\"__metadata__\":{\"format\":\"pt\",\"k\":\"\\u0061\"}}")
    #expect(checkpoint.files[0].metadata == ["format": "pt", "k": "a"])
  }

  @Test func repeatedNameKeepsTheLastEntryAndWarns() throws {
    let header = "{\"a\":\(F.entry("U8", "[1]", 0, 1)),\"a\":\(F.entry("U8", "[2]", 0, 2))}"
    let checkpoint = try F.open(header, data: [1, 2])
    #expect(checkpoint.tensors.count == 1)
    #expect(checkpoint.tensors[0].shape == [2])
    #expect(checkpoint.warnings.count == 1)
    #expect(
      checkpoint.warnings.first?.hasSuffix(
        ": tensor a appears 2 times in the header; the last entry is kept") == true)
    // Differing entries usually fail rule 7: the first entry's bytes become a hole.
    let differing =
      "{\"a\":\(F.entry("U8", "[1]", 0, 1)),\"b\":\(F.entry("U8", "[1]", 1, 2)),\"a\":\(F.entry("U8", "[1]", 2, 3))}"
    #expect(
      try F.reason(differing, data: [1, 2, 3]) == "tensor b: data_offsets [1, 2] should begin at 0")
  }

  @Test func emptyTensorsScalarsAndAnEmptyHeader() throws {
    let header = "{\"e\":\(F.entry("F32", "[3,0]", 0, 0)),\"s\":\(F.entry("F32", "[]", 0, 4))}"
    let directory = try TemporaryDirectory("empty")
    let checkpoint = try F.open(header, data: [0, 0, 0x80, 0x3F], in: directory)
    #expect(checkpoint.tensors.map(\.elementCount) == [0, 1])
    let reader = try TensorDataReader(checkpoint: checkpoint)
    var value: Float = 0
    try reader.readFloats(of: checkpoint.tensors[1], from: 0, count: 1, into: &value)
    #expect(value == 1)
    let empty = try F.open("{}")
    #expect(empty.tensors.isEmpty && empty.files[0].size == 10)
  }

  @Test func hugeDimensionNextToAZeroIsAcceptedAsEmpty() throws {
    let checkpoint = try F.open(
      "{\"a\":\(F.entry("U8", "[0,4294967296,4294967296]", 0, 0)),\"b\":\(F.entry("U8", "[2147483648,4294967296,0]", 0, 0))}"
    )
    #expect(checkpoint.tensors.map(\.elementCount) == [0, 0])
  }

  @Test func emptyNameIsAcceptedAndShownQuoted() throws {
    let checkpoint = try F.open("{\"\":\(F.entry("U8", "[1]", 0, 1))}", data: [1])
    #expect(checkpoint.tensors[0].name == "")
    #expect(checkpoint.tensors[0].displayName == "\"\"")
  }

  @Test func escapesInNamesAreDecoded() throws {
    let checkpoint = try F.open(
      "{\"\\u0061\\/\\ud83d\\ude00\\n\":\(F.entry("U8", "[1]", 0, 1))}", data: [1])
    #expect(checkpoint.tensors[0].name == "a/\u{1F600}\n")
    #expect(checkpoint.tensors[0].displayName == "\"a/\u{1F600}\\n\"")
  }

  /// ESC (a terminal command), DEL and C1 controls (CSI U+009B) are escaped when shown.
  @Test func terminalControlsInNamesAreShownEscaped() throws {
    let checkpoint = try F.open(
      "{\"a\\u001b[31mb\\u007f\\u009bc\":\(F.entry("U8", "[1]", 0, 1))}", data: [1])
    #expect(checkpoint.tensors[0].name == "a\u{1B}[31mb\u{7F}\u{9B}c")
    #expect(checkpoint.tensors[0].displayName == "\"a\\u001b[31mb\\u007f\\u009bc\"")
  }

  @Test func allTwentyTwoDtypesAreListed() throws {
    var parts: [String] = []
    var offset: UInt64 = 0
    for dtype in DType.allCases {
      let size = UInt64(8 * dtype.bits / 8)  // 8 elements fill whole bytes for F4 and F6 too
      parts.append(
        "\"t_\(dtype.rawValue)\":\(F.entry(dtype.rawValue, "[8]", offset, offset + size))")
      offset += size
    }
    let directory = try TemporaryDirectory("dtypes")
    let checkpoint = try F.open(
      "{" + parts.joined(separator: ",") + "}", data: [UInt8](repeating: 0, count: Int(offset)),
      in: directory)
    #expect(Set(checkpoint.tensors.map(\.dtype)) == Set(DType.allCases))
    #expect(DType.allCases.count == 22)
    let reader = try TensorDataReader(checkpoint: checkpoint)
    var out = [Float](repeating: 0, count: 8)
    for tensor in checkpoint.tensors {
      do {
        try out.withUnsafeMutableBufferPointer {
          try reader.readFloats(of: tensor, from: 0, count: 8, into: $0.baseAddress!)
        }
        #expect(tensor.dtype.isAnalysable, "\(tensor.dtype)")
      } catch {
        #expect(!tensor.dtype.isAnalysable, "\(tensor.dtype)")
        #expect(
          (error as? SafetensorsError)?.reason
            == "tensor \(tensor.name): \(tensor.dtype.rawValue) cannot be converted to F32")
      }
    }
  }

  @Test func headerHashIdentifiesTheHeader() throws {
    let a = try F.open("{\"a\":\(F.entry("U8", "[1]", 0, 1))}", data: [1])
    let b = try F.open("{\"a\":\(F.entry("U8", "[1]", 0, 1))}", data: [2])
    let c = try F.open("{\"b\":\(F.entry("U8", "[1]", 0, 1))}", data: [1])
    #expect(a.files[0].headerHash == b.files[0].headerHash)
    #expect(a.files[0].headerHash != c.files[0].headerHash)
    // FNV-1a 64 of "{}" by the published algorithm (offset basis, prime), computed here.
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in "{}".utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    #expect(try F.open("{}").files[0].headerHash == hash)
  }

  /// Not in the spec's table: serde's derived visitor (safetensors' `TensorInfo`) also reads a struct
  /// from an array of its fields in declaration order, so the reference accepts this form.
  @Test func entryWrittenAsAnArrayOfItsThreeFields() throws {
    let checkpoint = try F.open("{\"a\":[\"U8\",[2],[0,2]]}", data: [1, 2])
    #expect(checkpoint.tensors.map(\.shape) == [[2]])
    #expect(
      try F.reason("{\"a\":[\"U8\",[2]]}", data: [1, 2])
        == "invalid header JSON at header byte 5: tensor a: an entry written as an array needs 3 elements (dtype, shape, data_offsets), found 2"
    )
  }
}
