import CQuantKernels
import TestSupport
import Testing

@testable import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// The embedded CUDA source and its table header against the C kernels they mirror; needs no GPU
/// and no NVRTC.
@Suite struct KernelSourceTests {}

// MARK: - Helpers

extension KernelSourceTests {
  /// `<package root>/Sources/CQuantKernels/include/quant_kernels.h`, read as text.
  static func header() -> String? {
    text("/Sources/CQuantKernels/include/quant_kernels.h")
  }

  /// A file of the package as text (`relative` to the package root), or nil.
  static func text(_ relative: String) -> String? {
    try? FileContents.text(FixturePaths.packageRoot + relative)
  }

  /// The embedded table header (`CUDA/quant_tables.h`) as NVRTC gets it.
  static var tableHeader: String {
    let header = CUDACompiler.headers.first { $0.includeName == "quant_tables.h" }
    return String(decoding: header?.text ?? [], as: UTF8.self)
  }

  /// Table name → its literals as written (`-0x1.647362p-1f`), for `QS_TABLE float` arrays.
  static func tables(in source: String) -> [String: [String]] {
    var tables: [String: [String]] = [:]
    let table = #/QS_TABLE float (QS_\w+)\[(\d+)\] = \{([^}]*)\};/#
    let literal = #/-?0x[0-9a-fA-F]+(\.[0-9a-fA-F]*)?p[+-]?\d+f/#
    for match in source.matches(of: table) {
      let withoutComments = match.output.3.replacing(#//\*[^*]*\*//#, with: "")
      tables[String(match.output.1)] = withoutComments.matches(of: literal).map {
        String($0.output.0)
      }
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

  /// STYLE.md: each kernel opens with a comment naming the C function it mirrors; the stored
  /// dequantization kernels name the host reader's Swift function instead (`TensorDataReader.x`,
  /// defined in Safetensors/Stored/TensorDataReader+Stored.swift).
  @Test func everyKernelNamesItsCTwin() throws {
    let header = try #require(Self.header(), "quant_kernels.h not found")
    let reader = try #require(
      Self.text("/Sources/Safetensors/Stored/TensorDataReader+Stored.swift"),
      "TensorDataReader+Stored.swift not found")
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
      let swiftTwins = comment.matches(of: #/`TensorDataReader\.(\w+)`/#).map {
        String($0.output.1)
      }
      let declared =
        twins.filter { header.contains($0 + "(") }
        + swiftTwins.filter {
          reader.contains("func \($0)(")
        }
      #expect(!declared.isEmpty, "no C twin named before: \(line)")
    }
  }
}

// MARK: - Tables

extension KernelSourceTests {
  /// The tables of quant_tables.h with their lengths (FORMATS.md §2–§5, §8).
  static let expectedTables = [
    "QS_NF4_CODEBOOK": 16, "QS_NF4_THRESHOLDS": 15, "QS_FP4_MAGNITUDES": 8,
    "QS_FP4_LITERALS": 7, "QS_INT4_LEVELS": 15, "QS_DYN8_MAP": 256, "QS_DYN8_MIDPOINTS": 255,
  ]

  /// The floats the C target compiled (imported through CQuantKernels), by table name.
  static let compiledTables: [String: [Float]] = {
    func floats<T>(_ tuple: T) -> [Float] {
      withUnsafeBytes(of: tuple) { Array($0.bindMemory(to: Float.self)) }
    }
    return [
      "QS_NF4_CODEBOOK": floats(QS_NF4_CODEBOOK), "QS_NF4_THRESHOLDS": floats(QS_NF4_THRESHOLDS),
      "QS_FP4_MAGNITUDES": floats(QS_FP4_MAGNITUDES), "QS_FP4_LITERALS": floats(QS_FP4_LITERALS),
      "QS_INT4_LEVELS": floats(QS_INT4_LEVELS), "QS_DYN8_MAP": floats(QS_DYN8_MAP),
      "QS_DYN8_MIDPOINTS": floats(QS_DYN8_MIDPOINTS),
    ]
  }()

