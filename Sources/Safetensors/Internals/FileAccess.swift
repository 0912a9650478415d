import FileSystem

/// The file reads of this module: `FileSystem`'s calls, their failures as `SafetensorsError.io`
/// naming the file and the call.
enum FileAccess {
  typealias Status = FileSystem.Status

  /// Opens `path` read-only, close-on-exec.
  static func openReadOnly(_ path: String) throws(SafetensorsError) -> Int32 {
    try mapped { () throws(FileSystemError) in try FileSystem.openReadOnly(path) }
  }

  /// Closes a read-only descriptor.
  static func closeDescriptor(_ fd: Int32) {
    FileSystem.closeDescriptor(fd)
  }

  /// Status of an open descriptor.
  static func status(of fd: Int32, file: String) throws(SafetensorsError) -> Status {
    try mapped { () throws(FileSystemError) in try FileSystem.status(of: fd, path: file) }
  }

  /// Status of `path`, following symbolic links; nil when it cannot be examined.
  static func status(ofPath path: String) -> Status? {
    FileSystem.status(ofPath: path)
  }

  /// Reads into `buffer` from `offset` until it is full or the file ends; returns the bytes read.
  static func read(
    _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, file: String
  ) throws(SafetensorsError) -> Int {
    try mapped { () throws(FileSystemError) in
      try FileSystem.read(fd, into: buffer, at: offset, path: file)
    }
  }

  /// Names in directory `path`, without `.` and `..`.
  static func directoryEntries(_ path: String) throws(SafetensorsError) -> [String] {
    try mapped { () throws(FileSystemError) in try FileSystem.directoryEntries(path) }
  }

  private static func mapped<T>(_ call: () throws(FileSystemError) -> T) throws(SafetensorsError)
    -> T
  {
    do throws(FileSystemError) {
      return try call()
    } catch {
      throw .io(file: error.path, reason: error.reason)
    }
  }
}
