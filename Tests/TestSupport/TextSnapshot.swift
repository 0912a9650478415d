#if canImport(Glibc)
  import Glibc
#endif

/// Golden text files for snapshot tests: compare, or rewrite under `QUANTSCOPE_UPDATE_SNAPSHOTS=1`.
public enum TextSnapshot {
  /// True when snapshots should be rewritten instead of compared.
  public static var isUpdating: Bool {
    getenv("QUANTSCOPE_UPDATE_SNAPSHOTS").map { String(cString: $0) == "1" } ?? false
  }

  /// Compares `actual` with the file at `path` (or writes it when updating or absent under
  /// updating). Returns nil on a match, else a description of the first difference.
  public static func check(_ actual: String, path: String) -> String? {
    if isUpdating {
      if let problem = write(actual, to: path) { return problem }
      return nil
    }
    guard let expected = read(path) else {
      return "\(path): missing snapshot (run with QUANTSCOPE_UPDATE_SNAPSHOTS=1 to create it)"
    }
    if expected == actual { return nil }
    let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    for index in 0..<max(expectedLines.count, actualLines.count) {
      let e = index < expectedLines.count ? String(expectedLines[index]) : "<none>"
      let a = index < actualLines.count ? String(actualLines[index]) : "<none>"
      if e != a { return "\(path):\(index + 1): expected\n\(e)\nbut got\n\(a)" }
    }
    return "\(path): differs"
  }

  /// The whole file as UTF-8 text, or nil.
  public static func read(_ path: String) -> String? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = fread(&buffer, 1, buffer.count, file)
      if count <= 0 { break }
      bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Writes `text` to `path`, creating the parent directory; returns a problem or nil.
  public static func write(_ text: String, to path: String) -> String? {
    var parts = path.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast()
    mkdir(parts.joined(separator: "/"), 0o755)
    guard let file = fopen(path, "wb") else { return "\(path): cannot write" }
    defer { fclose(file) }
    let bytes = Array(text.utf8)
    guard fwrite(bytes, 1, bytes.count, file) == bytes.count else { return "\(path): short write" }
    return nil
  }
}
