#if canImport(Glibc)
import Glibc
#endif

/// Deterministic pseudo-random data for property tests (SplitMix64 + Box–Muller).
struct SeededData {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1).
  mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// N(0, sigma²) as float32.
  mutating func gaussian(_ sigma: Double = 1) -> Float {
    let u = max(uniform(), 1e-300)
    let v = uniform()
    return Float((-2 * log(u)).squareRoot() * cos(2 * Double.pi * v) * sigma)
  }

  /// `count` values: mostly N(0, sigma²), with some exact zeros and a few large outliers.
  mutating func weights(_ count: Int, sigma: Double = 0.02) -> [Float] {
    (0..<count).map { _ in
      let pick = uniform()
      if pick < 0.02 { return 0 }
      if pick < 0.03 { return gaussian(sigma * 300) }
      return gaussian(sigma)
    }
  }
}
