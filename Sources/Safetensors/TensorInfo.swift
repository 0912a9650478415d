/// One tensor of a checkpoint, as its header describes it. Holds no data.
public struct TensorInfo: Sendable, Hashable {
  /// The tensor's name as decoded from the header JSON (may be empty).
  public var name: String
  public var dtype: DType
  /// Dimensions; `[]` is a scalar (one element).
  public var shape: [Int]
  /// Index into `Checkpoint.files` of the file that holds the data.
  public var fileIndex: Int
  /// Absolute byte offset of the first data byte in that file (8 + N + BEGIN).
  public var fileOffset: UInt64
  /// Size of the data in bytes (END − BEGIN).
  public var byteCount: UInt64

  public init(
    name: String, dtype: DType, shape: [Int], fileIndex: Int, fileOffset: UInt64, byteCount: UInt64
  ) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.fileIndex = fileIndex
    self.fileOffset = fileOffset
    self.byteCount = byteCount
  }

  /// Number of elements: the product of `shape` (1 for a scalar).
  public var elementCount: Int { shape.reduce(1, *) }
}
