/// Strict UTF-8 validation, as Rust's `std::str::from_utf8` does it.
///
/// Rejects overlong forms, surrogates (U+D800–U+DFFF), code points above U+10FFFF, stray
/// continuation bytes and truncated sequences.
enum UTF8Validation {
  /// The offset of the first byte of the first invalid sequence, or nil when `bytes` is valid.
  ///
  /// - Complexity: O(n), one pass.
  static func firstInvalidOffset(_ bytes: UnsafeRawBufferPointer) -> Int? {
    let count = bytes.count
    var index = 0
    while index < count {
      let lead = bytes[index]
      if lead < 0x80 {
        index += 1
        continue
      }
      let length: Int
      var lowest: UInt8 = 0x80
      var highest: UInt8 = 0xBF
      switch lead {
      case 0xC2...0xDF: length = 2
      case 0xE0:
        length = 3
        lowest = 0xA0
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED:
        length = 3
        highest = 0x9F
      case 0xF0:
        length = 4
        lowest = 0x90
      case 0xF1...0xF3: length = 4
      case 0xF4:
        length = 4
        highest = 0x8F
      default: return index
      }
      guard index + 1 < count, bytes[index + 1] >= lowest, bytes[index + 1] <= highest else {
        return index
      }
      for next in 2..<length {
        guard index + next < count, bytes[index + next] & 0xC0 == 0x80 else { return index }
      }
      index += length
    }
    return nil
  }
}
