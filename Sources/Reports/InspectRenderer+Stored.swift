import Safetensors

/// How `inspect` shows stored-quantized tensors: the mark after the logical tensor, its parts under it.
extension InspectRenderer {
  /// The `"stored"` object of a tensor in `inspect --json` and `report --format json`.
  public static func storedObject(_ json: inout JSONWriter, _ stored: StoredQuantization) {
    json.beginObject("stored")
    json.string("format", stored.format.rawValue)
    json.bool("double_quant", stored.doubleQuant)
    if stored.blocksize > 0 { json.integer("blocksize", stored.blocksize) }
    if stored.doubleQuant { json.integer("nested_blocksize", stored.nestedBlocksize) }
    if let block = stored.scaleBlock { json.integers("scale_block", block) }
    json.string("mark", stored.mark)
    json.integer("bytes", stored.storedBytes)
    json.beginArray("parts")
    for part in stored.parts {
      json.beginObject()
      json.string("name", part.tensor.name)
      json.string("role", part.role.rawValue)
      json.string("dtype", part.tensor.dtype.rawValue)
      json.integers("shape", part.tensor.shape)
      json.integer("bytes", part.tensor.byteCount)
      json.endObject()
    }
    json.endArray()
    json.endObject()
  }

  /// The rows listed under a stored tensor: `  ↳ role  dtype  shape  elements  bytes`.
  static func storedPartRows(_ stored: StoredQuantization, columns: Int) -> [[String]] {
    stored.parts.map { part in
      var row = [
        "  ↳ " + part.role.rawValue, part.tensor.dtype.rawValue, shapeText(part.tensor.shape),
        groupedDigits(part.tensor.elementCount), groupedDigits(Int(part.tensor.byteCount)),
      ]
      while row.count < columns { row.append("") }
      return row
    }
  }

  /// The key a tensor is totalled under: its dtype, or its stored mark.
  static func totalsKey(_ tensor: TensorInfo) -> String {
    tensor.stored?.mark ?? tensor.dtype.rawValue
  }
}