  /// kernels.cu holds no table of its own: every table comes from the header.
  @Test func kernelSourceHoldsNoTable() {
    let source = CUDABackend.embeddedKernelSource
    let declaration = #/(__constant__|const|QS_TABLE)\s+\w+\s+(QS_\w+)\s*\[/#
    #expect(source.firstMatch(of: declaration)?.output.2 == nil, "a table declared in kernels.cu")
    let hexFloat = #/0x[0-9a-fA-F]\.[0-9a-fA-F]+p[+-]?\d+f/#
    #expect(source.firstMatch(of: hexFloat) == nil, "a hex float literal in kernels.cu")
    // The check itself finds the header's tables.
    #expect(Self.tableHeader.matches(of: declaration).count == Self.expectedTables.count)
  }

  /// The header NVRTC gets is the one the C kernels were compiled from: its literals, parsed
  /// here, are the floats the C target holds, bit for bit.
  @Test func embeddedHeaderIsTheOneTheCKernelsCompiled() throws {
    let header = Self.tables(in: Self.tableHeader)
    for (name, length) in Self.expectedTables {
      let literals = try #require(header[name], "\(name) missing from quant_tables.h")
      #expect(literals.count == length, "\(name): \(literals.count) literals")
      let parsed = literals.map { Float(String($0.dropLast()))?.bitPattern }
      #expect(!parsed.contains(nil), "\(name): unparsable literal")
      #expect(parsed == Self.compiledTables[name]?.map(\.bitPattern), "\(name)")
    }
  }

  /// Spot checks against docs/FORMATS.md hex values, independent of the header's spelling.
  @Test func tablesHoldTheSpecValues() {
    func bits(_ name: String, _ index: Int) -> UInt32? {
      guard let table = Self.compiledTables[name], index < table.count else { return nil }
      return table[index].bitPattern
    }
    #expect(bits("QS_NF4_CODEBOOK", 1) == 0xbf32_39b1)
    #expect(bits("QS_NF4_THRESHOLDS", 7) == 0x3d22_faff)
    #expect(bits("QS_FP4_LITERALS", 0) == 0x3b2a_aab9)
    #expect(bits("QS_FP4_LITERALS", 5) == 0x3f15_5550)
    #expect(bits("QS_DYN8_MAP", 0) == 0xbf7e_3333)
    #expect(bits("QS_DYN8_MAP", 127) == 0)
    #expect(bits("QS_DYN8_MAP", 255) == 0x3f80_0000)
  }

  @Test func int8ConstantHoldsTheSpecValue() throws {
    let pattern = #/#define QS_INT8_INV127 (\S+)/#
    let literal = try #require(Self.tableHeader.firstMatch(of: pattern)).output.1
    #expect(Float(String(literal.dropLast()))?.bitPattern == 0x3c01_0204)
    #expect(QS_INT8_INV127.bitPattern == 0x3c01_0204)
  }

  /// NVRTC resolves includes only from the header strings: kernels.cu includes exactly the
  /// headers handed over, and they include nothing (no CUDA or system headers).
  @Test func includesAreTheHandedOverHeaders() {
    let includes = CUDABackend.embeddedKernelSource.matches(of: #/#include "([^"]+)"/#)
      .map { String($0.output.1) }
    #expect(includes == CUDACompiler.headers.map(\.includeName))
    #expect(!CUDABackend.embeddedKernelSource.contains("#include <"))
    for header in CUDACompiler.headers {
      let text = String(decoding: header.text, as: UTF8.self)
      let include = #/(?m)^\s*#\s*include/#
      #expect(text.firstMatch(of: include) == nil, "\(header.includeName) includes a file")
    }
  }
}

// MARK: - Precompiled PTX

extension KernelSourceTests {
  /// Fails when kernels.cu or quant_tables.h changed without `python3 scripts/regen-ptx.py`.
  @Test func precompiledPTXIsFromTheCurrentSource() {
    #expect(
      CUDAPrecompiledPTX.sourceHash == CUDACompiler.sourceHash,
      "Generated/CUDAPrecompiledPTX.swift is stale: run python3 scripts/regen-ptx.py")
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
