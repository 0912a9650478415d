#if canImport(Glibc)
  import Glibc
#endif

/// The CUDA driver API and NVRTC, opened at run time with dlopen: no CUDA header or library is
/// needed to build. The only file of the project that calls `dlopen`/`dlsym`.
///
/// Each C entry point is bound to a `@convention(c)` type declared here; handle types are
/// `OpaquePointer` (CUcontext, CUmodule, CUfunction, CUstream, CUevent, nvrtcProgram) and
/// `UInt64` (CUdeviceptr). Every call's status goes through `check`, which turns anything but
/// success into a `CUDAError` naming the call and the CUresult / nvrtcResult.
enum CUDADriver {
  /// Names tried for the driver (the driver package installs the versioned soname only).
  static let driverNames = ["libcuda.so.1", "libcuda.so"]
  /// Names tried for NVRTC, newest first; versioned files found on disk are tried after these.
  static let nvrtcNames = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"]

  /// The driver, opened once per process.
  static let driver: Result<CUDADriverAPI, CUDAError> = {
    switch CUDALibrary.open(driverNames) {
    case .failure(let error): return .failure(error)
    case .success(let library):
      do throws(CUDAError) { return .success(try CUDADriverAPI(library)) } catch {
        return .failure(error)
      }
    }
  }()

  /// NVRTC, opened once per process; independent of the driver (compiles without a GPU).
  static let nvrtc: Result<NVRTCAPI, CUDAError> = {
    switch CUDALibrary.open(nvrtcNames + CUDALibrary.versionedFiles(prefix: "libnvrtc.so.")) {
    case .failure(let error): return .failure(error)
    case .success(let library):
      do throws(CUDAError) { return .success(try NVRTCAPI(library)) } catch {
        return .failure(error)
      }
    }
  }()
}

// MARK: - Library

/// A library opened with dlopen, kept open for the life of the process.
final class CUDALibrary: @unchecked Sendable {
  /// The name that opened.
  let name: String
  private let handle: UnsafeMutableRawPointer

  private init(name: String, handle: UnsafeMutableRawPointer) {
    self.name = name
    self.handle = handle
  }

  /// Opens the first of `names` that dlopen accepts.
  ///
  /// The corresponding C function is `dlopen` (RTLD_NOW | RTLD_LOCAL).
  static func open(_ names: [String]) -> Result<CUDALibrary, CUDAError> {
    var reason = "no candidate"
    for name in names {
      if let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) {
        return .success(CUDALibrary(name: name, handle: handle))
      }
      if let message = dlerror() { reason = String(cString: message) }
    }
    return .failure(.libraryNotFound(names: names, reason: reason))
  }

  /// The address of `symbol` as the C function type `T`.
  ///
  /// The corresponding C function is `dlsym`.
  func function<T>(_ symbol: String, as type: T.Type = T.self) throws(CUDAError) -> T {
    guard let address = dlsym(handle, symbol) else {
      throw .symbolNotFound(library: name, symbol: symbol)
    }
    return unsafeBitCast(address, to: T.self)
  }

  /// Like `function`, but nil when the symbol is absent (optional entry points of older versions).
  func optionalFunction<T>(_ symbol: String, as type: T.Type = T.self) -> T? {
    guard let address = dlsym(handle, symbol) else { return nil }
    return unsafeBitCast(address, to: T.self)
  }

  /// `LD_LIBRARY_PATH`, then the usual CUDA and distribution library directories.
  static var searchDirectories: [String] {
    var directories: [String] = []
    if let path = getenv("LD_LIBRARY_PATH") {
      directories += String(cString: path).split(separator: ":").map(String.init)
    }
    return directories + [
      "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib",
      "/usr/local/cuda/targets/sbsa-linux/lib", "/usr/lib/x86_64-linux-gnu",
      "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
    ]
  }

  /// Absolute paths of files named `prefix*` (e.g. `libnvrtc.so.11.8.89`) in the library search
  /// directories, newest version first: finds an NVRTC whose soname is not in the fixed list.
  static func versionedFiles(prefix: String, directories: [String] = searchDirectories) -> [String]
  {
    var found: [(version: [Int], path: String)] = []
    for directory in directories {
      guard let dir = opendir(directory) else { continue }
      defer { closedir(dir) }
      while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        guard name.hasPrefix(prefix) else { continue }
        let suffix = name.dropFirst(prefix.count)
        let version = suffix.split(separator: ".").compactMap { Int($0) }
        guard !version.isEmpty else { continue }
        found.append((version, directory + "/" + name))
      }
    }
    return found.sorted { $0.version.lexicographicallyPrecedes($1.version) }.reversed().map(\.path)
  }
}

