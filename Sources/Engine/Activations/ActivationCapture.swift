import Safetensors

/// A safetensors file of captured Linear-layer inputs, matched against a weight checkpoint.
///
/// The capture holds one tensor per Linear module, named after the module
/// (`model.layers.3.mlp.down_proj`, the weight being `model.layers.3.mlp.down_proj.weight`):
/// either 2-D `[tokens, in_features]` (the inputs themselves) or 1-D `[in_features]` (the
/// per-feature max |x| over the tokens seen). `scripts/capture_activations.py` writes such files.
/// Tensors that match no weight, or whose feature count differs from the weight's columns, are
/// listed in `problems` (one line each), never silently dropped.
public struct ActivationCapture: Sendable {
  /// One captured module whose capture matches its weight.
  public struct Entry: Sendable, Hashable {
    /// The module name (`model.layers.3.mlp.down_proj`): the capture tensor's name.
    public var module: String
    /// The capture tensor (in `ActivationCapture.checkpoint`).
    public var capture: TensorInfo
    /// `<module>.weight` in the weight checkpoint, [out_features, in_features] (or [in, out]
    /// when `weightTransposed`).
    public var weight: TensorInfo
    /// True for a GPT-2 `Conv1D` weight stored [in_features, out_features].
    public var weightTransposed: Bool

    public init(
      module: String, capture: TensorInfo, weight: TensorInfo, weightTransposed: Bool = false
    ) {
      self.module = module
      self.capture = capture
      self.weight = weight
      self.weightTransposed = weightTransposed
    }

    /// True for a 2-D capture (the inputs); false for a 1-D per-feature max |x|.
    public var hasTokens: Bool { capture.shape.count == 2 }
    /// Tokens captured (rows of a 2-D capture); nil for a per-feature max capture.
    public var tokens: Int? { hasTokens ? capture.shape[0] : nil }
    /// in_features: the capture's last dimension, equal to the weight's columns.
    public var features: Int { capture.shape.last ?? 0 }
    /// out_features: the weight's rows.
    public var outFeatures: Int { (weightTransposed ? weight.shape.last : weight.shape.first) ?? 0 }
    /// The transformer block index parsed from `layers.N` / `h.N` / `blocks.N`, if any.
    public var layer: Int? { ActivationCapture.layerIndex(of: module) }
  }

  /// The path of the capture file, as given.
  public var path: String
  /// The capture file, opened header-only.
  public var checkpoint: Checkpoint
  /// Matched modules, in the capture's (natural) name order.
  public var entries: [Entry]
  /// Capture tensors that could not be used, one line each (`NAME: reason`).
  public var problems: [String]

  public init(path: String, checkpoint: Checkpoint, entries: [Entry], problems: [String]) {
    self.path = path
    self.checkpoint = checkpoint
    self.entries = entries
    self.problems = problems
  }

  // MARK: - Opening

  /// Opens the capture at `path` header-only and matches it against `weights`.
  ///
  /// - Throws: `SafetensorsError` when the capture file cannot be opened or is invalid.
  public static func open(_ path: String, weights: Checkpoint) throws(SafetensorsError)
    -> ActivationCapture
  {
    let capture = try Checkpoint.open(path)
    return match(capture: capture, weights: weights)
  }

