/// Parses theme files (`key = "value"` lines, `#` comments) and finds themes by name or path.
public enum ThemeLoader {
  /// The result of parsing a theme file: the theme and one warning per problem line.
  public struct Result: Sendable {
    public var theme: Theme
    /// `file:line: problem`, one per unknown key or bad value.
    public var warnings: [String]
  }

  /// Parses `text` (read from `file`, used in warnings). Missing keys fall back to the built-in
  /// default; unknown keys and bad values are skipped with a warning.
  public static func parse(_ text: String, name: String, file: String) -> Result {
    var colours = Theme.builtIn.colours
    var warnings: [String] = []
    var lineNumber = 0
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
      lineNumber += 1
      let line = stripComment(String(rawLine)).trimmed
      if line.isEmpty { continue }
      guard let equals = line.firstIndex(of: "=") else {
        warnings.append("\(file):\(lineNumber): expected key = \"value\"")
        continue
      }
      let key = String(line[..<equals]).trimmed
      var value = String(line[line.index(after: equals)...]).trimmed
      guard let role = ThemeRole(rawValue: key) else {
        warnings.append("\(file):\(lineNumber): unknown key '\(key)'")
        continue
      }
      if value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") {
        value = String(value.dropFirst().dropLast())
      }
      guard let colour = ThemeColour(parsing: value) else {
        warnings.append(
          "\(file):\(lineNumber): bad value '\(value)' for '\(key)' (expected #rrggbb, 0-255 or \"\")"
        )
        continue
      }
      colours[role] = colour
    }
    return Result(theme: Theme(name: name, colours: colours), warnings: warnings)
  }

  /// Removes a `#` comment: a `#` at the start, or after whitespace outside quotes (so the `#` of
  /// `"#rrggbb"` stays).
  static func stripComment(_ line: String) -> String {
    var inQuotes = false
    var previous: Character = " "
    var out = ""
    for character in line {
      if character == "\"" { inQuotes.toggle() }
      if character == "#" && !inQuotes && (previous == " " || previous == "\t") { break }
      out.append(character)
      previous = character
    }
    return out
  }
}

extension String {
  /// Without leading and trailing spaces and tabs.
  var trimmed: String {
    var slice = Substring(self)
    while let first = slice.first, first == " " || first == "\t" || first == "\r" {
      slice = slice.dropFirst()
    }
    while let last = slice.last, last == " " || last == "\t" || last == "\r" {
      slice = slice.dropLast()
    }
    return String(slice)
  }
}
