extension QuantFormat {
  /// The decoded level values on [−1, 1], ascending and distinct: what the TUI draws over
  /// histograms.
  ///
  /// nf4 / nf4-dq: the 16 nf4 values; fp4 / fp4-dq: its 15 distinct values (±0 once); int4: (c − 7)/7 for
  /// c = 0...14; dyn8: the 256 map entries; int8: q/127 for q = −127...127.
  public var levels: [Float] {
    switch self {
    case .nf4, .nf4dq: Codebooks.nf4
    case .fp4, .fp4dq:
      Array(Set(Codebooks.fp4.map { $0 == 0 ? 0 : $0 })).sorted()
    case .int4: Codebooks.int4
    case .dyn8: Codebooks.dyn8
    case .int8: (-127...127).map { Float($0) / 127 }
    }
  }

  /// The block size this format uses under `settings` (dyn8: always 4096; int8: per row, 0).
  public func effectiveBlocksize(_ blocksize: Int) -> Int {
    switch self {
    case .nf4, .nf4dq, .fp4, .fp4dq, .int4: blocksize
    case .dyn8: 4096
    case .int8: 0
    }
  }

  /// Block sizes accepted for nf4, nf4-dq, fp4, fp4-dq and int4 (FORMATS.md §1): powers of two 32...4096.
  public static func isValidBlocksize(_ blocksize: Int) -> Bool {
    blocksize >= 32 && blocksize <= 4096 && blocksize & (blocksize - 1) == 0
  }
}
