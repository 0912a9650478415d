/// Errors of the safetensors reader: one case per validation rule of docs/SAFETENSORS.md, per
/// sharding and path-resolution check, and for I/O.
///
/// `description` renders one line, `FILE: reason`, where the reason is the line the spec gives
/// (the CLI prints `quantscope: error: ` before it and exits with status 2).
public enum SafetensorsError: Error, Sendable, Equatable, CustomStringConvertible {
  // MARK: - I/O

  /// open/pread/fstat/opendir failed, or a read came back short.
  case io(file: String, reason: String)
  /// The file's size changed between opening the checkpoint and reading it.
  case fileChanged(file: String, expectedSize: UInt64, actualSize: UInt64)

  // MARK: - Validation rules 1–11 (in the reference's order)

  /// Rule 1 (HeaderTooSmall): fewer than 8 bytes.
  case headerTooSmall(file: String, fileSize: UInt64)
  /// Rule 2 (HeaderTooLarge): N > 100,000,000.
  case headerTooLarge(file: String, headerLength: UInt64)
  /// Rule 3 (InvalidHeaderLength): 8 + N overflows or runs past the end of the file.
  case headerPastEnd(file: String, headerLength: UInt64, fileSize: UInt64)
  /// Rule 4 (InvalidHeader): the header is not UTF-8; `fileOffset` is the first bad byte.
  case headerNotUTF8(file: String, fileOffset: UInt64)
  /// Rule 5 (InvalidHeaderDeserialization): syntax or schema error at `headerOffset` (0 = first header byte).
  case invalidHeaderJSON(file: String, headerOffset: Int, reason: String)
  /// Rule 7 (InvalidOffset): BEGIN is not the previous tensor's END.
  case offsetGap(file: String, tensor: String, begin: UInt64, end: UInt64, expectedBegin: UInt64)
  /// Rule 7 (InvalidOffset): END < BEGIN.
  case offsetsReversed(file: String, tensor: String, begin: UInt64, end: UInt64)
  /// Rule 8 (ValidationOverflow): element count × bits overflows 64 bits.
  case shapeOverflow(file: String, tensor: String, shape: [UInt64])
  /// Rule 9 (MisalignedSlice): element count × bits is not a multiple of 8 (F4, F6).
  case partialBytes(file: String, tensor: String, elements: UInt64, dtype: DType)
  /// Rule 10 (TensorInvalidInfo): END − BEGIN differs from the size dtype and shape imply.
  case sizeMismatch(
    file: String, tensor: String, dtype: DType, shape: [UInt64], needed: UInt64, given: UInt64)
  /// Rule 11 (MetadataIncompleteBuffer): bytes after the last tensor.
  case trailingBytes(file: String, count: UInt64)
  /// Rule 11 (MetadataIncompleteBuffer): the data buffer is shorter than the tensors need.
  case truncated(file: String, needed: UInt64, available: UInt64)
  /// A dimension above `Int.max` in a tensor the reference accepts (only possible when another
  /// dimension is 0); QuantScope stores shapes as `Int` and cannot represent it.
  case dimensionTooLarge(file: String, tensor: String, shape: [UInt64])

  // MARK: - Sharded sets

  /// The index file is not JSON of the expected shape.
  case invalidIndex(file: String, reason: String)
  /// A `weight_map` value is absolute or contains `..`.
  case unsafeShardPath(file: String, tensor: String, shard: String)
  /// Check (a): a shard that `weight_map` names does not exist.
  case missingShard(file: String, shard: String)
  /// Check (b): a tensor name is in two shards.
  case duplicateAcrossShards(file: String, tensor: String, first: String, second: String)
  /// Check (c): a `weight_map` entry is absent from the shard it names.
  case notInShard(file: String, tensor: String, shard: String)

  // MARK: - Path resolution

  /// The path is neither a directory, a `.safetensors` file nor a `.safetensors.index.json` file.
  case unsupportedPath(file: String)
  /// Directory rule 5: nothing usable; `found` lists what was there (empty: no .safetensors files).
  case noCheckpoint(directory: String, found: [String])
  /// A model id that the local Hugging Face cache does not hold (or not at that revision):
  /// `folder` is where it was looked for, `command` downloads it.
  case notInHubCache(id: String, folder: String, reason: String, command: String)

  // MARK: - Reading

  /// A read asked for bytes or elements outside the tensor.
  case outOfRange(file: String, tensor: String, start: UInt64, count: UInt64, limit: UInt64)
  /// `readFloats` on a dtype that has no Float32 conversion.
  case notConvertible(file: String, tensor: String, dtype: DType)
  /// A tensor name that is not in the checkpoint, or a tensor from another checkpoint.
  case noSuchTensor(file: String, tensor: String)

  // MARK: - Stored quantization

  /// The parts of a pre-quantized tensor do not fit together (missing, wrong size, bad JSON, ...).
  case storedQuantization(file: String, tensor: String, reason: String)

  // MARK: - Rendering

