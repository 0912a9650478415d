import Safetensors

/// LLM.int8() outliers where they live: in the activations entering each Linear layer.
///
/// For each captured module (`ActivationCapture`): the outlier feature dims as bitsandbytes
/// defines them (|fp16(x)| ≥ fp16(threshold), docs/FORMATS.md §7), the fraction of features
/// and tokens they touch, and — for a 2-D capture — the relative error of the layer output X·Wᵀ
/// under LLM.int8() with and without the decomposition, NF4 and FP4 weights
/// (`LinearOutputSimulation`). Feature dims that are outliers in several layers are "systematic"
/// (the LLM.int8() paper's observation), listed in `systematicDims`.
public struct ActivationAnalysis: Sendable, Hashable, Codable {
  /// A feature dim that is an outlier in modules of several layers with the same input width.
  public struct SystematicDim: Sendable, Hashable, Codable {
    /// The feature index.
    public var dim: Int
    /// in_features of the modules it belongs to (hidden size, MLP size ...).
    public var features: Int
    /// Layers in which some module has it as an outlier, ascending.
    public var layers: [Int]
    /// Modules that have it as an outlier.
    public var modules: Int
    /// Largest max |x| seen on it.
    public var absmax: Float

    public init(dim: Int, features: Int, layers: [Int], modules: Int, absmax: Float) {
      self.dim = dim
      self.features = features
      self.layers = layers
      self.modules = modules
      self.absmax = absmax
    }
  }

  /// The capture file.
  public var path: String
  public var settings: ActivationSettings
  /// One per usable captured module, in name order.
  public var modules: [ModuleActivation]
  /// Capture tensors that could not be used, one line each.
  public var problems: [String]

  public init(
    path: String, settings: ActivationSettings, modules: [ModuleActivation], problems: [String]
  ) {
    self.path = path
    self.settings = settings
    self.modules = modules
    self.problems = problems
  }

  // MARK: - Running

  /// Opens the capture at `path`, matches it against `weights`, and analyses every usable module.
  ///
  /// - Parameters:
  ///   - progress: called after each module with (done, total, module name).
  /// - Throws: `SafetensorsError` when a file cannot be opened, `EngineError.read` on I/O
  ///   failure, `EngineError.cancelled` when `cancel` is set.
  /// - Complexity: streams each capture once; per 2-D module about
  ///   4 · sampledTokens · in · out multiply-adds (see `ActivationSettings.macBudget`).
  public static func run(
    capturePath path: String, weights: Checkpoint, settings: ActivationSettings = .init(),
    cancel: CancellationFlag? = nil,
    progress: ((_ done: Int, _ total: Int, _ module: String) -> Void)? = nil
  ) throws -> ActivationAnalysis {
    let capture = try ActivationCapture.open(path, weights: weights)
    let captureReader = try TensorDataReader(checkpoint: capture.checkpoint)
    let weightReader = try TensorDataReader(checkpoint: weights)
    var modules: [ModuleActivation] = []
    for (index, entry) in capture.entries.enumerated() {
      if cancel?.isCancelled == true { throw EngineError.cancelled }
      modules.append(
        try analyze(
          entry, captureReader: captureReader, weightReader: weightReader, settings: settings))
      progress?(index + 1, capture.entries.count, entry.module)
    }
    return ActivationAnalysis(
      path: path, settings: settings, modules: modules, problems: capture.problems)
  }

