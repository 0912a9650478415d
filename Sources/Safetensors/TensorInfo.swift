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
  /// Size of the data in bytes (END − BEGIN); for a stored-quantized tensor, all its parts' bytes.
  public var byteCount: UInt64
  /// How the tensor is stored when the checkpoint is already quantized (its parts, format and
  /// scales); nil for a plain tensor. `dtype` and `shape` are then the logical ones.
  public var stored: StoredQuantization?

  public init(
    name: String, dtype: DType, shape: [Int], fileIndex: Int, fileOffset: UInt64, byteCount: UInt64,
    stored: StoredQuantization? = nil
  ) {
    self.stored = stored
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.fileIndex = fileIndex
    self.fileOffset = fileOffset
    self.byteCount = byteCount
  }

  /// Number of elements: the product of `shape` (1 for a scalar, 0 when any dimension is 0).
  ///
  /// A 0 dimension is checked first: the reader accepts shapes such as `[2^31, 2^32, 0]` whose
  /// partial products would overflow `Int`; every other accepted shape fits (rule 8).
  public var elementCount: Int {
    if shape.contains(0) { return 0 }
    var product = 1
    for dimension in shape {
      let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
      if overflow { return Int.max }
      product = next
    }
    return product
  }

  /// The name as error lines and listings show it: `""` for the empty name, control characters
  /// (C0, DEL, C1) escaped so the line stays one line and nothing reaches the terminal as a command.
  public var displayName: String { Self.displayName(name) }

  /// `displayName` for any tensor name.
  public static func displayName(_ name: String) -> String {
    if name.isEmpty { return "\"\"" }
    guard
      name.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
    else {
      return name
    }
    return SafetensorsWriter.jsonString(name)
  }
}
