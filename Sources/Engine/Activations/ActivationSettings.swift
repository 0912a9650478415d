/// Settings of an activation analysis (`ActivationAnalysis.run`).
public struct ActivationSettings: Sendable, Hashable, Codable {
  /// LLM.int8() threshold (`llm_int8_threshold`, default 6.0): a feature is an outlier when some
  /// token has |fp16(x)| ≥ fp16(threshold). 0 disables the decomposition (no outliers).
  public var threshold: Float
  /// Block size of the nf4 and fp4 weights (transformers uses 64).
  public var blocksize: Int
  /// At most this many tokens (rows of a 2-D capture) enter the layer-output simulation.
  public var maxTokens: Int
  /// Multiply-adds one simulated matmul may take (tokens · in · out); fewer tokens are sampled
  /// beyond it, but never fewer than `minTokens` (or all, if fewer were captured).
  public var macBudget: Int
  /// Lower bound of the token sample.
  public var minTokens: Int
  /// Rows read per chunk while streaming a capture.
  public var rowsPerChunk: Int

  public init(
    threshold: Float = 6.0, blocksize: Int = 64, maxTokens: Int = 2048, macBudget: Int = 1 << 28,
    minTokens: Int = 16, rowsPerChunk: Int = 256
  ) {
    self.threshold = threshold
    self.blocksize = blocksize
    self.maxTokens = maxTokens
    self.macBudget = macBudget
    self.minTokens = minTokens
    self.rowsPerChunk = rowsPerChunk
  }

  /// The threshold and block size of a weight analysis, other settings at their defaults.
  public init(_ analysis: AnalysisSettings) {
    self.init(threshold: analysis.threshold, blocksize: analysis.blocksize)
  }

  /// Tokens simulated for a module with `tokens` captured rows and weight [out, in].
  public func sampledTokens(tokens: Int, inFeatures: Int, outFeatures: Int) -> Int {
    let perToken = max(1, inFeatures * outFeatures)
    let byBudget = max(minTokens, macBudget / perToken)
    return max(0, min(tokens, maxTokens, byBudget))
  }
}
