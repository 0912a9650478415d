import CQuantKernels
import Engine
import Safetensors
import TestSupport
import Testing

/// Every fast tier equals its `_ref` twin bit for bit, and the reference kernels keep the spec's
/// invariants (idempotence, nearest level, tie rules) on seeded random data.
@Suite struct KernelTierTests {}

private let blockFormats: [(QuantFormat, qs_block_format)] = [
  (.nf4, QS_BLOCK_NF4), (.fp4, QS_BLOCK_FP4), (.int4, QS_BLOCK_INT4), (.dyn8, QS_BLOCK_DYN8),
]
/// The fast tiers each test compares with `_ref` (the dispatcher picks the best one the CPU has;
/// the cap is per thread, so parallel tests don't interfere).
private let fastTiers: [(String, Int32)] = [("avx2", QS_TIER_AVX2), ("best", QS_TIER_BEST)]

/// Runs `body` once under each fast tier cap, then restores the best tier.
private func forEachTier(_ body: (String) -> Void) {
  for (name, cap) in fastTiers {
    qs_set_tier_cap(cap)
    body(name)
  }
  qs_set_tier_cap(QS_TIER_BEST)
}

private let dtypes: [(DType, qs_dtype)] = [
  (.F32, QS_DTYPE_F32), (.F16, QS_DTYPE_F16), (.BF16, QS_DTYPE_BF16),
]

/// Bits of every field of an accumulator (sums compared as bit patterns; NaN-free inputs).
private func fingerprint(_ acc: qs_error_acc) -> [UInt64] {
  var out = [acc.sum_sq_err.bitPattern, acc.max_abs_err.bitPattern]
  withUnsafeBytes(of: acc.counts) { out += $0.bindMemory(to: UInt64.self) }
  return out
}

private func absmaxes(_ values: [Float], blocksize: Int) -> [Float] {
  stride(from: 0, to: values.count, by: blocksize).map { begin in
    values[begin..<min(begin + blocksize, values.count)].reduce(Float(0)) { max($0, abs($1)) }
  }
}

extension KernelTierTests {
  /// Lengths 0 ... 3 blocks + 1 around every block size, and longer random ones.
  static let lengths: [Int] = [
    0, 1, 2, 3, 7, 8, 9, 31, 32, 33, 63, 64, 65, 127, 128, 129, 193, 4095, 4096, 4097, 12289, 20000,
  ]

