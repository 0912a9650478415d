/// Dequantizing stored-quantized tensors, exactly as bitsandbytes (and torch, for FP8) does.
///
/// - 4-bit (`dequantize_4bit`): element i is the high nibble of byte i/2 when i is even, the low
///   nibble when odd; its value is `quant_map[code] × absmax[i / blocksize]` in float32, rounded to
///   the logical dtype (fp4 to float16: sign bit 8 applied to `quant_map[code & 7]`, so code 8 is −0). With double quant the block scale is first
///   `nested_quant_map[absmax_code] × nested_absmax[block / nested_blocksize] + nested_offset`
///   (float32, as `dequantize_blockwise` then `absmax += offset`).
/// - int8 (`int8_vectorwise_dequant`): `Float(code) × SCB[row] × Float(1/127 as bitsandbytes writes it)`.
/// - FP8: the FP8 value × its scale (block, row or tensor), in float32.
extension TensorDataReader {
  /// bitsandbytes' reciprocal of 127 (`7.874015718698502e-3`), as the float32 torch multiplies by.
  static let int8Reciprocal = Float(7.874015718698502e-3)

  /// The row length of int8 codes, the unit of their row scales `SCB`: the second dimension
  /// (every element for 1-D codes). The CUDA backend's dequantization uses the same rule.
  package static func int8Columns(_ codes: TensorInfo) -> Int {
    codes.shape.count >= 2 ? codes.shape[1] : max(1, codes.elementCount)
  }

  /// The row length of FP8 codes, the unit of per-row and block scales: the elements after the
  /// first dimension (every element for 1-D codes). The CUDA backend uses the same rule.
  package static func fp8Columns(_ codes: TensorInfo) -> Int {
    let rows = codes.shape.count >= 2 ? codes.shape[0] : 1
    return rows > 0 ? max(1, codes.elementCount / max(rows, 1)) : 1
  }

  /// Fills `destination[0..<count]` with the dequantized elements `element..<element+count`.
  func readStoredFloats(
    of tensor: TensorInfo, stored: StoredQuantization, from element: Int, count: Int,
    into destination: UnsafeMutablePointer<Float>
  ) throws(SafetensorsError) {
    guard count > 0, let codes = stored.part(.codes) else { return }
    switch stored.format {
    case .nf4, .fp4:
      guard let map = stored.part(.quantMap) else { return }
      try dequantizeFourBit(tensor, stored, codes: codes, map: map, element, count, destination)
    case .int8:
      guard let rowScale = stored.part(.rowScale) else { return }
      try dequantizeInt8(codes: codes, rowScale: rowScale, element, count, destination)
    case .fp8E4M3, .fp8E5M2:
      try dequantizeFP8(stored, codes: codes, element, count, destination)
    }
  }

  /// Elements `first..<first+count` of a float part (F32, F16, BF16), as Float32.
  package func floats(of part: TensorInfo, from first: Int, count: Int) throws(SafetensorsError)
    -> [Float]
  {
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    defer { buffer.deallocate() }
    try readFloats(of: part, from: first, count: count, into: buffer)
    return Array(UnsafeBufferPointer(start: buffer, count: count))
  }

