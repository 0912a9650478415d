#if canImport(Glibc)
  import Glibc
#endif

/// The FORMATS.md §9 formulas from the float64 sums: one place, shared by every backend and the reference.
enum MetricsMath {
  /// Builds the metrics from Σe², Σw², max |e| and the code counts over `elements` elements.
  static func finish(
    sumSquaredError: Double, sumSquaredWeight: Double, maxAbsErr: Double, counts: [UInt64],
    elements: Int, bitsPerParam: Double
  ) -> FormatMetrics {
    let n = Double(elements)
    let mse = elements > 0 ? sumSquaredError / n : 0
    let relErr =
      sumSquaredError == 0 ? 0 : sumSquaredError.squareRoot() / sumSquaredWeight.squareRoot()
    let sqnr =
      sumSquaredError == 0 ? Double.infinity : 10 * log10(sumSquaredWeight / sumSquaredError)
    var entropy = 0.0
    if elements > 0 {
      for count in counts where count > 0 {
        let p = Double(count) / n
        entropy -= p * log2(p)
      }
    }
    return FormatMetrics(
      mse: mse, rmse: mse.squareRoot(), maxAbsErr: maxAbsErr, relErr: relErr, sqnrDB: sqnr,
      bitsPerParam: bitsPerParam, codeEntropyBits: entropy, codeCounts: counts,
      sumSquaredError: sumSquaredError, sumSquaredWeight: sumSquaredWeight)
  }

  /// NaN metrics: the tensor holds NaN/±inf (FORMATS.md §1) or the format is undefined for it (int8 with
  /// an fp16 overflow, FORMATS.md §6).
  static func undefined(format: QuantFormat, bitsPerParam: Double) -> FormatMetrics {
    FormatMetrics(
      mse: .nan, rmse: .nan, maxAbsErr: .nan, relErr: .nan, sqnrDB: .nan,
      bitsPerParam: bitsPerParam,
      codeEntropyBits: .nan, codeCounts: [UInt64](repeating: 0, count: format.codeBinCount),
      sumSquaredError: .nan, sumSquaredWeight: .nan)
  }
}
