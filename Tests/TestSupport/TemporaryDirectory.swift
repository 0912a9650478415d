#if canImport(Glibc)
import Glibc
#endif

/// A private temporary directory, `/tmp/quantscope-tests-<pid>-<n>-<random>`, removed with its
/// contents when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
  /// The directory's path (no trailing slash).
  public let path: String

  /// Creates a fresh directory; `label` is appended to the name to help when debugging.
  public init(_ label: String = "t") throws {
    var generator = SystemRandomNumberGenerator()
    let random = String(generator.next() & 0xFFFF_FFFF, radix: 16)
    let candidate = "/tmp/quantscope-tests-\(getpid())-\(label)-\(random)"
    guard mkdir(candidate, 0o700) == 0 else {
      throw FixtureError("mkdir \(candidate): \(String(cString: strerror(errno)))")
    }
    path = candidate
  }

  deinit {
    Self.remove(path)
  }

  /// `path/name`.
  public func file(_ name: String) -> String { path + "/" + name }

  /// Creates the subdirectory `name` and returns its path.
  public func subdirectory(_ name: String) throws -> String {
    let sub = file(name)
    guard mkdir(sub, 0o700) == 0 else {
      throw FixtureError("mkdir \(sub): \(String(cString: strerror(errno)))")
    }
    return sub
  }

  /// Removes `path` recursively (no symlink following: links are unlinked, not entered).
  static func remove(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    if info.st_mode & S_IFMT == S_IFDIR {
      if let directory = opendir(path) {
        var names: [String] = []
        while let entry = readdir(directory) {
          let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
          }
          if name != "." && name != ".." { names.append(name) }
        }
        closedir(directory)
        for name in names { remove(path + "/" + name) }
      }
      rmdir(path)
    } else {
      unlink(path)
    }
  }
}

/// A failure setting up a test fixture.
public struct FixtureError: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
