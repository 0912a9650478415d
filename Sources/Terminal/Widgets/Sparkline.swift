/// One row of eighth-block bars (▁…█): code usage, small profiles.
public enum Sparkline {
  /// The bars of `values` resampled to `width` characters, scaled to the largest value. Zero is
  /// blank; any non-zero value shows at least ▁.
  public static func text(_ values: [Double], width: Int) -> String {
    let bars = HistogramPlot.resampleMax(values, to: width)
    let top = bars.filter(\.isFinite).max() ?? 0
    return String(
      bars.map { value -> Character in
        guard value > 0 && top > 0 && top.isFinite else { return " " }
        guard value.isFinite else { return "█" }
        return HistogramPlot.block(max(1, Int((value / top * 8).rounded())))
      })
  }
}
