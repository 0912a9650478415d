#if canImport(Glibc)
import Glibc
#endif

/// Small file-system questions the commands ask before writing.
enum FileChecks {
  /// True when `path` is a directory holding at least one entry.
  static func isNonEmptyDirectory(_ path: String) -> Bool {
    guard let directory = opendir(path) else { return false }
    defer { closedir(directory) }
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name != "." && name != ".." { return true }
    }
    return false
  }

  /// True when something (file, directory, link target) exists at `path`.
  static func exists(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0
  }
}
