import FileSystem

/// Writes safetensors files: used by the demo and synthetic checkpoints, and by test fixtures.
///
/// Tensors are laid out in the order given; the header is padded with spaces to a multiple of 8,
/// as the reference writer does. Data can be produced in chunks by a closure, so multi-GB files
/// are written with bounded memory.
public struct SafetensorsWriter {
  /// A tensor to write: its header entry and a producer of its bytes.
  public struct Entry {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    /// Writes the tensor's `byteCount` bytes by calling `sink` one or more times, in order.
    public var produce: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void

    public init(
      name: String, dtype: DType, shape: [Int],
      produce: @escaping (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) {
      self.name = name
      self.dtype = dtype
      self.shape = shape
      self.produce = produce
    }

    /// An entry whose bytes are already in memory.
    public init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) {
      self.init(name: name, dtype: dtype, shape: shape) { sink in
        try bytes.withUnsafeBytes { try sink($0) }
      }
    }

    /// Size in bytes implied by dtype and shape.
    public var byteCount: Int { (shape.reduce(1, *) * dtype.bits + 7) / 8 }
  }

  /// Renders the header JSON (unpadded) for `entries` laid out back to back.
  public static func headerJSON(_ entries: [Entry], metadata: [String: String]?) -> String {
    var parts: [String] = []
    if let metadata {
      let items = metadata.sorted { $0.key < $1.key }
        .map { "\(jsonString($0.key)):\(jsonString($0.value))" }
      parts.append("\"__metadata__\":{\(items.joined(separator: ","))}")
    }
    var offset = 0
    for entry in entries {
      let end = offset + entry.byteCount
      let shape = entry.shape.map(String.init).joined(separator: ",")
      parts.append(
        "\(jsonString(entry.name)):{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}"
      )
      offset = end
    }
    return "{" + parts.joined(separator: ",") + "}"
  }

  /// Writes `entries` to `path` (created or truncated, mode 0644). Not atomic: callers that need
  /// atomicity write to a temporary name and rename.
  ///
  /// - Throws: `SafetensorsWriterError` naming the path and the failing call.
  public static func write(
    _ entries: [Entry], metadata: [String: String]? = ["format": "pt"], to path: String
  ) throws {
    var header = Array(headerJSON(entries, metadata: metadata).utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    let fd = try SafetensorsWriterError.writing { () throws(FileSystemError) in
      try FileSystem.createFile(path)
    }
    defer { FileSystem.closeDescriptor(fd) }
    let sink = { (buffer: UnsafeRawBufferPointer) throws in
      try SafetensorsWriterError.writing { () throws(FileSystemError) in
        try FileSystem.write(fd, buffer, path: path)
      }
    }
    var length = UInt64(header.count).littleEndian
    try withUnsafeBytes(of: &length) { try sink($0) }
    try header.withUnsafeBytes { try sink($0) }
    for entry in entries {
      var written = 0
      try entry.produce { chunk in
        written += chunk.count
        try sink(chunk)
      }
      guard written == entry.byteCount else {
        throw SafetensorsWriterError(
          path: path,
          reason: "tensor \(entry.name): produced \(written) bytes, expected \(entry.byteCount)")
      }
    }
  }

  /// A JSON string literal with the escapes RFC 8259 requires.
  public static func jsonString(_ text: String) -> String {
    QuotedString.quoted(text) { scalar in
      guard QuotedString.isControl(scalar) else { return nil }
      let hex = String(scalar.value, radix: 16)
      return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }
  }
}

/// A failure writing a safetensors file (or another file of a synthetic checkpoint).
public struct SafetensorsWriterError: Error, CustomStringConvertible {
  public var path: String
  public var reason: String
  public var description: String { "\(path): \(reason)" }

  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }

  /// Runs a file-system call, its failure as a `SafetensorsWriterError` naming the path.
  package static func writing<T>(_ call: () throws(FileSystemError) -> T)
    throws(SafetensorsWriterError) -> T
  {
    do throws(FileSystemError) {
      return try call()
    } catch {
      throw SafetensorsWriterError(path: error.path, reason: error.reason)
    }
  }
}

// MARK: - Float encodings used by writers

/// Float32 → bfloat16 bits, round to nearest even (NaN stays a quiet NaN).
public func bfloat16Bits(_ value: Float) -> UInt16 {
  let bits = value.bitPattern
  if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
  let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
  return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
}

/// Float32 → binary16 bits, round to nearest even (overflow → ±inf).
public func float16Bits(_ value: Float) -> UInt16 {
  Float16(value).bitPattern
}
