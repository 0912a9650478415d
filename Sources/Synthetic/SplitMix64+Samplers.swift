#if canImport(Glibc)
  import Glibc
#endif

/// The samplers the synthetic checkpoints draw from.
extension SplitMix64 {
  /// Uniform in [0, 1) with 53 random bits.
  mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// Uniform in [0, 1) as a Float, with 24 random bits.
  mutating func unitFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

  /// Uniform integer in 0..<bound (bound > 0; the tiny modulo bias is irrelevant here).
  mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }

  /// A pair of Student-t samples with ν = 5 (Bailey's polar method, Math. Comp. 62, 1994):
  /// heavier tails than a Gaussian, as trained weights have. Variance ν/(ν−2) = 5/3.
  ///
  /// Both coordinates of one accepted point are used; they are uncorrelated (not independent),
  /// which does not matter for synthetic weights and halves the `pow` calls.
  mutating func studentT5Pair() -> (Double, Double) {
    while true {
      let u = 2 * unit() - 1
      let v = 2 * unit() - 1
      let w = u * u + v * v
      guard w < 1, w > 0 else { continue }
      let factor = (5 * (pow(w, -0.4) - 1) / w).squareRoot()
      return (u * factor, v * factor)
    }
  }

  /// A pair of independent N(0, 1) samples (Box–Muller).
  mutating func gaussianPair() -> (Double, Double) {
    let radius = (-2 * log(1 - unit())).squareRoot()
    let angle = 2 * Double.pi * unit()
    return (radius * cos(angle), radius * sin(angle))
  }
}

/// Standard deviation of Student-t with ν = 5: √(5/3).
let studentT5StandardDeviation = (5.0 / 3.0).squareRoot()
