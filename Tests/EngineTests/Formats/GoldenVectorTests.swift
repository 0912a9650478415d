import Engine
import FoundationEssentials
import Safetensors
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Every golden input through every format: codes, scales and ŵ bit for bit against
/// `golden/expected.safetensors`, metrics within 1e-9 of `golden/metrics.json` — both through
/// the whole-array reference and through the streaming CPU backend reading the checkpoint.
@Suite struct GoldenVectorTests {}

/// The golden README: re-deriving the metrics from the two safetensors files agrees to 1.7e-15;
/// 1e-9 is the project's contract for metrics (summation order only).
private let metricTolerance = 1e-9

/// fp4 values in code order (FORMATS.md §3 table; code 8 is −0.0).
private let fp4ByCode: [Float] = [
  0, 0.0052083335, 0.6666667, 1, 0.33333334, 0.5, 0.16666667, 0.25,
  -0.0, -0.0052083335, -0.6666667, -1, -0.33333334, -0.5, -0.16666667, -0.25,
]

private struct GoldenInput: Sendable, CustomTestStringConvertible {
  var name: String
  var testDescription: String { name }
}

/// The 13 inputs of `Tests/Fixtures/golden/README.md`, named here (not read from the file) so that a
/// missing or truncated fixture fails every case instead of leaving a test with no cases.
private let inputNames = [
  "odd_1001_f32", "square_64x64_f16", "straddle_96x200_bf16", "wide_3x4097_f32",
  "zero_blocks_72x64_f16", "ties_12x64_f32", "outliers_64x128_f32", "tiny_16x128_f32",
  "gauss_256x512_bf16", "ramp_4x300_f16", "small_5_f16", "edge_blocks_4x64_f32", "const_2x64_f16",
]

private func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

private func mismatches<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
  a.count != b.count ? max(a.count, b.count) : zip(a, b).filter { $0.0 != $0.1 }.count
}

private func roundedTo(_ dtype: DType, _ value: Float) -> Float {
  switch dtype {
  case .F16: Float(Float16(value))
  case .BF16: Float(bitPattern: UInt32(bfloat16Bits(value)) << 16)
  default: value
  }
}

// MARK: - metrics.json

private enum MetricValue: Decodable {
  case number(Double)
  case text(String)

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let number = try? container.decode(Double.self) {
      self = .number(number)
    } else {
      self = .text(try container.decode(String.self))
    }
  }

  var value: Double {
    switch self {
    case .number(let number): number
    case .text(let text): text == "inf" ? .infinity : (text == "-inf" ? -.infinity : .nan)
    }
  }
}

/// `metrics.json`, decoded once; a missing or malformed file fails every test that reads it.
private let goldenMetrics = Result { () throws -> [String: [String: [String: MetricValue]]] in
  let bytes = try FileContents.bytes(FixturePaths.golden + "/metrics.json")
  return try JSONDecoder().decode([String: [String: [String: MetricValue]]].self, from: Data(bytes))
}

private func expectMetrics(
  _ actual: FormatMetrics, _ expected: [String: MetricValue], _ label: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let pairs: [(String, Double)] = [
    ("mse", actual.mse), ("rmse", actual.rmse), ("max_abs_err", actual.maxAbsErr),
    ("rel_err", actual.relErr), ("sqnr_db", actual.sqnrDB), ("bits_per_param", actual.bitsPerParam),
    ("code_entropy_bits", actual.codeEntropyBits),
  ]
  for (key, value) in pairs {
    guard let want = expected[key]?.value else {
      Issue.record("\(label): metrics.json lacks \(key)", sourceLocation: sourceLocation)
      continue
    }
    let ok = value == want || abs(value - want) <= metricTolerance * max(abs(value), abs(want))
    #expect(ok, "\(label) \(key): \(value) vs golden \(want)", sourceLocation: sourceLocation)
  }
}

// MARK: - Codes, scales, ŵ

