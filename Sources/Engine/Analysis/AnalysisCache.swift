#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Safetensors

/// On-disk cache of analysis results, one JSON file per (checkpoint files, settings, engine).
///
/// Lives in `$XDG_CACHE_HOME/quantscope`, else `~/.cache/quantscope`. The key holds every file's
/// path, size, mtime and header length/hash, the settings, the backend identifier and
/// `engineVersion`; the file name is a 64-bit FNV-1a hash of it and the file repeats the full key,
/// so a collision or a stale entry is detected and ignored. A corrupt file is ignored too (and
/// rewritten by the next `store`). Writes are atomic: a temporary file, then `rename`.
public struct AnalysisCache: Sendable {
  /// Bumped whenever the engine's numbers or the stored layout change.
  public static let engineVersion = "engine-1"

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
    guard let bytes = Self.readFile(path(forKey: key)) else { return nil }
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
    guard Self.makeDirectories(directory) else { return false }
    let final = path(forKey: key)
    let temporary = final + ".tmp.\(getpid())"
    guard Self.writeFile(temporary, Array(data)) else {
      unlink(temporary)
      return false
    }
    if rename(temporary, final) != 0 {
      unlink(temporary)
      return false
    }
    return true
  }

  /// The file that holds the entry of `key`.
  func path(forKey key: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in key.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return directory + "/" + String(repeating: "0", count: 16 - hex.count) + hex + ".json"
  }

  /// The full cache key, one line per component.
  static func key(checkpoint: Checkpoint, settings: AnalysisSettings, engine: String) -> String {
    var lines = ["quantscope-cache \(engineVersion) \(engine)"]
    for file in checkpoint.files {
      lines.append(
        "\(file.path)|\(file.size)|\(file.modificationTime)|\(file.headerLength)|\(file.headerHash)")
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
        "architecture=\(architecture.modelType ?? "-") transformers=\(checkpoint.transformersMajor) transposed=\(transposed)")
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
    if let xdg = getenv("XDG_CACHE_HOME"), xdg.pointee != 0 {
      return String(cString: xdg) + "/quantscope"
    }
    if let home = getenv("HOME"), home.pointee != 0 {
      return String(cString: home) + "/.cache/quantscope"
    }
    return "/tmp/quantscope-cache"
  }

  private static func makeDirectories(_ path: String) -> Bool {
    var prefix = ""
    for component in path.split(separator: "/", omittingEmptySubsequences: false) {
      prefix += prefix.isEmpty && path.hasPrefix("/") ? "/" : (prefix.isEmpty ? "" : "/")
      prefix += component
      if component.isEmpty { continue }
      if mkdir(prefix, 0o755) != 0 && errno != EEXIST { return false }
    }
    return true
  }

  private static func readFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        return nil
      }
      if n == 0 { return bytes }
      bytes += chunk[0..<n]
    }
  }

  private static func writeFile(_ path: String, _ bytes: [UInt8]) -> Bool {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var done = 0
    while done < bytes.count {
      let n = bytes.withUnsafeBytes { raw -> Int in
        guard let base = raw.baseAddress else { return 0 }
        return write(fd, base + done, raw.count - done)
      }
      if n < 0 {
        if errno == EINTR { continue }
        return false
      }
      done += n
    }
    return true
  }
}