  /// Matches every tensor of `capture` to `<name>.weight` in `weights`; the rest become problems.
  public static func match(capture: Checkpoint, weights: Checkpoint) -> ActivationCapture {
    var byName: [String: TensorInfo] = [:]
    for tensor in weights.tensors where byName[tensor.name] == nil { byName[tensor.name] = tensor }
    var entries: [Entry] = []
    var problems: [String] = []
    var seen: Set<String> = []
    let architecture = ModelArchitecture(weights)
    for tensor in capture.tensors {
      let name = tensor.name
      guard seen.insert(name).inserted else {
        problems.append("\(name): captured twice; the first one is used")
        continue
      }
      guard tensor.dtype.isAnalysable else {
        problems.append("\(name): dtype \(tensor.dtype.rawValue) is not a floating type")
        continue
      }
      guard tensor.shape.count == 1 || tensor.shape.count == 2 else {
        problems.append(
          "\(name): shape \(shapeText(tensor.shape)) is neither [tokens, in_features] nor [in_features]"
        )
        continue
      }
      guard let weight = byName[name + ".weight"] else {
        problems.append("\(name): no tensor \(name).weight in the weight checkpoint")
        continue
      }
      guard weight.shape.count == 2, weight.dtype.isAnalysable else {
        problems.append(
          "\(name): \(name).weight is \(weight.dtype.rawValue) \(shapeText(weight.shape)), not a Linear weight [out, in]"
        )
        continue
      }
      let features = tensor.shape.last ?? 0
      // A Conv1D weight is [in, out]: its input features are its rows.
      let transposed = architecture.role(of: weight).transposed
      let inFeatures = transposed ? weight.shape[0] : weight.shape[1]
      guard features == inFeatures else {
        problems.append(
          "\(name): capture has \(features) features, \(name).weight has \(inFeatures) \(transposed ? "input features (Conv1D rows)" : "columns")"
        )
        continue
      }
      if tensor.shape.count == 2 && tensor.shape[0] == 0 {
        problems.append("\(name): capture has no tokens")
        continue
      }
      entries.append(
        Entry(module: name, capture: tensor, weight: weight, weightTransposed: transposed))
    }
    return ActivationCapture(
      path: capture.path, checkpoint: capture, entries: entries, problems: problems)
  }

  // MARK: - Streaming

  /// Calls `body` with consecutive row chunks of a 2-D capture (at most `rowsPerChunk` rows of
  /// `features` float32 values each), so a capture larger than memory is read in bounded memory.
  ///
  /// - Complexity: reads the tensor once; holds `rowsPerChunk · features` floats.
  /// - Throws: `EngineError.read` on I/O failure, or what `body` throws.
  public static func forEachRowChunk(
    of entry: Entry, reader: TensorDataReader, rowsPerChunk: Int,
    _ body: (_ rowStart: Int, _ rowCount: Int, _ values: UnsafeBufferPointer<Float>) throws -> Void
  ) throws {
    let features = entry.features
    let rows = entry.tokens ?? 1
    let chunkRows = max(1, min(rowsPerChunk, rows))
    var buffer = [Float](repeating: 0, count: chunkRows * max(features, 1))
    var row = 0
    while row < rows {
      let count = min(chunkRows, rows - row)
      try buffer.withUnsafeMutableBufferPointer { out throws in
        try read(
          entry.capture, reader: reader, from: row * features, count: count * features,
          into: out)
        try body(row, count, UnsafeBufferPointer(rebasing: out[0..<(count * features)]))
      }
      row += count
    }
  }

  /// Reads `count` elements of `tensor` from flat index `element`, as float32.
  static func read(
    _ tensor: TensorInfo, reader: TensorDataReader, from element: Int, count: Int,
    into out: UnsafeMutableBufferPointer<Float>
  ) throws(EngineError) {
    guard count > 0, let base = out.baseAddress else { return }
    do {
      try reader.readFloats(of: tensor, from: element, count: count, into: base)
    } catch {
      throw .read(file: reader.checkpoint.path, tensor: tensor.name, reason: error.description)
    }
  }

  // MARK: - Names

  /// The block index of a module name: the number after `layers.`, `h.`, `blocks.` or `layer.`.
  public static func layerIndex(of module: String) -> Int? {
    let parts = module.split(separator: ".")
    for (index, part) in parts.enumerated().dropLast()
    where ["layers", "h", "blocks", "layer"].contains(part) {
      if let value = Int(parts[index + 1]) { return value }
    }
    return nil
  }

  static func shapeText(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
  }
}