  /// Analyses one matched module, streaming its capture in row chunks.
  public static func analyze(
    _ entry: ActivationCapture.Entry, captureReader: TensorDataReader,
    weightReader: TensorDataReader, settings: ActivationSettings
  ) throws -> ModuleActivation {
    let features = entry.features
    let outFeatures = entry.outFeatures
    guard let tokens = entry.tokens else {
      var profile = [Float](repeating: 0, count: features)
      try profile.withUnsafeMutableBufferPointer { out throws in
        try ActivationCapture.read(
          entry.capture, reader: captureReader, from: 0, count: features, into: out)
      }
      return analyze(
        module: entry.module, featureMax: profile, outFeatures: outFeatures, settings: settings)
    }
    let cut = LinearOutputSimulation.outlierCut(settings.threshold)
    var scan = FeatureScan(
      tokens: tokens, features: features,
      sampled: settings.sampledTokens(
        tokens: tokens, inFeatures: features, outFeatures: outFeatures),
      cut: cut)
    try ActivationCapture.forEachRowChunk(
      of: entry, reader: captureReader, rowsPerChunk: settings.rowsPerChunk
    ) { rowStart, rowCount, values in
      scan.add(rowStart: rowStart, rowCount: rowCount, values: values)
    }
    var weight: [Float] = []
    if scan.sampled > 0 {
      let weightCount = outFeatures * features
      weight = [Float](repeating: 0, count: weightCount)
      try weight.withUnsafeMutableBufferPointer { out throws in
        try ActivationCapture.read(
          entry.weight, reader: weightReader, from: 0, count: weightCount, into: out)
      }
      if entry.weightTransposed {
        weight = TransposedValues.transpose(weight, rows: features, columns: outFeatures)
      }
    }
    return finish(
      scan, module: entry.module, weight: weight, weightDType: entry.weight.dtype,
      outFeatures: outFeatures, settings: settings)
  }

  /// Analyses one module from in-memory values: x [tokens, features], weight [outFeatures, features].
  package static func analyze(
    module: String, x: [Float], tokens: Int, features: Int, weight: [Float], weightDType: DType,
    outFeatures: Int, settings: ActivationSettings
  ) -> ModuleActivation {
    var scan = FeatureScan(
      tokens: tokens, features: features,
      sampled: settings.sampledTokens(
        tokens: tokens, inFeatures: features, outFeatures: outFeatures),
      cut: LinearOutputSimulation.outlierCut(settings.threshold))
    x.withUnsafeBufferPointer { scan.add(rowStart: 0, rowCount: tokens, values: $0) }
    return finish(
      scan, module: module, weight: weight, weightDType: weightDType, outFeatures: outFeatures,
      settings: settings)
  }

  /// Analyses a 1-D capture: the per-feature max |x| (signs are ignored). No output error.
  package static func analyze(
    module: String, featureMax: [Float], outFeatures: Int, settings: ActivationSettings
  ) -> ModuleActivation {
    let absmax = featureMax.map { Swift.abs($0) }
    let cut = LinearOutputSimulation.outlierCut(settings.threshold)
    return ModuleActivation(
      module: module, layer: ActivationCapture.layerIndex(of: module), tokens: nil,
      sampledTokens: 0, features: absmax.count, outFeatures: outFeatures,
      threshold: settings.threshold, featureAbsmax: absmax,
      outlierFeatures: absmax.indices.filter { absmax[$0] >= cut }, outlierTokens: nil,
      outlierElements: nil, outputError: [:])
  }

  private static func finish(
    _ scan: FeatureScan, module: String, weight: [Float], weightDType: DType, outFeatures: Int,
    settings: ActivationSettings
  ) -> ModuleActivation {
    var outputError: [LinearQuantization: OutputError] = [:]
    if scan.sampled > 0 {
      outputError = LinearOutputSimulation.outputErrors(
        x: scan.sample, tokens: scan.sampled, features: scan.features, weight: weight,
        weightDType: weightDType, outFeatures: outFeatures, settings: settings)
    }
    let absmax = scan.absmax
    return ModuleActivation(
      module: module, layer: ActivationCapture.layerIndex(of: module), tokens: scan.tokens,
      sampledTokens: scan.sampled, features: scan.features, outFeatures: outFeatures,
      threshold: settings.threshold, featureAbsmax: absmax,
      outlierFeatures: absmax.indices.filter { absmax[$0] >= scan.cut },
      outlierTokens: scan.outlierTokens, outlierElements: scan.outlierElements,
      outputError: outputError)
  }

