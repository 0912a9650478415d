import Testing

@testable import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// NVRTC compiles of the embedded kernels; needs NVRTC (installed in CI by .ci/install-nvrtc.sh),
/// no GPU. Without NVRTC the tests record a known issue, or fail when `QUANTSCOPE_REQUIRE_NVRTC=1`.
@Suite struct CUDACompileTests {}

extension CUDACompileTests {
  static var nvrtcRequired: Bool {
    guard let value = getenv("QUANTSCOPE_REQUIRE_NVRTC") else { return false }
    return String(cString: value) == "1"
  }

  /// NVRTC, or nil after reporting its absence (a failure when required, else a known issue).
  static func nvrtcOrReport() -> NVRTCAPI? {
    switch CUDADriver.nvrtc {
    case .success(let nvrtc): return nvrtc
    case .failure(let error):
      let message = Comment(
        rawValue: "NVRTC not found (\(error.description)); run .ci/install-nvrtc.sh")
      if nvrtcRequired {
        Issue.record(message)
      } else {
        withKnownIssue(message) { Issue.record(message) }
      }
      return nil
    }
  }

  @Test(arguments: ["sm_80", "sm_90"])
  func compilesForRealArchitecture(arch: String) {
    guard Self.nvrtcOrReport() != nil else { return }
    switch CUDABackend.compileKernelSource(arch: arch) {
    case .success(let bytes): #expect(bytes > 10_000, "CUBIN of \(bytes) bytes")
    case .failure(let reason): Issue.record("\(arch): \(reason.reason)")
    }
  }

  /// The PTX path taken for a device newer than NVRTC.
  @Test func compilesPTX() {
    guard Self.nvrtcOrReport() != nil else { return }
    switch CUDABackend.compileKernelSource(arch: "compute_80") {
    case .success(let bytes): #expect(bytes > 10_000)
    case .failure(let reason): Issue.record("compute_80: \(reason.reason)")
    }
  }

  /// Whether NVRTC is the version `CUDAPrecompiledPTX` was made with (CI's: 11.8).
  static var nvrtcMadeThePrecompiledPTX: Bool {
    guard case .success(let nvrtc) = CUDADriver.nvrtc, let version = try? nvrtc.version() else {
      return false
    }
    return "\(version.major).\(version.minor)" == CUDAPrecompiledPTX.nvrtcVersion
  }

  /// The embedded kernels.cu, with quant_tables.h handed over by name, compiles to the
  /// precompiled PTX byte for byte: the header reaches NVRTC, and scripts/regen-ptx.py compiled
  /// what the binary embeds.
  @Test(.enabled(if: nvrtcMadeThePrecompiledPTX, "needs the NVRTC version of the precompiled PTX"))
  func reproducesThePrecompiledPTX() throws {
    guard let nvrtc = Self.nvrtcOrReport() else { return }
    let image = try CUDACompiler.compile(arch: CUDAPrecompiledPTX.arch, nvrtc: nvrtc)
    let text = String(decoding: image.bytes.prefix { $0 != 0 }, as: UTF8.self)
    #expect(image.bytes.last == 0)
    #expect(text.trimmingSuffix("\n") == CUDAPrecompiledPTX.text)
  }

  @Test func listsItsArchitectures() throws {
    guard let nvrtc = Self.nvrtcOrReport() else { return }
    let version = try nvrtc.version()
    #expect(version.major >= 11)
    let archs = try nvrtc.supportedArchitectures()
    #expect(archs.contains(80))
    #expect(CUDABackend.nvrtcVersion?.major == version.major)
  }

  @Test func brokenSourceGivesTheLog() {
    guard let nvrtc = Self.nvrtcOrReport() else { return }
    let text = Array("extern \"C\" __global__ void k() { undefined_name = 1; }\n".utf8) + [0]
    do {
      _ = try CUDACompiler.compile(arch: "sm_80", nvrtc: nvrtc, text: text)
      Issue.record("a broken source compiled")
    } catch {
      guard case .compile(let arch, let log) = error else {
        Issue.record("unexpected error \(error)")
        return
      }
      #expect(arch == "sm_80")
      #expect(log.contains("undefined_name"))
      #expect(error.unavailableReason.hasPrefix("GPU: kernel compile failed: "))
    }
  }

  @Test func unknownArchitectureIsAReasonNotACrash() {
    guard Self.nvrtcOrReport() != nil else { return }
    guard case .failure(let reason) = CUDABackend.compileKernelSource(arch: "sm_1") else {
      Issue.record("sm_1 compiled")
      return
    }
    #expect(reason.reason.hasPrefix("GPU: "))
    #expect(!reason.reason.contains("\n"))
  }
}

extension String {
  /// The string without trailing `character`s.
  fileprivate func trimmingSuffix(_ character: Character) -> String {
    var text = Substring(self)
    while text.last == character { text = text.dropLast() }
    return String(text)
  }
}
