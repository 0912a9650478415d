#if canImport(Glibc)
  import Glibc
#endif

/// Whole-file reads for tests (golden JSON, written exports).
public enum FileContents {
  /// The bytes of the file at `path`.
  ///
  /// - Throws: `FixtureError` naming the path when it cannot be opened or read.
  public static func bytes(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FixtureError("open \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      guard n >= 0 else { throw FixtureError("read \(path): \(String(cString: strerror(errno)))") }
      if n == 0 { return bytes }
      bytes += chunk[0..<n]
    }
  }

  /// The file at `path` as UTF-8 text.
  public static func text(_ path: String) throws -> String {
    String(decoding: try bytes(path), as: UTF8.self)
  }
}
