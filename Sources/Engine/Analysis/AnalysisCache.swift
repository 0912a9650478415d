import FileSystem
import FoundationEssentials
import Safetensors

/// On-disk cache of analysis results, one JSON file per (checkpoint files, settings, engine).
///
/// Lives in `$XDG_CACHE_HOME/quantscope` (when that is an absolute path), else
/// `~/.cache/quantscope` (`FileSystem.cacheFolder`). The key holds every file's
/// path, size, mtime and header length/hash, the settings, the backend identifier and
/// `engineVersion`; the file name is a 64-bit FNV-1a hash of it and the file repeats the full key,
/// so a collision or a stale entry is detected and ignored. A corrupt file is ignored too (and
/// rewritten by the next `store`). Writes are atomic (`FileSystem.writeAtomically`).
public struct AnalysisCache: Sendable {
  /// Bumped whenever the engine's numbers or the stored layout change.
  public static let engineVersion = "engine-3"

  /// The cache directory.
  public let directory: String

  /// - Parameter directory: defaults to `$XDG_CACHE_HOME/quantscope` or `~/.cache/quantscope`.
  public init(directory: String? = nil) {
    self.directory = directory ?? Self.defaultDirectory()
  }

  /// The cached results for this checkpoint, settings and engine, or nil (miss, stale, corrupt).
  public func load(checkpoint: Checkpoint, settings: AnalysisSettings, engine: String)
    -> [TensorAnalysis?]?
  {
    let key = Self.key(checkpoint: checkpoint, settings: settings, engine: engine)
    guard let bytes = try? FileSystem.readAll(path(forKey: key)) else { return nil }
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    guard let entry = try? decoder.decode(Entry.self, from: Data(bytes)),
      entry.key == key, entry.analyses.count == checkpoint.tensors.count
    else { return nil }
    return entry.analyses
  }

  /// Stores `analyses` (one per tensor index). Failures are returned, never fatal: a cache that
  /// cannot be written only costs time.
  @discardableResult
  public func store(
    _ analyses: [TensorAnalysis?], checkpoint: Checkpoint, settings: AnalysisSettings,
    engine: String
  ) -> Bool {
    let key = Self.key(checkpoint: checkpoint, settings: settings, engine: engine)
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    guard let data = try? encoder.encode(Entry(key: key, analyses: analyses)) else { return false }
    do throws(FileSystemError) {
      try FileSystem.makeDirectories(directory)
      try FileSystem.writeAtomically(Array(data), to: path(forKey: key), overwrite: true)
      return true
    } catch {
      return false
    }
  }

  /// The file that holds the entry of `key`.
  func path(forKey key: String) -> String {
    directory + "/" + FNV1a.hex(FNV1a.hash(key.utf8)) + ".json"
  }

  /// The full cache key, one line per component.
  static func key(checkpoint: Checkpoint, settings: AnalysisSettings, engine: String) -> String {
    var lines = ["quantscope-cache \(engineVersion) \(engine)"]
    for file in checkpoint.files {
      lines.append(
        "\(file.path)|\(file.size)|\(file.modificationTime)|\(file.headerLength)|\(file.headerHash)"
      )
    }
    lines.append("formats=\(settings.formats.map(\.rawValue).joined(separator: ","))")
    lines.append("blocksize=\(settings.blocksize) threshold=\(settings.threshold.bitPattern)")
    lines.append("bins=\(settings.bins) tensors=\(checkpoint.tensors.count)")
    if let range = settings.histogramRange {
      lines.append("range=\(range.lo.bitPattern),\(range.hi.bitPattern)")
    }
    // The architecture decides which tensors are quantizable and which are read transposed.
    let architecture = ModelArchitecture(checkpoint)
    let transposed = checkpoint.tensors.filter { architecture.role(of: $0).transposed }.count
    if checkpoint.config != nil || transposed > 0 || checkpoint.transformersMajor != 5 {
      lines.append(
        "architecture=\(architecture.modelType ?? "-") transformers=\(checkpoint.transformersMajor) transposed=\(transposed)"
      )
    }
    return lines.joined(separator: "\n")
  }

  private struct Entry: Codable {
    var key: String
    var analyses: [TensorAnalysis?]

    init(key: String, analyses: [TensorAnalysis?]) {
      self.key = key
      self.analyses = analyses
    }

    init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      key = try container.decode(String.self, forKey: .key)
      analyses = try container.decode([TensorAnalysis?].self, forKey: .analyses)
    }
  }

  // MARK: - Files

  private static func defaultDirectory() -> String {
    FileSystem.cacheFolder(named: "quantscope")
  }
}
