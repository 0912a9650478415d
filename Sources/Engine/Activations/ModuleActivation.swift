/// One way of quantizing a Linear layer whose output error the activation analysis measures.
public enum LinearQuantization: String, CaseIterable, Sendable, Hashable, Codable {
  /// LLM.int8() with the outlier decomposition at the threshold (FORMATS.md §7 steps 1–5).
  case int8Decomposed = "int8-decomposed"
  /// LLM.int8() without decomposition (threshold 0): every feature goes through int8.
  case int8 = "int8"
  /// NF4 weights (blockwise), activations exact: X·dequant(W)ᵀ.
  case nf4
  /// FP4 weights (blockwise), activations exact.
  case fp4
}

/// Error of a layer output Y[T, O] against the exact float64 product X·Wᵀ (FORMATS.md §9 over T×O).
public struct OutputError: Sendable, Hashable, Codable {
  public var mse: Double
  public var rmse: Double
  public var maxAbsErr: Double
  /// ‖Y − Y_exact‖₂ / ‖Y_exact‖₂ (0 when the error is 0).
  public var relErr: Double
  /// 10·log10(S_w / S_e); +infinity when exact.
  public var sqnrDB: Double

  public init(mse: Double, rmse: Double, maxAbsErr: Double, relErr: Double, sqnrDB: Double) {
    self.mse = mse
    self.rmse = rmse
    self.maxAbsErr = maxAbsErr
    self.relErr = relErr
    self.sqnrDB = sqnrDB
  }

  /// Metrics from Σ e², Σ y_exact² and max |e| over `count` outputs.
  public init(sumSquaredError se: Double, sumSquaredExact sw: Double, maxAbsErr: Double, count: Int)
  {
    let mse = count > 0 ? se / Double(count) : 0
    self.init(
      mse: mse, rmse: mse.squareRoot(), maxAbsErr: maxAbsErr,
      relErr: se == 0 ? 0 : se.squareRoot() / sw.squareRoot(),
      sqnrDB: se == 0 ? .infinity : 10 * log10(sw / se))
  }

  /// All metrics NaN: the output is undefined (non-finite inputs, fp16 overflow of an int8 weight).
  public static let undefined = OutputError(
    mse: .nan, rmse: .nan, maxAbsErr: .nan, relErr: .nan, sqnrDB: .nan)
}

/// What the activation analysis found for one Linear module.
public struct ModuleActivation: Sendable, Hashable, Codable {
  /// Module name (`model.layers.3.mlp.down_proj`).
  public var module: String
  /// Block index parsed from the name (`layers.3` → 3), if any.
  public var layer: Int?
  /// Tokens captured; nil for a 1-D per-feature max |x| capture.
  public var tokens: Int?
  /// Tokens that entered the output simulation (evenly spaced rows; all when ≤ the cap).
  public var sampledTokens: Int
  /// in_features.
  public var features: Int
  /// out_features (the weight's rows).
  public var outFeatures: Int
  /// The threshold used.
  public var threshold: Float
  /// Per-feature max |x| over all captured tokens (float32), the profile the Outlier map draws.
  public var featureAbsmax: [Float]
  /// Ascending outlier feature dims: fp16(max |x|) ≥ fp16(threshold).
  public var outlierFeatures: [Int]
  /// Tokens with at least one outlier element (|fp16(x)| ≥ fp16(threshold)); nil for 1-D.
  public var outlierTokens: Int?
  /// Elements at or above the threshold; nil for 1-D.
  public var outlierElements: Int?
  /// Output error per quantization (2-D captures only; nf4/fp4 absent when unavailable).
  public var outputError: [LinearQuantization: OutputError]

  /// Outlier features / in_features.
  public var outlierFeatureFraction: Double {
    features > 0 ? Double(outlierFeatures.count) / Double(features) : 0
  }

  /// Tokens with an outlier / tokens captured; nil for a 1-D capture.
  public var outlierTokenFraction: Double? {
    guard let tokens, let outlierTokens, tokens > 0 else { return nil }
    return Double(outlierTokens) / Double(tokens)
  }

  /// relErr without decomposition ÷ relErr with it: how much the threshold helps (nil if unknown).
  public var decompositionGain: Double? {
    guard let with = outputError[.int8Decomposed]?.relErr, let without = outputError[.int8]?.relErr,
      with > 0, with.isFinite, without.isFinite
    else { return nil }
    return without / with
  }
}

#if canImport(Glibc)
  import Glibc
#endif
