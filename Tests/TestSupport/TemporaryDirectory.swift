#if canImport(Glibc)
  import Glibc
#endif
import FileSystem

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

  /// Writes `text` (UTF-8) to `path/name` and returns that path.
  @discardableResult
  public func write(_ name: String, _ text: String) throws -> String {
    let target = file(name)
    let fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw FixtureError("open \(target): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count else { throw FixtureError("write \(target) failed") }
    return target
  }

  /// The names in the directory at `path`, without `.` and `..`, unsorted.
  public static func fileNames(in path: String) throws -> [String] {
    do { return try FileSystem.directoryEntries(path) } catch {
      throw FixtureError("\(path): \(error)")
    }
  }

  /// Removes `path` recursively (no symlink following: links are unlinked, not entered).
  static func remove(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    if info.st_mode & S_IFMT == S_IFDIR {
      for name in (try? fileNames(in: path)) ?? [] { remove(path + "/" + name) }
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
