import Engine
import Safetensors

/// The headless report (`quantscope report`) as a table, one JSON document, or CSV.
public struct ReportRenderer {
  public enum Format: String, CaseIterable, Sendable {
    case table, json, csv
  }

  public var checkpoint: Checkpoint
  /// Indices into `checkpoint.tensors` that the report covers (after `--match`).
  public var selection: [Int]
  /// Results by tensor index (nil: not analysable).
  public var analyses: [TensorAnalysis?]
  public var settings: AnalysisSettings
  /// Backend identifier written as `"engine"`.
  public var engine: String
  /// The activation-capture analysis (`--activations`), when one was loaded.
  public var activations: ActivationAnalysis?

  public init(
    checkpoint: Checkpoint, selection: [Int], analyses: [TensorAnalysis?],
    settings: AnalysisSettings, engine: String
  ) {
    self.checkpoint = checkpoint
    self.selection = selection
    self.analyses = analyses
    self.settings = settings
    self.engine = engine
  }

  public func render(_ format: Format) -> String {
    switch format {
    case .table: table() + (activations.map { "\n" + ActivationReport.table($0) } ?? "")
    case .json: json()
    case .csv: csv()
    }
  }

  /// Totals over the selected tensors.
  public var totals: ModelTotals {
    ModelTotals(
      tensors: selection.map { checkpoint.tensors[$0] },
      analyses: selection.map { analyses.indices.contains($0) ? analyses[$0] : nil },
      settings: settings, architecture: ModelArchitecture(checkpoint))
  }

  // MARK: - JSON

  public func json() -> String {
    var json = JSONWriter()
    json.beginObject()
    InspectRenderer.modelObject(&json, checkpoint)
    json.string("engine", engine)
    json.beginObject("settings")
    json.integer("blocksize", settings.blocksize)
    json.number("threshold", Double(settings.threshold))
    json.integer("bins", settings.bins)
    if let range = settings.histogramRange {
      json.beginArray("range")
      json.number(nil, range.lo)
      json.number(nil, range.hi)
      json.endArray()
    }
    json.beginArray("formats")
    for format in settings.formats { json.string(nil, format.rawValue) }
    json.endArray()
    json.endObject()
    json.beginArray("tensors")
    for index in selection {
      let tensor = checkpoint.tensors[index]
      json.beginObject()
      json.string("name", tensor.name)
      json.string("dtype", tensor.dtype.rawValue)
      json.integers("shape", tensor.shape)
      json.integer("params", tensor.elementCount)
      json.bool("quantizable", Quantizability.isQuantizable(tensor, in: checkpoint))
      if let stored = tensor.stored { InspectRenderer.storedObject(&json, stored) }
      if let analysis = analyses[index] {
        tensorBody(&json, analysis)
      } else {
        json.bool("analysed", false)
        json.string("reason", "dtype \(tensor.dtype.rawValue) is not analysed")
      }
      json.endObject()
    }
    json.endArray()
    let totals = self.totals
    json.beginObject("totals")
    json.integer("params", totals.params)
    json.integer("quantizable_params", totals.quantizableParams)
    json.integer("bytes_16bit", totals.bytes16)
    formatsObject(&json, totals.formats) { json, total in
      json.numbers([
        "mse": total.mse, "rel_err": total.relErr, "sqnr_db": total.sqnrDB,
        "bits_per_param": total.bitsPerParam,
      ])
      json.integer("bytes", total.bytes)
      json.integer("tensors", total.tensors)
      // Only where some tensor is stored in this format: its errors are null because they
      // cannot be measured.
      if total.isUnmeasurable { json.bool("error_measurable", false) }
    }
    json.endObject()
    if let activations { json.raw("activations", ActivationReport.json(activations)) }
    json.endObject()
    return json.text + "\n"
  }

  private func tensorBody(_ json: inout JSONWriter, _ analysis: TensorAnalysis) {
    let stats = analysis.stats
    json.beginObject("stats")
    json.numbers([
      "min": stats.min, "max": stats.max, "mean": stats.mean, "std": stats.std,
      "absmax": stats.absmax,
    ])
    json.integer("zeros", stats.zeros)
    json.integer("nonfinite", stats.nonfinite)
    json.endObject()
    Self.histogramObject(&json, "histogram", analysis.histogram)
    Self.histogramObject(&json, "normalized_histogram", analysis.normalizedHistogram)
    if let usage = analysis.stored { Self.storedCodesObject(&json, usage) }
    if let outliers = analysis.outliers {
      json.beginObject("outlier_columns")
      json.number("threshold", Double(outliers.threshold))
      json.integer("count", outliers.indices.count)
      json.integers("indices", outliers.indices)
      json.endObject()
    }
    if !analysis.formats.isEmpty {
      formatsObject(&json, analysis.formats) { json, metrics in
        json.numbers([
          "mse": metrics.mse, "rmse": metrics.rmse, "max_abs_err": metrics.maxAbsErr,
          "rel_err": metrics.relErr, "sqnr_db": metrics.sqnrDB,
          "bits_per_param": metrics.bitsPerParam, "code_entropy_bits": metrics.codeEntropyBits,
        ])
        json.integers("code_counts", metrics.codeCounts)
      }
    }
  }

  /// `"formats": {…}`: one object per format of `settings.formats` that `values` holds, in that
  /// order, its members written by `members`.
  private func formatsObject<Value>(
    _ json: inout JSONWriter, _ values: [QuantFormat: Value],
    _ members: (inout JSONWriter, Value) -> Void
  ) {
    json.beginObject("formats")
    for format in settings.formats {
      guard let value = values[format] else { continue }
      json.beginObject(format.rawValue)
      members(&json, value)
      json.endObject()
    }
    json.endObject()
  }

