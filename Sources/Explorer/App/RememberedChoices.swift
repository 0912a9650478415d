import Engine
import Exporter
import FileSystem
import Reports
import Safetensors

#if canImport(Glibc)
  import Glibc
#endif

/// The choices the explorer remembers per model between runs: the tensors kept in 16-bit, the
/// chosen format, the threshold, the sort and the theme.
///
/// They live in `$XDG_STATE_HOME/quantscope/<identity>.choices` (else
/// `~/.local/state/quantscope/`), one `key = value` per line, where the identity is a 64-bit
/// FNV-1a hash of the model's tensors (names, dtypes, shapes) and file sizes: the same model
/// opened from another path or through a link is the same model. A file that cannot be read
/// back is a warning; the explorer then starts fresh.
public struct RememberedChoices: Sendable, Equatable {
  public var kept: [String] = []
  public var format: QuantFormat?
  public var threshold: Float?
  public var sort: TreeSort?
  public var theme: String?

  public init() {}

  /// The choices of `state` (and the theme it was drawn with).
  init(_ state: AppState, theme: String?) {
    kept = state.kept.sorted()
    format = state.globalFormat
    threshold = state.threshold
    sort = state.sort
    self.theme = theme
  }

  /// `2 kept, nf4-dq, threshold 6.5, sort error`.
  var summary: String {
    var parts: [String] = []
    if !kept.isEmpty { parts.append("\(kept.count) kept") }
    if let format { parts.append(format.rawValue) }
    if let threshold { parts.append("threshold \(NumberText.threshold(threshold))") }
    if let sort { parts.append("sort \(sort.rawValue)") }
    if let theme { parts.append("theme \(theme)") }
    return parts.joined(separator: ", ")
  }

  // MARK: - Identity and place

  /// The hex identity of `checkpoint`.
  static func identity(_ checkpoint: Checkpoint) -> String {
    var hash = FNV1a.offsetBasis
    func mix(_ text: String) { hash = FNV1a.hash(text.utf8 + [0x0A], from: hash) }
    for file in checkpoint.files { mix(String(file.size)) }
    for tensor in checkpoint.tensors {
      mix(
        tensor.name + " " + tensor.dtype.rawValue + " "
          + tensor.shape.map(String.init).joined(separator: ","))
    }
    return FNV1a.hex(hash)
  }

  /// The state directory: `$XDG_STATE_HOME/quantscope`, else `$HOME/.local/state/quantscope`.
  static func directory(environment: (String) -> String?) -> String? {
    if let state = environment("XDG_STATE_HOME"), state.hasPrefix("/") {
      return state + "/quantscope"
    }
    if let home = environment("HOME"), !home.isEmpty { return home + "/.local/state/quantscope" }
    return nil
  }

  /// The file of `checkpoint`'s choices.
  public static func path(
    for checkpoint: Checkpoint,
    environment: (String) -> String? = RememberedChoices.processEnvironment
  ) -> String? {
    directory(environment: environment).map { $0 + "/" + identity(checkpoint) + ".choices" }
  }

  public static func processEnvironment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
  }

  // MARK: - Text

  /// The file's text.
  var text: String {
    var lines = ["# quantscope: choices remembered for one model (delete this file to forget them)"]
    if let format { lines.append("format = \(format.rawValue)") }
    if let threshold { lines.append("threshold = \(NumberText.threshold(threshold))") }
    if let sort { lines.append("sort = \(sort.rawValue)") }
    if let theme { lines.append("theme = \(theme)") }
    lines += kept.map { "keep = \($0)" }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Reads the file's text; the first problem as `line N: reason`.
  static func parse(_ text: String) -> Result<RememberedChoices, RememberedChoicesError> {
    var choices = RememberedChoices()
    for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    {
      let line = raw.trimmingPrefix(while: { $0 == " " })
      if line.isEmpty || line.hasPrefix("#") { continue }
      guard let equals = line.firstIndex(of: "=") else {
        return .failure(RememberedChoicesError(line: offset + 1, reason: "expected key = value"))
      }
      let key = line[..<equals].filter { $0 != " " }
      let value = String(line[line.index(after: equals)...].trimmingPrefix(while: { $0 == " " }))
      let bad = RememberedChoicesError(line: offset + 1, reason: "bad \(key) '\(value)'")
      switch key {
      case "format":
        guard let format = QuantFormat(rawValue: value) else { return .failure(bad) }
        choices.format = format
      case "threshold":
        guard let threshold = Float(value), threshold.isFinite, threshold > 0 else {
          return .failure(bad)
        }
        choices.threshold = threshold
      case "sort":
        guard let sort = TreeSort(rawValue: value) else { return .failure(bad) }
        choices.sort = sort
      case "theme":
        guard !value.isEmpty else { return .failure(bad) }
        choices.theme = value
      case "keep":
        guard !value.isEmpty else { return .failure(bad) }
        choices.kept.append(value)
      default:
        return .failure(RememberedChoicesError(line: offset + 1, reason: "unknown key '\(key)'"))
      }
    }
    return .success(choices)
  }

  // MARK: - Files

  /// Why saved choices could not be used: the whole line for stderr, a short one for the
  /// status line.
  public struct Problem: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// `1: bad format 'nf5'`, or a read error.
    public var reason: String
    public var description: String { "\(path):\(reason); saved choices ignored" }
    public var short: String { "saved choices ignored (\(reason)); --fresh starts without them" }
  }

  /// The choices saved at `path`: nil when there are none, a problem when the file is unusable.
  public static func load(_ path: String) -> (choices: RememberedChoices?, problem: Problem?) {
    let bytes: [UInt8]
    do throws(FileSystemError) {
      bytes = try FileSystem.readAll(path, limit: (1 << 20) - 1)
    } catch {
      return error.code == ENOENT
        ? (nil, nil) : (nil, Problem(path: path, reason: " cannot read: \(error.systemMessage)"))
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      return (nil, Problem(path: path, reason: " not UTF-8 text"))
    }
    switch parse(text) {
    case .success(let choices): return (choices, nil)
    case .failure(let error):
      return (nil, Problem(path: path, reason: "\(error.line): \(error.reason)"))
    }
  }

  /// Saves the choices at `path` atomically, creating its directory; the problem as one line.
  public func save(_ path: String) -> String? {
    do throws(FileSystemError) {
      try FileSystem.makeDirectories(FileSystem.folder(of: path))
    } catch {
      return "\(error.path): cannot create the state directory: \(error.systemMessage)"
    }
    do throws(ExportError) {
      try AtomicFile.write(text, to: path, overwrite: true)
      return nil
    } catch {
      return error.description
    }
  }
}

/// Why a choices file could not be read back.
public struct RememberedChoicesError: Error, Sendable, Equatable {
  public var line: Int
  public var reason: String
}

extension AppState {
  /// Applies remembered choices that still make sense for this model and these settings (kept
  /// names that exist, a format that was analysed).
  public mutating func restore(_ choices: RememberedChoices) {
    let names = Set(checkpoint.tensors.map(\.name))
    kept = Set(choices.kept.filter { names.contains($0) })
    if let format = choices.format, settings.formats.contains(format) {
      globalFormat = format
      viewFormat = format
    }
    if let threshold = choices.threshold { setThreshold(threshold) }
    if let sort = choices.sort { self.sort = sort }
  }
}
