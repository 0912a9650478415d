import Safetensors
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Compiles the embedded `CUDA/kernels.cu` with NVRTC, once per architecture per process.
///
/// NVRTC gets the one header kernels.cu includes, `quant_tables.h` (the tables the C kernels
/// compile from too), as a string under its include name: nothing is read from disk at run time.
///
/// A real architecture (`sm_XY`) gives a CUBIN; a virtual one (`compute_XY`) gives PTX that the
/// driver compiles at module load (used when the device is newer than this NVRTC).
enum CUDACompiler {
  /// Options fixing the floating-point semantics to those of the C reference: no FMA contraction,
  /// IEEE division, square root and denormals (see the header comment of kernels.cu).
  static let options = [
    "--fmad=false", "--ftz=false", "--prec-div=true", "--prec-sqrt=true", "--std=c++17",
  ]

  /// The output of one compile.
  struct Image: Sendable {
    /// `sm_XY` or `compute_XY`.
    var arch: String
    /// CUBIN bytes, or PTX text with its trailing NUL (what cuModuleLoadData expects).
    var bytes: [UInt8]
    var isPTX: Bool { arch.hasPrefix("compute_") }
  }

  private static let cache = Mutex<[String: Image]>([:])

  /// The kernel source with the trailing NUL NVRTC needs.
  static var source: [UInt8] { PackageResources.kernels_cu + [0] }

  /// The headers kernels.cu includes, by include name, as NVRTC takes them
  /// (scripts/nvrtc-compile.py hands over the same list).
  static var headers: [(includeName: String, text: [UInt8])] {
    [("quant_tables.h", PackageResources.quant_tables_h)]
  }

  /// FNV-1a 64 of the headers' bytes followed by kernels.cu's (no NULs): ties `CUDAPrecompiledPTX`
  /// to the sources it was compiled from (scripts/regen-ptx.py hashes the same bytes).
  static var sourceHash: UInt64 {
    FNV1a.hash(headers.flatMap(\.text) + PackageResources.kernels_cu)
  }

  /// The PTX compiled ahead of time (scripts/regen-ptx.py), when it matches the embedded source.
  static var precompiledImage: Image? {
    guard CUDAPrecompiledPTX.sourceHash == sourceHash else { return nil }
    return Image(arch: CUDAPrecompiledPTX.arch, bytes: Array(CUDAPrecompiledPTX.text.utf8) + [0])
  }

  /// True when `QUANTSCOPE_CUDA_KERNELS=precompiled`: load the PTX compiled ahead of time even
  /// when NVRTC is installed (to check that path on a GPU, or to skip a failing NVRTC).
  static var precompiledRequested: Bool {
    getenv("QUANTSCOPE_CUDA_KERNELS").map { String(cString: $0) } == "precompiled"
  }

  /// The compiled image for `arch`, from the per-process cache, the on-disk cache `disk` (when
  /// given) or a fresh NVRTC compile (then stored in both).
  ///
  /// - Complexity: one NVRTC compile (about 1 s) the first time per architecture, unless `disk`
  ///   holds it.
  static func image(arch: String, nvrtc: NVRTCAPI, disk: CUDAKernelCache? = nil)
    throws(CUDAError) -> Image
  {
    if let cached = cache.withLock({ $0[arch] }) { return cached }
    let version = (try? nvrtc.version()).map { "\($0.major).\($0.minor)" } ?? "unknown"
    if let stored = disk?.load(arch: arch, nvrtcVersion: version) {
      cache.withLock { $0[arch] = stored }
      return stored
    }
    let image = try compile(arch: arch, nvrtc: nvrtc)
    cache.withLock { $0[arch] = image }
    disk?.store(image, nvrtcVersion: version)
    return image
  }

  /// The target for a device of compute capability `major.minor`: `sm_XY` when NVRTC lists XY,
  /// otherwise `compute_ZW` for the newest listed ZW ≤ XY (PTX, JIT-compiled by the driver).
  /// An empty list (NVRTC < 11.2) gives `compute_XY`.
  static func architecture(major: Int, minor: Int, supported: [Int]) -> String {
    let wanted = major * 10 + minor
    if supported.contains(wanted) { return "sm_\(wanted)" }
    if let newest = supported.filter({ $0 <= wanted }).max() { return "compute_\(newest)" }
    return "compute_\(wanted)"
  }

  /// Runs NVRTC on `text` (default: the embedded source; NUL-terminated), with `headers`, for
  /// `arch`.
  static func compile(arch: String, nvrtc: NVRTCAPI, text: [UInt8] = source) throws(CUDAError)
    -> Image
  {
    var program: OpaquePointer?
    let headerTexts = headers.map { strdup(String(decoding: $0.text, as: UTF8.self)) }
    let headerNames = headers.map { strdup($0.includeName) }
    defer { (headerTexts + headerNames).forEach { free($0) } }
    let texts = headerTexts.map { UnsafePointer<CChar>($0) }
    let names = headerNames.map { UnsafePointer<CChar>($0) }
    let created = text.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { chars in
        texts.withUnsafeBufferPointer { textPointers in
          names.withUnsafeBufferPointer { namePointers in
            nvrtc.nvrtcCreateProgram(
              &program, chars.baseAddress, "kernels.cu", Int32(texts.count),
              textPointers.baseAddress,
              namePointers.baseAddress)
          }
        }
      }
    }
    try nvrtc.check(created, "nvrtcCreateProgram")
    defer { _ = nvrtc.nvrtcDestroyProgram(&program) }
    let arguments = ["--gpu-architecture=\(arch)"] + options
    let cStrings = arguments.map { strdup($0) }
    defer { cStrings.forEach { free($0) } }
    let pointers = cStrings.map { UnsafePointer<CChar>($0) }
    let status = pointers.withUnsafeBufferPointer {
      nvrtc.nvrtcCompileProgram(program, Int32(arguments.count), $0.baseAddress)
    }
    if status != 0 {
      let log = programLog(program, nvrtc: nvrtc)
      if status == 6 /* NVRTC_ERROR_COMPILATION */ { throw .compile(arch: arch, log: log) }
      throw .nvrtc(call: "nvrtcCompileProgram", status: status, name: nvrtc.errorName(status))
    }
    let bytes: [UInt8]
    if arch.hasPrefix("sm_"), let sizeOf = nvrtc.nvrtcGetCUBINSize, let get = nvrtc.nvrtcGetCUBIN {
      var size = 0
      try nvrtc.check(sizeOf(program, &size), "nvrtcGetCUBINSize")
      var out = [CChar](repeating: 0, count: size)
      try nvrtc.check(get(program, &out), "nvrtcGetCUBIN")
      bytes = out.map { UInt8(bitPattern: $0) }
    } else {
      var size = 0
      try nvrtc.check(nvrtc.nvrtcGetPTXSize(program, &size), "nvrtcGetPTXSize")
      var out = [CChar](repeating: 0, count: size)
      try nvrtc.check(nvrtc.nvrtcGetPTX(program, &out), "nvrtcGetPTX")
      bytes = out.map { UInt8(bitPattern: $0) }
    }
    return Image(arch: arch, bytes: bytes)
  }

  /// The program log (warnings or errors), or "" when there is none.
  private static func programLog(_ program: OpaquePointer?, nvrtc: NVRTCAPI) -> String {
    var size = 0
    guard nvrtc.nvrtcGetProgramLogSize(program, &size) == 0, size > 1 else { return "" }
    var log = [CChar](repeating: 0, count: size)
    guard nvrtc.nvrtcGetProgramLog(program, &log) == 0 else { return "" }
    return String(
      decoding: log.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
