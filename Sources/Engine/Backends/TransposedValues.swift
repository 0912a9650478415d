import Safetensors

/// Tensors analysed as their transpose: GPT-2 `Conv1D` weights are stored `[in, out]`, and
/// transformers hands bitsandbytes the transpose `[out, in]`, so blocks, row scales and outlier
/// columns (input features) must be computed on that.
enum TransposedValues {
  /// The transpose of a row-major `rows × columns` matrix.
  static func transpose(_ values: [Float], rows: Int, columns: Int) -> [Float] {
    guard rows > 0, columns > 0 else { return values }
    var result = [Float](repeating: 0, count: values.count)
    values.withUnsafeBufferPointer { source in
      result.withUnsafeMutableBufferPointer { target in
        // Tiles of 32 × 32 keep both sides in cache.
        let tile = 32
        var r0 = 0
        while r0 < rows {
          var c0 = 0
          while c0 < columns {
            for r in r0..<min(r0 + tile, rows) {
              for c in c0..<min(c0 + tile, columns) {
                target[c * rows + r] = source[r * columns + c]
              }
            }
            c0 += tile
          }
          r0 += tile
        }
      }
    }
    return result
  }

  /// A 2-D tensor stored `[in, out]`, read whole (converted exactly to float) and transposed into
  /// memory as `[out, in]`.
  ///
  /// - Complexity: O(elements) time and 8 bytes per element of memory at the peak.
  static func source(_ tensor: TensorInfo, reader: TensorDataReader, checkpointPath: String)
    throws(EngineError)
    -> MemorySource
  {
    let rows = tensor.shape[0]
    let columns = tensor.shape[1]
    let stored = TensorSource(reader: reader, tensor: tensor, checkpointPath: checkpointPath)
    var values = [Float](repeating: 0, count: stored.count)
    let chunk = 1 << 20
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk * 8, alignment: 64)
    defer { scratch.deallocate() }
    var start = 0
    while start < values.count {
      let count = min(chunk, values.count - start)
      let failure: EngineError? = values.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return nil }
        do throws(EngineError) {
          try stored.load(start: start, count: count, into: base + start, scratch: scratch)
          return nil
        } catch {
          return error
        }
      }
      if let failure { throw failure }
      start += count
    }
    return MemorySource(
      values: transpose(values, rows: rows, columns: columns), dtype: tensor.dtype,
      shape: [columns, rows])
  }
}