  @Test(arguments: [32, 64, 256, 4096])
  func blockErrorTiersEqualReference(blocksize: Int) {
    var data = SeededData(seed: UInt64(blocksize))
    for length in Self.lengths {
      let values = data.weights(length)
      for (format, cFormat) in blockFormats {
        let bs = format == .dyn8 ? 4096 : blocksize
        let scales = absmaxes(values, blocksize: bs)
        for (dtype, cDtype) in dtypes {
          var reference = qs_error_acc()
          qs_block_error_ref(cFormat, values, length, 0, bs, scales, cDtype, &reference)
          forEachTier { tier in
            var fast = qs_error_acc()
            qs_block_error(cFormat, values, length, 0, bs, scales, cDtype, &fast)
            #expect(
              fingerprint(reference) == fingerprint(fast),
              "\(tier) \(format) \(dtype) n=\(length) bs=\(bs)")
          }
        }
      }
    }
  }

  @Test(arguments: [QuantFormat.nf4, .fp4])
  func formatAndDoubleQuantTiersEqualReference(format: QuantFormat) {
    var data = SeededData(seed: format == .nf4 ? 7 : 17)
    let reference = format == .nf4 ? qs_nf4_error_ref : qs_fp4_error_ref
    let dispatched = format == .nf4 ? qs_nf4_error : qs_fp4_error
    for length in Self.lengths {
      let values = data.weights(length)
      let scales = absmaxes(values, blocksize: 64)
      let hats = scales.map { $0 * 1.01 }
      for (dtype, cDtype) in dtypes {
        var expected = (qs_error_acc(), qs_error_acc())
        reference(values, length, 0, 64, scales, hats, cDtype, &expected.0, &expected.1)
        forEachTier { tier in
          var fast = (qs_error_acc(), qs_error_acc())
          dispatched(values, length, 0, 64, scales, hats, cDtype, &fast.0, &fast.1)
          #expect(
            fingerprint(expected.0) == fingerprint(fast.0), "\(tier) \(format) \(dtype) n=\(length)")
          #expect(
            fingerprint(expected.1) == fingerprint(fast.1),
            "\(tier) \(format)-dq \(dtype) n=\(length)")
        }
      }
    }
  }

  /// The plain half of `qs_fp4_error_ref` is `qs_block_error_ref(FP4)`, and its double-quantized
  /// half with the scales themselves as `absmax_hat` is fp4 again, bit for bit.
  @Test func fp4DoubleQuantWithExactScalesIsFP4() {
    var data = SeededData(seed: 18)
    let values = data.weights(12289)
    let scales = absmaxes(values, blocksize: 64)
    for (dtype, cDtype) in dtypes {
      var plain = qs_error_acc()
      qs_block_error_ref(QS_BLOCK_FP4, values, values.count, 0, 64, scales, cDtype, &plain)
      var pair = (qs_error_acc(), qs_error_acc())
      qs_fp4_error_ref(values, values.count, 0, 64, scales, scales, cDtype, &pair.0, &pair.1)
      #expect(fingerprint(pair.0) == fingerprint(plain), "\(dtype)")
      #expect(fingerprint(pair.1) == fingerprint(plain), "\(dtype)")
    }
  }

  @Test func int8TiersEqualReference() {
    var data = SeededData(seed: 8)
    for cols in [1, 3, 7, 8, 9, 15, 16, 17, 24, 33, 64, 100, 257, 1000] {
      for rows in [1, 2, 5, 17] {
        let values = data.weights(rows * cols)
        var q = [Int8](repeating: 0, count: rows * cols)
        var rowmax = [Float](repeating: 0, count: rows)
        _ = qs_int8_rows_ref(values, rows, cols, &q, &rowmax)
        // Starting mid-row too: the streaming kernel sees segments at any offset.
        for start in [0, min(5, rows * cols)] {
          var reference = qs_error_acc()
          let count = rows * cols - start
          values.withUnsafeBufferPointer { buffer in
            qs_int8_error_ref(
              buffer.baseAddress.map { $0 + start }, count, start, cols, rowmax, &reference)
          }
          forEachTier { tier in
            var fast = qs_error_acc()
            values.withUnsafeBufferPointer { buffer in
              qs_int8_error(
                buffer.baseAddress.map { $0 + start }, count, start, cols, rowmax, &fast)
            }
            #expect(
              fingerprint(reference) == fingerprint(fast),
              "\(tier) rows=\(rows) cols=\(cols) start=\(start)")
          }
        }
      }
    }
  }

  /// dyn8 + int8 in one sweep (the engine's path when both are on) equals the two reference kernels
  /// on the same range: rows that are and are not multiples of 16 wide, ranges starting at a dyn8
  /// block, mid-block and mid-row, tails shorter than 16, every dtype; the joint counters are left
  /// zeroed for the next call.
  @Test func dyn8AndInt8SweepEqualsTheReferences() {
    var data = SeededData(seed: 10)
    var joint = [UInt32](repeating: 0, count: 1 << 16)
    for (rows, cols) in [(3, 4096), (40, 160), (9, 1000), (300, 48), (7, 17)] {
      var values = data.weights(rows * cols)
      values[values.count / 3] = 0
      values[values.count / 2] *= 40  // a spike: small values of its block land near dyn8's zero
      var q = [Int8](repeating: 0, count: rows * cols)
      var rowmax = [Float](repeating: 0, count: rows)
      _ = qs_int8_rows_ref(values, rows, cols, &q, &rowmax)
      let scales = absmaxes(values, blocksize: 4096)
      for start in [0, 4096, 16, 5] where start < values.count {
        let count = values.count - start
        for (dtype, cDtype) in dtypes {
          var reference = (qs_error_acc(), qs_error_acc())
          values.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress.map { $0 + start }
            qs_block_error_ref(
              QS_BLOCK_DYN8, base, count, start, 4096, scales, cDtype, &reference.0)
            qs_int8_error_ref(base, count, start, cols, rowmax, &reference.1)
          }
          forEachTier { tier in
            var fast = (qs_error_acc(), qs_error_acc())
            values.withUnsafeBufferPointer { buffer in
              qs_dyn8_int8_error(
                buffer.baseAddress.map { $0 + start }, count, start, scales, cDtype, cols, rowmax,
                &fast.0,
                &fast.1, &joint)
            }
            let label = "\(tier) \(dtype) \(rows)×\(cols) start=\(start)"
            #expect(fingerprint(reference.0) == fingerprint(fast.0), "dyn8 \(label)")
            #expect(fingerprint(reference.1) == fingerprint(fast.1), "int8 \(label)")
            #expect(joint.allSatisfy { $0 == 0 }, "joint counters left zeroed, \(label)")
          }
        }
      }
    }
  }

  @Test func dtypeConversionAndRoundingTiersEqualReference() {
    var data = SeededData(seed: 9)
    // Every binary16 pattern converts identically through both tiers.
    let halves = (0...UInt16.max).map { $0 }
    var reference = [Float](repeating: 0, count: halves.count)
    var fast = [Float](repeating: 0, count: halves.count)
    qs_convert_f16_ref(halves, &reference, halves.count)
    qs_convert_f16(halves, &fast, halves.count)
    let finite = zip(reference, fast).filter { !$0.0.isNaN }
    #expect(finite.allSatisfy { $0.0.bitPattern == $0.1.bitPattern })
    #expect(zip(reference, fast).allSatisfy { $0.0.isNaN == $0.1.isNaN })
    // F16 rounding of random floats over the whole binary16 range (normal, subnormal, overflow).
    var values: [Float] = (0..<50_000).map { _ in
      Float(bitPattern: UInt32(truncatingIfNeeded: data.next()) & 0x7fff_ffff)
    }
    .filter { !$0.isNaN }
    values += [65504, 65519.996, 65520, 65536, 0x1p-24, 0x1p-25, 0x1.8p-25, 0x1p-14, -0.0]
    var rounded = values
    qs_round_to_dtype(&rounded, rounded.count, QS_DTYPE_F16)
    for (value, result) in zip(values, rounded) {
      let expected = Float(Float16(value))
      #expect(result.bitPattern == expected.bitPattern, "\(value)")
      #expect(qs_round_to_dtype_ref(value, QS_DTYPE_F16).bitPattern == expected.bitPattern)
    }
  }
}

