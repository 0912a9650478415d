import Engine
import Safetensors

/// Text and JSON renderings of a checkpoint's tensor list (`quantscope inspect`).
public enum InspectRenderer {
  /// One JSON document:
  /// `{"model":{"path","files","tensors","params","bytes"},"tensors":[{"name","dtype","shape","params","bytes","file"}]}`.
  public static func json(_ checkpoint: Checkpoint) -> String {
    var json = JSONWriter()
    json.beginObject()
    modelObject(&json, checkpoint)
    json.beginArray("tensors")
    for tensor in checkpoint.tensors {
      json.beginObject()
      json.string("name", tensor.name)
      json.string("dtype", tensor.dtype.rawValue)
      json.integers("shape", tensor.shape)
      json.integer("params", tensor.elementCount)
      json.integer("bytes", tensor.byteCount)
      json.string("file", fileName(checkpoint, tensor))
      if let stored = tensor.stored { storedObject(&json, stored) }
      json.endObject()
    }
    json.endArray()
    json.endObject()
    return json.text + "\n"
  }

  /// Writes the `"model"` object shared by `inspect --json` and `report --format json`.
  public static func modelObject(_ json: inout JSONWriter, _ checkpoint: Checkpoint) {
    json.beginObject("model")
    json.string("path", checkpoint.path)
    if let id = checkpoint.modelID {
      json.string("model_id", id)
      if let revision = checkpoint.revision { json.string("revision", revision) }
    }
    json.beginArray("files")
    for file in checkpoint.files { json.string(nil, file.path) }
    json.endArray()
    json.integer("tensors", checkpoint.tensors.count)
    json.integer("params", checkpoint.parameterCount)
    json.integer("bytes", checkpoint.byteCount)
    // The index's metadata.total_size: a hint, shown as written and never checked (docs/SAFETENSORS.md).
    if let hint = checkpoint.totalSizeHint { json.integer("index_total_size", hint) }
    if isSyntheticDemo(checkpoint) { json.bool("synthetic_demo", true) }
    json.endObject()
  }

  /// The table: one row per tensor, then totals by dtype.
  public static func table(_ checkpoint: Checkpoint) -> String {
    let sharded = checkpoint.files.count > 1
    let anyStored = checkpoint.tensors.contains { $0.stored != nil }
    var rows: [[String]] = [
      ["name", "dtype", "shape", "params", "bytes"] + (sharded ? ["shard"] : [])
        + (anyStored ? ["stored"] : [])
    ]
    for tensor in checkpoint.tensors {
      var row = [
        displayName(tensor.name), tensor.dtype.rawValue, shapeText(tensor.shape),
        NumberText.groupedDigits(tensor.elementCount),
        NumberText.groupedDigits(Int(tensor.byteCount)),
      ]
      if sharded { row.append(fileName(checkpoint, tensor)) }
      if anyStored { row.append(tensor.stored?.mark ?? "") }
      rows.append(row)
      if let stored = tensor.stored { rows += storedPartRows(stored, columns: row.count) }
    }
    var text = TextTable.render(rows, rightAligned: [3, 4])
    var byDType: [String: (tensors: Int, params: Int, bytes: UInt64)] = [:]
    for tensor in checkpoint.tensors {
      var entry = byDType[totalsKey(tensor), default: (0, 0, 0)]
      entry.tensors += 1
      entry.params += tensor.elementCount
      entry.bytes += tensor.byteCount
      byDType[totalsKey(tensor)] = entry
    }
    text += "\n"
    var totals: [[String]] = [["dtype", "tensors", "params", "bytes"]]
    for (dtype, entry) in byDType.sorted(by: { $0.value.bytes > $1.value.bytes }) {
      totals.append([
        dtype, String(entry.tensors), NumberText.groupedDigits(entry.params),
        NumberText.bytes(entry.bytes),
      ])
    }
    totals.append([
      "total", String(checkpoint.tensors.count),
      NumberText.groupedDigits(checkpoint.parameterCount),
      NumberText.bytes(checkpoint.byteCount),
    ])
    text += TextTable.render(totals, rightAligned: [1, 2, 3])
    let label = isSyntheticDemo(checkpoint) ? " (synthetic demo)" : ""
    var source = checkpoint.path
    if let id = checkpoint.modelID {
      source =
        "\(id) (Hugging Face cache, revision \(checkpoint.revision.map { String($0.prefix(12)) } ?? "?"): \(checkpoint.path))"
    }
    text += "\n\(source)\(label): \(checkpoint.files.count) file(s)"
    if let hint = checkpoint.totalSizeHint {
      text +=
        "; index total_size \(NumberText.groupedDigits(Int(clamping: hint))) bytes (a hint, not checked)"
    }
    if let summary = ModelArchitecture(checkpoint).summary { text += "\narchitecture: \(summary)" }
    return text + "\n"
  }

  // MARK: - Shared formatting

  /// True when the checkpoint is QuantScope's built-in synthetic demo (marked in `__metadata__`).
  public static func isSyntheticDemo(_ checkpoint: Checkpoint) -> Bool {
    checkpoint.files.contains { $0.metadata?["quantscope"] == "synthetic demo" }
  }

  /// A tensor name as shown: the empty name becomes `""`, control characters are escaped.
  public static func displayName(_ name: String) -> String { TensorInfo.displayName(name) }

  /// `4096×14336`; a scalar is `[]`.
  public static func shapeText(_ shape: [Int]) -> String {
    shape.isEmpty ? "[]" : shape.map(String.init).joined(separator: "×")
  }

  /// 22713216 → "22,713,216" (`NumberText.groupedDigits`).
  public static func groupedDigits(_ value: Int) -> String { NumberText.groupedDigits(value) }

  /// Bytes in decimal units: "4.61 GB", "90.9 MB", "512 B" (`NumberText.bytes`).
  public static func byteText(_ bytes: UInt64) -> String { NumberText.bytes(bytes) }

  /// A fixed-point rendering (`NumberText.fixed`).
  public static func fixed(_ value: Double, digits: Int) -> String {
    NumberText.fixed(value, digits: digits)
  }

  private static func fileName(_ checkpoint: Checkpoint, _ tensor: TensorInfo) -> String {
    guard checkpoint.files.indices.contains(tensor.fileIndex) else { return "" }
    let path = checkpoint.files[tensor.fileIndex].path
    return path.split(separator: "/").last.map(String.init) ?? path
  }
}
