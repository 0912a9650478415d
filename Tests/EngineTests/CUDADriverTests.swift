import Testing

@testable import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// The run-time loader's failure paths and target selection; needs no GPU.
@Suite struct CUDADriverTests {}

// MARK: - Libraries

extension CUDADriverTests {
  @Test func absentLibraryGivesACleanReason() {
    let result = CUDALibrary.open(["libquantscope-absent.so.1", "libquantscope-absent.so"])
    guard case .failure(let error) = result else {
      Issue.record("a nonexistent library opened")
      return
    }
    guard case .libraryNotFound(let names, let reason) = error else {
      Issue.record("unexpected error \(error)")
      return
    }
    #expect(names.count == 2)
    #expect(!reason.isEmpty)
    #expect(error.unavailableReason == "GPU: libquantscope-absent.so.1 not found")
    #expect(!error.unavailableReason.contains("\n"))
  }

  @Test func absentNVRTCIsReportedAsSuch() {
    let error = CUDAError.libraryNotFound(names: CUDADriver.nvrtcNames, reason: "x")
    #expect(error.unavailableReason == "GPU: NVRTC not found")
  }

  @Test func absentDriverSymbolGivesACleanError() throws {
    let libc = try CUDALibrary.open(["libc.so.6"]).get()
    #expect(throws: CUDAError.self) { try CUDADriverAPI(libc) }
    do {
      _ = try CUDADriverAPI(libc)
    } catch {
      guard case .symbolNotFound(let library, let symbol) = error else {
        Issue.record("unexpected error \(error)")
        return
      }
      #expect(library == "libc.so.6")
      #expect(symbol == "cuInit")
      #expect(error.description == "libc.so.6: symbol cuInit not found")
    }
  }

  @Test func absentNVRTCSymbolGivesACleanError() throws {
    let libc = try CUDALibrary.open(["libc.so.6"]).get()
    do {
      _ = try NVRTCAPI(libc)
      Issue.record("libc bound as NVRTC")
    } catch {
      guard case .symbolNotFound(_, let symbol) = error else {
        Issue.record("unexpected error \(error)")
        return
      }
      #expect(symbol == "nvrtcVersion")
    }
  }

  @Test func presentSymbolBinds() throws {
    let libc = try CUDALibrary.open(["libc.so.6"]).get()
    typealias StrlenFunction = @convention(c) (UnsafePointer<CChar>?) -> Int
    let strlenFunction: StrlenFunction = try libc.function("strlen")
    #expect(strlenFunction("quant") == 5)
    #expect(libc.optionalFunction("cuInit", as: StrlenFunction.self) == nil)
  }

  @Test func versionedFilesAreFoundNewestFirst() throws {
    var template = Array("/tmp/qs-cuda-test-XXXXXX".utf8CString)
    let directory = try #require(
      template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap(mkdtemp) })
    let path = String(cString: directory)
    defer {
      for name in [
        "libfake.so.11.8.89", "libfake.so.12.1", "libfake.so.x", "libfake-builtins.so.12",
      ] {
        unlink(path + "/" + name)
      }
      rmdir(path)
    }
    for name in ["libfake.so.11.8.89", "libfake.so.12.1", "libfake.so.x", "libfake-builtins.so.12"]
    {
      let file = fopen(path + "/" + name, "w")
      if let file { fclose(file) }
    }
    let found = CUDALibrary.versionedFiles(
      prefix: "libfake.so.", directories: [path, "/nonexistent"])
    #expect(found == [path + "/libfake.so.12.1", path + "/libfake.so.11.8.89"])
  }
}

// MARK: - Errors and targets

extension CUDADriverTests {
  @Test func compileFailureIsOneLine() {
    let error = CUDAError.compile(
      arch: "sm_90",
      log: "kernels.cu(3): error: identifier \"x\" is undefined\n\n1 error detected\n")
    #expect(
      error.unavailableReason
        == "GPU: kernel compile failed: kernels.cu(3): error: identifier \"x\" is undefined | 1 error detected"
    )
  }

  @Test func noDeviceReasons() {
    #expect(CUDAError.noDevice.unavailableReason == "GPU: no CUDA device")
    let initFailure = CUDAError.driver(call: "cuInit", status: 100, name: "CUDA_ERROR_NO_DEVICE")
    #expect(initFailure.unavailableReason == "GPU: no CUDA device")
    let other = CUDAError.driver(call: "cuMemAlloc_v2", status: 2, name: "CUDA_ERROR_OUT_OF_MEMORY")
    #expect(other.unavailableReason == "GPU: cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (2)")
  }

  @Test func architectureSelection() {
    let nvrtc118 = [35, 37, 50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90]
    #expect(CUDACompiler.architecture(major: 9, minor: 0, supported: nvrtc118) == "sm_90")
    #expect(CUDACompiler.architecture(major: 8, minor: 6, supported: nvrtc118) == "sm_86")
    // A device newer than NVRTC: PTX of the newest listed architecture, JIT-compiled by the driver.
    #expect(CUDACompiler.architecture(major: 10, minor: 0, supported: nvrtc118) == "compute_90")
    #expect(CUDACompiler.architecture(major: 12, minor: 0, supported: nvrtc118) == "compute_90")
    // NVRTC < 11.2 cannot list its architectures.
    #expect(CUDACompiler.architecture(major: 8, minor: 0, supported: []) == "compute_80")
  }

  @Test func keyDecodingInvertsTheKernelEncoding() {
    // kernels.cu qs_double_key: non-negative → bits | sign bit; negative → ~bits.
    func key(_ value: Double) -> UInt64 {
      let bits = value.bitPattern
      return bits >> 63 == 1 ? ~bits : bits | (1 << 63)
    }
    for value in [
      0.0, -0.0, 1.5, -1.5, .leastNonzeroMagnitude, -.infinity, .infinity, 65504, -3.25e-5,
    ] {
      #expect(CUDATensorPipeline.decode(key(value)).bitPattern == value.bitPattern)
    }
    #expect(key(-2) < key(-1) && key(-1) < key(0) && key(0) < key(1e-300) && key(1) < key(2))
  }

  /// Without a driver (this machine, CI), load() must fail with the exact one-line reason.
  @Test func loadWithoutDriverGivesTheReason() {
    guard case .failure = CUDALibrary.open(CUDADriver.driverNames) else { return }
    guard case .failure(let reason) = CUDABackend.load() else {
      Issue.record("load() succeeded without libcuda")
      return
    }
    #expect(reason.reason == "GPU: libcuda.so.1 not found")
    #expect(!CUDABackend.isAvailable)
  }

  @Test func diagnoseReportsEveryPart() {
    let lines = CUDABackend.diagnose()
    #expect(lines.contains { $0.hasPrefix("driver: ") })
    #expect(lines.contains { $0.hasPrefix("nvrtc: ") })
    #expect(lines.contains { $0.hasPrefix("backend: ") })
    #expect(lines.allSatisfy { !$0.contains("\n") })
  }
}