// MARK: - Reference invariants

extension KernelTierTests {
  @Test(arguments: [QuantFormat.nf4, .fp4, .int4, .dyn8])
  func codesAreTheNearestLevel(format: QuantFormat) {
    // With absmax 1 (the last element), x = w exactly: the chosen level must be a nearest one.
    var data = SeededData(seed: 11)
    var values = (0..<4095).map { _ in Float(data.uniform() * 2 - 1) }
    values.append(1)
    let result = FormatReference.roundTrip(
      format, values: values, dtype: .F32, shape: [values.count], blocksize: 4096)
    let levels = format.levels
    for (index, x) in values.enumerated() {
      let chosen = result.dequantized[index]
      let best = levels.map { abs(Double($0) - Double(x)) }.min() ?? 0
      // fp4's CUDA literals sit up to 14 ulp from the true midpoints (FORMATS.md §3): allow that slack.
      let slack = format == .fp4 ? 1e-6 : 0
      #expect(abs(Double(chosen) - Double(x)) <= best + slack, "\(format) x=\(x)")
    }
  }

  @Test(arguments: [QuantFormat.nf4, .fp4, .int4, .dyn8, .nf4dq, .int8])
  func dequantizeOfQuantizeIsIdempotent(format: QuantFormat) {
    var data = SeededData(seed: 12)
    let values = data.weights(64 * 40)
    for (dtype, _) in dtypes {
      let stored = values.map {
        dtype == .F16
          ? Float(Float16($0))
          : (dtype == .BF16 ? Float(bitPattern: UInt32(bfloat16Bits($0)) << 16) : $0)
      }
      let first = FormatReference.roundTrip(
        format, values: stored, dtype: dtype, shape: [40, 64], blocksize: 64)
      let second = FormatReference.roundTrip(
        format, values: first.dequantized, dtype: dtype, shape: [40, 64], blocksize: 64)
      // Re-quantizing ŵ gives the same ŵ (values: fp4's −0 comes back as +0, FORMATS.md §1 zero rule)
      // and the same codes wherever ŵ ≠ 0. nf4-dq re-derives its scales, so it is exempt.
      if format != .nf4dq {
        let valueMismatches = zip(first.dequantized, second.dequantized).filter { $0.0 != $0.1 }
          .count
        let codeMismatches = first.codes.indices.filter {
          first.dequantized[$0] != 0 && first.codes[$0] != second.codes[$0]
        }.count
        #expect(valueMismatches == 0, "\(format) \(dtype)")
        #expect(codeMismatches == 0, "\(format) \(dtype)")
      }
    }
  }
}

