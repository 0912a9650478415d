#if canImport(Glibc)
  import Glibc
#endif

/// Facts about the machine the tool runs on.
enum SystemInfo {
  /// Online processors (at least 1).
  static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

  /// Monotonic clock in seconds.
  static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }
}
