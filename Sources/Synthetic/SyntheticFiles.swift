#if canImport(Glibc)
import Glibc
#endif
import Safetensors

/// The few file-system operations the synthetic checkpoints need, each failing with a
/// `SafetensorsWriterError` that names the path and the call.
enum SyntheticFiles {
  /// `directory/name`, without doubling a trailing slash.
  static func join(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }

  /// Creates `path` and its missing parents (mode 0755); an existing directory is fine.
  static func makeDirectories(_ path: String) throws {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
      prefix += component
      if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
        throw SafetensorsWriterError(path: prefix, reason: "mkdir: \(errorText())")
      }
      prefix += "/"
    }
    guard isDirectory(path) else {
      throw SafetensorsWriterError(path: path, reason: "not a directory")
    }
  }

  static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// Size of a regular file, or nil.
  static func fileSize(_ path: String) -> UInt64? {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return UInt64(info.st_size)
  }

  /// Writes `text` to `path` (created or truncated).
  static func writeText(_ text: String, to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw SafetensorsWriterError(path: path, reason: "open: \(errorText())") }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
      let n = bytes.withUnsafeBytes { raw in
        Glibc.write(fd, raw.baseAddress.map { $0 + done }, bytes.count - done)
      }
      if n < 0 {
        if errno == EINTR { continue }
        throw SafetensorsWriterError(path: path, reason: "write: \(errorText())")
      }
      done += n
    }
  }

  /// Removes `path` recursively; links are unlinked, never followed. Missing paths are fine.
  static func remove(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    guard (info.st_mode & S_IFMT) == S_IFDIR else {
      unlink(path)
      return
    }
    if let directory = opendir(path) {
      var names: [String] = []
      while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
      }
      closedir(directory)
      for name in names { remove(join(path, name)) }
    }
    rmdir(path)
  }

  static func errorText() -> String { String(cString: strerror(errno)) }
}
