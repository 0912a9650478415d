#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The one place that calls the C library's file functions (open, read, pread, write, stat,
/// mkdir, rename, link, unlink, opendir) for every module of the package.
///
/// Each call retries EINTR and turns "−1 plus errno" into a thrown `FileSystemError` naming the
/// path and the call, worded as the modules print it; each module maps that error onto its own
/// (`SafetensorsError.io`, `ExportError.write`, …). Reading is here; writing, folders and the
/// cache folder are in the `FileSystem+…` extensions.
package enum FileSystem {
  /// What `fstat`/`stat` report that the callers use.
  package struct Status: Sendable {
    package var size: UInt64
    package var modificationTime: Double
    package var isRegularFile: Bool
    package var isDirectory: Bool
  }

  /// Opens `path` read-only, close-on-exec. The corresponding C function is `open`.
  ///
  /// - Throws: `FileSystemError` with reason `cannot open: …`.
  package static func openReadOnly(_ path: String) throws(FileSystemError) -> Int32 {
    while true {
      let fd = open(path, O_RDONLY | O_CLOEXEC)
      if fd >= 0 { return fd }
      if errno == EINTR { continue }
      throw failure(path, "cannot open")
    }
  }

  /// Closes `fd`, ignoring errors (read-only descriptors lose nothing). The C function is `close`.
  package static func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
  }

  /// Status of an open descriptor. The corresponding C function is `fstat`.
  package static func status(of fd: Int32, path: String) throws(FileSystemError) -> Status {
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      throw failure(path, "fstat")
    }
    return Status(info)
  }

  /// Status of `path`, following symbolic links (Hugging Face caches link to blobs); nil when it
  /// does not exist or cannot be examined. The corresponding C function is `stat`.
  package static func status(ofPath path: String) -> Status? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Status(info)
  }

  /// True when a directory entry named `path` exists, even a dangling link (`lstat`).
  package static func entryExists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
  }

  /// True when this process may read `path` (`access` with `R_OK`).
  package static func isReadable(_ path: String) -> Bool {
    access(path, R_OK) == 0
  }

  /// Reads into `buffer` from `offset` until it is full or the file ends; returns the bytes read.
  /// The corresponding C function is `pread`.
  package static func read(
    _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, path: String
  ) throws(FileSystemError) -> Int {
    guard let base = buffer.baseAddress else { return 0 }
    var done = 0
    while done < buffer.count {
      guard let position = off_t(exactly: offset + UInt64(done)) else {
        throw .failed(
          path: path, reason: "offset \(offset + UInt64(done)) beyond the largest file offset",
          code: EOVERFLOW)
      }
      let count = pread(fd, base + done, buffer.count - done, position)
      if count < 0 {
        if errno == EINTR { continue }
        throw failure(path, "pread at offset \(position)")
      }
      if count == 0 { break }
      done += count
    }
    return done
  }

  /// The bytes of the file at `path`, from its start; reading stops once more than `limit` bytes
  /// are in hand (so a file far larger than expected costs at most one extra chunk).
  ///
  /// - Throws: `FileSystemError` with reason `cannot open: …` or `read: …`.
  package static func readAll(_ path: String, limit: Int = .max) throws(FileSystemError) -> [UInt8]
  {
    let fd = try openReadOnly(path)
    defer { closeDescriptor(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while bytes.count <= limit {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw failure(path, "read")
      }
      if count == 0 { break }
      bytes += chunk[0..<count]
    }
    return bytes
  }

  /// Names in directory `path`, without `.` and `..`. The corresponding C function is `readdir`.
  package static func directoryEntries(_ path: String) throws(FileSystemError) -> [String] {
    guard let directory = opendir(path) else {
      throw failure(path, "cannot list directory")
    }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// `directory/name`, without doubling a trailing slash.
  package static func join(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }

  /// The failure of the C call just made: `what: <text of errno>` for `path`.
  package static func failure(_ path: String, _ what: String) -> FileSystemError {
    let code = errno
    return .failed(path: path, reason: "\(what): \(String(cString: strerror(code)))", code: code)
  }
}

extension FileSystem.Status {
  fileprivate init(_ info: stat) {
    let kind = info.st_mode & S_IFMT
    self.init(
      size: UInt64(max(0, info.st_size)),
      modificationTime: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9,
      isRegularFile: kind == S_IFREG,
      isDirectory: kind == S_IFDIR)
  }
}
