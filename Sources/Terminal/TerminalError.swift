/// Errors of the terminal layer, each rendered as one line.
public enum TerminalError: Error, Sendable, CustomStringConvertible {
  /// No theme of that name in any theme directory.
  case themeNotFound(name: String, searched: [String], builtIn: [String])
  /// A theme file exists but cannot be read.
  case unreadable(path: String, reason: String)
  /// The terminal could not be initialised (not a terminal, unknown TERM).
  case noTerminal(String)

  public var description: String {
    switch self {
    case .themeNotFound(let name, let searched, let builtIn):
      "theme '\(name)' not found (looked in \(searched.isEmpty ? "no directory" : searched.joined(separator: ", ")); built in: \(builtIn.joined(separator: ", ")))"
    case .unreadable(let path, let reason): "\(path): \(reason)"
    case .noTerminal(let reason): reason
    }
  }
}
