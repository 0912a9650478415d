import Safetensors
import TestSupport
import Testing

@testable import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// Speed figures, run on request only: `QUANTSCOPE_PERF=1 swift test -c release --filter PerformanceTests`.
@Suite(.enabled(if: getenv("QUANTSCOPE_PERF") != nil)) struct PerformanceTests {}

extension PerformanceTests {
  /// A 7B-shaped slice (bf16): the full analysis against the plain read pass over the same bytes.
  @Test func modelAnalysisAgainstReadPass() throws {
    let directory = try TemporaryDirectory("perf")
    let path = directory.file("model.safetensors")
    let shapes: [(String, [Int])] = [
      ("model.layers.0.self_attn.q_proj.weight", [4096, 4096]),
      ("model.layers.0.self_attn.k_proj.weight", [1024, 4096]),
      ("model.layers.0.mlp.gate_proj.weight", [14336, 4096]),
      ("model.layers.0.mlp.down_proj.weight", [4096, 14336]),
      ("model.layers.0.input_layernorm.weight", [4096]),
    ]
    var data = SeededData(seed: 51)
    try SafetensorsWriter.write(
      shapes.map { name, shape in
        SafetensorsWriter.Entry(name: name, dtype: .BF16, shape: shape) { sink in
          let count = shape.reduce(1, *)
          var chunk = [UInt8](repeating: 0, count: 2 << 20)
          var done = 0
          while done < count {
            let n = min(chunk.count / 2, count - done)
            for index in 0..<n {
              let bits = bfloat16Bits(data.gaussian(0.02))
              chunk[2 * index] = UInt8(bits & 0xff)
              chunk[2 * index + 1] = UInt8(bits >> 8)
            }
            try chunk.withUnsafeBytes {
              try sink(UnsafeRawBufferPointer(rebasing: $0[0..<(2 * n)]))
            }
            done += n
          }
        }
      }, to: path)
    let checkpoint = try Checkpoint.open(path)
    let threads = CPUBackend.coreCount
    // One 4096×14336 bf16 tensor, all formats, through the streaming backend.
    if let down = checkpoint.tensors.first(where: { $0.name.hasSuffix("down_proj.weight") }) {
      for count in Set([1, threads]).sorted() {
        let cpuStarted = cpuSeconds()
        let started = Benchmark.monotonicSeconds()
        let analysis = try CPUBackend(threads: count).analyse(
          down, in: checkpoint, settings: AnalysisSettings(), cancel: nil, progress: nil)
        print(
          "4096x14336 bf16, all formats, \(count) thread(s): \(Benchmark.monotonicSeconds() - started) s wall, \(cpuSeconds() - cpuStarted) s CPU"
        )
        #expect(analysis.formats.count == QuantFormat.allCases.count)
      }
    }
    _ = try Benchmark.readPass(checkpoint: checkpoint, threads: threads)  // warm the page cache
    let read = try Benchmark.readPass(checkpoint: checkpoint, threads: threads)
    let cpuStarted = cpuSeconds()
    let started = Benchmark.monotonicSeconds()
    let analyzer = Analyzer(
      checkpoint: checkpoint, settings: AnalysisSettings(), backend: CPUBackend(threads: threads),
      jobs: 1)
    let results = try analyzer.run()
    let analysis = Benchmark.monotonicSeconds() - started
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    print(
      "model slice \(read.bytes) bytes: read pass \(read.seconds) s, analysis \(analysis) s, ratio \(analysis / read.seconds), CPU \(cpuSeconds() - cpuStarted) s, max RSS \(usage.ru_maxrss / 1024) MiB"
    )
    #expect(results.compactMap { $0 }.count == shapes.count)
  }
}

/// User + system CPU seconds of this process (a figure less sensitive to a shared machine's load).
private func cpuSeconds() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
    + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
}
