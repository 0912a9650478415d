import Synchronization

#if canImport(Glibc)
  import Glibc  // getenv
#endif

/// Where the CUDA backend's time goes, stage by stage, when `QUANTSCOPE_CUDA_TRACE=1`.
///
/// Each stage adds its host wall time: reading into pinned memory, waiting for a copy slot,
/// synchronising, downloading, and every kernel by name. With tracing on, each launch is followed
/// by a synchronisation of its stream, so a kernel's time is its launch plus its run (and the
/// overlap of copies and kernels is lost: traced runs are slower, for finding the slow stage only).
/// `quantscope bench` prints the table after each round. Off, `measure` is one branch.
public enum CUDATrace {
  /// True when `QUANTSCOPE_CUDA_TRACE=1`.
  public static let isEnabled: Bool =
    getenv("QUANTSCOPE_CUDA_TRACE").map { String(cString: $0) } == "1"

  private static let totals = Mutex<[String: (calls: Int, seconds: Double)]>([:])

  /// Runs `body`, adding its wall time to `stage` when tracing.
  static func measure<T, E: Error>(_ stage: String, _ body: () throws(E) -> T) throws(E) -> T {
    guard isEnabled else { return try body() }
    let start = Benchmark.monotonicSeconds()
    defer {
      let seconds = Benchmark.monotonicSeconds() - start
      totals.withLock { table in
        let old = table[stage] ?? (0, 0)
        table[stage] = (old.calls + 1, old.seconds + seconds)
      }
    }
    return try body()
  }

  /// The stages since the last `reset`, slowest first: "  stage  calls  seconds".
  public static func lines() -> [String] {
    let rows = totals.withLock { $0 }.sorted { $0.value.seconds > $1.value.seconds }
    let width = rows.map(\.key.count).max() ?? 0
    return rows.map { stage, value in
      let name = stage + String(repeating: " ", count: width - stage.count)
      let ms = (value.seconds * 1e4).rounded() / 10
      return "  \(name)  \(value.calls) calls  \(ms) ms"
    }
  }

  /// Forgets every stage.
  public static func reset() { totals.withLock { $0 = [:] } }

}
