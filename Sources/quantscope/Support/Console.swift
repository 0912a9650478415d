#if canImport(Glibc)
  import Glibc
#endif

/// Output helpers: stdout through a buffer, errors and warnings as `quantscope: …` lines on stderr.
enum Console {
  /// Writes `text` to standard output unbuffered by Swift's print (large outputs stay fast).
  static func out(_ text: String) {
    var text = text
    text.withUTF8 { buffer in
      var done = 0
      while done < buffer.count {
        let n = write(1, buffer.baseAddress! + done, buffer.count - done)
        if n <= 0 {
          if errno == EINTR { continue }
          return
        }
        done += n
      }
    }
  }

  /// Writes `text` to standard error.
  static func err(_ text: String) {
    var text = text
    text.withUTF8 { buffer in
      _ = write(2, buffer.baseAddress, buffer.count)
    }
  }

  static func error(_ message: String) { err("quantscope: error: \(message)\n") }
  static func warning(_ message: String) { err("quantscope: warning: \(message)\n") }

  /// True when file descriptor `fd` is a terminal.
  static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
}
