import Safetensors
import TestSupport
import Testing

@testable import Engine

/// The CUDA backend against the CPU backend on the same inputs; runs only where `CUDABackend.load()`
/// succeeds (a machine with an NVIDIA GPU and its driver). Order of checks: NaN/inf counts, then
/// exact quantities (counts, codes-derived histograms, maxima), then float64 sums within 1e-9.
@Suite(.enabled(if: CUDABackend.isAvailable, "needs an NVIDIA GPU, its driver and NVRTC"))
struct CUDABackendParityTests {}

/// Only the summation order of the float64 sums differs between the backends (FORMATS.md §9, golden
/// README: metrics are compared at 1e-9).
private let metricTolerance = 1e-9

private func close(_ a: Double, _ b: Double) -> Bool {
  if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
  if a == b { return true }
  return abs(a - b) <= metricTolerance * max(abs(a), abs(b))
}

extension CUDABackendParityTests {
  static func expectSame(
    _ cpu: TensorAnalysis, _ gpu: TensorAnalysis, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let name = cpu.name
    #expect(gpu.stats.nans == cpu.stats.nans, "\(name) nans", sourceLocation: sourceLocation)
    #expect(
      gpu.stats.infinities == cpu.stats.infinities, "\(name) infs", sourceLocation: sourceLocation)
    #expect(gpu.stats.zeros == cpu.stats.zeros, "\(name) zeros", sourceLocation: sourceLocation)
    #expect(gpu.stats.min == cpu.stats.min, "\(name) min", sourceLocation: sourceLocation)
    #expect(gpu.stats.max == cpu.stats.max, "\(name) max", sourceLocation: sourceLocation)
    #expect(gpu.stats.absmax == cpu.stats.absmax, "\(name) absmax", sourceLocation: sourceLocation)
    #expect(close(gpu.stats.mean, cpu.stats.mean), "\(name) mean", sourceLocation: sourceLocation)
    #expect(close(gpu.stats.std, cpu.stats.std), "\(name) std", sourceLocation: sourceLocation)
    #expect(gpu.histogram == cpu.histogram, "\(name) histogram", sourceLocation: sourceLocation)
    #expect(
      gpu.normalizedHistogram == cpu.normalizedHistogram, "\(name) normalised histogram",
      sourceLocation: sourceLocation)
    #expect(gpu.outliers == cpu.outliers, "\(name) outliers", sourceLocation: sourceLocation)
    #expect(gpu.stored == cpu.stored, "\(name) stored codes", sourceLocation: sourceLocation)
    #expect(
      Set(gpu.formats.keys) == Set(cpu.formats.keys), "\(name) formats",
      sourceLocation: sourceLocation)
    for (format, expected) in cpu.formats {
      guard let actual = gpu.formats[format] else { continue }
      let label = "\(name) \(format.rawValue)"
      #expect(
        actual.codeCounts == expected.codeCounts, "\(label) codes", sourceLocation: sourceLocation)
      #expect(
        actual.maxAbsErr == expected.maxAbsErr
          || (actual.maxAbsErr.isNaN && expected.maxAbsErr.isNaN),
        "\(label) max_abs_err", sourceLocation: sourceLocation)
      #expect(
        actual.bitsPerParam == expected.bitsPerParam, "\(label) bits",
        sourceLocation: sourceLocation)
      for (field, a, b) in [
        ("mse", actual.mse, expected.mse), ("rmse", actual.rmse, expected.rmse),
        ("rel_err", actual.relErr, expected.relErr), ("sqnr_db", actual.sqnrDB, expected.sqnrDB),
        ("entropy", actual.codeEntropyBits, expected.codeEntropyBits),
        ("sse", actual.sumSquaredError, expected.sumSquaredError),
        ("ssw", actual.sumSquaredWeight, expected.sumSquaredWeight),
      ] {
        #expect(close(a, b), "\(label) \(field): \(a) vs \(b)", sourceLocation: sourceLocation)
      }
    }
  }

  static func compareAll(
    _ checkpoint: Checkpoint, backend: CUDABackend, settings: AnalysisSettings
  ) throws {
    let cpu = CPUBackend(threads: 2)
    for tensor in checkpoint.tensors {
      let expected = try cpu.analyse(
        tensor, in: checkpoint, settings: settings, cancel: nil, progress: nil)
      let actual = try backend.analyse(
        tensor, in: checkpoint, settings: settings, cancel: nil, progress: nil)
      expectSame(expected, actual)
    }
  }
}

extension CUDABackendParityTests {
  @Test(arguments: [32, 64, 4096])
  func goldenInputs(blocksize: Int) throws {
    let backend = try CUDABackend.probe.get()
    try Self.compareAll(
      try GoldenFiles.inputs.checkpoint, backend: backend,
      settings: AnalysisSettings(blocksize: blocksize))
  }

  /// Tensors larger than a tiny memory limit: streamed in many chunks over both streams, twice.
  @Test func streamedTensorsMatch() throws {
    try Self.compareStreamed(
      backend: try CUDABackend.load(deviceMemoryLimit: 2 << 20).get(), rows: 1024)
  }

