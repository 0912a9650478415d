import Engine
import Safetensors
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Model totals: param-weighted rel_err and mse, the SQNR of that rel_err, memory with kept
/// tensors and integer buffers, and no score at all over no tensor.
@Suite struct ModelTotalsTests {
  private static func tensor(_ name: String, _ dtype: DType, _ shape: [Int]) -> TensorInfo {
    let count = shape.reduce(1, *)
    return TensorInfo(
      name: name, dtype: dtype, shape: shape, fileIndex: 0, fileOffset: 0,
      byteCount: UInt64(count * (dtype == .I64 ? 8 : 2)))
  }

  /// An analysis whose nf4 rel_err is `rel` (and Σw² = params, so Σe² = rel²·params).
  private static func analysis(_ info: TensorInfo, rel: Double) -> TensorAnalysis {
    let params = info.elementCount
    let metrics = FormatMetrics(
      mse: rel * rel, rmse: rel, maxAbsErr: rel, relErr: rel, sqnrDB: -20 * log10(rel),
      bitsPerParam: 4.5,
      codeEntropyBits: 3.5, codeCounts: [UInt64](repeating: 0, count: 16),
      sumSquaredError: rel * rel * Double(params), sumSquaredWeight: Double(params))
    return TensorAnalysis(
      name: info.name, dtype: info.dtype, shape: info.shape, params: params, quantizable: true,
      stats: TensorStats(
        min: -1, max: 1, mean: 0, std: 1, absmax: 1, zeros: 0, nans: 0, infinities: 0),
      histogram: Histogram(lo: -1, hi: 1, counts: [UInt64(params)]),
      normalizedHistogram: Histogram(lo: -1, hi: 1, counts: [UInt64(params)]), outliers: nil,
      formats: [.nf4: metrics])
  }

  @Test func paramWeightedErrorsAndTheirSQNR() throws {
    let small = Self.tensor("layers.0.q_proj.weight", .BF16, [64, 64])  // 4,096 params, rel 0.3
    let large = Self.tensor("layers.0.up_proj.weight", .BF16, [192, 64])  // 12,288 params, rel 0.1
    let ids = Self.tensor("position_ids", .I64, [1, 8])
    let settings = AnalysisSettings(formats: [.nf4])
    let totals = ModelTotals(
      tensors: [small, large, ids],
      analyses: [Self.analysis(small, rel: 0.3), Self.analysis(large, rel: 0.1), nil],
      settings: settings)
    let nf4 = try #require(totals.formats[.nf4])
    #expect(nf4.tensors == 2 && nf4.params == 16_384)
    #expect(abs(nf4.relErr - (4096 * 0.3 + 12_288 * 0.1) / 16_384) < 1e-15)
    #expect(abs(nf4.sqnrDB - -20 * log10(nf4.relErr)) < 1e-12)
    #expect(abs(nf4.mse - (4096 * 0.09 + 12_288 * 0.01) / 16_384) < 1e-15)
    // 16-bit: the floating tensors at 2 bytes per param, the I64 buffer as stored (64 bytes).
    #expect(totals.bytes16 == 16_384 * 2 + 64)
    #expect(totals.quantizableParams == 16_384)
    // Keeping the small tensor in 16-bit adds its 16-bit size minus its nf4 size.
    let nf4Bytes = totals.memoryBytes(format: .nf4, keeping: [])
    let kept = totals.memoryBytes(format: .nf4, keeping: [small.name])
    #expect(kept - nf4Bytes == 4096 * 2 - 4096 * 9 / 16)
  }

  @Test func noTensorGivesNoScore() throws {
    let norm = Self.tensor("model.norm.weight", .BF16, [64])
    let totals = ModelTotals(
      tensors: [norm], analyses: [nil], settings: AnalysisSettings(formats: [.nf4]))
    let nf4 = try #require(totals.formats[.nf4])
    #expect(
      nf4.tensors == 0 && nf4.relErr.isNaN && nf4.sqnrDB.isNaN && nf4.mse.isNaN
        && nf4.bitsPerParam.isNaN)
    #expect(nf4.bytes == 128 && totals.bytes16 == 128)
  }
}
