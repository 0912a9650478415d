/// The OSC 52 control sequence that puts text on the terminal's clipboard, with the base64 it
/// needs (written here: the project avoids Foundation).
public enum ClipboardSequence {
  /// `ESC ] 52 ; c ; BASE64 BEL`.
  public static func osc52(_ text: String) -> String {
    "\u{1B}]52;c;" + base64(Array(text.utf8)) + "\u{07}"
  }

  static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

  /// RFC 4648 base64 with `=` padding.
  static func base64(_ bytes: [UInt8]) -> String {
    var result = ""
    var index = 0
    while index < bytes.count {
      let chunk = bytes[index..<min(index + 3, bytes.count)]
      var value = 0
      for (offset, byte) in chunk.enumerated() { value |= Int(byte) << (16 - 8 * offset) }
      for position in 0..<4 {
        if position <= chunk.count {
          result.append(alphabet[(value >> (18 - 6 * position)) & 63])
        } else {
          result.append("=")
        }
      }
      index += 3
    }
    return result
  }
}