// MARK: - Streaming passes and the dyn8 bucket table

extension KernelTierTests {
  @Test func statsAndHistogramTiersEqualReference() {
    var data = SeededData(seed: 13)
    for (length, cols) in [(0, 5), (7, 7), (4096, 64), (4096 + 100, 200), (12289, 97)] {
      var values = data.weights(length)
      if length > 10 {
        values[3] = .nan
        values[9] = .infinity
        values[length - 1] = -.infinity
      }
      let blocks = (length + 63) / 64
      let rows = (length + cols - 1) / cols
      func stats(_ fast: Bool) -> (qs_stats_acc, [Float], [Float], [UInt32]) {
        var acc = qs_stats_acc()
        qs_stats_init(&acc)
        var absmax = [Float](repeating: 0, count: blocks)
        var columns = [Float](repeating: 0, count: cols)
        var rowBits = [UInt32](repeating: 0, count: rows)
        if fast {
          qs_stats_segment(values, length, 0, 64, &absmax, cols, &columns, &rowBits, &acc)
        } else {
          qs_stats_segment_ref(values, length, 0, 64, &absmax, cols, &columns, &rowBits, &acc)
        }
        return (acc, absmax, columns, rowBits)
      }
      let (a, absmaxA, colsA, rowsA) = stats(false)
      forEachTier { tier in
        let (b, absmaxB, colsB, rowsB) = stats(true)
        #expect(
          a.sum.bitPattern == b.sum.bitPattern && a.sum_sq.bitPattern == b.sum_sq.bitPattern,
          "\(tier) n=\(length)")
        #expect(
          a.min.bitPattern == b.min.bitPattern && a.max.bitPattern == b.max.bitPattern,
          "\(tier) n=\(length)")
        #expect(a.absmax == b.absmax, "\(tier) n=\(length)")
        #expect(a.zeros == b.zeros && a.nans == b.nans && a.infs == b.infs, "\(tier) n=\(length)")
        #expect(absmaxA == absmaxB && colsA == colsB && rowsA == rowsB, "\(tier) n=\(length)")
      }
      for (lo, hi, bins) in [(-0.1, 0.1, 64), (0.5, 0.5, 7), (-1.0, 1.0, 1), (-0.05, 0.2, 2000)] {
        var countsA = [UInt64](repeating: 0, count: bins)
        var normA = countsA
        var devA = 0.0
        qs_histogram_segment_ref(
          values, length, 0, 64, absmaxA, lo, hi, bins, &countsA, &normA, 0.001, &devA)
        forEachTier { tier in
          var countsB = [UInt64](repeating: 0, count: bins)
          var normB = countsB
          var devB = 0.0
          qs_histogram_segment(
            values, length, 0, 64, absmaxA, lo, hi, bins, &countsB, &normB, 0.001, &devB)
          #expect(countsA == countsB && normA == normB, "\(tier) n=\(length) bins=\(bins)")
          #expect(devA.bitPattern == devB.bitPattern, "\(tier) n=\(length) bins=\(bins)")
        }
      }
    }
  }

  /// Lane-wise min/max may pick either zero on a ±0 tie; every tier must keep the scalar loop's
  /// choice (the first zero met), for all-non-negative, all-non-positive and all-zero segments.
  @Test func statsZeroTiesKeepTheFirstZeroInEveryTier() {
    var data = SeededData(seed: 29)
    for (length, firstZero, laterZero) in [
      (100, Float(-0.0), Float(0.0)), (100, 0.0, -0.0), (4096 + 37, -0.0, 0.0),
      (4096 + 37, 0.0, -0.0),
    ] {
      let base = data.weights(length)
      for sign in [Float(1), -1] {
        var values = base.map { sign * abs($0) + sign * 0.001 }
        values[length / 3] = firstZero
        values[length / 2] = laterZero
        values[length - 2] = laterZero
        var zerosOnly = [Float](repeating: laterZero, count: length)
        zerosOnly[5] = firstZero
        zerosOnly[0] = .nan
        for input in [values, zerosOnly] {
          func stats(_ fast: Bool, initial: Float? = nil) -> qs_stats_acc {
            var acc = qs_stats_acc()
            qs_stats_init(&acc)
            if let initial {
              acc.min = initial
              acc.max = initial
            }
            var absmax = [Float](repeating: 0, count: (length + 63) / 64)
            if fast {
              qs_stats_segment(input, length, 0, 64, &absmax, 0, nil, nil, &acc)
            } else {
              qs_stats_segment_ref(input, length, 0, 64, &absmax, 0, nil, nil, &acc)
            }
            return acc
          }
          for initial in [nil, Float(0.0), Float(-0.0)] {
            let a = stats(false, initial: initial)
            forEachTier { tier in
              let b = stats(true, initial: initial)
              #expect(
                a.min.bitPattern == b.min.bitPattern && a.max.bitPattern == b.max.bitPattern,
                "\(tier) n=\(length) initial=\(String(describing: initial))")
            }
          }
        }
      }
    }
  }

  /// The branch-free dyn8 search gives `_ref`'s code on every midpoint and its neighbours, on
  /// non-finite values, and on a sweep of every 65537th float32 bit pattern.
  @Test func branchlessDyn8SearchEqualsReference() {
    var values: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 1, -1, 2, -2]
    let levels = QuantFormat.dyn8.levels
    for index in levels.indices.dropLast() {
      let midpoint = (levels[index] + levels[index + 1]) * 0.5
      values += [midpoint, midpoint.nextUp, midpoint.nextDown, levels[index]]
    }
    var pattern: UInt64 = 0
    while pattern <= UInt64(UInt32.max) {
      values.append(Float(bitPattern: UInt32(pattern)))
      pattern += 65537
    }
    var mismatched: [Float] = []
    for x in values where qs_dyn8_encode_value(x) != qs_dyn8_encode_value_ref(x) {
      mismatched.append(x)
    }
    #expect(mismatched.isEmpty, "\(mismatched.prefix(5))")
  }

  /// nf4-dq's second level with the fast search equals `_ref` bit for bit (several groups of 256,
  /// a partial last group, a group of equal scales where every centred scale is 0).
  @Test func nf4DoubleQuantScalesEqualReference() {
    var data = SeededData(seed: 31)
    for blocks in [1, 5, 256, 700, 4099] {
      var absmax = data.weights(blocks).map { abs($0) * 10 }
      if blocks > 600 { for b in 256..<512 { absmax[b] = 0.25 } }
      func scales(_ fast: Bool) -> (Float, [UInt8], [Float], [Float]) {
        var offset: Float = 0
        var q = [UInt8](repeating: 0, count: blocks)
        var second = [Float](repeating: 0, count: (blocks + 255) / 256)
        var hat = [Float](repeating: 0, count: blocks)
        if fast {
          qs_nf4dq_scales(absmax, blocks, &offset, &q, &second, &hat)
        } else {
          qs_nf4dq_scales_ref(absmax, blocks, &offset, &q, &second, &hat)
        }
        return (offset, q, second, hat)
      }
      let a = scales(false)
      let b = scales(true)
      #expect(a.0.bitPattern == b.0.bitPattern && a.1 == b.1, "blocks=\(blocks)")
      #expect(
        a.2.map(\.bitPattern) == b.2.map(\.bitPattern)
          && a.3.map(\.bitPattern) == b.3.map(\.bitPattern), "blocks=\(blocks)")
    }
  }

  @Test func dyn8FastEncoderOnEveryMidpointAndASweep() {
    // Blocks of 4096 holding 1.0, so x = w: every midpoint and its neighbours, then a sweep of
    // float32 values over [-1, 1] (every 4099th bit pattern).
    var values: [Float] = []
    for midpoint in QuantFormat.dyn8.levels.indices.dropLast().map({ index -> Float in
      let levels = QuantFormat.dyn8.levels
      return (levels[index] + levels[index + 1]) * 0.5
    }) {
      values += [midpoint, midpoint.nextUp, midpoint.nextDown]
    }
    var pattern: UInt32 = 0
    while values.count < 1_000_000 {
      let x = Float(bitPattern: pattern)
      if abs(x) <= 1 { values.append(x) }
      let (next, overflow) = pattern.addingReportingOverflow(4099 * 97)
      if overflow { break }
      pattern = next
    }
    while values.count % 4096 != 0 { values.append(0.5) }
    let blocks = values.count / 4096
    for block in 0..<blocks { values[block * 4096 + 4095] = 1 }
    let ones = [Float](repeating: 1, count: blocks)
    forEachTier { tier in
      var mismatched = 0
      for block in 0..<blocks {
        var reference = qs_error_acc()
        var fast = qs_error_acc()
        values.withUnsafeBufferPointer { buffer in
          let base = buffer.baseAddress.map { $0 + block * 4096 }
          qs_block_error_ref(
            QS_BLOCK_DYN8, base, 4096, block * 4096, 4096, ones, QS_DTYPE_F32, &reference)
          qs_block_error(QS_BLOCK_DYN8, base, 4096, block * 4096, 4096, ones, QS_DTYPE_F32, &fast)
        }
        if fingerprint(reference) != fingerprint(fast) { mismatched += 1 }
      }
      #expect(mismatched == 0, "\(tier)")
    }
  }
}

