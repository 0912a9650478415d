#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension FileSystem {
  /// Creates `path` (mode 0644) for writing, truncating an existing file unless `exclusive`,
  /// in which case an existing entry is an error. The corresponding C function is `open`.
  ///
  /// - Throws: `FileSystemError` with reason `open: …`.
  package static func createFile(_ path: String, exclusive: Bool = false) throws(FileSystemError)
    -> Int32
  {
    let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC)
    while true {
      let fd = open(path, flags, 0o644)
      if fd >= 0 { return fd }
      if errno == EINTR { continue }
      throw failure(path, "open")
    }
  }

  /// Writes all of `buffer` to `fd`. The corresponding C function is `write`.
  ///
  /// - Throws: `FileSystemError` with reason `write: …`, naming `path`.
  package static func write(
    _ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String
  ) throws(FileSystemError) {
    guard let base = buffer.baseAddress else { return }
    var done = 0
    while done < buffer.count {
      let count = Glibc.write(fd, base + done, buffer.count - done)
      if count < 0 {
        if errno == EINTR { continue }
        throw failure(path, "write")
      }
      done += count
    }
  }

  /// Writes all of `bytes` to `fd`.
  package static func write(_ fd: Int32, _ bytes: [UInt8], path: String) throws(FileSystemError) {
    var failure: FileSystemError?
    bytes.withUnsafeBytes { raw in
      do throws(FileSystemError) { try write(fd, raw, path: path) } catch { failure = error }
    }
    if let failure { throw failure }
  }

  /// Writes `bytes` to `path`, created or truncated; not atomic (see `writeAtomically`).
  package static func writeFile(_ bytes: [UInt8], to path: String) throws(FileSystemError) {
    let fd = try createFile(path)
    defer { closeDescriptor(fd) }
    try write(fd, bytes, path: path)
  }

  /// Writes `bytes` to `path` so that readers see either the old file or the complete new one:
  /// a temporary file in the same folder is written and `fsync`ed, then `link`ed to `path` (no
  /// overwrite: fails atomically when `path` exists) or `rename`d over it (`overwrite`).
  ///
  /// - Throws: `.exists` when `path` exists and `overwrite` is false; `.failed` naming `path` and
  ///   the failing call otherwise. The temporary file never outlives the call.
  package static func writeAtomically(
    _ bytes: [UInt8], to path: String, overwrite: Bool
  ) throws(FileSystemError) {
    let directory = folder(of: path)
    if status(ofPath: path)?.isDirectory == true {
      throw .failed(path: path, reason: "is a directory", code: EISDIR)
    }
    if !overwrite && entryExists(path) { throw .exists(path: path) }

    let temporary = temporarySibling(of: path)
    let fd: Int32
    do throws(FileSystemError) {
      fd = try createFile(temporary, exclusive: true)
    } catch {
      throw .failed(
        path: path,
        reason: "cannot create a file in \(directory): \(error.systemMessage)",
        code: error.code)
    }
    var keepTemporary = false
    defer { if !keepTemporary { unlink(temporary) } }
    do throws(FileSystemError) {
      try write(fd, bytes, path: path)
      guard fsync(fd) == 0 else { throw failure(path, "fsync") }
    } catch {
      close(fd)
      throw error
    }
    guard close(fd) == 0 else { throw failure(path, "close") }

    if overwrite {
      try rename(temporary, to: path)
      keepTemporary = true  // it is `path` now
    } else if link(temporary, path) != 0 {
      let code = errno
      if code == EEXIST { throw .exists(path: path) }
      // File systems without hard links: fall back to check-then-rename (a race window remains).
      guard code == EPERM || code == ENOTSUP || code == EOPNOTSUPP else {
        throw .failed(path: path, reason: "link: \(String(cString: strerror(code)))", code: code)
      }
      if entryExists(path) { throw .exists(path: path) }
      try rename(temporary, to: path)
      keepTemporary = true
    }
    syncFolder(directory)
  }

  /// Renames `source` to `destination`, replacing a file (or an empty folder) there.
  ///
  /// - Throws: `FileSystemError` with reason `rename: …`, naming `destination`.
  package static func rename(_ source: String, to destination: String) throws(FileSystemError) {
    guard Glibc.rename(source, destination) == 0 else { throw failure(destination, "rename") }
  }

  /// A fresh name beside `path` for writing before a rename: `.<name>.tmp-<pid>-<random hex>`.
  package static func temporarySibling(of path: String) -> String {
    var random = SystemRandomNumberGenerator()
    let base = path.split(separator: "/").last.map(String.init) ?? "file"
    return join(
      folder(of: path), ".\(base).tmp-\(getpid())-\(String(random.next() & 0xFFFF_FFFF, radix: 16))"
    )
  }

  /// The folder part of `path`: `.` for a bare name, `/` for a file at the root.
  package static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let directory = String(path[..<slash])
    return directory.isEmpty ? "/" : directory
  }

  /// Makes a new folder entry durable; best effort.
  private static func syncFolder(_ directory: String) {
    let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd >= 0 {
      fsync(fd)
      close(fd)
    }
  }
}
