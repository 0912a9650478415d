import CQuantKernels
import Engine
import FoundationEssentials
import Safetensors
import TestSupport
import Testing

/// fp4-dq (FORMATS.md §4 over fp4's block scales) against `golden/expected_fp4dq.safetensors` and
/// `metrics_fp4dq.json` (bitsandbytes 0.50.2, `quantize_4bit(quant_type="fp4",
/// compress_statistics=True)`; scripts/make-golden.py): the whole-array reference
/// (`FormatReference.roundTrip(.fp4dq, …)`) bit for bit, and the streaming CPU backend on every
/// kernel tier against the golden metrics. The emulated CUDA backend runs the same checks in
/// `CUDAEmulatedParityTests`.
@Suite struct FP4DoubleQuantGoldenTests {}

/// The 13 golden inputs, named so that a missing fixture fails every case.
let fp4DoubleQuantInputNames = [
  "odd_1001_f32", "square_64x64_f16", "straddle_96x200_bf16", "wide_3x4097_f32",
  "zero_blocks_72x64_f16", "ties_12x64_f32", "outliers_64x128_f32", "tiny_16x128_f32",
  "gauss_256x512_bf16", "ramp_4x300_f16", "small_5_f16", "edge_blocks_4x64_f32", "const_2x64_f16",
]

/// fp4 levels by code as the CUDA decoder yields them (code 8 is −0.0; FORMATS.md §3), written
/// out here so that ŵ can be rebuilt from the golden scales without the engine's tables.
private let fp4ByCode: [Float] = [
  0, 0.0052083335, 0.6666667, 1, 0.33333334, 0.5, 0.16666667, 0.25,
  -0.0, -0.0052083335, -0.6666667, -1, -0.33333334, -0.5, -0.16666667, -0.25,
]

private let expectedFP4DQ = Result { () throws(SafetensorsError) in
  try GoldenFiles(path: FixturePaths.golden + "/expected_fp4dq.safetensors")
}

/// `metrics_fp4dq.json`: input → "fp4-dq" → metric → number (or "inf").
private let metricsFP4DQ = Result { () throws -> [String: [String: [String: MetricNumber]]] in
  let bytes = try FileContents.bytes(FixturePaths.golden + "/metrics_fp4dq.json")
  return try JSONDecoder().decode(
    [String: [String: [String: MetricNumber]]].self, from: Data(bytes))
}

/// A metric as JSON holds it: a number, or the strings "inf" / "-inf".
private struct MetricNumber: Decodable {
  var value: Double

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let number = try? container.decode(Double.self) {
      value = number
    } else {
      let text = try container.decode(String.self)
      value = text == "inf" ? .infinity : (text == "-inf" ? -.infinity : .nan)
    }
  }
}

private func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

private func roundedTo(_ dtype: DType, _ value: Float) -> Float {
  switch dtype {
  case .F16: Float(Float16(value))
  case .BF16: Float(bitPattern: UInt32(bfloat16Bits(value)) << 16)
  default: value
  }
}

