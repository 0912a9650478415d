import TestSupport
import Testing

@testable import Engine

#if canImport(Glibc)
import Glibc
#endif

/// The embedded CUDA source against the C header it mirrors; needs no GPU and no NVRTC.
@Suite struct KernelSourceTests {}

// MARK: - Helpers

extension KernelSourceTests {
  /// `<package root>/Sources/CQuantKernels/include/quant_kernels.h`, read as text.
  static func header() -> String? {
    let path = FixturePaths.packageRoot + "/Sources/CQuantKernels/include/quant_kernels.h"
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = fread(&chunk, 1, chunk.count, file)
      if count <= 0 { break }
      bytes += chunk[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Table name → its literals as written (`-0x1.647362p-1f`), for `static const float` (C) or
  /// `__constant__ float` (CUDA) arrays.
  static func tables(in source: String, declaration: String) -> [String: [String]] {
    var tables: [String: [String]] = [:]
    let table = try! Regex(declaration + #" (QS_\w+)\[(\d+)\] = \{([^}]*)\};"#)
    let literal = #/-?0x[0-9a-fA-F]+(\.[0-9a-fA-F]*)?p[+-]?\d+f/#
    for match in source.matches(of: table) {
      guard let name = match.output[1].substring, let body = match.output[3].substring else {
        continue
      }
      let withoutComments = body.replacing(#//\*[^*]*\*//#, with: "")
      tables[String(name)] = withoutComments.matches(of: literal).map { String($0.output.0) }
    }
    return tables
  }

  /// Names of the `extern "C" __global__` kernels defined in `source`.
  static func definedKernels(in source: String) -> [String] {
    source.matches(of: #/extern "C" __global__ void (\w+)\(/#).map { String($0.output.1) }
  }
}

// MARK: - Kernel names

extension KernelSourceTests {
  @Test func everyLookedUpKernelIsDefined() {
    let defined = Set(Self.definedKernels(in: CUDABackend.embeddedKernelSource))
    for name in CUDABackend.kernelNames {
      #expect(defined.contains(name), "kernels.cu does not define \(name)")
    }
  }

  @Test func everyDefinedKernelIsLookedUp() {
    let looked = Set(CUDABackend.kernelNames)
    for name in Self.definedKernels(in: CUDABackend.embeddedKernelSource) {
      #expect(looked.contains(name), "\(name) is defined but CUDAKernels.names omits it")
    }
  }

  @Test func kernelNamesFollowTheTwinConvention() {
    for name in CUDABackend.kernelNames {
      #expect(name.hasPrefix("qs_") && name.hasSuffix("_kernel"), "\(name)")
    }
  }

  /// STYLE.md: each kernel opens with a comment naming the C function it mirrors.
  @Test func everyKernelNamesItsCTwin() throws {
    let header = try #require(Self.header(), "quant_kernels.h not found")
    let source = CUDABackend.embeddedKernelSource
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
    for (index, line) in lines.enumerated() where line.hasPrefix("extern \"C\" __global__") {
      var comment = ""
      var cursor = index - 1
      while cursor >= 0, lines[cursor].hasPrefix("///") {
        comment = lines[cursor] + " " + comment
        cursor -= 1
      }
      let twins = comment.matches(of: #/`(qs_\w+)`/#).map { String($0.output.1) }
      let declared = twins.filter { header.contains($0 + "(") }
      #expect(!declared.isEmpty, "no C twin named before: \(line)")
    }
  }
}

// MARK: - Tables

extension KernelSourceTests {
  /// The tables both files must hold, with their lengths (spec §2–§5, §8).
  static let expectedTables = [
    "QS_NF4_CODEBOOK": 16, "QS_NF4_THRESHOLDS": 15, "QS_FP4_MAGNITUDES": 8,
    "QS_FP4_LITERALS": 7, "QS_INT4_LEVELS": 15, "QS_DYN8_MAP": 256, "QS_DYN8_MIDPOINTS": 255,
  ]

  @Test func tablesAreSpelledAsInTheCHeader() throws {
    let header = try #require(Self.header(), "quant_kernels.h not found")
    let cTables = Self.tables(in: header, declaration: "static const float")
    let cudaTables = Self.tables(in: CUDABackend.embeddedKernelSource, declaration: "__constant__ float")
    for (name, length) in Self.expectedTables {
      let c = try #require(cTables[name], "\(name) missing from quant_kernels.h")
      let cuda = try #require(cudaTables[name], "\(name) missing from kernels.cu")
      #expect(c.count == length, "\(name): \(c.count) literals in the header")
      #expect(cuda == c, "\(name) differs between kernels.cu and quant_kernels.h")
    }
  }

  @Test func tableLiteralsParseToTheSameFloats() throws {
    let header = try #require(Self.header(), "quant_kernels.h not found")
    let cuda = Self.tables(in: CUDABackend.embeddedKernelSource, declaration: "__constant__ float")
    let c = Self.tables(in: header, declaration: "static const float")
    for name in Self.expectedTables.keys {
      let cudaBits = (cuda[name] ?? []).map { Float(String($0.dropLast()))?.bitPattern }
      let cBits = (c[name] ?? []).map { Float(String($0.dropLast()))?.bitPattern }
      #expect(!cudaBits.contains(nil), "\(name): unparsable literal")
      #expect(cudaBits == cBits, "\(name)")
    }
  }

  /// Spot checks against spec/QUANTIZATION.md hex values, independent of both files' spelling.
  @Test func tablesHoldTheSpecValues() {
    let cuda = Self.tables(in: CUDABackend.embeddedKernelSource, declaration: "__constant__ float")
    func bits(_ name: String, _ index: Int) -> UInt32? {
      guard let table = cuda[name], index < table.count else { return nil }
      return Float(String(table[index].dropLast()))?.bitPattern
    }
    #expect(bits("QS_NF4_CODEBOOK", 1) == 0xbf32_39b1)
    #expect(bits("QS_NF4_THRESHOLDS", 7) == 0x3d22_faff)
    #expect(bits("QS_FP4_LITERALS", 0) == 0x3b2a_aab9)
    #expect(bits("QS_FP4_LITERALS", 5) == 0x3f15_5550)
    #expect(bits("QS_DYN8_MAP", 0) == 0xbf7e_3333)
    #expect(bits("QS_DYN8_MAP", 127) == 0)
    #expect(bits("QS_DYN8_MAP", 255) == 0x3f80_0000)
  }

  @Test func int8ConstantMatches() throws {
    let header = try #require(Self.header(), "quant_kernels.h not found")
    let pattern = #/#define QS_INT8_INV127 (\S+)/#
    let c = try #require(header.firstMatch(of: pattern)).output.1
    let cuda = try #require(CUDABackend.embeddedKernelSource.firstMatch(of: pattern)).output.1
    #expect(c == cuda)
    #expect(Float(String(cuda.dropLast()))?.bitPattern == 0x3c01_0204)
  }

  @Test func sourceNeedsNoIncludes() {
    #expect(!CUDABackend.embeddedKernelSource.contains("#include"))
  }
}

// MARK: - Precompiled PTX

extension KernelSourceTests {
  /// Fails when kernels.cu changed without `python3 scripts/regen-ptx.py`.
  @Test func precompiledPTXIsFromTheCurrentSource() {
    #expect(
      CUDAPrecompiledPTX.sourceHash == CUDACompiler.sourceHash,
      "CUDAPrecompiledPTX.swift is stale: run python3 scripts/regen-ptx.py")
    #expect(CUDACompiler.precompiledImage?.isPTX == true)
  }

  /// What cuModuleLoadData gets: NUL-terminated PTX text for sm_80 and newer.
  @Test func precompiledImageIsLoadablePTX() throws {
    let image = try #require(CUDACompiler.precompiledImage)
    #expect(image.bytes.last == 0)
    #expect(image.bytes.dropLast().allSatisfy { $0 != 0 })
    #expect(CUDAPrecompiledPTX.text.contains("\n.target sm_80"))
    #expect(CUDAPrecompiledPTX.text.contains("\n.address_size 64"))
  }

  @Test func precompiledPTXHasEveryKernel() {
    for name in CUDABackend.kernelNames {
      #expect(CUDAPrecompiledPTX.text.contains(".entry \(name)("), "\(name)")
    }
  }
}