  /// `"key": {"lo": …, "hi": …, "counts": […]}`.
  private static func histogramObject(
    _ json: inout JSONWriter, _ key: String, _ histogram: Histogram
  ) {
    json.beginObject(key)
    json.number("lo", histogram.lo)
    json.number("hi", histogram.hi)
    json.integers("counts", histogram.counts)
    json.endObject()
  }

  // MARK: - CSV

  /// One row per tensor and format (tensors without format metrics get one row with an empty format).
  public func csv() -> String {
    var text =
      "name,dtype,shape,params,quantizable,outlier_columns,format,mse,rmse,max_abs_err,rel_err,sqnr_db,bits_per_param,code_entropy_bits\n"
    for index in selection {
      let tensor = checkpoint.tensors[index]
      let analysis = analyses[index]
      let prefix = [
        csvField(tensor.name), tensor.dtype.rawValue,
        tensor.shape.map(String.init).joined(separator: "x"),
        String(tensor.elementCount),
        Quantizability.isQuantizable(tensor, in: checkpoint) ? "true" : "false",
        analysis?.outliers.map { String($0.indices.count) } ?? "",
      ].joined(separator: ",")
      let rows = settings.formats.compactMap { format in
        analysis?.formats[format].map { (format, $0) }
      }
      if rows.isEmpty {
        text += prefix + ",,,,,,,,\n"
        continue
      }
      for (format, metrics) in rows {
        let numbers = [
          metrics.mse, metrics.rmse, metrics.maxAbsErr, metrics.relErr, metrics.sqnrDB,
          metrics.bitsPerParam, metrics.codeEntropyBits,
        ].map(csvNumber)
        text += prefix + "," + format.rawValue + "," + numbers.joined(separator: ",") + "\n"
      }
    }
    return text
  }

  /// A CSV number: Swift's shortest round-trip form, `nan`, `inf`, `-inf`.
  private func csvNumber(_ value: Double) -> String {
    value.isFinite ? "\(value)" : NumberText.fixed(value, digits: 0)
  }

  private func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
      return text
    }
    return "\""
      + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"")
      + "\""
  }

  // MARK: - Table

  /// One row per tensor (name, shape, dtype, rel_err per format, outlier columns), then the
  /// param-weighted totals per format and the model's memory under each format.
  /// " (16-bit)" after a floating tensor that bitsandbytes leaves unquantized; nothing after a
  /// quantizable one or an integer buffer (position ids stay I64, not 16-bit).
  private func keptMark(_ tensor: TensorInfo) -> String {
    guard tensor.dtype.isAnalysable else { return "" }
    return Quantizability.isQuantizable(tensor, in: checkpoint) ? "" : " (16-bit)"
  }

  public func table() -> String {
    var header = ["tensor", "shape", "dtype"]
    header += settings.formats.map(\.rawValue)
    header.append("outliers")
    var rows = [header]
    for index in selection {
      let tensor = checkpoint.tensors[index]
      let analysis = analyses[index]
      var row = [
        InspectRenderer.displayName(tensor.name) + keptMark(tensor) + Self.storedMark(tensor),
        InspectRenderer.shapeText(tensor.shape), tensor.dtype.rawValue,
      ]
      for format in settings.formats {
        row.append(Self.relErrCell(analysis, format))
      }
      row.append(analysis?.outliers.map { String($0.indices.count) } ?? "-")
      rows.append(row)
    }
    let numeric = Set(3..<(4 + settings.formats.count))
    var text = TextTable.render(rows, rightAligned: numeric)
    let totals = self.totals
    text += "\nrel_err per tensor (‖ŵ−w‖/‖w‖); \"(16-bit)\" = not quantized by bitsandbytes.\n"
    if let note = storedNote() { text += note }
    let covered = totals.formats.values.map(\.tensors).max() ?? 0
    text += "\nmodel totals over \(covered) quantizable tensor\(covered == 1 ? "" : "s") "
    text +=
      "(\(NumberText.groupedDigits(totals.quantizableParams)) of \(NumberText.groupedDigits(totals.params)) params):\n"
    var totalRows: [[String]] = [["format", "rel_err", "sqnr_db", "mse", "bits/param", "memory"]]
    for format in settings.formats {
      guard let total = totals.formats[format] else { continue }
      guard total.tensors > 0 else {
        totalRows.append([format.rawValue, "-", "-", "-", "-", NumberText.bytes(total.bytes)])
        continue
      }
      guard !total.isUnmeasurable else {
        totalRows.append([
          format.rawValue, StoredCodeUsage.unmeasurableCell, "-", "-",
          NumberText.fixed(total.bitsPerParam, digits: 3), NumberText.bytes(total.bytes),
        ])
        continue
      }
      totalRows.append([
        format.rawValue, NumberText.fixed(total.relErr, digits: 4),
        NumberText.fixed(total.sqnrDB, digits: 2),
        NumberText.scientific(total.mse, digits: 3),
        NumberText.fixed(total.bitsPerParam, digits: 3),
        NumberText.bytes(total.bytes),
      ])
    }
    totalRows.append(["16-bit", "0", "inf", "0", "16.000", NumberText.bytes(totals.bytes16)])
    text += TextTable.render(totalRows, rightAligned: [1, 2, 3, 4, 5])
    text +=
      "rel_err and mse: means over the tensors weighted by params; sqnr_db = −20·log10(rel_err).\n"
    return text
  }
}
