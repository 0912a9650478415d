/// Places values between the best and the worst in view, for heat cells.
public struct HeatScale: Sendable, Hashable {
  public var best: Double
  public var worst: Double

  /// A scale over the finite values of `values` (lower is better unless `higherIsBetter`).
  public init(values: [Double], higherIsBetter: Bool = false) {
    let finite = values.filter(\.isFinite)
    let low = finite.min() ?? 0
    let high = finite.max() ?? 0
    best = higherIsBetter ? high : low
    worst = higherIsBetter ? low : high
  }

  public init(best: Double, worst: Double) {
    self.best = best
    self.worst = worst
  }

  /// 0 (best) ... 1 (worst); non-finite values count as worst, a flat scale as best.
  public func position(_ value: Double) -> Double {
    guard value.isFinite else { return 1 }
    let span = worst - best
    guard span != 0 && span.isFinite else { return 0 }
    return max(0, min(1, (value - best) / span))
  }

  /// The style of a heat cell for `value`.
  public func style(_ value: Double) -> CellStyle { .heat(position(value)) }

  /// The shade glyph that stands for `position` without colour: ░ ▒ ▓ █ from best to worst.
  public static func shade(_ position: Double) -> Character {
    let glyphs: [Character] = ["░", "▒", "▓", "█"]
    let clamped = position.isFinite ? max(0, min(1, position)) : 1
    return glyphs[min(3, Int(clamped * 4))]
  }
}