extension GoldenVectorTests {
  @Test func goldenFilesAreThere() throws {
    #expect(try GoldenFiles.inputs.names.sorted() == inputNames.sorted())
    #expect(try goldenMetrics.get().keys.sorted() == inputNames.sorted())
  }

  @Test(arguments: inputNames)
  func blockFormatsMatchBitForBit(name: String) throws {
    let inputs = try GoldenFiles.inputs
    let expected = try GoldenFiles.expected
    let info = try inputs.tensor(name)
    let values = try inputs.floats(name)
    for format in [QuantFormat.nf4, .fp4, .int4, .dyn8] {
      let result = FormatReference.roundTrip(
        format, values: values, dtype: info.dtype, shape: info.shape, blocksize: 64)
      let prefix = "\(name).\(format.rawValue)"
      #expect(
        mismatches(result.codes, try expected.bytes(prefix + ".codes")) == 0, "\(prefix) codes")
      #expect(
        mismatches(bits(result.absmax), bits(try expected.floats(prefix + ".absmax"))) == 0,
        "\(prefix) absmax")
      let codes = try expected.bytes(prefix + ".codes")
      let scales = try expected.floats(prefix + ".absmax")
      if expected.contains(prefix + ".dequant") {
        #expect(
          mismatches(bits(result.dequantized), bits(try expected.floats(prefix + ".dequant"))) == 0,
          "\(prefix) dequant")
      } else {
        // gauss_256x512_bf16: rebuild ŵ from the golden codes and scales (FORMATS.md §1).
        let table: [Float] = format == .fp4 ? fp4ByCode : format.levels
        let blocksize = format == .dyn8 ? 4096 : 64
        let rebuilt = codes.indices.map { index in
          roundedTo(info.dtype, table[Int(codes[index])] * scales[index / blocksize])
        }
        #expect(
          mismatches(bits(result.dequantized), bits(rebuilt)) == 0, "\(prefix) rebuilt dequant")
      }
    }
  }

  @Test(arguments: inputNames)
  func doubleQuantizationMatchesBitForBit(name: String) throws {
    let inputs = try GoldenFiles.inputs
    let expected = try GoldenFiles.expected
    let info = try inputs.tensor(name)
    let values = try inputs.floats(name)
    let result = FormatReference.roundTrip(
      .nf4dq, values: values, dtype: info.dtype, shape: info.shape, blocksize: 64)
    let dq = try #require(result.doubleQuantization)
    let prefix = "\(name).nf4dq"
    #expect(bits([dq.offset]) == bits(try expected.floats(prefix + ".offset")), "\(prefix) offset")
    #expect(
      mismatches(dq.qabsmax, try expected.bytes(prefix + ".qabsmax")) == 0, "\(prefix) qabsmax")
    #expect(
      mismatches(bits(dq.absmax2), bits(try expected.floats(prefix + ".absmax2"))) == 0,
      "\(prefix) absmax2")
    #expect(
      mismatches(bits(dq.absmaxHat), bits(try expected.floats(prefix + ".absmax_hat"))) == 0,
      "\(prefix) absmax_hat")
    #expect(
      mismatches(result.codes, try expected.bytes("\(name).nf4.codes")) == 0, "\(prefix) codes")
    if expected.contains(prefix + ".dequant") {
      #expect(
        mismatches(bits(result.dequantized), bits(try expected.floats(prefix + ".dequant"))) == 0,
        "\(prefix) dequant")
    } else {
      let rebuilt = result.codes.indices.map { index in
        roundedTo(
          info.dtype, QuantFormat.nf4.levels[Int(result.codes[index])] * dq.absmaxHat[index / 64])
      }
      #expect(mismatches(bits(result.dequantized), bits(rebuilt)) == 0, "\(prefix) rebuilt dequant")
    }
  }

  @Test(arguments: inputNames)
  func int8MatchesBitForBit(name: String) throws {
    let inputs = try GoldenFiles.inputs
    let expected = try GoldenFiles.expected
    let info = try inputs.tensor(name)
    guard info.shape.count >= 2 else {
      #expect(!expected.contains("\(name).int8.codes"))
      return
    }
    let values = try inputs.floats(name)
    let result = FormatReference.roundTrip(
      .int8, values: values, dtype: info.dtype, shape: info.shape, blocksize: 64)
    #expect(result.isDefined)
    #expect(
      mismatches(
        result.codes.map { Int8(bitPattern: $0) }, try expected.int8s("\(name).int8.codes")) == 0)
    #expect(mismatches(bits(result.rowmax), bits(try expected.floats("\(name).int8.rowmax"))) == 0)
    if expected.contains("\(name).int8.dequant") {
      #expect(
        mismatches(bits(result.dequantized), bits(try expected.floats("\(name).int8.dequant"))) == 0
      )
    } else {
      // gauss_256x512_bf16: ŵ = f32(f32(q · rowmax) · f32(1/127)) from the golden codes (FORMATS.md §6).
      let codes = try expected.int8s("\(name).int8.codes")
      let rowmax = try expected.floats("\(name).int8.rowmax")
      let cols = info.shape.dropFirst().reduce(1, *)
      let inverse: Float = 1 / 127
      let rebuilt = codes.indices.map { (Float(codes[$0]) * rowmax[$0 / cols]) * inverse }
      #expect(mismatches(bits(result.dequantized), bits(rebuilt)) == 0)
    }
  }
}

