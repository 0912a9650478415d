/// Why an export cannot be written, rendered as one line by `description`.
public enum ExportError: Error, Sendable, Hashable, CustomStringConvertible {
  /// A skip entry names no module of the checkpoint (`hint` suggests the likely intent).
  case unknownModule(String, hint: String?)
  /// A skip entry is not a module name at all (empty, spaces, regex syntax, a tensor name).
  case invalidModuleName(String, reason: String)
  /// A skip key that transformers would apply to several modules (spec/AXOLOTL.md trap 5).
  case ambiguousSkip(key: String, matches: [String], rule: String)
  /// 4-bit and 8-bit options requested together.
  case conflictingQuantization(String)
  /// An option outside its domain (threshold, compute dtype, quant name).
  case invalidOption(String)
  /// The output file exists and overwriting was not allowed.
  case fileExists(path: String)
  /// Writing the output failed.
  case write(path: String, reason: String)
  /// The checkpoint is already quantized and cannot be loaded the way the options ask.
  case storedMismatch(String)

  public var description: String {
    switch self {
    case .unknownModule(let name, let hint):
      "unknown module '\(name)' in the skip list" + (hint.map { ": \($0)" } ?? "")
    case .invalidModuleName(let name, let reason):
      "'\(name)' is not a module name: \(reason)"
    case .ambiguousSkip(let key, let matches, let rule):
      "skip key '\(key)' matches \(matches.count) modules under \(rule) ("
        + matches.prefix(3).joined(separator: ", ") + (matches.count > 3 ? ", ..." : "")
        + "); give full module names"
    case .conflictingQuantization(let reason): reason
    case .invalidOption(let reason): reason
    case .fileExists(let path): "\(path): file exists (use --force to overwrite)"
    case .write(let path, let reason): "\(path): \(reason)"
    case .storedMismatch(let reason): reason
    }
  }
}
