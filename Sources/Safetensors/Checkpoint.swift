/// One `.safetensors` file of a checkpoint: its identity and parsed header summary.
public struct SafetensorsFile: Sendable, Hashable {
  /// Path as opened (joined from the user's path; not canonicalised).
  public var path: String
  /// File size in bytes at open time.
  public var size: UInt64
  /// Modification time at open time, seconds since the epoch (nanoseconds folded in as a fraction).
  public var modificationTime: Double
  /// N, the header length in bytes.
  public var headerLength: UInt64
  /// `__metadata__`, or nil when absent/null.
  public var metadata: [String: String]?
  /// FNV-1a 64 of the N header bytes: identifies the header's content (the analysis cache keys on it).
  public var headerHash: UInt64

  public init(
    path: String, size: UInt64, modificationTime: Double, headerLength: UInt64,
    metadata: [String: String]?, headerHash: UInt64 = 0
  ) {
    self.path = path
    self.size = size
    self.modificationTime = modificationTime
    self.headerLength = headerLength
    self.metadata = metadata
    self.headerHash = headerHash
  }
}

/// A checkpoint opened header-only: one file or a sharded set.
///
/// Opening reads only the first 8 + N bytes of each file; listing touches no tensor data.
public struct Checkpoint: Sendable {
  /// The path the user gave.
  public var path: String
  /// The index file when the set came from `*.safetensors.index.json`.
  public var indexPath: String?
  /// `metadata.total_size` of the index when present (a hint, never validated).
  public var totalSizeHint: UInt64?
  /// The files, in shard order.
  public var files: [SafetensorsFile]
  /// Every tensor of every file, in natural name order (`layers.2` before `layers.10`).
  public var tensors: [TensorInfo]
  /// Non-fatal findings (duplicate names, unindexed tensors, ...), one line each.
  public var warnings: [String]
  /// The `config.json` beside the files, parsed once at open, when there is a usable one.
  public var config: CheckpointConfig?
  /// The hub model id (`org/name`) when the checkpoint was found in the Hugging Face cache.
  public var modelID: String?
  /// The commit of the cache snapshot opened for `modelID`.
  public var revision: String?
  /// The transformers major version the model is assumed to be loaded with (4 or 5): it decides
  /// whether MoE expert weights are `nn.Linear` modules (4) or fused 3-D parameters (5).
  public var transformersMajor: Int = 5

  public init(
    path: String, indexPath: String?, totalSizeHint: UInt64?, files: [SafetensorsFile],
    tensors: [TensorInfo], warnings: [String]
  ) {
    self.path = path
    self.indexPath = indexPath
    self.totalSizeHint = totalSizeHint
    self.files = files
    self.tensors = tensors
    self.warnings = warnings
  }

  /// What headers and titles call the checkpoint: the model id when it came from the hub cache,
  /// else the path given.
  public var displayPath: String { modelID ?? path }

  /// Total parameter count (elements) over all tensors.
  public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }
  /// Total data bytes over all tensors.
  public var byteCount: UInt64 { tensors.reduce(0) { $0 + $1.byteCount } }
}
