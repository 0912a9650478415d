#if canImport(Glibc)
import Glibc
#endif
@testable import Engine
import Safetensors
import Testing

/// Speed figures, run on request only: `QUANTSCOPE_PERF=1 swift test -c release --filter PerformanceTests`.
@Suite(.enabled(if: getenv("QUANTSCOPE_PERF") != nil)) struct PerformanceTests {}

extension PerformanceTests {
  @Test func llamaMLPTensorAllFormats() throws {
    var data = SeededData(seed: 31)
    let count = 4096 * 14336
    var values = [Float](repeating: 0, count: count)
    for index in 0..<count {
      values[index] = Float(bitPattern: UInt32(bfloat16Bits(data.gaussian(0.02))) << 16)
    }
    for threads in [1, CPUBackend.coreCount] {
      let started = Benchmark.monotonicSeconds()
      let parts = try CPUBackend.analyse(
        values: values, dtype: .BF16, shape: [4096, 14336], settings: AnalysisSettings(),
        threads: threads)
      let seconds = Benchmark.monotonicSeconds() - started
      print("4096x14336 bf16, all formats, \(threads) thread(s): \(seconds) s")
      #expect(parts.formats.count == QuantFormat.allCases.count)
    }
  }
}
