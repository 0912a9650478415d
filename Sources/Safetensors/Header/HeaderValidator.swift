/// Validation rules 1–11 of docs/SAFETENSORS.md, in the reference's order
/// (`SafeTensors::read_metadata` and `Metadata::validate` in safetensors `tensor.rs`).
///
/// Works on bytes already in memory: the first 8 bytes, then the header. The file opener and the
/// in-memory test entry point (`SafetensorsFile+Parse.swift`) share it.
enum HeaderValidator {
  /// Rule 2's limit: a decimal 100,000,000, not 100 MiB.
  static let maximumHeaderLength: UInt64 = 100_000_000

  /// One validated file: its header summary and tensors (`fileIndex` 0), in natural name order.
  struct Result {
    var headerLength: UInt64
    var metadata: [String: String]?
    var headerHash: UInt64
    var tensors: [TensorInfo]
    var warnings: [String]
  }

  // MARK: - Rules 1–3

  /// N from the length prefix, checked against the file size (rules 1–3).
  ///
  /// - Parameter prefix: the first `min(8, fileSize)` bytes of the file.
  static func headerLength(
    prefix: UnsafeRawBufferPointer, fileSize: UInt64, file: String
  ) throws(SafetensorsError) -> UInt64 {
    guard fileSize >= 8, prefix.count >= 8 else {
      throw .headerTooSmall(file: file, fileSize: fileSize)
    }
    var length: UInt64 = 0
    for index in (0..<8).reversed() { length = length << 8 | UInt64(prefix[index]) }
    guard length <= maximumHeaderLength else {
      throw .headerTooLarge(file: file, headerLength: length)
    }
    let (end, overflow) = length.addingReportingOverflow(8)
    guard !overflow, end <= fileSize else {
      throw .headerPastEnd(file: file, headerLength: length, fileSize: fileSize)
    }
    return length
  }

  // MARK: - Rules 4–11

  /// Validates the header bytes (rules 4–11) of a file of `fileSize` bytes.
  ///
  /// - Complexity: O(N + T log T) for N header bytes and T tensors; touches no tensor data.
  static func validate(
    header: UnsafeRawBufferPointer, fileSize: UInt64, file: String
  ) throws(SafetensorsError) -> Result {
    let headerLength = UInt64(header.count)
    // Rule 4.
    if let bad = UTF8Validation.firstInvalidOffset(header) {
      throw .headerNotUTF8(file: file, fileOffset: 8 + UInt64(bad))
    }
    // Rule 5.
    let content: HeaderSchema.Content
    do throws(HeaderSchema.Violation) {
      content = try HeaderSchema.read(header)
    } catch {
      throw .invalidHeaderJSON(file: file, headerOffset: error.offset, reason: error.reason)
    }
    // Rule 6: sort by (BEGIN, END); ties in name order so the reported tensor is deterministic.
    let sorted = content.entries.sorted { a, b in
      if a.begin != b.begin { return a.begin < b.begin }
      if a.end != b.end { return a.end < b.end }
      return NaturalOrder.less(a.name, b.name)
    }
    // Rules 7–10, tensor by tensor.
    var expectedBegin: UInt64 = 0
    for entry in sorted {
      if entry.begin != expectedBegin {
        throw .offsetGap(
          file: file, tensor: entry.name, begin: entry.begin, end: entry.end,
          expectedBegin: expectedBegin)
      }
      if entry.end < entry.begin {
        throw .offsetsReversed(file: file, tensor: entry.name, begin: entry.begin, end: entry.end)
      }
      expectedBegin = entry.end
      guard let elements = elementCount(entry.shape) else {
        throw .shapeOverflow(file: file, tensor: entry.name, shape: entry.shape)
      }
      let (bits, overflow) = elements.multipliedReportingOverflow(by: UInt64(entry.dtype.bits))
      if overflow { throw .shapeOverflow(file: file, tensor: entry.name, shape: entry.shape) }
      if bits % 8 != 0 {
        throw .partialBytes(file: file, tensor: entry.name, elements: elements, dtype: entry.dtype)
      }
      if entry.end - entry.begin != bits / 8 {
        throw .sizeMismatch(
          file: file, tensor: entry.name, dtype: entry.dtype, shape: entry.shape, needed: bits / 8,
          given: entry.end - entry.begin)
      }
    }
    // Rule 11.
    let dataSize = fileSize - 8 - headerLength
    if expectedBegin < dataSize {
      throw .trailingBytes(file: file, count: dataSize - expectedBegin)
    }
    if expectedBegin > dataSize {
      throw .truncated(file: file, needed: expectedBegin, available: dataSize)
    }
    // Accepted. Build the tensors in natural name order.
    var tensors: [TensorInfo] = []
    tensors.reserveCapacity(sorted.count)
    for entry in content.entries {
      var shape: [Int] = []
      shape.reserveCapacity(entry.shape.count)
      for dimension in entry.shape {
        guard dimension <= UInt64(Int.max) else {
          throw .dimensionTooLarge(file: file, tensor: entry.name, shape: entry.shape)
        }
        shape.append(Int(dimension))
      }
      tensors.append(
        TensorInfo(
          name: entry.name, dtype: entry.dtype, shape: shape, fileIndex: 0,
          fileOffset: 8 + headerLength + entry.begin, byteCount: entry.end - entry.begin))
    }
    tensors.sort { NaturalOrder.less($0.name, $1.name) }
    let warnings = content.repeatedNames.map { repeated in
      "\(file): tensor \(TensorInfo.displayName(repeated.name)) appears \(repeated.count) times in the header; the last entry is kept"
    }
    return Result(
      headerLength: headerLength, metadata: content.metadata, headerHash: fnv1a64(header),
      tensors: tensors, warnings: warnings)
  }

  // MARK: - Helpers

  /// Product of `shape`, left to right with an overflow check at each step (rule 8); 1 for `[]`.
  static func elementCount(_ shape: [UInt64]) -> UInt64? {
    var product: UInt64 = 1
    for dimension in shape {
      let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
      if overflow { return nil }
      product = next
    }
    return product
  }

  /// FNV-1a 64-bit hash of `bytes` (the analysis cache keys on the header's hash).
  static func fnv1a64(_ bytes: UnsafeRawBufferPointer) -> UInt64 { FNV1a.hash(bytes) }
}
