/// Reads tensor data with `pread` from a checkpoint's files, opened read-only once.
///
/// Thread-safe: `pread` takes its offset as an argument, and the reader holds no mutable state,
/// so one reader can be shared by many workers. No file is memory-mapped: a file truncated while
/// QuantScope runs gives a thrown error (short read or changed size), never SIGBUS
/// (docs/SAFETENSORS.md, "Reading the data safely").
public final class TensorDataReader: Sendable {
  public let checkpoint: Checkpoint
  /// One read-only descriptor per `checkpoint.files` entry.
  private let descriptors: [Int32]

  /// Bytes of raw data converted per step in `readFloats`: bounds the scratch memory of a call.
  static let chunkBytes = 1 << 16

  /// Opens every file of `checkpoint` read-only and checks that none changed size since it was
  /// opened header-only.
  ///
  /// - Throws: `SafetensorsError.io` when a file cannot be opened, `.fileChanged` when its size differs.
  public init(checkpoint: Checkpoint) throws(SafetensorsError) {
    self.checkpoint = checkpoint
    var opened: [Int32] = []
    do throws(SafetensorsError) {
      for file in checkpoint.files {
        let fd = try FileAccess.openReadOnly(file.path)
        opened.append(fd)
        let status = try FileAccess.status(of: fd, file: file.path)
        if status.size != file.size {
          throw .fileChanged(file: file.path, expectedSize: file.size, actualSize: status.size)
        }
      }
    } catch {
      for fd in opened { FileAccess.closeDescriptor(fd) }
      throw error
    }
    descriptors = opened
  }

  deinit {
    for fd in descriptors { FileAccess.closeDescriptor(fd) }
  }

  // MARK: - Raw bytes

  /// Fills `buffer` with the tensor's bytes starting at `byteOffset` (relative to the tensor).
  ///
  /// - Throws: `.outOfRange` when the range leaves the tensor, `.fileChanged` when the file's size
  ///   changed since opening, `.io` for a failed or short read (naming the file and tensor).
  /// - Complexity: one `fstat` and one or more `pread` calls; touches `buffer.count` bytes.
  public func readBytes(
    of tensor: TensorInfo, at byteOffset: UInt64, into buffer: UnsafeMutableRawBufferPointer
  ) throws(SafetensorsError) {
    let (fd, file) = try descriptor(for: tensor)
    let count = UInt64(buffer.count)
    guard byteOffset <= tensor.byteCount, count <= tensor.byteCount - byteOffset else {
      throw .outOfRange(
        file: file.path, tensor: tensor.name, start: byteOffset, count: count,
        limit: tensor.byteCount)
    }
    if count == 0 { return }
    let status = try FileAccess.status(of: fd, file: file.path)
    if status.size != file.size {
      throw .fileChanged(file: file.path, expectedSize: file.size, actualSize: status.size)
    }
    let got = try FileAccess.read(
      fd, into: buffer, at: tensor.fileOffset + byteOffset, file: file.path)
    if got != buffer.count {
      throw .io(
        file: file.path,
        reason:
          "tensor \(tensor.displayName): short read, \(got) of \(count) bytes at file offset \(tensor.fileOffset + byteOffset)"
      )
    }
  }

  // MARK: - Floats

  /// Reads `count` elements starting at flat element index `element`, converted exactly to Float32.
  ///
  /// Only for `tensor.dtype.isAnalysable` types (F64 rounds to nearest even; the others are exact).
  /// Stream a tensor of any size by calling this in chunks: scratch memory is bounded by
  /// `chunkBytes`, whatever `count` is.
  ///
  /// - Throws: `.notConvertible` for other dtypes, `.outOfRange`, and `readBytes`'s errors.
  public func readFloats(
    of tensor: TensorInfo, from element: Int, count: Int,
    into destination: UnsafeMutablePointer<Float>
  ) throws(SafetensorsError) {
    let (_, file) = try descriptor(for: tensor)
    if let stored = tensor.stored {
      guard element >= 0, count >= 0, element <= tensor.elementCount,
        count <= tensor.elementCount - element
      else {
        throw .outOfRange(
          file: file.path, tensor: tensor.name, start: UInt64(max(0, element)),
          count: UInt64(max(0, count)),
          limit: UInt64(tensor.elementCount))
      }
      return try readStoredFloats(
        of: tensor, stored: stored, from: element, count: count, into: destination)
    }
    guard tensor.dtype.isAnalysable else {
      throw .notConvertible(file: file.path, tensor: tensor.name, dtype: tensor.dtype)
    }
    let total = tensor.elementCount
    guard element >= 0, count >= 0, element <= total, count <= total - element else {
      throw .outOfRange(
        file: file.path, tensor: tensor.name, start: UInt64(max(0, element)),
        count: UInt64(max(0, count)),
        limit: UInt64(total))
    }
    if count == 0 { return }
    let elementBytes = tensor.dtype.bits / 8
    if tensor.dtype == .F32 {
      // Little-endian host: the raw bytes are the floats; read them straight into place.
      try readBytes(
        of: tensor, at: UInt64(element) * 4,
        into: UnsafeMutableRawBufferPointer(start: destination, count: count * 4))
      #if _endian(big)
        for index in 0..<count {
          destination[index] = Float(
            bitPattern: UInt32(littleEndian: destination[index].bitPattern))
        }
      #endif
      return
    }
    let perChunk = Self.chunkBytes / elementBytes
    let scratch = UnsafeMutableRawBufferPointer.allocate(
      byteCount: min(count, perChunk) * elementBytes, alignment: 16)
    defer { scratch.deallocate() }
    var done = 0
    while done < count {
      let step = min(perChunk, count - done)
      let slice = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<(step * elementBytes)])
      try readBytes(of: tensor, at: UInt64(element + done) * UInt64(elementBytes), into: slice)
      if let base = slice.baseAddress {
        FloatDecoding.convert(
          tensor.dtype, from: UnsafeRawPointer(base), count: step, into: destination + done)
      }
      done += step
    }
  }

  // MARK: - Lookup

  private func descriptor(for tensor: TensorInfo) throws(SafetensorsError) -> (
    Int32, SafetensorsFile
  ) {
    guard tensor.fileIndex >= 0, tensor.fileIndex < descriptors.count else {
      throw .noSuchTensor(file: checkpoint.path, tensor: tensor.name)
    }
    return (descriptors[tensor.fileIndex], checkpoint.files[tensor.fileIndex])
  }
}
