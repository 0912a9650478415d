import Engine
import FoundationEssentials
import Safetensors
import TestSupport
import Testing

/// fp4-dq (FORMATS.md §4: nf4-dq's second level over fp4's block scales) against
/// `golden/expected_fp4dq.safetensors` and `metrics_fp4dq.json`, built from the engine's pieces: fp4's
/// codes and scales, and the second level the engine runs for nf4-dq (the block scales of nf4 and
/// fp4 are the same absmax values). The engine has no fp4-dq format yet; these tests pin down what
/// one must produce.
@Suite struct FP4DoubleQuantGoldenTests {}

/// The 13 golden inputs, named so that a missing fixture fails every case.
private let inputNames = [
  "odd_1001_f32", "square_64x64_f16", "straddle_96x200_bf16", "wide_3x4097_f32",
  "zero_blocks_72x64_f16", "ties_12x64_f32", "outliers_64x128_f32", "tiny_16x128_f32",
  "gauss_256x512_bf16", "ramp_4x300_f16", "small_5_f16", "edge_blocks_4x64_f32", "const_2x64_f16",
]

/// fp4 levels by code, as the CUDA decoder yields them (code 8 is −0.0; FORMATS.md §3).
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
  @Test func fixtureCoversEveryInput() throws {
    let expected = try expectedFP4DQ.get()
    for name in inputNames {
      #expect(expected.contains("\(name).fp4dq.absmax_hat"), "\(name)")
    }
    #expect(try metricsFP4DQ.get().keys.sorted() == inputNames.sorted())
  }

  @Test(arguments: inputNames)
  func scalesCodesAndDequantMatch(name: String) throws {
    let inputs = try GoldenFiles.inputs
    let expected = try expectedFP4DQ.get()
    let info = try inputs.tensor(name)
    let values = try inputs.floats(name)
    let fp4 = FormatReference.roundTrip(
      .fp4, values: values, dtype: info.dtype, shape: info.shape, blocksize: 64)
    let nf4dq = FormatReference.roundTrip(
      .nf4dq, values: values, dtype: info.dtype, shape: info.shape, blocksize: 64)
    let second = try #require(nf4dq.doubleQuantization)
    #expect(bits(fp4.absmax) == bits(nf4dq.absmax), "fp4 and nf4 share their block scales")

    let prefix = "\(name).fp4dq"
    #expect(bits([second.offset]) == bits(try expected.floats(prefix + ".offset")), "offset")
    #expect(second.qabsmax == (try expected.bytes(prefix + ".qabsmax")), "qabsmax")
    #expect(bits(second.absmax2) == bits(try expected.floats(prefix + ".absmax2")), "absmax2")
    #expect(
      bits(second.absmaxHat) == bits(try expected.floats(prefix + ".absmax_hat")), "absmax_hat")

    // ŵ = fp4 level × reconstructed scale, rounded to the tensor's dtype.
    let dequantized = fp4.codes.indices.map { index in
      roundedTo(info.dtype, fp4ByCode[Int(fp4.codes[index])] * second.absmaxHat[index / 64])
    }
    if expected.contains(prefix + ".dequant") {
      #expect(bits(dequantized) == bits(try expected.floats(prefix + ".dequant")), "dequant")
    } else {
      #expect(name == "gauss_256x512_bf16", "only the large input leaves out .dequant")
    }

    let roundTrip = FormatRoundTrip(
      codes: fp4.codes, absmax: fp4.absmax, dequantized: dequantized, doubleQuantization: second,
      isDefined: true)
    let cols = info.shape.count >= 2 ? values.count / info.shape[0] : values.count
    // nf4-dq and fp4-dq share bits per parameter and a 16-bin code histogram.
    let metrics = FormatReference.metrics(
      .nf4dq, values: values, roundTrip: roundTrip, blocksize: 64, cols: cols)
    let golden = try #require(try metricsFP4DQ.get()[name]?["fp4-dq"])
    let pairs: [(String, Double)] = [
      ("mse", metrics.mse), ("rmse", metrics.rmse), ("max_abs_err", metrics.maxAbsErr),
      ("rel_err", metrics.relErr), ("sqnr_db", metrics.sqnrDB),
      ("bits_per_param", metrics.bitsPerParam),
      ("code_entropy_bits", metrics.codeEntropyBits),
    ]
    for (key, value) in pairs {
      let want = try #require(golden[key]?.value, "metrics_fp4dq.json lacks \(key)")
      let close = value == want || abs(value - want) <= 1e-9 * max(abs(value), abs(want))
      #expect(close, "\(key): \(value) vs golden \(want)")
    }
  }
}
