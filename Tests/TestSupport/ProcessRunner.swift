#if canImport(Glibc)
  import Glibc
#endif

/// What a child process produced.
public struct ProcessResult: Sendable {
  /// Exit status, or 128 + signal number when killed by a signal.
  public var status: Int32
  public var stdout: String
  public var stderr: String
}

/// Runs a program to completion with `posix_spawnp`: standard input from a string, output and
/// errors captured through files (no pipe deadlocks, whatever the sizes).
public enum ProcessRunner {
  /// Runs `program` (looked up in `PATH`) with `arguments`, feeding `input` on standard input.
  ///
  /// - Throws: `FixtureError` when the program cannot be started.
  public static func run(_ program: String, _ arguments: [String], input: String = "") throws
    -> ProcessResult
  {
    let scratch = try TemporaryDirectory("process")
    let inPath = scratch.file("stdin")
    let outPath = scratch.file("stdout")
    let errPath = scratch.file("stderr")
    try SafetensorsFixture.write(Array(input.utf8), to: inPath)

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

    let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let code = posix_spawnp(&pid, program, &actions, nil, argv, environ)
    guard code == 0 else {
      throw FixtureError("posix_spawnp \(program): \(String(cString: strerror(code)))")
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      guard errno == EINTR else {
        throw FixtureError("waitpid \(program): \(String(cString: strerror(errno)))")
      }
    }
    // WIFEXITED / WEXITSTATUS / WTERMSIG are macros: decode the status word by hand.
    let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return ProcessResult(
      status: exitStatus, stdout: try readText(outPath), stderr: try readText(errPath))
  }

  private static func readText(_ path: String) throws -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FixtureError("open \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { break }
      bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