// MARK: - The fused 4-bit sweep

/// nf4, nf4-dq, fp4, fp4-dq, int4 accumulators of one `qs_block4_error(_ref)` call over all of
/// `values`; bit k of `mask` passes accumulator k (the others are NULL and stay zero).
private func block4(
  reference: Bool, _ values: [Float], _ blocksize: Int, _ scales: [Float], _ hats: [Float],
  _ dtype: qs_dtype, mask: Int
) -> [qs_error_acc] {
  var accs = [qs_error_acc](repeating: qs_error_acc(), count: block4Accumulators)
  accs.withUnsafeMutableBufferPointer { buffer in
    let p = buffer.baseAddress
    let a = (0..<block4Accumulators).map { k in mask & (1 << k) != 0 ? p.map { $0 + k } : nil }
    if reference {
      qs_block4_error_ref(
        values, values.count, 0, blocksize, scales, hats, dtype, a[0], a[1], a[2], a[3], a[4])
    } else {
      qs_block4_error(
        values, values.count, 0, blocksize, scales, hats, dtype, a[0], a[1], a[2], a[3], a[4])
    }
  }
  return accs
}

/// nf4, nf4-dq, fp4, fp4-dq, int4.
private let block4Accumulators = 5

extension KernelTierTests {
  /// Values that sit on every decision point (absmax 1 in each block, so x = w): nf4 thresholds,
  /// fp4 literals, int4 half steps, their neighbours, ±0 and subnormals, then seeded weights.
  static func edgeValues(_ data: inout SeededData, count: Int) -> [Float] {
    var points: [Float] = [0, -0.0, 0x1p-149, -0x1p-149, 0x1p-126, 1, -1]
    let nf4 = QuantFormat.nf4.levels
    for k in 0..<(nf4.count - 1) { points.append((nf4[k] + nf4[k + 1]) * 0.5) }
    points += [
      0x1.555572p-9, 0x1.6p-4, 0x1.aaaaaap-3, 0x1.2aaaaap-2, 0x1.aaaaacp-2, 0x1.2aaaap-1,
      0x1.aaaaaap-1,
    ]
    for k in -7..<7 { points.append((Float(k) + 0.5) / 7) }
    var values: [Float] = []
    for p in points { values += [p, p.nextUp, p.nextDown, -p] }
    values += data.weights(max(0, count - values.count))
    return values
  }