// MARK: - Streaming backend: metrics and outliers

extension GoldenVectorTests {
  @Test(arguments: inputNames)
  func backendMetricsAndOutliersMatch(name: String) throws {
    let inputs = try GoldenFiles.inputs
    let expected = try GoldenFiles.expected
    let info = try inputs.tensor(name)
    let golden = try #require(try goldenMetrics.get()[name])
    let settings = AnalysisSettings()
    if info.shape.count >= 2 {
      let analysis = try CPUBackend(threads: 2).analyse(
        info, in: inputs.checkpoint, settings: settings, cancel: nil, progress: nil)
      // fp4-dq has its own golden files and tests (FP4DoubleQuantGoldenTests).
      for format in QuantFormat.allCases where format != .fp4dq {
        let metrics = try #require(analysis.formats[format], "\(name) \(format)")
        expectMetrics(metrics, try #require(golden[format.rawValue]), "\(name) \(format) (backend)")
      }
      let outliers = try #require(analysis.outliers)
      #expect(
        outliers.indices.map(Int64.init) == (try expected.int64s("\(name).outlier_cols")),
        "\(name) outliers")
      #expect(analysis.params == info.elementCount)
    } else {
      // The backend reports formats for ≥ 2-D tensors only; 1-D inputs go through the reference.
      let values = try inputs.floats(name)
      for format in QuantFormat.allCases where format != .int8 && format != .fp4dq {
        let result = FormatReference.roundTrip(
          format, values: values, dtype: info.dtype, shape: info.shape, blocksize: 64)
        let metrics = FormatReference.metrics(
          format, values: values, roundTrip: result, blocksize: 64, cols: values.count)
        expectMetrics(
          metrics, try #require(golden[format.rawValue]), "\(name) \(format) (reference)")
      }
      // And the streaming kernels on the same values (in memory, formats forced on for 1-D).
      let parts = try CPUBackend.analyse(
        values: values, dtype: info.dtype, shape: info.shape, settings: settings,
        formatsForAllRanks: true)
      for format in QuantFormat.allCases where format != .int8 && format != .fp4dq {
        let metrics = try #require(parts.formats[format])
        expectMetrics(
          metrics, try #require(golden[format.rawValue]), "\(name) \(format) (streaming)")
      }
      #expect(golden["int8"] == nil)
    }
  }
}