// MARK: - Driver API

/// The CUDA driver entry points QuantScope uses, bound from libcuda.
struct CUDADriverAPI: @unchecked Sendable {
  typealias Status = Int32
  typealias Handle = OpaquePointer
  typealias DevicePointer = UInt64

  let libraryName: String
  let cuInit: @convention(c) (UInt32) -> Status
  let cuDriverGetVersion: @convention(c) (UnsafeMutablePointer<Int32>?) -> Status
  let cuGetErrorName:
    @convention(c) (Status, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Status
  let cuDeviceGetCount: @convention(c) (UnsafeMutablePointer<Int32>?) -> Status
  let cuDeviceGet: @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Status
  let cuDeviceGetName: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32) -> Status
  let cuDeviceGetAttribute: @convention(c) (UnsafeMutablePointer<Int32>?, Int32, Int32) -> Status
  let cuDeviceTotalMem: @convention(c) (UnsafeMutablePointer<Int>?, Int32) -> Status
  let cuDevicePrimaryCtxRetain: @convention(c) (UnsafeMutablePointer<Handle?>?, Int32) -> Status
  let cuDevicePrimaryCtxRelease: @convention(c) (Int32) -> Status
  let cuCtxSetCurrent: @convention(c) (Handle?) -> Status
  let cuModuleLoadData: @convention(c) (UnsafeMutablePointer<Handle?>?, UnsafeRawPointer?) -> Status
  let cuModuleUnload: @convention(c) (Handle?) -> Status
  let cuModuleGetFunction:
    @convention(c) (UnsafeMutablePointer<Handle?>?, Handle?, UnsafePointer<CChar>?) -> Status
  let cuMemGetInfo:
    @convention(c) (UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?) -> Status
  let cuMemAlloc: @convention(c) (UnsafeMutablePointer<DevicePointer>?, Int) -> Status
  let cuMemFree: @convention(c) (DevicePointer) -> Status
  let cuMemHostAlloc:
    @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>?, Int, UInt32) -> Status
  let cuMemFreeHost: @convention(c) (UnsafeMutableRawPointer?) -> Status
  let cuMemcpyHtoDAsync: @convention(c) (DevicePointer, UnsafeRawPointer?, Int, Handle?) -> Status
  let cuMemcpyDtoHAsync:
    @convention(c) (UnsafeMutableRawPointer?, DevicePointer, Int, Handle?) -> Status
  let cuMemsetD8Async: @convention(c) (DevicePointer, UInt8, Int, Handle?) -> Status
  let cuStreamCreate: @convention(c) (UnsafeMutablePointer<Handle?>?, UInt32) -> Status
  let cuStreamDestroy: @convention(c) (Handle?) -> Status
  let cuStreamSynchronize: @convention(c) (Handle?) -> Status
  let cuEventCreate: @convention(c) (UnsafeMutablePointer<Handle?>?, UInt32) -> Status
  let cuEventRecord: @convention(c) (Handle?, Handle?) -> Status
  let cuEventSynchronize: @convention(c) (Handle?) -> Status
  let cuEventDestroy: @convention(c) (Handle?) -> Status
  let cuLaunchKernel:
    @convention(c) (
      Handle?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, Handle?,
      UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
      UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> Status

  /// `CU_DEVICE_ATTRIBUTE_*` values used (cuda.h).
  enum Attribute: Int32 {
    case maxSharedMemoryPerBlock = 8
    case multiprocessorCount = 16
    case computeCapabilityMajor = 75
    case computeCapabilityMinor = 76
  }

  /// Binds every entry point; fails on the first missing symbol. The `_v2` names are the ones
  /// cuda.h maps the plain names to.
  init(_ library: CUDALibrary) throws(CUDAError) {
    libraryName = library.name
    cuInit = try library.function("cuInit")
    cuDriverGetVersion = try library.function("cuDriverGetVersion")
    cuGetErrorName = try library.function("cuGetErrorName")
    cuDeviceGetCount = try library.function("cuDeviceGetCount")
    cuDeviceGet = try library.function("cuDeviceGet")
    cuDeviceGetName = try library.function("cuDeviceGetName")
    cuDeviceGetAttribute = try library.function("cuDeviceGetAttribute")
    cuDeviceTotalMem = try library.function("cuDeviceTotalMem_v2")
    cuDevicePrimaryCtxRetain = try library.function("cuDevicePrimaryCtxRetain")
    cuDevicePrimaryCtxRelease = try library.function("cuDevicePrimaryCtxRelease_v2")
    cuCtxSetCurrent = try library.function("cuCtxSetCurrent")
    cuModuleLoadData = try library.function("cuModuleLoadData")
    cuModuleUnload = try library.function("cuModuleUnload")
    cuModuleGetFunction = try library.function("cuModuleGetFunction")
    cuMemGetInfo = try library.function("cuMemGetInfo_v2")
    cuMemAlloc = try library.function("cuMemAlloc_v2")
    cuMemFree = try library.function("cuMemFree_v2")
    cuMemHostAlloc = try library.function("cuMemHostAlloc")
    cuMemFreeHost = try library.function("cuMemFreeHost")
    cuMemcpyHtoDAsync = try library.function("cuMemcpyHtoDAsync_v2")
    cuMemcpyDtoHAsync = try library.function("cuMemcpyDtoHAsync_v2")
    cuMemsetD8Async = try library.function("cuMemsetD8Async")
    cuStreamCreate = try library.function("cuStreamCreate")
    cuStreamDestroy = try library.function("cuStreamDestroy_v2")
    cuStreamSynchronize = try library.function("cuStreamSynchronize")
    cuEventCreate = try library.function("cuEventCreate")
    cuEventRecord = try library.function("cuEventRecord")
    cuEventSynchronize = try library.function("cuEventSynchronize")
    cuEventDestroy = try library.function("cuEventDestroy_v2")
    cuLaunchKernel = try library.function("cuLaunchKernel")
  }

  /// Throws unless `status` is CUDA_SUCCESS (0); the error names the call and the CUresult.
  func check(_ status: Status, _ call: String) throws(CUDAError) {
    guard status != 0 else { return }
    throw .driver(call: call, status: status, name: errorName(status))
  }

  /// `CUDA_ERROR_*` name of a status, from the driver itself.
  ///
  /// The corresponding C function is `cuGetErrorName`.
  func errorName(_ status: Status) -> String {
    var name: UnsafePointer<CChar>?
    if cuGetErrorName(status, &name) == 0, let name { return String(cString: name) }
    return "CUresult \(status)"
  }

  // MARK: Queries

  /// The corresponding C function is `cuDriverGetVersion` (e.g. 12040 for 12.4).
  func driverVersion() throws(CUDAError) -> Int {
    var version: Int32 = 0
    try check(cuDriverGetVersion(&version), "cuDriverGetVersion")
    return Int(version)
  }

  /// The corresponding C function is `cuDeviceGetCount`.
  func deviceCount() throws(CUDAError) -> Int {
    var count: Int32 = 0
    try check(cuDeviceGetCount(&count), "cuDeviceGetCount")
    return Int(count)
  }

  /// The corresponding C function is `cuDeviceGet`.
  func device(_ ordinal: Int) throws(CUDAError) -> Int32 {
    var device: Int32 = 0
    try check(cuDeviceGet(&device, Int32(ordinal)), "cuDeviceGet")
    return device
  }

  /// The corresponding C function is `cuDeviceGetName`.
  func deviceName(_ device: Int32) throws(CUDAError) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    try check(cuDeviceGetName(&buffer, Int32(buffer.count - 1), device), "cuDeviceGetName")
    return String(
      decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The corresponding C function is `cuDeviceGetAttribute`.
  func attribute(_ attribute: Attribute, of device: Int32) throws(CUDAError) -> Int {
    var value: Int32 = 0
    try check(cuDeviceGetAttribute(&value, attribute.rawValue, device), "cuDeviceGetAttribute")
    return Int(value)
  }

  /// The corresponding C function is `cuDeviceTotalMem_v2`.
  func totalMemory(of device: Int32) throws(CUDAError) -> Int {
    var bytes = 0
    try check(cuDeviceTotalMem(&bytes, device), "cuDeviceTotalMem_v2")
    return bytes
  }

  /// Free and total memory of the current context's device.
  ///
  /// The corresponding C function is `cuMemGetInfo_v2`.
  func memoryInfo() throws(CUDAError) -> (free: Int, total: Int) {
    var free = 0
    var total = 0
    try check(cuMemGetInfo(&free, &total), "cuMemGetInfo_v2")
    return (free, total)
  }
}

// MARK: - NVRTC

/// The NVRTC entry points, bound from libnvrtc. Usable without a GPU or a driver.
struct NVRTCAPI: @unchecked Sendable {
  typealias Status = Int32
  typealias Program = OpaquePointer

  let libraryName: String
  let nvrtcVersion:
    @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?) -> Status
  let nvrtcGetErrorString: @convention(c) (Status) -> UnsafePointer<CChar>?
  let nvrtcCreateProgram:
    @convention(c) (
      UnsafeMutablePointer<Program?>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int32,
      UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?
    ) -> Status
  let nvrtcCompileProgram:
    @convention(c) (Program?, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Status
  let nvrtcGetProgramLogSize: @convention(c) (Program?, UnsafeMutablePointer<Int>?) -> Status
  let nvrtcGetProgramLog: @convention(c) (Program?, UnsafeMutablePointer<CChar>?) -> Status
  let nvrtcGetPTXSize: @convention(c) (Program?, UnsafeMutablePointer<Int>?) -> Status
  let nvrtcGetPTX: @convention(c) (Program?, UnsafeMutablePointer<CChar>?) -> Status
  let nvrtcDestroyProgram: @convention(c) (UnsafeMutablePointer<Program?>?) -> Status
  /// CUDA ≥ 11.1.
  let nvrtcGetCUBINSize: (@convention(c) (Program?, UnsafeMutablePointer<Int>?) -> Status)?
  let nvrtcGetCUBIN: (@convention(c) (Program?, UnsafeMutablePointer<CChar>?) -> Status)?
  /// CUDA ≥ 11.2.
  let nvrtcGetNumSupportedArchs: (@convention(c) (UnsafeMutablePointer<Int32>?) -> Status)?
  let nvrtcGetSupportedArchs: (@convention(c) (UnsafeMutablePointer<Int32>?) -> Status)?

  init(_ library: CUDALibrary) throws(CUDAError) {
    libraryName = library.name
    nvrtcVersion = try library.function("nvrtcVersion")
    nvrtcGetErrorString = try library.function("nvrtcGetErrorString")
    nvrtcCreateProgram = try library.function("nvrtcCreateProgram")
    nvrtcCompileProgram = try library.function("nvrtcCompileProgram")
    nvrtcGetProgramLogSize = try library.function("nvrtcGetProgramLogSize")
    nvrtcGetProgramLog = try library.function("nvrtcGetProgramLog")
    nvrtcGetPTXSize = try library.function("nvrtcGetPTXSize")
    nvrtcGetPTX = try library.function("nvrtcGetPTX")
    nvrtcDestroyProgram = try library.function("nvrtcDestroyProgram")
    nvrtcGetCUBINSize = library.optionalFunction("nvrtcGetCUBINSize")
    nvrtcGetCUBIN = library.optionalFunction("nvrtcGetCUBIN")
    nvrtcGetNumSupportedArchs = library.optionalFunction("nvrtcGetNumSupportedArchs")
    nvrtcGetSupportedArchs = library.optionalFunction("nvrtcGetSupportedArchs")
  }

  /// Throws unless `status` is NVRTC_SUCCESS (0); the error names the call and the nvrtcResult.
  func check(_ status: Status, _ call: String) throws(CUDAError) {
    guard status != 0 else { return }
    throw .nvrtc(call: call, status: status, name: errorName(status))
  }

  /// The corresponding C function is `nvrtcGetErrorString` (e.g. "NVRTC_ERROR_COMPILATION").
  func errorName(_ status: Status) -> String {
    if let text = nvrtcGetErrorString(status) { return String(cString: text) }
    return "nvrtcResult \(status)"
  }

  /// (major, minor), e.g. (11, 8).
  ///
  /// The corresponding C function is `nvrtcVersion`.
  func version() throws(CUDAError) -> (major: Int, minor: Int) {
    var major: Int32 = 0
    var minor: Int32 = 0
    try check(nvrtcVersion(&major, &minor), "nvrtcVersion")
    return (Int(major), Int(minor))
  }

  /// The virtual/real architectures this NVRTC compiles for, e.g. [35, ..., 90]; empty when it
  /// predates the query (CUDA < 11.2).
  ///
  /// The corresponding C functions are `nvrtcGetNumSupportedArchs` and `nvrtcGetSupportedArchs`.
  func supportedArchitectures() throws(CUDAError) -> [Int] {
    guard let numberOf = nvrtcGetNumSupportedArchs, let list = nvrtcGetSupportedArchs else {
      return []
    }
    var count: Int32 = 0
    try check(numberOf(&count), "nvrtcGetNumSupportedArchs")
    var archs = [Int32](repeating: 0, count: Int(max(count, 0)))
    if count > 0 { try check(list(&archs), "nvrtcGetSupportedArchs") }
    return archs.map(Int.init)
  }
}