  @Test(arguments: [8, 24, 32, 64, 256, 4096])
  func fusedBlock4EqualsReferencePerFormat(blocksize: Int) {
    var data = SeededData(seed: UInt64(100 + blocksize))
    for length in Self.lengths + [70_000] {
      var values = Self.edgeValues(&data, count: length)
      values = Array(values.prefix(length))
      // One element of ±1 per block, so most blocks have absmax 1 (x = w on the edge values).
      for begin in stride(from: 0, to: length, by: blocksize) where begin + 1 < length {
        values[begin + 1] = begin % 2 == 0 ? 1 : -1
      }
      let scales = absmaxes(values, blocksize: blocksize)
      let hats = scales.map { $0 * 1.01 }
      for (dtype, cDtype) in dtypes {
        let reference = block4(
          reference: true, values, blocksize, scales, hats, cDtype, mask: (1 << block4Accumulators) - 1)
        forEachTier { tier in
          // Every subset of the five accumulators.
          for mask in 1..<(1 << block4Accumulators) {
            let fast = block4(reference: false, values, blocksize, scales, hats, cDtype, mask: mask)
            for k in 0..<block4Accumulators where mask & (1 << k) != 0 {
              #expect(
                fingerprint(reference[k]) == fingerprint(fast[k]),
                "\(tier) acc \(k) mask \(mask) \(dtype) n=\(length) bs=\(blocksize)")
            }
          }
        }
      }
    }
  }

  @Test func fusedBlock4CountsCodesOfNonFiniteValuesLikeReference() {
    var data = SeededData(seed: 77)
    var values = data.weights(4096)
    values[5] = .nan
    values[77] = .infinity
    values[300] = -.infinity
    let scales = absmaxes(values, blocksize: 64)
    let all = (1 << block4Accumulators) - 1
    let reference = block4(reference: true, values, 64, scales, scales, QS_DTYPE_BF16, mask: all)
    forEachTier { tier in
      let fast = block4(reference: false, values, 64, scales, scales, QS_DTYPE_BF16, mask: all)
      for k in 0..<block4Accumulators {
        // Sums are NaN there (the caller reports NaN metrics); codes must still agree.
        #expect(
          fingerprint(reference[k]).dropFirst(2) == fingerprint(fast[k]).dropFirst(2),
          "\(tier) acc \(k)")
        #expect(reference[k].sum_sq_err.isNaN == fast[k].sum_sq_err.isNaN, "\(tier) acc \(k)")
      }
    }
  }
}

