/// The safetensors header schema (rule 5): parses the header and turns it into tensor entries.
///
/// Mirrors the reference's serde types (`HashMetadata`, `TensorInfo` in safetensors `tensor.rs`):
/// a repeated tensor name keeps the last entry, a repeated field or `__metadata__` is an error,
/// unknown fields are ignored, shapes and offsets are bare non-negative integers below 2^64.
enum HeaderSchema {
  /// One tensor entry as the header states it, before offset validation.
  struct Entry {
    var name: String
    var dtype: DType
    var shape: [UInt64]
    var begin: UInt64
    var end: UInt64
  }

  /// The header's content.
  struct Content {
    /// Tensor entries, last entry kept for a repeated name, in first-appearance order.
    var entries: [Entry]
    /// `__metadata__`; nil when absent, null or `{}`.
    var metadata: [String: String]?
    /// Names that appeared more than once, with their counts.
    var repeatedNames: [(name: String, count: Int)]
  }

  /// A schema or syntax error: where and why (rendered as rule 5's line).
  typealias Violation = StrictJSONParser.SyntaxError

  static let metadataKey = "__metadata__"

  /// Parses and applies the schema to the header bytes, in the reference's order: syntax and
  /// `__metadata__` errors as the parser meets them, then tensor entries in document order, then
  /// trailing characters.
  static func read(_ header: UnsafeRawBufferPointer) throws(Violation) -> Content {
    var metadata: [String: String]?
    var sawMetadata = false
    var pending: [JSONNode.Member] = []
    var content = Content(entries: [], metadata: nil, repeatedNames: [])
    try StrictJSONParser.parseObjectDocument(
      header,
      visit: { member throws(Violation) in
        guard member.key == metadataKey else {
          pending.append(member)
          return
        }
        if sawMetadata {
          throw Violation(offset: member.keyOffset, reason: "duplicate field `__metadata__`")
        }
        sawMetadata = true
        metadata = try readMetadata(member.value)
      },
      finish: { () throws(Violation) in
        content = try readEntries(pending)
      })
    content.metadata = metadata
    return content
  }

  /// Tensor entries in document order; a repeated name keeps the last entry (each entry is still
  /// checked, as serde deserializes every one into the map).
  private static func readEntries(_ members: [JSONNode.Member]) throws(Violation) -> Content {
    var entries: [Entry] = []
    var positionOfName: [String: Int] = [:]
    var counts: [String: Int] = [:]
    for member in members {
      let entry = try readEntry(name: member.key, member.value)
      counts[member.key, default: 0] += 1
      if let existing = positionOfName[member.key] {
        entries[existing] = entry
      } else {
        positionOfName[member.key] = entries.count
        entries.append(entry)
      }
    }
    let repeated = entries.compactMap { entry -> (name: String, count: Int)? in
      let count = counts[entry.name] ?? 1
      return count > 1 ? (entry.name, count) : nil
    }
    return Content(entries: entries, metadata: nil, repeatedNames: repeated)
  }

  // MARK: - Parts

  private static func readMetadata(_ value: JSONNode) throws(Violation) -> [String: String]? {
    switch value.kind {
    case .null:
      return nil
    case .object(let members):
      var result: [String: String] = [:]
      for member in members {
        guard case .string(let text) = member.value.kind else {
          throw Violation(
            offset: member.value.offset,
            reason:
              "`__metadata__` value for key \(SafetensorsWriter.jsonString(member.key)) must be a string, found \(member.value.typeName)"
          )
        }
        result[member.key] = text
      }
      return result.isEmpty ? nil : result
    default:
      throw Violation(
        offset: value.offset,
        reason: "`__metadata__` must be null or an object of strings, found \(value.typeName)")
    }
  }

  private static func readEntry(name: String, _ value: JSONNode) throws(Violation) -> Entry {
    let shown = TensorInfo.displayName(name)
    let members: [JSONNode.Member]
    switch value.kind {
    case .object(let fields):
      members = fields
    case .array(let elements):
      // serde's derived struct visitor also reads a struct from a sequence of its fields in
      // declaration order, so the reference accepts `["F32", [2], [0, 8]]`.
      guard elements.count == 3 else {
        throw Violation(
          offset: value.offset,
          reason:
            "tensor \(shown): an entry written as an array needs 3 elements (dtype, shape, data_offsets), found \(elements.count)"
        )
      }
      members = zip(["dtype", "shape", "data_offsets"], elements).map {
        JSONNode.Member(key: $0, keyOffset: $1.offset, value: $1)
      }
    default:
      throw Violation(
        offset: value.offset,
        reason:
          "tensor \(shown): expected an object with dtype, shape and data_offsets, found \(value.typeName)"
      )
    }
    var dtype: DType?
    var shape: [UInt64]?
    var offsets: [UInt64]?
    for member in members {
      switch member.key {
      case "dtype":
        guard dtype == nil else { throw duplicate("dtype", shown, member) }
        guard case .string(let text) = member.value.kind else {
          throw Violation(
            offset: member.value.offset,
            reason: "tensor \(shown): dtype must be a string, found \(member.value.typeName)")
        }
        guard let known = DType(rawValue: text) else {
          throw Violation(
            offset: member.value.offset,
            reason: "tensor \(shown): unknown dtype \(SafetensorsWriter.jsonString(text))")
        }
        dtype = known
      case "shape":
        guard shape == nil else { throw duplicate("shape", shown, member) }
        shape = try readIntegers("shape", shown, member.value)
      case "data_offsets":
        guard offsets == nil else { throw duplicate("data_offsets", shown, member) }
        let pair = try readIntegers("data_offsets", shown, member.value)
        guard pair.count == 2 else {
          throw Violation(
            offset: member.value.offset,
            reason:
              "tensor \(shown): data_offsets must have exactly 2 elements, found \(pair.count)")
        }
        offsets = pair
      default:
        continue  // Unknown fields are ignored, as serde does.
      }
    }
    guard let dtype else { throw missing("dtype", shown, value) }
    guard let shape else { throw missing("shape", shown, value) }
    guard let offsets else { throw missing("data_offsets", shown, value) }
    return Entry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
  }

  private static func readIntegers(_ field: String, _ shown: String, _ value: JSONNode)
    throws(Violation) -> [UInt64]
  {
    guard case .array(let elements) = value.kind else {
      throw Violation(
        offset: value.offset,
        reason:
          "tensor \(shown): \(field) must be an array of non-negative integers, found \(value.typeName)"
      )
    }
    var result: [UInt64] = []
    result.reserveCapacity(elements.count)
    for element in elements {
      guard case .number(let number) = element.kind else {
        throw Violation(
          offset: element.offset,
          reason:
            "tensor \(shown): \(field) must be an array of non-negative integers, found \(element.typeName) in it"
        )
      }
      guard number.isBareDigits else {
        throw Violation(
          offset: element.offset,
          reason:
            "tensor \(shown): \(field) element \(number.shortText) is not a non-negative integer")
      }
      guard let integer = number.unsignedValue else {
        throw Violation(
          offset: element.offset,
          reason:
            "tensor \(shown): \(field) element \(number.shortText) exceeds 18446744073709551615")
      }
      result.append(integer)
    }
    return result
  }

  private static func duplicate(_ field: String, _ shown: String, _ member: JSONNode.Member)
    -> Violation
  {
    Violation(offset: member.keyOffset, reason: "tensor \(shown): duplicate field `\(field)`")
  }

  private static func missing(_ field: String, _ shown: String, _ value: JSONNode) -> Violation {
    Violation(offset: value.offset, reason: "tensor \(shown): missing field `\(field)`")
  }
}
