#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file-system call that failed, as `FileSystem` reports it.
package enum FileSystemError: Error, Sendable, Equatable {
  /// The call on `path` failed; `reason` reads `call: text of errno` (`open: Permission denied`),
  /// `code` is the errno value.
  case failed(path: String, reason: String, code: Int32)
  /// `path` exists and the write was told not to replace it.
  case exists(path: String)

  /// The path the failure is about.
  package var path: String {
    switch self {
    case .failed(let path, _, _), .exists(let path): path
    }
  }

  /// The errno value (`EEXIST` for `.exists`).
  package var code: Int32 {
    switch self {
    case .failed(_, _, let code): code
    case .exists: EEXIST
    }
  }

  /// The C library's text for `code` (`No such file or directory`).
  package var systemMessage: String {
    String(cString: strerror(code))
  }

  /// What went wrong, without the path.
  package var reason: String {
    switch self {
    case .failed(_, let reason, _): reason
    case .exists: "file exists"
    }
  }
}
