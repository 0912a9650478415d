/// The name of a tensor in a checkpoint, e.g. `model.layers.7.mlp.down_proj.weight`.
public struct TensorName: Hashable, Sendable, Comparable, CustomStringConvertible {
  public let rawValue: String
  public init(_ rawValue: String) { self.rawValue = rawValue }
  public var description: String { rawValue }
  public static func < (a: TensorName, b: TensorName) -> Bool { a.rawValue < b.rawValue }
}

/// The name of a module as transformers sees it, e.g. `model.layers.7.mlp.down_proj`: what a
/// skip list holds.
///
/// Distinct from `TensorName` so the exporter cannot write a `.weight` suffix: a skip key ending
/// in `.weight` matches nothing, and the layer would be quantized anyway (docs/AXOLOTL.md trap 5).
public struct ModuleName: Hashable, Sendable, Comparable, CustomStringConvertible {
  public let rawValue: String

  /// The module that owns `tensor` (`….weight` or `….bias` dropped); nil for other tensors.
  public init?(tensor: TensorName) {
    for suffix in [".weight", ".bias"] where tensor.rawValue.hasSuffix(suffix) {
      let stem = String(tensor.rawValue.dropLast(suffix.count))
      guard !stem.isEmpty else { return nil }
      rawValue = stem
      return
    }
    return nil
  }

  /// Validates a module name given by the user.
  ///
  /// - Throws: `.invalidModuleName` when `text` is empty, holds characters other than letters,
  ///   digits, `_`, `-` and `.` (transformers reads a skip key as a regular expression), starts
  ///   or ends with `.`, or is a tensor name (ends in `.weight` / `.bias`).
  public init(_ text: String) throws(ExportError) {
    guard !text.isEmpty else { throw .invalidModuleName(text, reason: "empty") }
    for scalar in text.unicodeScalars {
      let ok =
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
        || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-" || scalar == "."
      guard ok else {
        throw .invalidModuleName(
          text,
          reason:
            "only letters, digits, '_', '-' and '.' (transformers reads skip keys as regular expressions)"
        )
      }
    }
    guard !text.hasPrefix("."), !text.hasSuffix("."), !text.contains("..") else {
      throw .invalidModuleName(text, reason: "empty path component")
    }
    if let module = ModuleName(tensor: TensorName(text)) {
      throw .invalidModuleName(
        text,
        reason:
          "that is a tensor name; the module is '\(module.rawValue)' (a '.weight' key matches nothing)"
      )
    }
    rawValue = text
  }

  private init(unchecked: String) { rawValue = unchecked }

  /// A skip entry read from a pre-quantized checkpoint's config.json, taken as written.
  static func stored(_ text: String) -> ModuleName { ModuleName(unchecked: text) }

  /// A module name known to be well formed (from the checkpoint, or a constant).
  static func known(_ text: String) -> ModuleName { ModuleName(unchecked: text) }

  /// The last component (`down_proj`).
  public var leaf: String { rawValue.split(separator: ".").last.map(String.init) ?? rawValue }

  /// The tensor holding this module's weight.
  public var weightTensor: TensorName { TensorName(rawValue + ".weight") }

  public var description: String { rawValue }
  public static func < (a: ModuleName, b: ModuleName) -> Bool { a.rawValue < b.rawValue }
}
