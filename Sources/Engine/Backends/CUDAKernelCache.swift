import FileSystem
import Safetensors

/// Compiled kernels kept on disk between runs, so that a process pays NVRTC's compile of the
/// embedded kernels (about 1 s on an H200 host, measured by `quantscope doctor`) once per kernel
/// source, target and NVRTC version instead of once per run.
///
/// A file is `<folder>/kernels-<source hash>-<arch>-nvrtc<major>.<minor>.bin`: the image followed
/// by the FNV-1a 64 of its bytes (8 bytes, little endian). A file that is short or fails the check
/// is ignored and replaced. Writing is best effort (atomic, never an error): without a writable
/// folder every run compiles, as it would without the cache.
struct CUDAKernelCache: Sendable {
  /// The folder holding the files (made when the first image is stored).
  let folder: String

  /// `$XDG_CACHE_HOME/quantscope/cuda` or `~/.cache/quantscope/cuda`: beside the analysis cache.
  static var defaultFolder: String {
    FileSystem.join(FileSystem.cacheFolder(named: "quantscope"), "cuda")
  }

  /// The file of `arch` compiled by NVRTC `nvrtcVersion` ("13.0") from the embedded source.
  func path(arch: String, nvrtcVersion: String) -> String {
    let hash = String(CUDACompiler.sourceHash, radix: 16)
    return FileSystem.join(folder, "kernels-\(hash)-\(arch)-nvrtc\(nvrtcVersion).bin")
  }

  /// The stored image, or nil when there is none or it fails its check.
  func load(arch: String, nvrtcVersion: String) -> CUDACompiler.Image? {
    guard let bytes = try? FileSystem.readAll(path(arch: arch, nvrtcVersion: nvrtcVersion)),
      bytes.count > 8
    else { return nil }
    let body = Array(bytes.dropLast(8))
    let stored = bytes.suffix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    guard stored == Self.checksum(body) else { return nil }
    return CUDACompiler.Image(arch: arch, bytes: body)
  }

  /// Stores `image` (best effort: a failure leaves the cache as it was).
  func store(_ image: CUDACompiler.Image, nvrtcVersion: String) {
    var bytes = image.bytes
    var sum = Self.checksum(image.bytes)
    for _ in 0..<8 {
      bytes.append(UInt8(truncatingIfNeeded: sum))
      sum >>= 8
    }
    try? FileSystem.makeDirectories(folder)
    try? FileSystem.writeAtomically(
      bytes, to: path(arch: image.arch, nvrtcVersion: nvrtcVersion), overwrite: true)
  }

  /// FNV-1a 64 of `bytes`.
  static func checksum(_ bytes: [UInt8]) -> UInt64 { FNV1a.hash(bytes) }
}