extension FP4DoubleQuantGoldenTests {
  /// Compares `metrics` with the golden fp4-dq metrics of `name` (1e-9 relative: summation order
  /// only, as for the other formats).
  static func expectGoldenMetrics(
    _ metrics: FormatMetrics, name: String, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let golden = try #require(
      try metricsFP4DQ.get()[name]?["fp4-dq"], sourceLocation: sourceLocation)
    let pairs: [(String, Double)] = [
      ("mse", metrics.mse), ("rmse", metrics.rmse), ("max_abs_err", metrics.maxAbsErr),
      ("rel_err", metrics.relErr), ("sqnr_db", metrics.sqnrDB),
      ("bits_per_param", metrics.bitsPerParam),
      ("code_entropy_bits", metrics.codeEntropyBits),
    ]
    for (key, value) in pairs {
      let want = try #require(
        golden[key]?.value, "metrics_fp4dq.json lacks \(key)", sourceLocation: sourceLocation)
      let close = value == want || abs(value - want) <= 1e-9 * max(abs(value), abs(want))
      #expect(
        close, "\(label) \(name) \(key): \(value) vs golden \(want)",
        sourceLocation: sourceLocation)
    }
  }

  /// The golden second level of `name`: qabsmax and absmax_hat (what `CUDABackend.codes` returns
  /// for fp4-dq).
  static func goldenSecondLevel(_ name: String) throws -> (qabsmax: [UInt8], absmaxHat: [Float]) {
    let expected = try expectedFP4DQ.get()
    return (
      try expected.bytes("\(name).fp4dq.qabsmax"), try expected.floats("\(name).fp4dq.absmax_hat")
    )
  }

  @Test func fixtureCoversEveryInput() throws {
    let expected = try expectedFP4DQ.get()
    for name in fp4DoubleQuantInputNames {
      #expect(expected.contains("\(name).fp4dq.absmax_hat"), "\(name)")
    }
    #expect(try metricsFP4DQ.get().keys.sorted() == fp4DoubleQuantInputNames.sorted())
  }

  /// The engine's fp4-dq round trip: fp4's codes and first-level scales, the second level and ŵ,
  /// all bit for bit; the metrics within 1e-9.
  @Test(arguments: fp4DoubleQuantInputNames)
  func referenceMatchesBitForBit(name: String) throws {
    let inputs = try GoldenFiles.inputs
    let expected = try expectedFP4DQ.get()
    let info = try inputs.tensor(name)
    let values = try inputs.floats(name)
    let result = FormatReference.roundTrip(
      .fp4dq, values: values, dtype: info.dtype, shape: info.shape, blocksize: 64)
    let second = try #require(result.doubleQuantization, "fp4-dq has a second level")

    // The first level is fp4's (codes and exact block maxima in expected.safetensors).
    let golden = try GoldenFiles.expected
    #expect(result.codes == (try golden.bytes("\(name).fp4.codes")), "codes")
    #expect(bits(result.absmax) == bits(try golden.floats("\(name).fp4.absmax")), "absmax")

    let prefix = "\(name).fp4dq"
    #expect(bits([second.offset]) == bits(try expected.floats(prefix + ".offset")), "offset")
    #expect(second.qabsmax == (try expected.bytes(prefix + ".qabsmax")), "qabsmax")
    #expect(bits(second.absmax2) == bits(try expected.floats(prefix + ".absmax2")), "absmax2")
    #expect(
      bits(second.absmaxHat) == bits(try expected.floats(prefix + ".absmax_hat")), "absmax_hat")

    if expected.contains(prefix + ".dequant") {
      #expect(bits(result.dequantized) == bits(try expected.floats(prefix + ".dequant")), "dequant")
    } else {
      #expect(name == "gauss_256x512_bf16", "only the large input leaves out .dequant")
      // ŵ = fp4 level × golden reconstructed scale, rounded to the dtype.
      let goldenHat = try expected.floats(prefix + ".absmax_hat")
      let rebuilt = result.codes.indices.map { index in
        roundedTo(info.dtype, fp4ByCode[Int(result.codes[index])] * goldenHat[index / 64])
      }
      #expect(bits(result.dequantized) == bits(rebuilt), "dequant from the golden scales")
    }

    let cols = info.shape.count >= 2 ? values.count / info.shape[0] : values.count
    let metrics = FormatReference.metrics(
      .fp4dq, values: values, roundTrip: result, blocksize: 64, cols: cols)
    try Self.expectGoldenMetrics(metrics, name: name, "reference")
  }

  /// The streaming CPU backend (one worker on the calling thread, so the tier cap applies) on the
  /// scalar, AVX2 and best tiers, with fp4-dq alone and with every format (the fused sweep).
  @Test(arguments: fp4DoubleQuantInputNames)
  func streamingBackendMatchesOnEveryTier(name: String) throws {
    let inputs = try GoldenFiles.inputs
    let info = try inputs.tensor(name)
    let values = try inputs.floats(name)
    defer { qs_set_tier_cap(QS_TIER_BEST) }
    for (tier, cap) in [("scalar", QS_TIER_SCALAR), ("avx2", QS_TIER_AVX2), ("best", QS_TIER_BEST)] {
      qs_set_tier_cap(cap)
      for formats in [[QuantFormat.fp4dq], QuantFormat.allCases] {
        let parts = try CPUBackend.analyse(
          values: values, dtype: info.dtype, shape: info.shape,
          settings: AnalysisSettings(formats: formats), threads: 1, segmentElements: 4096,
          formatsForAllRanks: true)
        let metrics = try #require(parts.formats[.fp4dq])
        try Self.expectGoldenMetrics(metrics, name: name, "\(tier) \(formats.count) formats")
      }
    }
  }

  /// The backend reading the golden checkpoint (≥ 2-D inputs; 2 threads).
  @Test func checkpointBackendMatches() throws {
    let inputs = try GoldenFiles.inputs
    let backend = CPUBackend(threads: 2)
    var checked = 0
    for name in fp4DoubleQuantInputNames {
      let info = try inputs.tensor(name)
      guard info.shape.count >= 2 else { continue }
      let analysis = try backend.analyse(
        info, in: inputs.checkpoint, settings: AnalysisSettings(), cancel: nil, progress: nil)
      try Self.expectGoldenMetrics(try #require(analysis.formats[.fp4dq]), name: name, "backend")
      checked += 1
    }
    #expect(checked == 11, "the 2-D golden inputs")
  }
}
