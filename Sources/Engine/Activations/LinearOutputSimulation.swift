import CQuantKernels
import Safetensors

/// The layer output Y = X·Wᵀ of one Linear module under LLM.int8(), with and without the outlier
/// decomposition, and under NF4/FP4 weights, measured against the exact float64 product.
///
/// Follows docs/FORMATS.md §7 (the structure of bitsandbytes' `int8_mixed_scaled_mm`,
/// `bitsandbytes/autograd/_functions.py` `MatMul8bitLt.forward`): X is cast to fp16, outlier
/// features C have some |fp16(x)| ≥ fp16(threshold), rows of X are quantized skipping outlier
/// elements, C columns are zeroed in qX and added back as X[:, C]·Ŵ[:, C]ᵀ with the dequantized int8
/// weight. Steps 4–5 are evaluated in float64. The loops live in C (`activation_kernels.c`).
package enum LinearOutputSimulation {
  // MARK: - Int8 primitives

  /// Row-wise int8 quantization of a matrix (after the fp16 cast).
  package struct Int8Rows: Sendable, Hashable {
    /// q[r, c], row-major.
    package var codes: [Int8]
    /// rowmax[r] over the non-outlier elements of row r.
    package var rowmax: [Float]
    /// The fp16-rounded values.
    package var values16: [Float]
    /// Ascending outlier columns C (empty for threshold 0).
    package var outlierColumns: [Int]
  }

  /// LLM.int8() row-wise quantization of `values` [rows, cols] (`int8_vectorwise_quant`): fp16
  /// cast, then per row the scale 127/rowmax, skipping elements with |fp16(v)| ≥ fp16(threshold)
  /// (their whole column C gets code 0). `threshold` 0 skips nothing: the weight path of §6.
  package static func int8Rows(_ values: [Float], rows: Int, cols: Int, threshold: Float)
    -> Int8Rows
  {
    var values16 = [Float](repeating: 0, count: values.count)
    var codes = [Int8](repeating: 0, count: values.count)
    var rowmax = [Float](repeating: 0, count: rows)
    let cut = qs_act_outlier_cut(threshold)
    values.withUnsafeBufferPointer { src in
      values16.withUnsafeMutableBufferPointer { dst in
        qs_act_round_f16(src.baseAddress, dst.baseAddress, src.count)
      }
    }
    values16.withUnsafeBufferPointer { v in
      codes.withUnsafeMutableBufferPointer { q in
        rowmax.withUnsafeMutableBufferPointer { m in
          qs_act_int8_rows(v.baseAddress, rows, cols, cut, q.baseAddress, m.baseAddress)
        }
      }
    }
    // Step 3: every element of an outlier column is 0 in qX, not only the outlier elements.
    let outliers = outlierColumns(values16, rows: rows, cols: cols, cut: cut)
    for r in 0..<rows {
      for c in outliers { codes[r * cols + c] = 0 }
    }
    return Int8Rows(codes: codes, rowmax: rowmax, values16: values16, outlierColumns: outliers)
  }

  /// The smallest float32 c with fp16(|x|) ≥ fp16(threshold) ⇔ |x| ≥ c (+inf for threshold ≤ 0).
  package static func outlierCut(_ threshold: Float) -> Float { qs_act_outlier_cut(threshold) }

  /// Ascending columns of x [rows, cols] holding some |x| ≥ `cut`.
  package static func outlierColumns(_ x: [Float], rows: Int, cols: Int, cut: Float) -> [Int] {
    guard cut.isFinite else { return [] }
    var isOutlier = [Bool](repeating: false, count: cols)
    x.withUnsafeBufferPointer { v in
      for r in 0..<rows {
        let base = r * cols
        for c in 0..<cols where Swift.abs(v[base + c]) >= cut { isOutlier[c] = true }
      }
    }
    return isOutlier.indices.filter { isOutlier[$0] }
  }

  // MARK: - Outputs

  /// Exact Y[t, o] = Σ_k x[t,k]·w[o,k] in float64.
  package static func exactOutput(
    x: [Float], weight: [Float], tokens: Int, features: Int, outFeatures: Int
  )
    -> [Double]
  {
    var out = [Double](repeating: 0, count: tokens * outFeatures)
    matmul(x, weight, tokens, features, outFeatures, into: &out, accumulate: false)
    return out
  }

  /// A weight quantized as LLM.int8() stores it (FORMATS.md §6), from the engine's `FormatReference`.
  package struct Int8Weight: Sendable, Hashable {
    /// q[o, k], row-major.
    package var codes: [Int8]
    /// rowmax[o] of the fp16-converted weight.
    package var rowmax: [Float]
    /// ŵ[o, k] = f32(f32(q · rowmax) · f32(1/127)).
    package var dequantized: [Float]

    package init(codes: [Int8], rowmax: [Float], dequantized: [Float]) {
      self.codes = codes
      self.rowmax = rowmax
      self.dequantized = dequantized
    }
  }

  /// The engine's int8 weight quantization of W[outFeatures, features]; nil when undefined.
  package static func int8Weight(_ weight: [Float], outFeatures: Int, features: Int, dtype: DType)
    -> Int8Weight?
  {
    WeightRoundTrip.int8(weight, rows: outFeatures, cols: features, dtype: dtype)
  }

  /// LLM.int8() output (§7 steps 1–5) with the decomposition at `threshold` (0: without).
  package static func int8Output(
    x: [Float], tokens: Int, features: Int, weightInt8: Int8Weight, outFeatures: Int,
    threshold: Float
  ) -> [Double] {
    let xq = int8Rows(x, rows: tokens, cols: features, threshold: threshold)
    var out = [Double](repeating: 0, count: tokens * outFeatures)
    xq.codes.withUnsafeBufferPointer { qx in
      weightInt8.codes.withUnsafeBufferPointer { qw in
        xq.rowmax.withUnsafeBufferPointer { rx in
          weightInt8.rowmax.withUnsafeBufferPointer { rw in
            out.withUnsafeMutableBufferPointer { y in
              qs_act_matmul_int8(
                qx.baseAddress, qw.baseAddress, rx.baseAddress, rw.baseAddress, tokens, features,
                outFeatures, y.baseAddress, 0)
            }
          }
        }
      }
    }
    let outliers = xq.outlierColumns
    guard !outliers.isEmpty else { return out }
    // Outlier part: X[:, C] in its own precision times the dequantized int8 weight columns.
    let n = outliers.count
    var xc = [Float](repeating: 0, count: tokens * n)
    var wc = [Float](repeating: 0, count: outFeatures * n)
    for t in 0..<tokens {
      for (j, k) in outliers.enumerated() { xc[t * n + j] = x[t * features + k] }
    }
    for o in 0..<outFeatures {
      for (j, k) in outliers.enumerated() {
        wc[o * n + j] = weightInt8.dequantized[o * features + k]
      }
    }
    matmul(xc, wc, tokens, n, outFeatures, into: &out, accumulate: true)
    return out
  }

  /// Error metrics of `y` against `exact` (§9 over all outputs).
  package static func error(_ y: [Double], exact: [Double]) -> OutputError {
    var stats = [Double](repeating: 0, count: 3)
    y.withUnsafeBufferPointer { yb in
      exact.withUnsafeBufferPointer { eb in
        stats.withUnsafeMutableBufferPointer { s in
          qs_act_error_stats(yb.baseAddress, eb.baseAddress, min(yb.count, eb.count), s.baseAddress)
        }
      }
    }
    return OutputError(
      sumSquaredError: stats[0], sumSquaredExact: stats[1], maxAbsErr: stats[2], count: y.count)
  }

  /// Every output error of one module: int8 with and without decomposition, and nf4/fp4 weights
  /// when the engine's round trip is available.
  ///
  /// - Complexity: about 4 · tokens · features · outFeatures multiply-adds.
  package static func outputErrors(
    x: [Float], tokens: Int, features: Int, weight: [Float], weightDType: DType, outFeatures: Int,
    settings: ActivationSettings
  ) -> [LinearQuantization: OutputError] {
    let exact = exactOutput(
      x: x, weight: weight, tokens: tokens, features: features, outFeatures: outFeatures)
    var result: [LinearQuantization: OutputError] = [:]
    // A weight that overflows fp16 makes int8 undefined (§6).
    if let wq = int8Weight(weight, outFeatures: outFeatures, features: features, dtype: weightDType)
    {
      for (kind, threshold) in [
        (LinearQuantization.int8Decomposed, settings.threshold), (.int8, 0),
      ] {
        let y = int8Output(
          x: x, tokens: tokens, features: features, weightInt8: wq, outFeatures: outFeatures,
          threshold: threshold)
        result[kind] = error(y, exact: exact)
      }
    } else {
      result[.int8Decomposed] = .undefined
      result[.int8] = .undefined
    }
    for (kind, format) in [(LinearQuantization.nf4, QuantFormat.nf4), (.fp4, .fp4)] {
      guard
        let dequantized = WeightRoundTrip.dequantized(
          weight, shape: [outFeatures, features], dtype: weightDType, format: format,
          blocksize: settings.blocksize)
      else { continue }
      var y = [Double](repeating: 0, count: tokens * outFeatures)
      matmul(x, dequantized, tokens, features, outFeatures, into: &y, accumulate: false)
      result[kind] = error(y, exact: exact)
    }
    return result
  }

  private static func matmul(
    _ x: [Float], _ w: [Float], _ rows: Int, _ inner: Int, _ cols: Int, into out: inout [Double],
    accumulate: Bool
  ) {
    x.withUnsafeBufferPointer { xb in
      w.withUnsafeBufferPointer { wb in
        out.withUnsafeMutableBufferPointer { ob in
          qs_act_matmul_f64(
            xb.baseAddress, wb.baseAddress, rows, inner, cols, ob.baseAddress, accumulate ? 1 : 0)
        }
      }
    }
  }
}
