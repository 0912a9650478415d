/// SplitMix64 (Steele, Lea & Flood 2014): the package's one seeded random number generator.
///
/// Small, fast and reproducible on every platform: the same seed gives the same stream, so the
/// demo checkpoint is byte-identical from run to run and tests see the same data every time. The
/// samplers the synthetic checkpoints need are in `SplitMix64+Samplers.swift`.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  public private(set) var state: UInt64

  public init(seed: UInt64) { state = seed }

  /// A seed for item `index` of a stream seeded with `seed`: streams of different items are
  /// independent, so each tensor can be generated on its own, in any order.
  public static func derivedSeed(_ seed: UInt64, _ index: Int) -> UInt64 {
    var mixer = SplitMix64(
      seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
    return mixer.next()
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
