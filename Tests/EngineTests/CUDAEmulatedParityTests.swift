import Safetensors
import TestSupport
import Testing

@testable import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// The whole CUDA backend — driver calls, chunked streaming, kernels, reductions — run against
/// scripts/fake-cuda: a stand-in libcuda.so.1 that executes kernels.cu on the CPU (one thread per
/// CUDA thread, IEEE arithmetic without contraction). Needs clang++ (or $CXX) with C++20, no GPU.
/// Catches host/kernel logic errors; real-GPU concurrency is covered only by CUDABackendParityTests.
@Suite(.serialized) struct CUDAEmulatedParityTests {}

extension CUDAEmulatedParityTests {
  /// Builds the fake driver once per process; nil (with the reason) when it cannot be built.
  static let fakeDriver: Result<String, BackendUnavailable> = {
    let root = FixturePaths.packageRoot
    let directory = "/tmp/qs-fake-cuda-\(getpid())"
    let command = "bash '\(root)/scripts/fake-cuda/build.sh' '\(directory)' >/dev/null 2>&1"
    guard system(command) == 0 else {
      return .failure(BackendUnavailable("scripts/fake-cuda/build.sh failed (clang++ with C++20?)"))
    }
    return .success(directory + "/libcuda.so.1")
  }()

  /// The emulated backend, or nil after recording why it is missing (a known issue, not a pass).
  static func emulatedBackend(deviceMemoryLimit: Int? = nil, stagingLimit: Int? = nil)
    -> CUDABackend?
  {
    let loaded = fakeDriver.flatMap {
      CUDABackend.load(
        deviceMemoryLimit: deviceMemoryLimit, driverLibrary: $0, stagingLimit: stagingLimit)
    }
    switch loaded {
    case .success(let backend): return backend
    case .failure(let reason):
      withKnownIssue("CPU emulation of CUDA unavailable: \(reason.reason)") {
        Issue.record(Comment(rawValue: reason.reason))
      }
      return nil
    }
  }

  @Test func goldenInputsMatchTheCPU() throws {
    guard let backend = Self.emulatedBackend() else { return }
    #expect(backend.deviceName == "QuantScope CPU emulation")
    #expect(backend.concurrentTensorLimit == 1)  // staging off by default
    try CUDABackendParityTests.compareAll(
      try GoldenFiles.inputs.checkpoint, backend: backend, settings: AnalysisSettings())
  }

  /// The golden inputs staged whole in pinned memory (`CUDAStaging`, off by default) and kept
  /// resident on the device: copies come from the staged buffers.
  @Test func stagedTensorsMatchTheCPU() throws {
    guard let backend = Self.emulatedBackend(stagingLimit: 64 << 20) else { return }
    #expect(backend.concurrentTensorLimit == 2)
    try CUDABackendParityTests.compareAll(
      try GoldenFiles.inputs.checkpoint, backend: backend, settings: AnalysisSettings())
  }

  /// A set histogram range reaches the CUDA histogram kernel as it reaches the CPU's.
  @Test func histogramRangeMatchesTheCPU() throws {
    guard let backend = Self.emulatedBackend() else { return }
    try CUDABackendParityTests.compareAll(
      try GoldenFiles.inputs.checkpoint, backend: backend,
      settings: AnalysisSettings(formats: [.nf4], histogramRange: ValueRange(lo: -0.05, hi: 0.05)))
  }

  @Test func codesEqualGolden() throws {
    guard let backend = Self.emulatedBackend() else { return }
    try CUDABackendParityTests.compareCodes(
      backend: backend, formats: [.nf4, .fp4, .fp4dq, .dyn8, .int8])
  }

  /// fp4-dq through the emulated CUDA pipeline (`qs_fp4_error_kernel` in pass 2, fp4 riding
  /// along) against bitsandbytes' metrics, with fp4-dq alone and beside fp4.
  @Test func fp4DoubleQuantMatchesGolden() throws {
    guard let backend = Self.emulatedBackend() else { return }
    let inputs = try GoldenFiles.inputs
    let cpu = CPUBackend(threads: 2)
    for formats in [[QuantFormat.fp4dq], [.fp4, .fp4dq]] {
      let settings = AnalysisSettings(formats: formats)
      for name in fp4DoubleQuantInputNames {
        let tensor = try inputs.tensor(name)
        guard tensor.shape.count >= 2 else { continue }  // the backends measure ≥ 2-D tensors
        let analysis = try backend.analyse(
          tensor, in: inputs.checkpoint, settings: settings, cancel: nil, progress: nil)
        try FP4DoubleQuantGoldenTests.expectGoldenMetrics(
          try #require(analysis.formats[.fp4dq]), name: name, "emulated CUDA")
        // And the whole analysis equals the CPU's (fp4 from the pass-2 kernel included).
        CUDABackendParityTests.expectSame(
          try cpu.analyse(
            tensor, in: inputs.checkpoint, settings: settings, cancel: nil, progress: nil),
          analysis)
      }
    }
  }

  /// A 1 MiB device limit (128 KiB chunks): the three 2-D tensors (1.2–1.3 MB each) do not fit,
  /// so they are streamed in chunks through both streams, twice; the vector stays resident.
  /// Block size 1024 keeps the emulated warp reductions few (block size 64: the golden test).
  @Test func streamedTensorMatchesTheCPU() throws {
    guard let backend = Self.emulatedBackend(deviceMemoryLimit: 1 << 20) else { return }
    try CUDABackendParityTests.compareStreamed(backend: backend, rows: 600, blocksize: 1024)
  }

  /// The same tensors staged whole in pinned memory (`CUDAStaging`, limit raised to 4 MiB) but
  /// still streamed to the 1 MiB device in chunks, twice: copies come from the staged buffer.
  @Test func stagedButStreamedTensorMatchesTheCPU() throws {
    guard let backend = Self.emulatedBackend(deviceMemoryLimit: 1 << 20, stagingLimit: 4 << 20)
    else { return }
    try CUDABackendParityTests.compareStreamed(backend: backend, rows: 600, blocksize: 1024)
  }
}
