import FileSystem
import TestSupport
import Testing

@testable import Engine

/// The on-disk cache of compiled kernels: what it stores, what it refuses, and that a backend load
/// reads it before compiling.
@Suite struct CUDAKernelCacheTests {
  @Test func storedImageComesBackIdentical() throws {
    let folder = try TemporaryDirectory("kernels")
    let cache = CUDAKernelCache(folder: folder.file("cuda"))
    let image = CUDACompiler.Image(arch: "sm_90", bytes: Array(0..<200).map { UInt8($0) })
    #expect(cache.load(arch: "sm_90", nvrtcVersion: "13.0") == nil)
    cache.store(image, nvrtcVersion: "13.0")
    let loaded = cache.load(arch: "sm_90", nvrtcVersion: "13.0")
    #expect(loaded?.bytes == image.bytes)
    #expect(loaded?.arch == "sm_90")
    // Another NVRTC or target is another file.
    #expect(cache.load(arch: "sm_90", nvrtcVersion: "12.4") == nil)
    #expect(cache.load(arch: "sm_80", nvrtcVersion: "13.0") == nil)
    let name = cache.path(arch: "sm_90", nvrtcVersion: "13.0")
    #expect(name.contains(String(CUDACompiler.sourceHash, radix: 16)))
  }

  @Test func damagedFileIsIgnored() throws {
    let folder = try TemporaryDirectory("kernels")
    let cache = CUDAKernelCache(folder: folder.path)
    let image = CUDACompiler.Image(arch: "sm_80", bytes: [UInt8](repeating: 7, count: 64))
    cache.store(image, nvrtcVersion: "11.8")
    let path = cache.path(arch: "sm_80", nvrtcVersion: "11.8")
    var bytes = try FileSystem.readAll(path)
    bytes[10] ^= 1
    try FileSystem.writeAtomically(bytes, to: path, overwrite: true)
    #expect(cache.load(arch: "sm_80", nvrtcVersion: "11.8") == nil)
    try FileSystem.writeAtomically(Array(bytes.prefix(5)), to: path, overwrite: true)
    #expect(cache.load(arch: "sm_80", nvrtcVersion: "11.8") == nil)
  }

  /// `CUDACompiler.image` takes a stored image without compiling, and stores what it compiles.
  @Test func compilerReadsTheCacheFirstAndFillsIt() throws {
    guard let nvrtc = CUDACompileTests.nvrtcOrReport() else { return }
    let version = try nvrtc.version()
    let nvrtcVersion = "\(version.major).\(version.minor)"
    let folder = try TemporaryDirectory("kernels")
    let cache = CUDAKernelCache(folder: folder.path)
    // A stored image that no compile would produce: returned as it is.
    let planted = CUDACompiler.Image(arch: "sm_89", bytes: [1, 2, 3, 4, 5, 6, 7, 8, 9])
    cache.store(planted, nvrtcVersion: nvrtcVersion)
    #expect(try CUDACompiler.image(arch: "sm_89", nvrtc: nvrtc, disk: cache).bytes == planted.bytes)
    // Nothing stored for sm_86: compiled, then the same bytes are on disk.
    let compiled = try CUDACompiler.image(arch: "sm_86", nvrtc: nvrtc, disk: cache)
    #expect(compiled.bytes.count > 10_000)
    #expect(cache.load(arch: "sm_86", nvrtcVersion: nvrtcVersion)?.bytes == compiled.bytes)
  }
}
