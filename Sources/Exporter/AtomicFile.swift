#if canImport(Glibc)
import Glibc
#endif

/// Writes a text file so that readers see either the old file or the complete new one.
public enum AtomicFile {
  /// Writes `text` to `path` via a temporary file in the same directory: write, `fsync`, then
  /// `link` (no overwrite: fails if `path` exists, atomically) or `rename` (overwrite).
  ///
  /// - Throws: `.fileExists` when `path` exists and `overwrite` is false; `.write` naming the
  ///   path and the failing call otherwise. The temporary file never outlives the call.
  public static func write(_ text: String, to path: String, overwrite: Bool) throws(ExportError) {
    let directory = directoryOf(path)
    var isDirectory = stat()
    if stat(path, &isDirectory) == 0 && (isDirectory.st_mode & S_IFMT) == S_IFDIR {
      throw .write(path: path, reason: "is a directory")
    }
    if !overwrite && exists(path) { throw .fileExists(path: path) }

    var random = SystemRandomNumberGenerator()
    let base = path.split(separator: "/").last.map(String.init) ?? "export"
    let temporary = join(directory, ".\(base).tmp-\(getpid())-\(String(random.next() & 0xFFFF_FFFF, radix: 16))")
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .write(path: path, reason: "cannot create a file in \(directory): \(errorText())") }
    var keepTemporary = false
    defer { if !keepTemporary { unlink(temporary) } }
    do throws(ExportError) {
      try writeAll(fd, text, path: path)
      guard fsync(fd) == 0 else { throw .write(path: path, reason: "fsync: \(errorText())") }
    } catch {
      close(fd)
      throw error
    }
    guard close(fd) == 0 else { throw .write(path: path, reason: "close: \(errorText())") }

    if overwrite {
      guard rename(temporary, path) == 0 else { throw .write(path: path, reason: "rename: \(errorText())") }
      keepTemporary = true  // it is `path` now
    } else if link(temporary, path) != 0 {
      let code = errno
      if code == EEXIST { throw .fileExists(path: path) }
      // File systems without hard links: fall back to check-then-rename (a race window remains).
      guard code == EPERM || code == ENOTSUP || code == EOPNOTSUPP else {
        throw .write(path: path, reason: "link: \(String(cString: strerror(code)))")
      }
      if exists(path) { throw .fileExists(path: path) }
      guard rename(temporary, path) == 0 else { throw .write(path: path, reason: "rename: \(errorText())") }
      keepTemporary = true
    }
    syncDirectory(directory)
  }

  // MARK: - Helpers

  private static func exists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
  }

  private static func writeAll(_ fd: Int32, _ text: String, path: String) throws(ExportError) {
    let bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
      let n = bytes.withUnsafeBytes { raw in
        Glibc.write(fd, raw.baseAddress.map { $0 + done }, bytes.count - done)
      }
      if n < 0 {
        if errno == EINTR { continue }
        throw .write(path: path, reason: "write: \(errorText())")
      }
      done += n
    }
  }

  /// Makes the new directory entry durable; best effort.
  private static func syncDirectory(_ directory: String) {
    let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd >= 0 {
      fsync(fd)
      close(fd)
    }
  }

  static func directoryOf(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let directory = String(path[..<slash])
    return directory.isEmpty ? "/" : directory
  }

  private static func join(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }

  private static func errorText() -> String { String(cString: strerror(errno)) }
}
