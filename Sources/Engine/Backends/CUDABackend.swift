import Safetensors
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The CUDA analysis engine: the CPU backend's numbers, computed on an NVIDIA GPU.
///
/// Built without CUDA: the driver (libcuda.so.1) and NVRTC are opened at run time
/// (`CUDADriver`), the kernels (`CUDA/kernels.cu`, embedded in the binary) are compiled by NVRTC
/// for the device once per process (without NVRTC: the PTX compiled ahead of time,
/// `CUDAPrecompiledPTX`, which the driver JIT-compiles), and any failure is a one-line reason
/// (`BackendUnavailable`) so the caller can stay on the CPU. Tensors are streamed from the file
/// through pinned buffers and two streams (`CUDATensorPipeline`); stored-quantized tensors
/// (bitsandbytes 4-bit/8-bit saves, FP8 weights) are dequantized there from their codes
/// (`CUDAStoredDequantizer`); other dtypes than F32, F16 and BF16 go to the CPU backend. GPU work
/// is serialised: one tensor at a time per backend.
public final class CUDABackend: Backend {
  /// "cuda NVIDIA H200".
  public let displayName: String
  public var identifier: String { "cuda" }
  /// The device's name, e.g. "NVIDIA H200".
  public let deviceName: String
  /// The NVRTC target in use: `sm_XY` (CUBIN) or `compute_XY` (PTX, JIT-compiled by the driver).
  public let architecture: String
  /// Device memory the backend may hold, in bytes.
  public let deviceMemoryLimit: Int

  /// One tensor at a time, or two when staging is on (one on the GPU, the next one being read
  /// into pinned memory by `CUDAStaging`). More workers would only wait for the session while
  /// holding the threads that read each chunk in parallel (measured on an H200, 7B-shaped
  /// checkpoint: 16 workers 1.04 s, one worker 0.40 s). Tensors that fall back to the CPU are
  /// split over every core by the CPU backend itself.
  public var concurrentTensorLimit: Int? { staging.capacityLimit > 0 ? 2 : 1 }

  let session: Mutex<CUDASession>
  private let staging: CUDAStaging
  private let fallback = CPUBackend()
  private let readers = ReaderCache()

  /// - Parameter stagingLimit: the largest tensor staged in pinned memory
  ///   (`CUDAStaging.defaultLimit`).
  private init(
    session: sending CUDASession, deviceName: String, architecture: String, limit: Int,
    stagingLimit: Int
  ) {
    self.staging = CUDAStaging(
      api: session.api, context: session.context, capacityLimit: stagingLimit)
    self.session = Mutex(session)
    self.deviceName = deviceName
    self.architecture = architecture
    self.deviceMemoryLimit = limit
    self.displayName = "cuda \(deviceName)"
  }

  deinit {
    staging.releaseAll()
    session.withLock { $0.release() }
  }

  // MARK: - Loading

  /// Opens the driver and NVRTC, picks device 0, compiles the kernels for it and allocates the
  /// streams and pinned buffers.
  ///
  /// - Parameters:
  ///   - deviceMemoryLimit: bytes of device memory the backend may use (tensor data, per-tensor
  ///     arrays); default: half the device's memory, at most 4 GiB. A tensor whose data fits is
  ///     kept resident for its second pass; larger ones are streamed twice.
  ///   - kernelCache: a folder where the compiled kernels are kept between runs
  ///     (`CUDABackend.defaultKernelCacheFolder` for the command line); nil compiles every run.
  /// - Returns: the backend, or the one-line reason it cannot run here ("GPU: libcuda.so.1 not
  ///   found", "GPU: no CUDA device", "GPU: NVRTC not found", "GPU: kernel compile failed: ...").
  public static func load(deviceMemoryLimit: Int? = nil, kernelCache: String? = nil)
    -> Result<CUDABackend, BackendUnavailable>
  {
    do throws(CUDAError) {
      let disk = kernelCache.map { CUDAKernelCache(folder: $0) }
      return .success(
        try make(deviceMemoryLimit: deviceMemoryLimit, api: try CUDADriver.driver.get(), disk: disk)
      )
    } catch {
      return .failure(BackendUnavailable(error.unavailableReason))
    }
  }

  /// True when `load()` succeeds on this machine (probed once per process).
  public static var isAvailable: Bool {
    if case .success = probe { return true }
    return false
  }