  /// The file the error is about (the first part of `description`).
  public var file: String {
    switch self {
    case .io(let file, _), .fileChanged(let file, _, _), .headerTooSmall(let file, _),
      .headerTooLarge(let file, _), .headerPastEnd(let file, _, _), .headerNotUTF8(let file, _),
      .invalidHeaderJSON(let file, _, _), .offsetGap(let file, _, _, _, _),
      .offsetsReversed(let file, _, _, _), .shapeOverflow(let file, _, _),
      .partialBytes(let file, _, _, _), .sizeMismatch(let file, _, _, _, _, _),
      .trailingBytes(let file, _), .truncated(let file, _, _), .dimensionTooLarge(let file, _, _),
      .invalidIndex(let file, _), .unsafeShardPath(let file, _, _), .missingShard(let file, _),
      .duplicateAcrossShards(let file, _, _, _), .notInShard(let file, _, _),
      .unsupportedPath(let file), .noCheckpoint(let file, _), .outOfRange(let file, _, _, _, _),
      .notConvertible(let file, _, _), .noSuchTensor(let file, _),
      .storedQuantization(let file, _, _),
      .notInHubCache(let file, _, _, _):
      file
    }
  }

  /// The reason, without the file (the spec's line).
  public var reason: String {
    switch self {
    case .io(_, let reason):
      return reason
    case .fileChanged(_, let expected, let actual):
      return "file changed since it was opened (was \(expected) bytes, now \(actual))"
    case .headerTooSmall(_, let size):
      return "file is \(size) bytes, too short for a safetensors header"
    case .headerTooLarge(_, let length):
      return "header length \(length) exceeds the 100000000-byte limit"
    case .headerPastEnd(_, let length, let size):
      return "header length \(length) runs past the end of the file (\(size) bytes)"
    case .headerNotUTF8(_, let offset):
      return "header is not valid UTF-8 (first bad byte at file offset \(offset))"
    case .invalidHeaderJSON(_, let offset, let reason):
      return "invalid header JSON at header byte \(offset): \(reason)"
    case .offsetGap(_, let tensor, let begin, let end, let expected):
      return
        "tensor \(TensorInfo.displayName(tensor)): data_offsets [\(begin), \(end)] should begin at \(expected)"
    case .offsetsReversed(_, let tensor, let begin, let end):
      return
        "tensor \(TensorInfo.displayName(tensor)): data_offsets [\(begin), \(end)] end before they begin"
    case .shapeOverflow(_, let tensor, let shape):
      return
        "tensor \(TensorInfo.displayName(tensor)): shape \(Self.render(shape)) overflows a 64-bit byte count"
    case .partialBytes(_, let tensor, let elements, let dtype):
      return
        "tensor \(TensorInfo.displayName(tensor)): \(elements) elements of \(dtype.rawValue) do not fill a whole number of bytes"
    case .sizeMismatch(_, let tensor, let dtype, let shape, let needed, let given):
      return
        "tensor \(TensorInfo.displayName(tensor)): \(dtype.rawValue) \(Self.render(shape)) needs \(needed) bytes but data_offsets give \(given)"
    case .trailingBytes(_, let count):
      return "\(count) bytes follow the last tensor"
    case .truncated(_, let needed, let available):
      return "file is truncated: tensors need \(needed) data bytes, file has \(available)"
    case .dimensionTooLarge(_, let tensor, let shape):
      return
        "tensor \(TensorInfo.displayName(tensor)): shape \(Self.render(shape)) has a dimension above \(Int.max), which QuantScope cannot represent"
    case .invalidIndex(_, let reason):
      return "invalid index: \(reason)"
    case .unsafeShardPath(_, let tensor, let shard):
      return
        "tensor \(TensorInfo.displayName(tensor)): shard path \(SafetensorsWriter.jsonString(shard)) must be a relative path inside the index's directory"
    case .missingShard(_, let shard):
      return "shard \(shard) is missing"
    case .duplicateAcrossShards(_, let tensor, let first, let second):
      return "tensor \(TensorInfo.displayName(tensor)) is in both \(first) and \(second)"
    case .notInShard(_, let tensor, let shard):
      return "tensor \(TensorInfo.displayName(tensor)) is not in \(shard)"
    case .unsupportedPath:
      return "not a .safetensors file, a .safetensors.index.json file or a directory"
    case .noCheckpoint(_, let found):
      if found.isEmpty { return "no .safetensors files" }
      return "no safetensors checkpoint (found: \(found.joined(separator: "; ")))"
    case .outOfRange(_, let tensor, let start, let count, let limit):
      return
        "tensor \(TensorInfo.displayName(tensor)): read of \(count) at \(start) is outside its \(limit)"
    case .notConvertible(_, let tensor, let dtype):
      return
        "tensor \(TensorInfo.displayName(tensor)): \(dtype.rawValue) cannot be converted to F32"
    case .noSuchTensor(_, let tensor):
      return "no tensor named \(TensorInfo.displayName(tensor))"
    case .storedQuantization(_, let tensor, let reason):
      return "tensor \(TensorInfo.displayName(tensor)): \(reason)"
    case .notInHubCache(_, let folder, let reason, let command):
      return "\(reason) (looked in \(folder)); download it with `\(command)`"
    }
  }

  public var description: String { "\(file): \(reason)" }

  /// `[2, 3]`: a shape as the error lines print it.
  static func render(_ shape: [UInt64]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
  }
}
