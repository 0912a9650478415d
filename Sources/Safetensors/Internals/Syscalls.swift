#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place that calls raw C file APIs: open, fstat, stat, pread, close, opendir.
///
/// Each wrapper retries EINTR and turns "−1 plus errno" into a thrown `SafetensorsError.io`
/// naming the file and the call.
enum Syscalls {
  /// What `fstat`/`stat` report that the reader uses.
  struct Status {
    var size: UInt64
    var modificationTime: Double
    var isRegularFile: Bool
    var isDirectory: Bool
  }

  /// Opens `path` read-only, close-on-exec. The corresponding C function is `open`.
  static func openReadOnly(_ path: String) throws(SafetensorsError) -> Int32 {
    while true {
      let fd = open(path, O_RDONLY | O_CLOEXEC)
      if fd >= 0 { return fd }
      if errno == EINTR { continue }
      throw .io(file: path, reason: "cannot open: \(errorText())")
    }
  }

  /// Closes `fd`, ignoring errors (read-only descriptors lose nothing). The C function is `close`.
  static func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
  }

  /// Status of an open descriptor. The corresponding C function is `fstat`.
  static func status(of fd: Int32, file: String) throws(SafetensorsError) -> Status {
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .io(file: file, reason: "fstat: \(errorText())") }
    return Status(info)
  }

  /// Status of `path`, following symbolic links (Hugging Face caches link to blobs); nil when it
  /// does not exist or cannot be examined. The corresponding C function is `stat`.
  static func status(ofPath path: String) -> Status? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Status(info)
  }

  /// Reads into `buffer` from `offset` until it is full or the file ends; returns the bytes read.
  /// The corresponding C function is `pread`.
  static func read(
    _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, file: String
  ) throws(SafetensorsError) -> Int {
    guard let base = buffer.baseAddress else { return 0 }
    var done = 0
    while done < buffer.count {
      guard let position = off_t(exactly: offset + UInt64(done)) else {
        throw .io(file: file, reason: "offset \(offset + UInt64(done)) beyond the largest file offset")
      }
      let count = pread(fd, base + done, buffer.count - done, position)
      if count < 0 {
        if errno == EINTR { continue }
        throw .io(file: file, reason: "pread at offset \(position): \(errorText())")
      }
      if count == 0 { break }
      done += count
    }
    return done
  }

  /// Names in directory `path`, without `.` and `..`. The corresponding C function is `readdir`.
  static func directoryEntries(_ path: String) throws(SafetensorsError) -> [String] {
    guard let directory = opendir(path) else {
      throw .io(file: path, reason: "cannot list directory: \(errorText())")
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

  private static func errorText() -> String {
    String(cString: strerror(errno))
  }
}

extension Syscalls.Status {
  fileprivate init(_ info: stat) {
    let kind = info.st_mode & S_IFMT
    self.init(
      size: UInt64(max(0, info.st_size)),
      modificationTime: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9,
      isRegularFile: kind == S_IFREG,
      isDirectory: kind == S_IFDIR)
  }
}
