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

// MARK: - Stored-quantized checkpoints

extension CUDAEmulatedParityTests {
  static let prequantized = FixturePaths.root + "/prequantized"

  /// Pre-quantized checkpoints (scripts/make-prequantized.py, GPT-2's Conv1D saves included)
  /// through the device's dequantization
  /// (`CUDAStoredDequantizer`): its values equal the host reader's bit for bit, hence bitsandbytes'
  /// (4-bit, int8: bit for bit; FP8 × scale: torch's within 1 ulp), and the analysis — stored code
  /// usage included — equals the CPU's. Run with the default limit (each tensor in one chunk)
  /// and with the smallest, 1 MiB (128 KiB chunks: the FP8 200 × 300 weights cross a chunk edge
  /// inside a row and a 128 × 128 tile; the 4-bit case is `streamedStoredTensorMatchesTheCPU`).
  @Test(arguments: [
    "nf4", "nf4-dq", "fp4", "int8", "fp8-block", "fp8-row", "gpt2-nf4-dq", "gpt2-int8",
  ])
  func storedCheckpointsMatchBitsandbytesAndTheCPU(_ name: String) throws {
    let checkpoint = try Checkpoint.open(Self.prequantized + "/" + name)
    let expected = try Checkpoint.open(Self.prequantized + "/expected/" + name + ".safetensors")
    let expectedReader = try TensorDataReader(checkpoint: expected)
    let hostReader = try TensorDataReader(checkpoint: checkpoint)
    for limit in [nil, 1 << 20] {
      guard let backend = Self.emulatedBackend(deviceMemoryLimit: limit) else { return }
      var stored = 0
      for tensor in checkpoint.tensors where tensor.stored != nil {
        stored += 1
        let values = try #require(try backend.dequantizedValues(of: tensor, in: checkpoint))
        let host = try Self.floats(hostReader, tensor)
        #expect(Self.mismatches(values, host) == 0, "\(name) \(tensor.name)")
        let reference = try #require(expected.tensors.first { $0.name == tensor.name })
        let want = try Self.floats(expectedReader, reference)
        let worst = zip(values, want).map { abs(Int64($0.bitPattern) - Int64($1.bitPattern)) }
          .max()
        #expect(values.count == want.count)
        #expect(worst == 0 || (name.hasPrefix("fp8") && worst == 1), "\(name) \(tensor.name)")
      }
      #expect(stored == (name.hasPrefix("gpt2") ? 4 : 2))
      try CUDABackendParityTests.compareAll(
        checkpoint, backend: backend, settings: AnalysisSettings())
    }
  }

  /// A stored nf4+dq tensor larger than a 1 MiB device (1024 × 256, bfloat16, block 64, eight
  /// second-level blocks): its codes are streamed in eight chunks over both streams and
  /// dequantized twice (pass 2 is not resident). Built by tiling the nf4-dq fixture's up_proj
  /// parts with varied codes; the analysis equals the CPU's.
  @Test func streamedStoredTensorMatchesTheCPU() throws {
    let up = "model.layers.0.mlp.up_proj.weight"
    let source = try Checkpoint.open(Self.prequantized + "/nf4-dq")
    let reader = try TensorDataReader(checkpoint: source)
    let parts = try #require(source.tensors.first { $0.name == up }?.stored).parts
    func bytes(_ role: StoredQuantization.Role) throws -> [UInt8] {
      let part = try #require(parts.first { $0.role == role }).tensor
      var bytes = [UInt8](repeating: 0, count: Int(part.byteCount))
      try bytes.withUnsafeMutableBytes { try reader.readBytes(of: part, at: 0, into: $0) }
      return bytes
    }
    let tiles = 8
    let codes = try bytes(.codes)
    let absmax = try bytes(.absmax)
    var tiledCodes: [UInt8] = []
    var tiledAbsmax: [UInt8] = []
    for tile in 0..<tiles {
      tiledCodes += codes.map { $0 ^ UInt8(tile * 0x13 & 0xFF) }
      tiledAbsmax += absmax.map { $0 &+ UInt8(tile * 7) }
    }
    let nestedAbsmax = try bytes(.nestedAbsmax)
    let state = String(decoding: try bytes(.quantState), as: UTF8.self)
      .split(separator: "[128, 256]", omittingEmptySubsequences: false).joined(
        separator: "[1024, 256]")
    #expect(state.contains("[1024, 256]"))
    let name = up
    let directory = try TemporaryDirectory("stored-streamed")
    try SafetensorsFixture.write(
      SafetensorsFixture.valid([
        (name, .U8, [tiledCodes.count, 1], tiledCodes),
        (name + ".absmax", .U8, [tiledAbsmax.count], tiledAbsmax),
        (name + ".quant_map", .F32, [16], try bytes(.quantMap)),
        (
          name + ".nested_absmax", .F32, [nestedAbsmax.count / 4 * tiles],
          Array((0..<tiles).map { _ in nestedAbsmax }.joined())
        ),
        (name + ".nested_quant_map", .F32, [256], try bytes(.nestedQuantMap)),
        (name + ".quant_state.bitsandbytes__nf4", .U8, [state.utf8.count], Array(state.utf8)),
      ]), to: directory.file("model.safetensors"))
    let checkpoint = try Checkpoint.open(directory.path)
    let tensor = try #require(checkpoint.tensors.first { $0.name == name })
    #expect(tensor.shape == [1024, 256] && tensor.stored?.doubleQuant == true)
    guard let backend = Self.emulatedBackend(deviceMemoryLimit: 1 << 20) else { return }
    let values = try #require(try backend.dequantizedValues(of: tensor, in: checkpoint))
    let host = try Self.floats(try TensorDataReader(checkpoint: checkpoint), tensor)
    #expect(Self.mismatches(values, host) == 0)
    try CUDABackendParityTests.compareAll(
      checkpoint, backend: backend, settings: AnalysisSettings(blocksize: 1024))
  }

  /// Values whose bit patterns differ (all of them when the counts differ).
  static func mismatches(_ got: [Float], _ want: [Float]) -> Int {
    guard got.count == want.count else { return max(got.count, want.count) }
    return zip(got, want).filter { $0.bitPattern != $1.bitPattern }.count
  }

  /// All values of a tensor as the host reader gives them.
  static func floats(_ reader: TensorDataReader, _ tensor: TensorInfo) throws -> [Float] {
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(tensor.elementCount, 1))
    defer { buffer.deallocate() }
    try reader.readFloats(of: tensor, from: 0, count: tensor.elementCount, into: buffer)
    return Array(UnsafeBufferPointer(start: buffer, count: tensor.elementCount))
  }
}