  /// The first `load()` of the process, shared by `isAvailable` and the parity tests.
  package static let probe: Result<CUDABackend, BackendUnavailable> = load()

  /// `load` with the driver opened from `driverLibrary` (a path): for tests against the CPU
  /// emulation of the kernels (scripts/fake-cuda), which stands in for libcuda.so.1.
  /// `stagingLimit` overrides the largest tensor staged in pinned memory (`CUDAStaging`).
  package static func load(
    deviceMemoryLimit: Int? = nil, driverLibrary: String, stagingLimit: Int? = nil
  ) -> Result<CUDABackend, BackendUnavailable> {
    do throws(CUDAError) {
      let api = try CUDADriverAPI(try CUDALibrary.open([driverLibrary]).get())
      return .success(
        try make(deviceMemoryLimit: deviceMemoryLimit, api: api, stagingLimit: stagingLimit))
    } catch {
      return .failure(BackendUnavailable(error.unavailableReason))
    }
  }

  /// `$XDG_CACHE_HOME/quantscope/cuda` (or `~/.cache/quantscope/cuda`): where the command line
  /// keeps compiled kernels.
  public static var defaultKernelCacheFolder: String { CUDAKernelCache.defaultFolder }

  private static func make(
    deviceMemoryLimit: Int?, api: CUDADriverAPI, disk: CUDAKernelCache? = nil,
    stagingLimit: Int? = nil
  ) throws(CUDAError) -> CUDABackend {
    let (device, name, major, minor, multiprocessors, total) = try CUDATrace.measure(
      "load: cuInit and device query"
    ) { () throws(CUDAError) in
      let status = api.cuInit(0)
      if status != 0 {
        throw .driver(call: "cuInit", status: status, name: api.errorName(status))
      }
      guard try api.deviceCount() > 0 else { throw .noDevice }
      let device = try api.device(0)
      return (
        device, try api.deviceName(device), try api.attribute(.computeCapabilityMajor, of: device),
        try api.attribute(.computeCapabilityMinor, of: device),
        try api.attribute(.multiprocessorCount, of: device), try api.totalMemory(of: device)
      )
    }
    let image = try CUDATrace.measure("load: kernels (NVRTC, disk cache or PTX)") {
      () throws(CUDAError) in
      try kernelImage(major: major, minor: minor, disk: disk)
    }
    let arch = image.arch
    let limit = max(deviceMemoryLimit ?? min(total / 2, 4 << 30), 1 << 20)
    // A chunk: ≤ 32 MiB, ≤ 1/8 of the limit, a multiple of 16 KiB (4096 elements of 4 bytes).
    let chunkBytes = max(16 << 10, min(32 << 20, limit / 8) / (16 << 10) * (16 << 10))
    let session = try CUDATrace.measure("load: context, module, streams, pinned buffers") {
      () throws(CUDAError) in
      try CUDASession(
        api: api, device: device, image: image, multiprocessors: multiprocessors,
        memoryLimit: limit, chunkBytes: chunkBytes)
    }
    return CUDABackend(
      session: session, deviceName: name, architecture: arch, limit: limit,
      stagingLimit: stagingLimit ?? CUDAStaging.defaultLimit(deviceMemoryLimit: limit))
  }

  /// The kernels for a device of compute capability `major.minor`: the precompiled PTX when
  /// asked for (`QUANTSCOPE_CUDA_KERNELS=precompiled`) or when NVRTC is missing, else NVRTC's
  /// image (from the per-process or on-disk cache when there).
  private static func kernelImage(major: Int, minor: Int, disk: CUDAKernelCache?)
    throws(CUDAError) -> CUDACompiler.Image
  {
    let image: CUDACompiler.Image
    if CUDACompiler.precompiledRequested {
      // QUANTSCOPE_CUDA_KERNELS=precompiled: the PTX compiled ahead of time even when NVRTC is here.
      guard let precompiled = CUDACompiler.precompiledImage, major >= 8 else {
        throw .unsupported("QUANTSCOPE_CUDA_KERNELS=precompiled needs sm_80 or newer")
      }
      image = precompiled
    } else {
      switch CUDADriver.nvrtc {
      case .success(let nvrtc):
        let arch = CUDACompiler.architecture(
          major: major, minor: minor, supported: try nvrtc.supportedArchitectures())
        image = try CUDACompiler.image(arch: arch, nvrtc: nvrtc, disk: disk)
      case .failure(let error):
        // No NVRTC: the driver can still JIT the PTX compiled ahead of time (compute_80 and newer).
        guard let fallback = CUDACompiler.precompiledImage, major >= 8 else { throw error }
        image = fallback
      }
    }
    return image
  }

