import Engine

/// The activation outliers of a capture at the explorer's current threshold, re-derived from the
/// per-feature max |x| profiles (no re-analysis): a feature is an outlier when
/// fp16(max |x|) ≥ fp16(threshold), docs/FORMATS.md §7.
struct ActivationOutliers: Sendable {
  /// A feature dim that is an outlier in several layers of one input width.
  struct Systematic: Sendable, Hashable {
    var dim: Int
    var features: Int
    var layers: [Int]
  }

  /// The threshold these sets were derived at.
  var threshold: Float
  /// Outlier features per module name, ascending.
  var featuresByModule: [String: [Int]]
  /// Per layer (-1: no layer index), per in_features, the union of the modules' outlier dims.
  var dimsByLayer: [Int: [Int: Set<Int>]]
  /// Dims that are outliers in ≥ 2 layers and in ≥ 25% of the layers captured at that width
  /// (the rule of `ActivationAnalysis.systematicDims`; modules without a layer take no part).
  var systematic: [Systematic]

  init(_ analysis: ActivationAnalysis, threshold: Float) {
    self.threshold = threshold
    // Same cut as the engine: |x| ≥ cut ⇔ fp16(|x|) ≥ fp16(threshold).
    let cut = LinearOutputSimulation.outlierCut(threshold)
    var featuresByModule: [String: [Int]] = [:]
    var dimsByLayer: [Int: [Int: Set<Int>]] = [:]
    var layersByWidth: [Int: Set<Int>] = [:]
    struct Key: Hashable {
      var features: Int
      var dim: Int
    }
    var seen: [Key: Set<Int>] = [:]
    for module in analysis.modules {
      let layer = module.layer ?? -1
      let features = module.featureAbsmax.indices.filter { module.featureAbsmax[$0] >= cut }
      featuresByModule[module.module] = features
      dimsByLayer[layer, default: [:]][module.features, default: []].formUnion(features)
      // A module outside the numbered blocks (a pooler) is no layer: it does not count.
      guard layer >= 0 else { continue }
      layersByWidth[module.features, default: []].insert(layer)
      for dim in features {
        seen[Key(features: module.features, dim: dim), default: []].insert(layer)
      }
    }
    self.featuresByModule = featuresByModule
    self.dimsByLayer = dimsByLayer
    systematic = seen.compactMap { key, layers -> Systematic? in
      let total = layersByWidth[key.features]?.count ?? 0
      guard layers.count >= 2, layers.count * 4 >= total else { return nil }
      return Systematic(dim: key.dim, features: key.features, layers: layers.sorted())
    }
    .sorted { ($0.features, $0.dim) < ($1.features, $1.dim) }
  }
}
