import Engine
import Reports
import Safetensors

/// The measured figures an export cites: model totals per format and per-module errors.
struct Evidence {
  let settings: AnalysisSettings
  let totals: ModelTotals
  let analyses: [TensorAnalysis?]
  private let catalog: ModuleCatalog
  private let tensors: [TensorInfo]

  /// Formats an export can choose, in the order the comments list them.
  static let exportFormats: [QuantFormat] = [.nf4, .nf4dq, .fp4, .fp4dq, .int8]

  /// - Parameter kept: tensors that stay 16-bit in the exported config: left out of the error
  ///   totals (they are not quantized), counted at 16 bits in memory by the caller.
  init(
    checkpoint: Checkpoint, analyses: [TensorAnalysis?], settings: AnalysisSettings,
    catalog: ModuleCatalog,
    kept: Set<String>
  ) {
    self.settings = settings
    self.analyses = analyses
    self.catalog = catalog
    self.tensors = checkpoint.tensors
    self.totals = ChoiceSummary.totals(
      tensors: checkpoint.tensors, analyses: analyses, settings: settings, kept: kept,
      architecture: ModelArchitecture(checkpoint))
  }

  /// The total of `format` when at least one quantizable tensor was analysed in it.
  func total(_ format: QuantFormat) -> ModelTotals.FormatTotal? {
    guard let total = totals.formats[format], total.tensors > 0 else { return nil }
    return total
  }

  var coveredTensors: Int { Self.exportFormats.compactMap { total($0)?.tensors }.max() ?? 0 }

  /// "nf4 0.1039 (19.7 dB) | nf4-dq … | fp4 … | fp4-dq … | int8 …", or nil when nothing was
  /// analysed.
  var formatLine: String? {
    let parts = Self.exportFormats.compactMap { format in
      total(format).map {
        $0.isUnmeasurable
          ? "\(format.rawValue) \(StoredCodeUsage.unmeasurableCell) (not measurable)"
          : "\(format.rawValue) \(NumberText.fixed($0.relErr, digits: 4)) (\(NumberText.fixed($0.sqnrDB, digits: 1)) dB)"
      }
    }
    return parts.isEmpty ? nil : parts.joined(separator: " | ")
  }

  /// Why `chosen` (one sentence).
  func reason(for chosen: QuantFormat, quant: ExportQuant) -> String {
    guard let mine = total(chosen) else { return "" }
    if mine.isUnmeasurable {
      return
        "Stored in the file as \(chosen.rawValue): loaded as saved, its own error not measurable."
    }
    if quant == .int8 {
      let best4 = Self.fourBitFormats.compactMap { f in
        total(f).flatMap { $0.isUnmeasurable ? nil : (f, $0.relErr) }
      }
      .min { $0.1 < $1.1 }
      guard let best4 else { return "8-bit keeps the error lowest." }
      return
        "8-bit: rel_err \(NumberText.fixed(mine.relErr, digits: 4)) vs \(NumberText.fixed(best4.1, digits: 4)) for "
        + "\(best4.0.rawValue), at about twice the 4-bit memory."
    }
    let rivals = Self.fourBitFormats.filter { $0 != chosen }.compactMap { f in
      total(f).flatMap { $0.isUnmeasurable ? nil : (f, $0.relErr) }
    }
    guard let best = rivals.min(by: { $0.1 < $1.1 }), best.1 < mine.relErr else {
      return "Lowest 4-bit error measured (\(NumberText.fixed(mine.relErr, digits: 4)))."
    }
    if mine.relErr <= best.1 * (1 + Self.sameErrorMargin) {
      return
        "Within 2% of the lowest 4-bit error (\(best.0.rawValue) \(NumberText.fixed(best.1, digits: 4)))."
    }
    return "Note: \(best.0.rawValue) measures lower (\(NumberText.fixed(best.1, digits: 4)) vs "
      + "\(NumberText.fixed(mine.relErr, digits: 4)))."
  }

  /// The 4-bit formats of `exportFormats`.
  static let fourBitFormats: [QuantFormat] = [.nf4, .nf4dq, .fp4, .fp4dq]

  /// Errors closer than this (relative) are reported as equal: the formats' differences at that
  /// level depend on the data more than on the format.
  static let sameErrorMargin = 0.02

  /// "BF16" or "BF16, F32" by parameter count.
  var dtypeSummary: String {
    var counts: [DType: Int] = [:]
    for tensor in tensors { counts[tensor.dtype, default: 0] += tensor.elementCount }
    return counts.sorted { ($0.value, $1.key.rawValue) > ($1.value, $0.key.rawValue) }
      .map(\.key.rawValue).joined(separator: ", ")
  }

  /// The comment beside a kept module: its error in the chosen format against the median.
  func skipReason(_ module: ModuleName, format: QuantFormat) -> String {
    if module == catalog.outputEmbedding {
      return "output embedding (transformers' default protection)"
    }
    guard let index = catalog.weightIndex[module], index < analyses.count,
      let analysis = analyses[index]
    else { return "not analysed" }
    var text = ""
    if analysis.isStoredFormat(format) {
      text = "stored as \(format.rawValue); "
    } else if let metrics = analysis.formats[format] {
      text = "\(format.rawValue) rel_err \(NumberText.fixed(metrics.relErr, digits: 4))"
      if let median = median(format) {
        text += " (median layer \(NumberText.fixed(median, digits: 4)))"
      }
      text += "; "
    }
    text += "max |w| \(NumberText.fixed(analysis.stats.absmax, digits: 2))"
    if let outliers = analysis.outliers, !outliers.indices.isEmpty {
      text += "; \(outliers.indices.count) outlier column\(outliers.indices.count == 1 ? "" : "s")"
    }
    return text
  }

  /// Median rel_err of `format` over the analysed quantizable tensors.
  private func median(_ format: QuantFormat) -> Double? {
    let values = analyses.enumerated().compactMap { index, analysis -> Double? in
      guard index < tensors.count, let analysis, analysis.quantizable else { return nil }
      return analysis.isStoredFormat(format) ? nil : analysis.formats[format]?.relErr
    }.sorted()
    return values.isEmpty ? nil : values[values.count / 2]
  }
}
