/// Why a CUDA driver or NVRTC step failed, with the call and the status name.
///
/// Internal to the CUDA backend: `CUDABackend` turns it into a one-line `BackendUnavailable`
/// reason ("GPU: ...") or an `EngineError`.
enum CUDAError: Error, Sendable, CustomStringConvertible {
  /// No candidate name could be opened with dlopen (`reason`: the last dlerror()).
  case libraryNotFound(names: [String], reason: String)
  /// The library opened but lacks a symbol we bind.
  case symbolNotFound(library: String, symbol: String)
  /// A driver API call returned a CUresult other than CUDA_SUCCESS.
  case driver(call: String, status: Int32, name: String)
  /// An NVRTC call returned an nvrtcResult other than NVRTC_SUCCESS.
  case nvrtc(call: String, status: Int32, name: String)
  /// NVRTC rejected the kernel source (`log`: the program log).
  case compile(arch: String, log: String)
  /// The driver initialised but reports no device.
  case noDevice
  /// Anything else (a tensor too large for the device memory limit, an unsupported dtype).
  case unsupported(String)
  /// An engine failure passed through unchanged (a read error, cancellation).
  case engine(EngineError)

  var description: String {
    switch self {
    case .libraryNotFound(let names, let reason):
      "\(names.first ?? "library") not found (\(reason))"
    case .symbolNotFound(let library, let symbol): "\(library): symbol \(symbol) not found"
    case .driver(let call, let status, let name): "\(call) failed: \(name) (\(status))"
    case .nvrtc(let call, let status, let name): "\(call) failed: \(name) (\(status))"
    case .compile(let arch, let log): "kernel compile for \(arch) failed: \(Self.firstLines(log))"
    case .noDevice: "no CUDA device"
    case .unsupported(let reason): reason
    case .engine(let error): error.description
    }
  }

  /// The one-line reason shown to the user when the backend cannot start.
  var unavailableReason: String {
    switch self {
    case .libraryNotFound(let names, _):
      if names.contains(where: { $0.hasPrefix("libnvrtc") }) { return "GPU: NVRTC not found" }
      return "GPU: \(names.first ?? "libcuda.so.1") not found"
    case .noDevice: return "GPU: no CUDA device"
    case .driver(let call, _, let name) where call == "cuInit" && name == "CUDA_ERROR_NO_DEVICE":
      return "GPU: no CUDA device"
    case .compile(_, let log): return "GPU: kernel compile failed: \(Self.firstLines(log))"
    default: return "GPU: \(description)"
    }
  }

  /// The first non-empty lines of a compiler log, joined into one line (at most 3 lines, 300 chars).
  static func firstLines(_ log: String) -> String {
    let lines = log.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
      .map { $0.trimmingCharacters() }
      .filter { !$0.isEmpty }
    let joined = lines.prefix(3).joined(separator: " | ")
    if joined.isEmpty { return "(empty log)" }
    return joined.count > 300 ? String(joined.prefix(300)) + "…" : joined
  }
}

extension Substring {
  fileprivate func trimmingCharacters() -> String {
    var text = self
    while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
    while let last = text.last, last == " " || last == "\t" { text.removeLast() }
    return String(text)
  }
}
