#if canImport(Glibc)
  import Glibc
#endif

/// The `quantscope` executable built next to the test bundle (`swift build --build-tests` and
/// `swift test` build every product into the same directory).
public enum BuiltBinary {
  /// Absolute path of the built `quantscope`, or nil when it is not there.
  public static var path: String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return nil }
    let executable = String(
      decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var directory = executable
    // Inside `….xctest` bundles on some layouts the runner sits one level deeper.
    for _ in 0..<3 {
      guard let slash = directory.lastIndex(of: "/") else { return nil }
      directory = String(directory[..<slash])
      let candidate = directory + "/quantscope"
      if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
  }
}
