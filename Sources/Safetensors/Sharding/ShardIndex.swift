/// A `*.safetensors.index.json` file: `{"metadata": {"total_size": BYTES}, "weight_map": {...}}`.
///
/// `metadata.total_size` is only a hint (missing, 0 or `{}` in real repositories) and is never
/// validated. `weight_map` values must be relative paths inside the index's directory.
struct ShardIndex {
  /// One `weight_map` pair.
  struct Entry {
    var tensor: String
    var shard: String
  }

  /// `weight_map` entries in document order; for a repeated key the last value is kept, as
  /// Python's `json` does.
  var entries: [Entry]
  /// Distinct shard names, in natural order (their order in `Checkpoint.files`).
  var shardNames: [String]
  /// `metadata.total_size` when it is a non-negative integer.
  var totalSize: UInt64?

  /// Largest index file read: far above any real index (a few MB for thousands of tensors).
  static let maximumSize: UInt64 = 100_000_000

  /// Reads and checks the index at `path`.
  ///
  /// - Throws: `.io`, `.invalidIndex` (not UTF-8, not JSON, no `weight_map`, a non-string value),
  ///   `.unsafeShardPath`.
  static func load(_ path: String) throws(SafetensorsError) -> ShardIndex {
    let fd = try FileAccess.openReadOnly(path)
    defer { FileAccess.closeDescriptor(fd) }
    let status = try FileAccess.status(of: fd, file: path)
    guard status.size <= maximumSize else {
      throw .invalidIndex(file: path, reason: "\(status.size) bytes is too large for an index")
    }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(status.size), alignment: 8)
    defer { buffer.deallocate() }
    let got = try FileAccess.read(fd, into: buffer, at: 0, file: path)
    return try parse(UnsafeRawBufferPointer(rebasing: buffer[0..<got]), path: path)
  }

  /// Parses index JSON held in memory.
  static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(SafetensorsError)
    -> ShardIndex
  {
    if let bad = UTF8Validation.firstInvalidOffset(bytes) {
      throw .invalidIndex(file: path, reason: "not valid UTF-8 (first bad byte at offset \(bad))")
    }
    let root: JSONNode
    do throws(StrictJSONParser.SyntaxError) {
      root = try StrictJSONParser.parse(bytes)
    } catch {
      throw .invalidIndex(
        file: path, reason: "invalid JSON at byte \(error.offset): \(error.reason)")
    }
    guard case .object(let members) = root.kind else {
      throw .invalidIndex(file: path, reason: "expected an object, found \(root.typeName)")
    }
    var weightMap: [JSONNode.Member]?
    var totalSize: UInt64?
    for member in members {
      switch member.key {
      case "weight_map":
        guard case .object(let pairs) = member.value.kind else {
          throw .invalidIndex(
            file: path, reason: "weight_map must be an object, found \(member.value.typeName)")
        }
        weightMap = pairs
      case "metadata":
        totalSize = nil
        if case .object(let fields) = member.value.kind {
          for field in fields where field.key == "total_size" {
            if case .number(let number) = field.value.kind { totalSize = number.unsignedValue }
          }
        }
      default:
        continue
      }
    }
    guard let weightMap else { throw .invalidIndex(file: path, reason: "no weight_map") }
    var entries: [Entry] = []
    var positionOf: [String: Int] = [:]
    for pair in weightMap {
      guard case .string(let shard) = pair.value.kind else {
        throw .invalidIndex(
          file: path,
          reason:
            "weight_map value for \(TensorInfo.displayName(pair.key)) must be a string, found \(pair.value.typeName)"
        )
      }
      guard isSafeRelativePath(shard) else {
        throw .unsafeShardPath(file: path, tensor: pair.key, shard: shard)
      }
      let entry = Entry(tensor: pair.key, shard: shard)
      if let existing = positionOf[pair.key] {
        entries[existing] = entry
      } else {
        positionOf[pair.key] = entries.count
        entries.append(entry)
      }
    }
    let shardNames = Set(entries.map(\.shard)).sorted(by: NaturalOrder.less)
    return ShardIndex(entries: entries, shardNames: shardNames, totalSize: totalSize)
  }

  /// True for a non-empty relative path with no `..` component (and no NUL, which C would cut).
  static func isSafeRelativePath(_ path: String) -> Bool {
    guard !path.isEmpty, !path.hasPrefix("/"), !path.utf8.contains(0) else { return false }
    return !path.split(separator: "/", omittingEmptySubsequences: false).contains("..")
  }
}
