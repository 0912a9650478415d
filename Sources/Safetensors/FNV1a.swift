/// FNV-1a 64: the one short, stable hash behind the analysis cache's file names, the header hash,
/// the explorer's remembered-choice identity and the kernels' source and cache checks.
package enum FNV1a {
  package static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
  static let prime: UInt64 = 0x0000_0100_0000_01b3

  /// The hash of `bytes`, continuing from `hash` (the offset basis for a fresh one).
  package static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes, from hash: UInt64 = offsetBasis)
    -> UInt64
  {
    var hash = hash
    for byte in bytes {
      hash ^= UInt64(byte)
      hash = hash &* prime
    }
    return hash
  }

  /// 16 lowercase hex digits.
  package static func hex(_ hash: UInt64) -> String {
    let digits = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}
