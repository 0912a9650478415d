import Safetensors

/// The golden vectors (`Tests/Fixtures/golden/*.safetensors`), read with the project's own reader.
///
/// ```swift
/// let inputs = try GoldenFiles.inputs
/// let weights = try inputs.floats("odd_1001_f32")
/// ```
public struct GoldenFiles: Sendable {
  public let checkpoint: Checkpoint
  public let reader: TensorDataReader
  private let byName: [String: TensorInfo]

  /// Opens the safetensors file at `path`.
  public init(path: String) throws(SafetensorsError) {
    checkpoint = try Checkpoint.open(path)
    reader = try TensorDataReader(checkpoint: checkpoint)
    var map: [String: TensorInfo] = [:]
    for tensor in checkpoint.tensors { map[tensor.name] = tensor }
    byName = map
  }

  /// `inputs.safetensors`: the 13 test tensors (opened once per process).
  public static var inputs: GoldenFiles {
    get throws(SafetensorsError) { try cachedInputs.get() }
  }

  /// `expected.safetensors`: codes, scales and dequantized values (opened once per process).
  public static var expected: GoldenFiles {
    get throws(SafetensorsError) { try cachedExpected.get() }
  }

  private static let cachedInputs = Result { () throws(SafetensorsError) in
    try GoldenFiles(path: FixturePaths.golden + "/inputs.safetensors")
  }
  private static let cachedExpected = Result { () throws(SafetensorsError) in
    try GoldenFiles(path: FixturePaths.golden + "/expected.safetensors")
  }

  /// Names of all tensors, in natural order.
  public var names: [String] { checkpoint.tensors.map(\.name) }

  /// The header entry of `name`.
  public func tensor(_ name: String) throws(SafetensorsError) -> TensorInfo {
    guard let tensor = byName[name] else {
      throw .noSuchTensor(file: checkpoint.path, tensor: name)
    }
    return tensor
  }

  /// True when the file holds a tensor called `name`.
  public func contains(_ name: String) -> Bool { byName[name] != nil }

  /// All elements of a floating tensor (F64/F32/F16/BF16/F8), converted exactly to Float32.
  public func floats(_ name: String) throws(SafetensorsError) -> [Float] {
    let info = try tensor(name)
    let count = info.elementCount
    var failure: SafetensorsError?
    let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      do throws(SafetensorsError) {
        if let base = buffer.baseAddress {
          try reader.readFloats(of: info, from: 0, count: count, into: base)
        }
        initialized = count
      } catch {
        buffer.initialize(repeating: 0)
        initialized = count
        failure = error
      }
    }
    if let failure { throw failure }
    return values
  }

  /// The raw bytes of any tensor (U8 codes, or any dtype's little-endian bytes).
  public func bytes(_ name: String) throws(SafetensorsError) -> [UInt8] {
    let info = try tensor(name)
    var result = [UInt8](repeating: 0, count: Int(info.byteCount))
    var failure: SafetensorsError?
    result.withUnsafeMutableBytes { raw in
      do throws(SafetensorsError) { try reader.readBytes(of: info, at: 0, into: raw) } catch {
        failure = error
      }
    }
    if let failure { throw failure }
    return result
  }

  /// The elements of an I8 tensor.
  public func int8s(_ name: String) throws(SafetensorsError) -> [Int8] {
    try bytes(name).map { Int8(bitPattern: $0) }
  }

  /// The elements of an I64 tensor (little-endian).
  public func int64s(_ name: String) throws(SafetensorsError) -> [Int64] {
    let raw = try bytes(name)
    return stride(from: 0, to: raw.count - raw.count % 8, by: 8).map { start in
      var value: UInt64 = 0
      for index in (0..<8).reversed() { value = value << 8 | UInt64(raw[start + index]) }
      return Int64(bitPattern: value)
    }
  }
}