// MARK: - Histogram pass over block sizes

extension KernelTierTests {
  /// The histogram tiers (the AVX-512 one counts both histograms through a joint table for
  /// ≤ 64 bins) over block sizes, tails, non-finite values and a block whose tiny absmax makes
  /// x non-finite for finite w.
  @Test(arguments: [16, 24, 32, 4096])
  func histogramTiersEqualReferenceOverBlockSizes(blocksize: Int) {
    var data = SeededData(seed: UInt64(200 + blocksize))
    for length in [5, 16, 17, 4096, 4096 + 13, 9000] {
      var values = data.weights(length)
      if length > 100 {
        values[2] = .nan
        values[40] = .infinity
        values[41] = -.infinity
        // A block of subnormals: f32(1/absmax) overflows to inf, so x = ±inf (skipped) or NaN.
        let begin = (length / blocksize / 2) * blocksize
        for index in begin..<min(begin + blocksize, length) {
          values[index] = index % 3 == 0 ? 0 : 0x1p-140
        }
      }
      let scales = absmaxes(values, blocksize: blocksize)
      for (lo, hi, bins) in [(-0.1, 0.1, 64), (-0.05, 0.07, 63), (0.0, 0.0, 2), (-1.0, 1.0, 100)] {
        var countsA = [UInt64](repeating: 0, count: bins)
        var normA = countsA
        var devA = 0.0
        qs_histogram_segment_ref(
          values, length, 0, blocksize, scales, lo, hi, bins, &countsA, &normA, -0.002, &devA)
        forEachTier { tier in
          var countsB = [UInt64](repeating: 0, count: bins)
          var normB = countsB
          var devB = 0.0
          qs_histogram_segment(
            values, length, 0, blocksize, scales, lo, hi, bins, &countsB, &normB, -0.002, &devB)
          #expect(
            countsA == countsB && normA == normB, "\(tier) n=\(length) bins=\(bins) bs=\(blocksize)"
          )
          #expect(
            devA.bitPattern == devB.bitPattern, "\(tier) n=\(length) bins=\(bins) bs=\(blocksize)")
        }
      }
    }
  }
}