  /// Writes BF16, F16, F32 and 1-D tensors (with sparse large values) and compares them.
  static func compareStreamed(backend: CUDABackend, rows: Int, blocksize: Int = 64) throws {
    let directory = try TemporaryDirectory("cuda-parity")
    var random = SplitMix64(seed: 20_261_129)
    func values(_ count: Int) -> [Float] {
      (0..<count).map { index in
        let u = Float(random.next() >> 40) / Float(1 << 24) - 0.5
        return index % 9973 == 0 ? u * 400 : u * 0.04
      }
    }
    func bytes(_ floats: [Float], _ dtype: DType) -> [UInt8] {
      var out: [UInt8] = []
      for value in floats {
        switch dtype {
        case .F32: withUnsafeBytes(of: value.bitPattern.littleEndian) { out += $0 }
        case .F16: withUnsafeBytes(of: Float16(value).bitPattern.littleEndian) { out += $0 }
        default:
          withUnsafeBytes(of: UInt16(truncatingIfNeeded: value.bitPattern >> 16).littleEndian) {
            out += $0
          }
        }
      }
      return out
    }
    let tensors: [(name: String, dtype: DType, shape: [Int], bytes: [UInt8])] = [
      ("a.bf16", .BF16, [rows, 1000], bytes(values(rows * 1000), .BF16)),
      ("b.f16", .F16, [rows / 4, 4097], bytes(values(rows / 4 * 4097), .F16)),
      ("c.f32", .F32, [rows / 2, 1100], bytes(values(rows / 2 * 1100), .F32)),
      ("d.vector", .F32, [70_001], bytes(values(70_001), .F32)),
    ]
    let path = directory.file("streamed.safetensors")
    try SafetensorsFixture.write(SafetensorsFixture.valid(tensors), to: path)
    try compareAll(
      try Checkpoint.open(path), backend: backend, settings: AnalysisSettings(blocksize: blocksize))
  }

  @Test func nonFiniteTensorGivesNaNMetrics() throws {
    let backend = try CUDABackend.probe.get()
    let directory = try TemporaryDirectory("cuda-nan")
    var floats = (0..<8192).map { Float($0 % 17) * 0.01 - 0.08 }
    floats[100] = .nan
    floats[5000] = .infinity
    var raw: [UInt8] = []
    for value in floats { withUnsafeBytes(of: value.bitPattern.littleEndian) { raw += $0 } }
    let path = directory.file("nan.safetensors")
    try SafetensorsFixture.write(
      SafetensorsFixture.valid([("w", .F32, [64, 128], raw)]), to: path)
    try Self.compareAll(try Checkpoint.open(path), backend: backend, settings: AnalysisSettings())
  }
}

// MARK: - Codes against the golden files

extension CUDABackendParityTests {
  /// Codes and scales of every golden input, bit for bit (golden README: blocksize 64).
  @Test(arguments: QuantFormat.allCases)
  func codesEqualGolden(format: QuantFormat) throws {
    try Self.compareCodes(backend: try CUDABackend.probe.get(), formats: [format])
  }

  static func compareCodes(backend: CUDABackend, formats: [QuantFormat]) throws {
    let inputs = try GoldenFiles.inputs
    let expected = try GoldenFiles.expected
    for format in formats where format == .fp4dq {
      // fp4-dq's second level lives in its own golden file (expected_fp4dq.safetensors).
      for name in fp4DoubleQuantInputNames {
        let golden = try FP4DoubleQuantGoldenTests.goldenSecondLevel(name)
        let result = try backend.codes(
          of: try inputs.tensor(name), in: inputs.checkpoint, format: .fp4dq, blocksize: 64)
        #expect(result.codes == golden.qabsmax, "\(name).fp4dq.qabsmax")
        #expect(
          result.scales.map(\.bitPattern) == golden.absmaxHat.map(\.bitPattern),
          "\(name).fp4dq.absmax_hat")
      }
    }
    for format in formats where format != .fp4dq {
      let key = format == .nf4dq ? "nf4dq" : format.rawValue
      for name in inputs.names {
        let codesName = format == .nf4dq ? "\(name).nf4dq.qabsmax" : "\(name).\(key).codes"
        guard expected.contains(codesName) else { continue }  // int8: 2-D inputs only
        let scalesName =
          switch format {
          case .nf4dq: "\(name).nf4dq.absmax_hat"
          case .int8: "\(name).int8.rowmax"
          default: "\(name).\(key).absmax"
          }
        let tensor = try inputs.tensor(name)
        let result = try backend.codes(
          of: tensor, in: inputs.checkpoint, format: format, blocksize: 64)
        #expect(result.codes == (try expected.bytes(codesName)), "\(codesName)")
        let scales = try expected.floats(scalesName)
        #expect(result.scales.map(\.bitPattern) == scales.map(\.bitPattern), "\(scalesName)")
      }
    }
  }
}
