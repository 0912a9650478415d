import Safetensors

#if canImport(Glibc)
  import Glibc
#endif

/// Builds safetensors files byte by byte, including malformed ones: any raw header text, any
/// length prefix, any data bytes.
public enum SafetensorsFixture {
  /// The bytes of a file: an 8-byte little-endian length (the header's byte count unless
  /// `headerLength` overrides it), the header text as given (no padding), then `data`.
  public static func bytes(header: String, data: [UInt8] = [], headerLength: UInt64? = nil)
    -> [UInt8]
  {
    bytes(headerBytes: Array(header.utf8), data: data, headerLength: headerLength)
  }

  /// As `bytes(header:data:headerLength:)` with raw header bytes (for invalid UTF-8).
  public static func bytes(headerBytes: [UInt8], data: [UInt8] = [], headerLength: UInt64? = nil)
    -> [UInt8]
  {
    let length = headerLength ?? UInt64(headerBytes.count)
    var out: [UInt8] = []
    out.reserveCapacity(8 + headerBytes.count + data.count)
    for shift in stride(from: 0, to: 64, by: 8) {
      out.append(UInt8(truncatingIfNeeded: length >> UInt64(shift)))
    }
    out += headerBytes
    out += data
    return out
  }

  /// Writes `bytes` to `path` (created or truncated).
  public static func write(_ bytes: [UInt8], to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FixtureError("open \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var done = 0
    try bytes.withUnsafeBytes { raw in
      while done < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
        if n < 0 {
          if errno == EINTR { continue }
          throw FixtureError("write \(path): \(String(cString: strerror(errno)))")
        }
        done += n
      }
    }
  }

  /// Writes a file with raw `header` text and `data` to `path`; returns `path`.
  @discardableResult
  public static func write(
    header: String, data: [UInt8] = [], headerLength: UInt64? = nil, to path: String
  ) throws -> String {
    try write(bytes(header: header, data: data, headerLength: headerLength), to: path)
    return path
  }

  /// A valid file's bytes: `entries` back to back (as `SafetensorsWriter` lays them out).
  public static func valid(_ tensors: [(name: String, dtype: DType, shape: [Int], bytes: [UInt8])])
    -> [UInt8]
  {
    let entries = tensors.map {
      SafetensorsWriter.Entry(name: $0.name, dtype: $0.dtype, shape: $0.shape, bytes: $0.bytes)
    }
    var header = Array(SafetensorsWriter.headerJSON(entries, metadata: ["format": "pt"]).utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    return bytes(headerBytes: header, data: tensors.flatMap(\.bytes))
  }

  /// Extends the file at `path` to `size` bytes without writing data (a sparse hole).
  public static func extend(_ path: String, to size: UInt64) throws {
    guard truncate(path, off_t(size)) == 0 else {
      throw FixtureError("truncate \(path): \(String(cString: strerror(errno)))")
    }
  }
}