extension KernelTierTests {
  /// The normalised bins at their edges, for power-of-two bin counts (float32 route in the AVX-512
  /// tier) and others: x = w exactly (each block's absmax is 1), w at k/h − 1 and its neighbours,
  /// ±tiny values around −2⁻⁵⁴ (where f64(x) + 1 rounds to 1), ±0, subnormals and ±1.
  @Test func normalizedBinEdgesEqualReference() {
    var points: [Float] = [
      0, -0.0, 0x1p-149, -0x1p-149, -0x1p-54, -0x1.000002p-54, -0x1p-55, -0x1p-53, 0x1p-60,
      -0x1p-30, 1, -1,
    ]
    for bins in [2, 4, 64, 128] {
      let h = Float(bins / 2)
      for k in 0...bins { points.append(Float(k) / h - 1) }
    }
    var values: [Float] = []
    for p in points { values += [p, p.nextUp, p.nextDown] }
    // Blocks of 16 with absmax exactly 1: an element of ±1 first in each block.
    var blocks: [Float] = []
    for chunk in stride(from: 0, to: values.count, by: 15) {
      blocks.append(chunk % 2 == 0 ? 1 : -1)
      blocks += values[chunk..<min(chunk + 15, values.count)].map { min(max($0, -1), 1) }
      while blocks.count % 16 != 0 { blocks.append(0.25) }
    }
    let scales = absmaxes(blocks, blocksize: 16)
    #expect(scales.allSatisfy { $0 == 1 })
    for bins in [2, 4, 32, 48, 64] {
      var countsA = [UInt64](repeating: 0, count: bins)
      var normA = countsA
      var devA = 0.0
      qs_histogram_segment_ref(
        blocks, blocks.count, 0, 16, scales, -1, 1, bins, &countsA, &normA, 0, &devA)
      forEachTier { tier in
        var countsB = [UInt64](repeating: 0, count: bins)
        var normB = countsB
        var devB = 0.0
        qs_histogram_segment(
          blocks, blocks.count, 0, 16, scales, -1, 1, bins, &countsB, &normB, 0, &devB)
        #expect(normA == normB, "\(tier) bins=\(bins)")
        #expect(countsA == countsB && devA.bitPattern == devB.bitPattern, "\(tier) bins=\(bins)")
      }
    }
  }
}