  /// One pass over the rows of a 2-D capture: per-feature max |x|, tokens and elements at or above
  /// the threshold, and the evenly spaced token sample the output simulation uses.
  private struct FeatureScan {
    let tokens: Int
    let features: Int
    let sampled: Int
    let cut: Float
    var absmax: [Float]
    var outlierTokens = 0
    var outlierElements = 0
    var sample: [Float] = []
    /// Rows still to sample, descending (popped from the end).
    private var pending: [Int]

    init(tokens: Int, features: Int, sampled: Int, cut: Float) {
      self.tokens = tokens
      self.features = features
      self.sampled = sampled
      self.cut = cut
      absmax = [Float](repeating: 0, count: features)
      // Row i·T/n for i < n: strictly increasing since n ≤ T.
      pending = (0..<sampled).map { $0 * tokens / sampled }.reversed()
      sample.reserveCapacity(sampled * features)
    }

    mutating func add(rowStart: Int, rowCount: Int, values: UnsafeBufferPointer<Float>) {
      for r in 0..<rowCount {
        let base = r * features
        var rowOutliers = 0
        for k in 0..<features {
          let a = Swift.abs(values[base + k])
          if a > absmax[k] { absmax[k] = a }  // NaN never compares greater
          if a >= cut { rowOutliers += 1 }
        }
        outlierElements += rowOutliers
        if rowOutliers > 0 { outlierTokens += 1 }
        if let next = pending.last, next == rowStart + r {
          pending.removeLast()
          sample.append(contentsOf: values[base..<(base + features)])
        }
      }
    }
  }

  // MARK: - Views

  /// Per layer, the union of the outlier feature dims of its modules, keyed by in_features
  /// (dims of the hidden state and of the MLP are different spaces). For the Outlier map.
  public var outlierDimsByLayer: [Int: [Int: Set<Int>]] {
    var result: [Int: [Int: Set<Int>]] = [:]
    for module in modules {
      let layer = module.layer ?? -1
      result[layer, default: [:]][module.features, default: []].formUnion(module.outlierFeatures)
    }
    return result
  }

  /// The module named `name`, if analysed.
  public func module(named name: String) -> ModuleActivation? {
    modules.first { $0.module == name }
  }

  /// Feature dims that are outliers in at least 2 layers and in ≥ 25% of the layers captured
  /// with that input width (LLM.int8() paper: systematic outliers appear in ≥ 25% of layers).
  /// Modules outside the numbered blocks (a pooler, a head) are no layer and take no part.
  public var systematicDims: [SystematicDim] {
    struct Key: Hashable {
      var features: Int
      var dim: Int
    }
    var layersByWidth: [Int: Set<Int>] = [:]
    var layers: [Key: Set<Int>] = [:]
    var counts: [Key: Int] = [:]
    var peak: [Key: Float] = [:]
    for module in modules {
      guard let layer = module.layer else { continue }
      layersByWidth[module.features, default: []].insert(layer)
      for dim in module.outlierFeatures {
        let key = Key(features: module.features, dim: dim)
        layers[key, default: []].insert(layer)
        counts[key, default: 0] += 1
        peak[key] = max(peak[key] ?? 0, module.featureAbsmax[dim])
      }
    }
    return layers.compactMap { key, seen -> SystematicDim? in
      let total = layersByWidth[key.features]?.count ?? 0
      guard seen.count >= 2, seen.count * 4 >= total else { return nil }
      return SystematicDim(
        dim: key.dim, features: key.features, layers: seen.sorted(), modules: counts[key] ?? 0,
        absmax: peak[key] ?? 0)
    }
    .sorted { ($0.features, $0.dim) < ($1.features, $1.dim) }
  }
}