  // MARK: - Compiling without a GPU

  /// Compiles the embedded kernel source for `arch` (`sm_80`, `compute_90`, ...) with NVRTC; needs
  /// no GPU and no driver.
  ///
  /// - Returns: the size in bytes of the CUBIN (`sm_`) or PTX (`compute_`), or the reason
  ///   ("GPU: NVRTC not found", "GPU: kernel compile failed: <first log lines>").
  public static func compileKernelSource(arch: String) -> Result<Int, BackendUnavailable> {
    do throws(CUDAError) {
      let nvrtc = try CUDADriver.nvrtc.get()
      return .success(try CUDACompiler.image(arch: arch, nvrtc: nvrtc).bytes.count)
    } catch {
      return .failure(BackendUnavailable(error.unavailableReason))
    }
  }

  /// NVRTC's version and library, e.g. ("libnvrtc.so.11.2", 11, 8), or nil when it is absent.
  public static var nvrtcVersion: (library: String, major: Int, minor: Int)? {
    guard case .success(let nvrtc) = CUDADriver.nvrtc, let version = try? nvrtc.version() else {
      return nil
    }
    return (nvrtc.libraryName, version.major, version.minor)
  }

  /// The architectures NVRTC compiles for, e.g. [35, ..., 90] (empty when NVRTC is absent).
  public static var nvrtcArchitectures: [Int] {
    guard case .success(let nvrtc) = CUDADriver.nvrtc else { return [] }
    return (try? nvrtc.supportedArchitectures()) ?? []
  }

  /// The embedded `CUDA/kernels.cu` as text (for KernelSourceTests).
  package static var embeddedKernelSource: String {
    String(decoding: PackageResources.kernels_cu, as: UTF8.self)
  }

  /// Every kernel name the backend looks up in the compiled module.
  package static var kernelNames: [String] { CUDAKernels.names }

  // MARK: - Diagnosis

  /// Lines for `quantscope doctor`: the driver, each device, NVRTC and its architectures, a test
  /// compile, and whether the backend loads (or why not).
  public static func diagnose() -> [String] {
    var lines: [String] = []
    var deviceArch: String?
    switch CUDADriver.driver {
    case .failure(let error):
      lines.append("driver: \(error.description)")
    case .success(let api):
      let version = (try? api.driverVersion()).map { "\($0 / 1000).\($0 % 1000 / 10)" } ?? "?"
      lines.append("driver: \(api.libraryName) loaded, CUDA \(version)")
      let status = api.cuInit(0)
      if status != 0 {
        lines.append("devices: cuInit failed: \(api.errorName(status)) (\(status))")
      } else {
        do throws(CUDAError) {
          let count = try api.deviceCount()
          lines.append("devices: \(count)")
          for ordinal in 0..<count {
            let device = try api.device(ordinal)
            let major = try api.attribute(.computeCapabilityMajor, of: device)
            let minor = try api.attribute(.computeCapabilityMinor, of: device)
            let sms = try api.attribute(.multiprocessorCount, of: device)
            let memory = Double(try api.totalMemory(of: device)) / Double(1 << 30)
            let gib = (memory * 10).rounded() / 10
            lines.append(
              "device \(ordinal): \(try api.deviceName(device)), sm_\(major)\(minor), \(sms) SMs, \(gib) GiB"
            )
            if ordinal == 0 { deviceArch = "\(major)\(minor)" }
          }
        } catch {
          lines.append("devices: \(error.description)")
        }
      }
    }
    if CUDACompiler.precompiledRequested {
      lines.append(
        "kernels: QUANTSCOPE_CUDA_KERNELS=precompiled, embedded PTX \(CUDAPrecompiledPTX.arch) (NVRTC \(CUDAPrecompiledPTX.nvrtcVersion))"
      )
    }
    switch CUDADriver.nvrtc {
    case .failure(let error):
      lines.append("nvrtc: \(error.description)")
      if CUDACompiler.precompiledImage != nil {
        lines.append(
          "nvrtc fallback: embedded PTX \(CUDAPrecompiledPTX.arch) (NVRTC \(CUDAPrecompiledPTX.nvrtcVersion)), JIT-compiled by the driver"
        )
      }
    case .success(let nvrtc):
      let version = (try? nvrtc.version()).map { "\($0.major).\($0.minor)" } ?? "?"
      lines.append("nvrtc: \(nvrtc.libraryName), version \(version)")
      let archs = (try? nvrtc.supportedArchitectures()) ?? []
      lines.append(
        "nvrtc archs: "
          + (archs.isEmpty ? "(not listed)" : archs.map { "sm_\($0)" }.joined(separator: " ")))
      let target: String
      if let deviceArch, let value = Int(deviceArch) {
        target = CUDACompiler.architecture(major: value / 10, minor: value % 10, supported: archs)
      } else {
        target = archs.max().map { "sm_\($0)" } ?? "compute_80"
      }
      let start = Benchmark.monotonicSeconds()
      switch compileKernelSource(arch: target) {
      case .success(let bytes):
        let seconds = ((Benchmark.monotonicSeconds() - start) * 100).rounded() / 100
        lines.append("compile \(target): ok, \(bytes) bytes, \(seconds) s")
      case .failure(let reason):
        lines.append("compile \(target): \(reason.reason)")
      }
    }
    switch probe {
    case .success(let backend):
      lines.append(
        "backend: available (\(backend.displayName), \(backend.architecture), limit \(backend.deviceMemoryLimit >> 20) MiB)"
      )
    case .failure(let reason):
      lines.append("backend: unavailable: \(reason.reason)")
    }
    return lines
  }

