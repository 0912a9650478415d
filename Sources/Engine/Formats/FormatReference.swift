import CQuantKernels
import Safetensors

/// Whole-array reference round trips through the scalar `_ref` C kernels (the spec): for tests,
/// small tensors and the CUDA parity check. Memory O(n); the streaming analysis is `CPUBackend`.
public enum FormatReference {
  /// Quantizes and dequantizes `values` (the tensor's stored values, converted exactly to float)
  /// with `format`.
  ///
  /// - Parameters:
  ///   - dtype: the tensor's dtype; ŵ of the block formats is rounded to it (F16, BF16; any other
  ///     dtype keeps float32).
  ///   - shape: the tensor's shape; int8 uses rows = shape[0], cols = the rest (1-D: one row).
  ///   - blocksize: nf4, nf4-dq, fp4, fp4-dq, int4 block size (dyn8 always uses 4096).
  /// - Complexity: O(n) time, about 10·n bytes.
  public static func roundTrip(
    _ format: QuantFormat, values: [Float], dtype: DType, shape: [Int], blocksize: Int
  ) -> FormatRoundTrip {
    let n = values.count
    let kernelDtype = KernelDType(dtype)
    switch format {
    case .int8:
      let rows = shape.count >= 2 ? shape[0] : (n > 0 ? 1 : 0)
      let cols = rows > 0 ? n / rows : 0
      var q = [Int8](repeating: 0, count: n)
      var rowmax = [Float](repeating: 0, count: rows)
      var dequantized = [Float](repeating: 0, count: n)
      var status: Int32 = 0
      if rows > 0 && rows * cols == n {
        status = qs_int8_rows_ref(values, rows, cols, &q, &rowmax)
        qs_int8_dequant_ref(q, rowmax, rows, cols, &dequantized)
      }
      return FormatRoundTrip(
        codes: q.map { UInt8(bitPattern: $0) }, absmax: rowmax, dequantized: dequantized,
        doubleQuantization: nil, isDefined: status == 0)
    case .nf4, .nf4dq, .fp4, .fp4dq, .int4, .dyn8:
      let bs = format.effectiveBlocksize(blocksize)
      guard bs > 0 else {
        return FormatRoundTrip(
          codes: [], absmax: [], dequantized: [], doubleQuantization: nil, isDefined: false)
      }
      let blocks = (n + bs - 1) / bs
      var codes = [UInt8](repeating: 0, count: n)
      var absmax = [Float](repeating: 0, count: blocks)
      var dequantized = [Float](repeating: 0, count: n)
      var double: FormatRoundTrip.DoubleQuantization?
      switch format {
      case .nf4:
        qs_nf4_encode_ref(values, n, bs, &codes, &absmax)
        qs_nf4_dequant_ref(codes, absmax, n, bs, kernelDtype, &dequantized)
      case .nf4dq, .fp4dq:
        // The first level of nf4 or fp4, then the second level over its block maxima
        // (FORMATS.md §4); ŵ from the reconstructed scales.
        if format == .nf4dq {
          qs_nf4_encode_ref(values, n, bs, &codes, &absmax)
        } else {
          qs_fp4_encode_ref(values, n, bs, &codes, &absmax)
        }
        var offset: Float = 0
        var qabsmax = [UInt8](repeating: 0, count: blocks)
        var absmax2 = [Float](repeating: 0, count: (blocks + 255) / 256)
        var absmaxHat = [Float](repeating: 0, count: blocks)
        qs_nf4dq_scales_ref(absmax, blocks, &offset, &qabsmax, &absmax2, &absmaxHat)
        if format == .nf4dq {
          qs_nf4_dequant_ref(codes, absmaxHat, n, bs, kernelDtype, &dequantized)
        } else {
          qs_fp4_dequant_ref(codes, absmaxHat, n, bs, kernelDtype, &dequantized)
        }
        double = .init(offset: offset, qabsmax: qabsmax, absmax2: absmax2, absmaxHat: absmaxHat)
      case .fp4:
        qs_fp4_encode_ref(values, n, bs, &codes, &absmax)
        qs_fp4_dequant_ref(codes, absmax, n, bs, kernelDtype, &dequantized)
      case .int4:
        qs_int4_encode_ref(values, n, bs, &codes, &absmax)
        qs_int4_dequant_ref(codes, absmax, n, bs, kernelDtype, &dequantized)
      default:
        qs_dyn8_encode_ref(values, n, bs, &codes, &absmax)
        qs_dyn8_dequant_ref(codes, absmax, n, bs, kernelDtype, &dequantized)
      }
      return FormatRoundTrip(
        codes: codes, absmax: absmax, dequantized: dequantized, doubleQuantization: double,
        isDefined: true)
    }
  }

  /// Spec §9 metrics of a round trip, computed from the whole arrays in float64 (element order).
  ///
  /// NaN metrics when `values` holds NaN/±inf or the round trip is undefined.
  public static func metrics(
    _ format: QuantFormat, values: [Float], roundTrip: FormatRoundTrip, blocksize: Int, cols: Int
  ) -> FormatMetrics {
    let bits = format.bitsPerParam(blocksize: blocksize, cols: cols)
    guard roundTrip.isDefined, values.allSatisfy(\.isFinite) else {
      return MetricsMath.undefined(format: format, bitsPerParam: bits)
    }
    var sumError = 0.0
    var sumWeight = 0.0
    var maxError = 0.0
    var counts = [UInt64](repeating: 0, count: format.codeBinCount)
    for (index, w) in values.enumerated() {
      let e = Double(roundTrip.dequantized[index]) - Double(w)
      sumError += e * e
      sumWeight += Double(w) * Double(w)
      maxError = max(maxError, abs(e))
      let code = roundTrip.codes[index]
      let bin = format == .int8 ? Int(Int8(bitPattern: code)) + 127 : Int(code)
      if bin < counts.count { counts[bin] += 1 }
    }
    return MetricsMath.finish(
      sumSquaredError: sumError, sumSquaredWeight: sumWeight, maxAbsErr: maxError, counts: counts,
      elements: values.count, bitsPerParam: bits)
  }
}

/// Maps a tensor dtype to the rounding of ŵ the kernels apply.
func KernelDType(_ dtype: DType) -> qs_dtype {
  switch dtype {
  case .F16: QS_DTYPE_F16
  case .BF16: QS_DTYPE_BF16
  default: QS_DTYPE_F32
  }
}
