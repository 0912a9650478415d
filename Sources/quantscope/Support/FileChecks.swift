import FileSystem

/// Small file-system questions the commands ask before writing.
enum FileChecks {
  /// True when `path` is a directory holding at least one entry.
  static func isNonEmptyDirectory(_ path: String) -> Bool {
    guard let names = try? FileSystem.directoryEntries(path) else { return false }
    return !names.isEmpty
  }

  /// True when something (file, directory, link target) exists at `path`.
  static func exists(_ path: String) -> Bool {
    FileSystem.status(ofPath: path) != nil
  }
}
