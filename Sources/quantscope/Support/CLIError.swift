/// What ends a command with exit status 2: a usage mistake or bad input, rendered as one line.
enum CLIError: Error, CustomStringConvertible {
  /// Wrong arguments: printed with a pointer to `--help`.
  case usage(String)
  /// Bad input or an operation that failed: `PATH: reason` (the path may be empty).
  case failed(String)

  var description: String {
    switch self {
    case .usage(let text): text
    case .failed(let text): text
    }
  }
}
