#if canImport(Glibc)
  import Glibc
#endif

/// Deterministic pseudo-random data for property tests: `SplitMix64` plus Box–Muller.
public struct SeededData {
  private var generator: SplitMix64

  public init(seed: UInt64) { generator = SplitMix64(seed: seed) }

  public mutating func next() -> UInt64 { generator.next() }

  /// Uniform in [0, 1).
  public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// N(0, sigma²) as float32.
  public mutating func gaussian(_ sigma: Double = 1) -> Float {
    let u = max(uniform(), 1e-300)
    let v = uniform()
    return Float((-2 * log(u)).squareRoot() * cos(2 * Double.pi * v) * sigma)
  }

  /// `count` values: mostly N(0, sigma²), with some exact zeros and a few large outliers.
  public mutating func weights(_ count: Int, sigma: Double = 0.02) -> [Float] {
    (0..<count).map { _ in
      let pick = uniform()
      if pick < 0.02 { return 0 }
      if pick < 0.03 { return gaussian(sigma * 300) }
      return gaussian(sigma)
    }
  }
}
