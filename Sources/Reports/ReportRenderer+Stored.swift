import Engine
import Safetensors

/// How `report` shows stored-quantized tensors: the mark, the stored codes' usage, and the note that
/// the stored format's own error cannot be measured.
extension ReportRenderer {
  /// " [stored nf4 (+dq)]" after a stored tensor's name in the table; "" otherwise.
  static func storedMark(_ tensor: TensorInfo) -> String {
    tensor.stored.map { " [\($0.mark)]" } ?? ""
  }

  /// The note printed under the table when any tensor is stored quantized; nil otherwise.
  func storedNote() -> String? {
    guard checkpoint.tensors.contains(where: { $0.stored != nil }) else { return nil }
    return
      "[stored …]: already quantized in the file; \"\(StoredCodeUsage.unmeasurableCell)\" in its own format's column: \(StoredCodeUsage.unmeasurableNote) (its code usage and entropy come from the stored codes).\n"
  }

  /// A tensor's rel_err cell in `format`: the number, "stored" for the format it is stored in
  /// (not measurable), "-" without metrics.
  static func relErrCell(_ analysis: TensorAnalysis?, _ format: QuantFormat) -> String {
    guard let analysis, let metrics = analysis.formats[format] else { return "-" }
    if analysis.isStoredFormat(format) { return StoredCodeUsage.unmeasurableCell }
    return NumberText.fixed(metrics.relErr, digits: 4)
  }

  /// The `"stored_codes"` object of an analysed stored tensor in `report --format json`.
  static func storedCodesObject(_ json: inout JSONWriter, _ usage: StoredCodeUsage) {
    json.beginObject("stored_codes")
    json.string("mark", usage.mark)
    json.number("bits_per_param", usage.bitsPerParam)
    json.integer("bytes", usage.storedBytes)
    json.number("code_entropy_bits", usage.codeEntropyBits)
    json.integers("code_counts", usage.codeCounts)
    json.bool("error_measurable", false)
    json.string("note", StoredCodeUsage.unmeasurableNote)
    json.endObject()
  }
}
