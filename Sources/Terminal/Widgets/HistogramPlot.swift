/// A bar plot of non-negative values in a rectangle, with sub-cell resolution: Braille (2×4 dots
/// per cell) or eighth blocks (1×8 per cell).
public struct HistogramPlot: Sendable {
  /// How finely one cell is divided.
  public enum Resolution: Sendable, Hashable {
    /// 2 bars per column, 4 steps per row (U+2800 Braille patterns).
    case braille
    /// 1 bar per column, 8 steps per row (▁…█).
    case blocks

    var barsPerCell: Int { self == .braille ? 2 : 1 }
    var stepsPerCell: Int { self == .braille ? 4 : 8 }
  }

  /// Bar heights (≥ 0), resampled to the plot's width.
  public var values: [Double]
  public var resolution: Resolution
  public var style: CellStyle
  /// The value drawn at full height (default: the largest value). Larger values are clipped.
  public var ceiling: Double?

  public init(
    values: [Double], resolution: Resolution = .braille, style: CellStyle = CellStyle(.histogram),
    ceiling: Double? = nil
  ) {
    self.values = values
    self.resolution = resolution
    self.style = style
    self.ceiling = ceiling
  }

  /// Draws the plot with its bottom row at `y + height - 1`. A non-zero value always shows at
  /// least one step, so thin tails stay visible.
  public func draw(into canvas: inout Canvas, x: Int, y: Int, width: Int, height: Int) {
    guard width > 0 && height > 0 else { return }
    let bars = HistogramPlot.resample(values, to: width * resolution.barsPerCell)
    let top = ceiling ?? (bars.filter(\.isFinite).max() ?? 0)
    let totalSteps = height * resolution.stepsPerCell
    let steps: [Int] = bars.map { value in
      guard top > 0 && top.isFinite && value > 0 else { return 0 }
      guard value.isFinite else { return totalSteps }
      return max(1, min(totalSteps, Int((value / top * Double(totalSteps)).rounded())))
    }
    for column in 0..<width {
      for row in 0..<height {
        // Steps below this cell's bottom edge.
        let base = (height - 1 - row) * resolution.stepsPerCell
        let character: Character
        switch resolution {
        case .blocks:
          character = HistogramPlot.block(steps[column] - base)
        case .braille:
          character = HistogramPlot.braille(
            left: steps[column * 2] - base, right: steps[column * 2 + 1] - base)
        }
        if character != " " { canvas.set(character, x: x + column, y: y + row, style: style) }
      }
    }
  }

  /// The eighth block for `filled` steps of 8 in one cell (≤ 0: blank, ≥ 8: full).
  public static func block(_ filled: Int) -> Character {
    let glyphs: [Character] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    return glyphs[max(0, min(8, filled))]
  }

  /// The Braille cell with the bottom `left` and `right` dots of 4 raised in each column.
  public static func braille(left: Int, right: Int) -> Character {
    // Dot bits from the bottom up: left column 7, 3, 2, 1; right column 8, 6, 5, 4.
    let leftBits: [UInt32] = [0x40, 0x04, 0x02, 0x01]
    let rightBits: [UInt32] = [0x80, 0x20, 0x10, 0x08]
    var pattern: UInt32 = 0
    for step in 0..<4 {
      if step < left { pattern |= leftBits[step] }
      if step < right { pattern |= rightBits[step] }
    }
    if pattern == 0 { return " " }
    return Character(Unicode.Scalar(0x2800 + pattern) ?? " ")
  }

  /// Resamples `values` to `count` bars: each bar is the mean of the values it covers (a value
  /// covering several bars is repeated), so densities keep their shape.
  ///
  /// - Complexity: O(values.count + count).
  public static func resample(_ values: [Double], to count: Int) -> [Double] {
    guard count > 0 else { return [] }
    guard !values.isEmpty else { return Array(repeating: 0, count: count) }
    if values.count == count { return values }
    return (0..<count).map { bar in
      let start = bar * values.count / count
      let end = max(start + 1, (bar + 1) * values.count / count)
      let slice = values[start..<min(end, values.count)]
      return slice.reduce(0, +) / Double(slice.count)
    }
  }

  /// Resamples `values` to `count` bars keeping each bar's maximum (peaks never disappear).
  public static func resampleMax(_ values: [Double], to count: Int) -> [Double] {
    guard count > 0 else { return [] }
    guard !values.isEmpty else { return Array(repeating: 0, count: count) }
    return (0..<count).map { bar in
      let start = bar * values.count / count
      let end = max(start + 1, (bar + 1) * values.count / count)
      return values[start..<min(end, values.count)].max() ?? 0
    }
  }
}
