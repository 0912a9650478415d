/// A string between double quotes with backslash escapes: the rule JSON and YAML writers share.
package enum QuotedString {
  /// `"…"` with `"`, `\`, line feed, carriage return and tab written as `\"`, `\\`, `\n`, `\r`,
  /// `\t`; every other scalar goes to `escape`, whose result (when not nil) replaces it.
  package static func quoted(_ text: String, escape: (Unicode.Scalar) -> String?) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if let escaped = escape(scalar) {
          out += escaped
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }

  /// True for the C0 and C1 control characters and DEL (U+0000–U+001F, U+007F–U+009F).
  package static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
  }
}
