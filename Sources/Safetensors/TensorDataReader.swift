/// Reads tensor data with `pread` from a checkpoint's files, opened read-only.
/// PLACEHOLDER API until the reader lands. Thread-safe: share one reader between workers.
public final class TensorDataReader: Sendable {
  public let checkpoint: Checkpoint

  public init(checkpoint: Checkpoint) throws(SafetensorsError) {
    self.checkpoint = checkpoint
  }

  /// Fills `buffer` with the tensor's bytes starting at `byteOffset` (relative to the tensor).
  public func readBytes(
    of tensor: TensorInfo, at byteOffset: UInt64, into buffer: UnsafeMutableRawBufferPointer
  ) throws(SafetensorsError) {
    throw .io(file: checkpoint.path, reason: "reader not implemented yet")
  }

  /// Reads `count` elements starting at flat element index `element`, converted exactly to Float32.
  /// Only for `tensor.dtype.isAnalysable` types.
  public func readFloats(
    of tensor: TensorInfo, from element: Int, count: Int, into destination: UnsafeMutablePointer<Float>
  ) throws(SafetensorsError) {
    throw .io(file: checkpoint.path, reason: "reader not implemented yet")
  }
}
