import CQuantKernels
import Safetensors

/// Where a tensor's values come from: a checkpoint (streamed) or memory (tests).
protocol ValueSource: Sendable {
  var dtype: DType { get }
  var shape: [Int] { get }
  var count: Int { get }
  /// Bytes of stored data per element (for progress reports).
  var bytesPerElement: Double { get }
  /// Fills `floats[0..<count]` with elements `start..<start+count`, converted exactly to float.
  /// `scratch` holds at least `count * 8` bytes.
  func load(
    start: Int, count: Int, into floats: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutableRawBufferPointer
  ) throws(EngineError)
}

/// A tensor of a checkpoint, read with `pread` through the shared `TensorDataReader`.
struct TensorSource: ValueSource {
  let reader: TensorDataReader
  let tensor: TensorInfo
  let checkpointPath: String

  var dtype: DType { tensor.dtype }
  var shape: [Int] { tensor.shape }
  var count: Int { tensor.elementCount }
  var bytesPerElement: Double { count > 0 ? Double(tensor.byteCount) / Double(count) : 0 }

  func load(
    start: Int, count: Int, into floats: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutableRawBufferPointer
  ) throws(EngineError) {
    do {
      // A stored-quantized tensor is dequantized by the reader, whatever its logical dtype.
      switch tensor.stored == nil ? tensor.dtype : .F64 {
      case .F32:
        // Little-endian float32 bytes are the floats: read them in place (no copy).
        let bytes = UnsafeMutableRawBufferPointer(start: floats, count: count * 4)
        try reader.readBytes(of: tensor, at: UInt64(start * 4), into: bytes)
      case .F16, .BF16:
        let bytes = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<(count * 2)])
        try reader.readBytes(of: tensor, at: UInt64(start * 2), into: bytes)
        guard let base = bytes.baseAddress else { return }
        if tensor.dtype == .F16 {
          qs_convert_f16(base, floats, count)
        } else {
          qs_convert_bf16(base, floats, count)
        }
      default:
        try reader.readFloats(of: tensor, from: start, count: count, into: floats)
      }
    } catch {
      throw .read(file: checkpointPath, tensor: tensor.name, reason: error.description)
    }
  }
}

/// Values already in memory.
struct MemorySource: ValueSource {
  let values: [Float]
  let dtype: DType
  let shape: [Int]
  var count: Int { values.count }
  var bytesPerElement: Double { Double(dtype.bits) / 8 }

  func load(
    start: Int, count: Int, into floats: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutableRawBufferPointer
  ) throws(EngineError) {
    values.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      floats.update(from: base + start, count: count)
    }
  }
}
