/// Opening one `.safetensors` file header-only.
extension SafetensorsFile {
  /// One file's header, validated: the file summary, its tensors and its warnings.
  package struct Contents: Sendable {
    package var file: SafetensorsFile
    /// Tensors with `fileIndex` 0, in natural name order.
    package var tensors: [TensorInfo]
    package var warnings: [String]
  }

  /// Opens `path` and validates its header (rules 1–11).
  ///
  /// - Throws: `SafetensorsError` for the first rule that fails, or `.io`.
  /// - Complexity: reads 8 + N bytes (two `pread` calls); never touches tensor data.
  package static func load(_ path: String) throws(SafetensorsError) -> Contents {
    let fd = try FileAccess.openReadOnly(path)
    defer { FileAccess.closeDescriptor(fd) }
    let status = try FileAccess.status(of: fd, file: path)
    guard !status.isDirectory else { throw .io(file: path, reason: "is a directory") }
    var prefix: (UInt64) = 0
    let prefixCount = try withUnsafeMutableBytes(of: &prefix) { raw throws(SafetensorsError) in
      try FileAccess.read(fd, into: raw, at: 0, file: path)
    }
    let headerLength = try withUnsafeBytes(of: &prefix) { raw throws(SafetensorsError) in
      try HeaderValidator.headerLength(
        prefix: UnsafeRawBufferPointer(rebasing: raw[0..<prefixCount]),
        fileSize: max(status.size, UInt64(prefixCount)), file: path)
    }
    let header = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(headerLength), alignment: 8)
    defer { header.deallocate() }
    let got = try FileAccess.read(fd, into: header, at: 8, file: path)
    guard got == Int(headerLength) else {
      throw .io(file: path, reason: "short read: header of \(headerLength) bytes, got \(got)")
    }
    let result = try HeaderValidator.validate(
      header: UnsafeRawBufferPointer(header), fileSize: status.size, file: path)
    let file = SafetensorsFile(
      path: path, size: status.size, modificationTime: status.modificationTime,
      headerLength: headerLength, metadata: result.metadata, headerHash: result.headerHash)
    return Contents(file: file, tensors: result.tensors, warnings: result.warnings)
  }

  /// Validates a whole file held in memory (rules 1–11), as `load` would on disk: for tests and
  /// fuzzing without file I/O.
  package static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(SafetensorsError)
    -> Contents
  {
    let size = UInt64(bytes.count)
    let headerLength = try HeaderValidator.headerLength(
      prefix: UnsafeRawBufferPointer(rebasing: bytes[0..<min(8, bytes.count)]), fileSize: size,
      file: path)
    let header = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + Int(headerLength))])
    let result = try HeaderValidator.validate(header: header, fileSize: size, file: path)
    let file = SafetensorsFile(
      path: path, size: size, modificationTime: 0, headerLength: headerLength,
      metadata: result.metadata, headerHash: result.headerHash)
    return Contents(file: file, tensors: result.tensors, warnings: result.warnings)
  }
}