  // MARK: - Analysis

  public func analyse(
    _ tensor: TensorInfo, in checkpoint: Checkpoint, settings: AnalysisSettings,
    cancel: CancellationFlag?, progress: (@Sendable (UInt64) -> Void)?
  ) throws(EngineError) -> TensorAnalysis {
    let role = ModelArchitecture(checkpoint).role(of: tensor)
    // Stored-quantized tensors are dequantized on the device (CUDAStoredDequantizer); transposed
    // (Conv1D) tensors are read whole and transposed on the CPU path.
    guard [.F32, .F16, .BF16].contains(tensor.dtype), !role.transposed else {
      return try CUDATrace.measure("cpu fallback (whole tensor)") { () throws(EngineError) in
        try fallback.analyse(
          tensor, in: checkpoint, settings: settings, cancel: cancel, progress: progress)
      }
    }
    try CPUBackend.validate(settings)
    let reader = try reader(for: checkpoint)
    if cancel?.isCancelled == true { throw .cancelled }
    let staged: CUDAStaging.Staged?
    do throws(CUDAError) {
      // A stored tensor's codes are streamed to the device as they are, never staged.
      staged =
        tensor.stored == nil
        ? try staging.stage(tensor, reader: reader, checkpointPath: checkpoint.path) : nil
    } catch {
      if case .engine(let engineError) = error { throw engineError }
      throw .backendUnavailable("GPU: \(tensor.name): \(error.description)")
    }
    // Every copy from the staged buffer has completed when the pipeline returns or throws (it
    // synchronises both streams on its way out).
    defer { if let staged { staging.release(staged) } }
    let result = try session.withLock {
      (session) throws(EngineError) -> (parts: TensorAnalysisParts, stored: StoredCodeUsage?) in
      do throws(CUDAError) { try session.makeCurrent() } catch {
        throw .backendUnavailable("GPU: \(error.description)")
      }
      var pipeline = CUDATensorPipeline(
        session: session, tensor: tensor, reader: reader, checkpointPath: checkpoint.path,
        settings: settings)
      pipeline.staged = staged?.address
      return try CUDATrace.measure("one tensor under the lock (total)") {
        () throws(EngineError) in try pipeline.run(cancel: cancel, progress: progress)
      }
    }
    var analysis = TensorAnalysis(tensor, quantizable: role.quantizable, parts: result.parts)
    if let stored = tensor.stored, let usage = result.stored {
      StoredCodeUsage.apply(usage, stored: stored, to: &analysis)
    }
    return analysis
  }

  /// One `TensorDataReader` per checkpoint, reused across the tensors of a run.
  func reader(for checkpoint: Checkpoint) throws(EngineError) -> TensorDataReader {
    try readers.reader(for: checkpoint)
  }
}

/// `Result<_, BackendUnavailable>` (`CUDABackend.load`) needs the failure type to be an `Error`.
extension BackendUnavailable: Error {}
