import Safetensors
import TestSupport
import Testing

/// Helpers shared by the header tests: write a raw header to a temporary file, open it, and return
/// the checkpoint or the error line without its `FILE: ` prefix.
enum HeaderFixtures {
  /// `{"NAME":{"dtype":"DT","shape":[..],"data_offsets":[B,E]}}`-style entry text.
  static func entry(_ dtype: String, _ shape: String, _ begin: UInt64, _ end: UInt64) -> String {
    "{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(end)]}"
  }

  /// Writes the file and opens it. Pass `directory` to keep the file for reading afterwards (a
  /// directory made here is removed on return).
  static func open(
    _ header: String, data: [UInt8] = [], headerLength: UInt64? = nil,
    in kept: TemporaryDirectory? = nil
  ) throws -> Checkpoint {
    let directory = try kept ?? TemporaryDirectory("hdr")
    let path = try SafetensorsFixture.write(
      header: header, data: data, headerLength: headerLength, to: directory.file("f.safetensors"))
    return try Checkpoint.open(path)
  }

  /// Opens raw bytes written to a file; returns the error's reason (the text after `FILE: `), or
  /// nil when the file opens.
  static func reason(bytes: [UInt8]) throws -> String? {
    let directory = try TemporaryDirectory("hdr")
    let path = directory.file("f.safetensors")
    try SafetensorsFixture.write(bytes, to: path)
    do {
      _ = try Checkpoint.open(path)
      return nil
    } catch {
      #expect(error.description == "\(path): \(error.reason)")
      #expect(error.file == path)
      return error.reason
    }
  }

  /// The reason for a header text with `data`.
  static func reason(_ header: String, data: [UInt8] = [], headerLength: UInt64? = nil) throws
    -> String?
  {
    try reason(
      bytes: SafetensorsFixture.bytes(header: header, data: data, headerLength: headerLength))
  }

  /// Byte offset of the first occurrence of `needle` in `header` (0-based, UTF-8), for expected
  /// rule-5 positions.
  static func offset(of needle: String, in header: String) -> Int {
    let hay = Array(header.utf8)
    let pin = Array(needle.utf8)
    for start in 0...(hay.count - pin.count) where Array(hay[start..<(start + pin.count)]) == pin {
      return start
    }
    return -1
  }
}