  /// Bytes `first..<first+count` of a part.
  package func bytes(of part: TensorInfo, from first: Int, count: Int) throws(SafetensorsError)
    -> [UInt8]
  {
    let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 8)
    defer { raw.deallocate() }
    try readBytes(
      of: part, at: UInt64(first), into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]))
    return Array(UnsafeRawBufferPointer(rebasing: raw[0..<count]))
  }

  /// The float32 block scales `firstBlock...lastBlock` of a 4-bit tensor (double quant resolved).
  func blockScales(
    _ stored: StoredQuantization, firstBlock: Int, lastBlock: Int
  ) throws(SafetensorsError) -> [Float] {
    guard let absmax = stored.part(.absmax) else { return [] }
    let count = lastBlock - firstBlock + 1
    guard stored.doubleQuant, let nestedAbsmax = stored.part(.nestedAbsmax),
      let nestedMap = stored.part(.nestedQuantMap)
    else {
      return try floats(of: absmax, from: firstBlock, count: count)
    }
    let codes = try bytes(of: absmax, from: firstBlock, count: count)
    let map = try floats(of: nestedMap, from: 0, count: 256)
    let size = stored.nestedBlocksize
    let firstNested = firstBlock / size
    let scales2 = try floats(
      of: nestedAbsmax, from: firstNested, count: lastBlock / size - firstNested + 1)
    var result = [Float](repeating: 0, count: count)
    for index in 0..<count {
      let block = firstBlock + index
      let product: Float = map[Int(codes[index])] * scales2[block / size - firstNested]
      result[index] = product + stored.nestedOffset
    }
    return result
  }

  private func dequantizeFourBit(
    _ tensor: TensorInfo, _ stored: StoredQuantization, codes codesPart: TensorInfo,
    map mapPart: TensorInfo, _ element: Int, _ count: Int,
    _ destination: UnsafeMutablePointer<Float>
  ) throws(SafetensorsError) {
    let map = try floats(of: mapPart, from: 0, count: 16)
    let last = element + count - 1
    let firstByte = element / 2
    let packed = try bytes(of: codesPart, from: firstByte, count: last / 2 - firstByte + 1)
    let size = stored.blocksize
    let firstBlock = element / size
    let scales = try blockScales(stored, firstBlock: firstBlock, lastBlock: last / size)
    let dtype = tensor.dtype
    // bitsandbytes 0.50.2's CPU kernel treats fp4 as sign and magnitude when it writes float16
    // (code 8 becomes −0); its bfloat16 path multiplies the map entry (+0). Only the sign of zero differs.
    let signMagnitude = stored.format == .fp4 && dtype == .F16
    // Block by block: the 16 values a code can take in this block (the same products and
    // rounding as element by element), then one lookup per element.
    var table = [Float](repeating: 0, count: 16)
    packed.withUnsafeBufferPointer { packedBytes in
      scales.withUnsafeBufferPointer { scale in
        map.withUnsafeBufferPointer { levels in
          table.withUnsafeMutableBufferPointer { values in
            var index = element
            let end = element + count
            while index < end {
              let block = index / size
              let blockScale = scale[block - firstBlock]
              for code in 0..<16 {
                let value =
                  signMagnitude && code >= 8
                  ? -(levels[code - 8] * blockScale) : levels[code] * blockScale
                values[code] = StoredRounding.round(value, to: dtype)
              }
              let blockEnd = min((block + 1) * size, end)
              while index < blockEnd {
                let byte = packedBytes[index / 2 - firstByte]
                destination[index - element] = values[Int(index & 1 == 0 ? byte >> 4 : byte & 0x0F)]
                index += 1
              }
            }
          }
        }
      }
    }
  }

  private func dequantizeInt8(
    codes codesPart: TensorInfo, rowScale scbPart: TensorInfo, _ element: Int, _ count: Int,
    _ destination: UnsafeMutablePointer<Float>
  ) throws(SafetensorsError) {
    let cols = Self.int8Columns(codesPart)
    let codes = try bytes(of: codesPart, from: element, count: count)
    let firstRow = element / cols
    let rowScale = try floats(
      of: scbPart, from: firstRow, count: (element + count - 1) / cols - firstRow + 1)
    for offset in 0..<count {
      let code = Float(Int8(bitPattern: codes[offset]))
      let product: Float = code * rowScale[(element + offset) / cols - firstRow]
      destination[offset] = product * Self.int8Reciprocal
    }
  }

  private func dequantizeFP8(
    _ stored: StoredQuantization, codes codesPart: TensorInfo, _ element: Int, _ count: Int,
    _ destination: UnsafeMutablePointer<Float>
  ) throws(SafetensorsError) {
    try readFloats(of: codesPart, from: element, count: count, into: destination)
    let cols = Self.fp8Columns(codesPart)
    if let blockPart = stored.part(.blockScale), let block = stored.scaleBlock {
      let scaleCols = blockPart.shape[1]
      let scales = try floats(of: blockPart, from: 0, count: blockPart.elementCount)
      for offset in 0..<count {
        let index = element + offset
        let scale = scales[(index / cols) / block[0] * scaleCols + (index % cols) / block[1]]
        destination[offset] = destination[offset] * scale
      }
    } else if let scalePart = stored.part(.scale) {
      let scales = try floats(of: scalePart, from: 0, count: scalePart.elementCount)
      let perRow = scales.count > 1
      for offset in 0..<count {
        let scale = perRow ? scales[(element + offset) / cols] : scales[0]
        destination[offset] = destination[offset] * scale
      }
    }
  }
}

/// Rounding a float32 to a narrower float type and back, to nearest even (torch's `.to(dtype)`).
enum StoredRounding {
  static func round(_ value: Float, to dtype: DType) -> Float {
    switch dtype {
    case .F16:
      return Float(Float16(value))
    case .BF16:
      let bits = value.bitPattern
      if value.isNaN { return Float(bitPattern: (bits | 0x0040_0000) & 0xFFFF_0000) }
      let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
      return Float(bitPattern: rounded & 0xFFFF_0000)
    default:
      return value
    }
  }
}
