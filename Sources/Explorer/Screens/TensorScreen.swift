import Engine
import Reports
import Safetensors
import Terminal

#if canImport(Glibc)
  import Glibc
#endif

/// One tensor: values histogram, quantization bins, outlier columns, and the error table.
enum TensorScreen {
  static func render(_ state: AppState, into canvas: inout Canvas, context: RenderContext) {
    guard let index = state.openTensor, state.checkpoint.tensors.indices.contains(index) else {
      return
    }
    let info = state.checkpoint.tensors[index]
    let analysis = state.analyses[index]
    header(state, info, analysis, &canvas)
    let top = 2
    let area = canvas.height - 4
    let topHeight = area / 2
    let leftWidth = canvas.width / 2
    let rightWidth = canvas.width - leftWidth
    let bottomHeight = area - topHeight
    let panels: [(TensorPanel, Int, Int, Int, Int)] = [
      (.values, 0, top, leftWidth, topHeight),
      (.bins, leftWidth, top, rightWidth, topHeight),
      (.outliers, 0, top + topHeight, leftWidth, bottomHeight),
      (.errors, leftWidth, top + topHeight, rightWidth, bottomHeight),
    ]
    for (panel, x, y, width, height) in panels {
      let focused = state.focus == panel
      let (title, right) =
        panel == .outliers && state.mapSource == .activations
        ? (
          "activation features (max |x| per input feature, capture)",
          "threshold \(NumberText.threshold(state.threshold)) + - a"
        )
        : titles(panel, state, analysis)
      canvas.box(
        x: x, y: y, width: width, height: height, title: title, focused: focused, rightTitle: right)
      let inner = Rect(x: x + 1, y: y + 1, width: width - 2, height: height - 2)
      guard let analysis else {
        let message =
          state.failures[index].map { "analysis failed: \($0)" }
          ?? (info.dtype.isAnalysable ? "analysing…" : "\(info.dtype.rawValue) is not analysed")
        canvas.put(
          message, x: inner.x + 1, y: inner.y,
          style: state.failures[index] == nil ? .muted : CellStyle(.error),
          maxWidth: inner.width - 1)
        continue
      }
      switch panel {
      case .values: values(state, analysis, inner, &canvas)
      case .bins: bins(state, analysis, inner, &canvas)
      case .outliers:
        if state.mapSource == .activations {
          activationProfile(state, info, inner, &canvas)
        } else {
          outliers(state, analysis, inner, &canvas)
        }
      case .errors:
        errors(state, analysis, inner, &canvas, context, capture: state.captureModule(for: info))
      }
    }
    ScreenFrame.statusLine(&canvas, y: canvas.height - 2, state)
    ScreenFrame.hintBar(&canvas, state)
  }

  /// A rectangle of the canvas.
  struct Rect {
    var x: Int
    var y: Int
    var width: Int
    var height: Int
  }

  // MARK: - Header

  static func header(
    _ state: AppState, _ info: TensorInfo, _ analysis: TensorAnalysis?, _ canvas: inout Canvas
  ) {
    var left = [
      TextFit.Part(InspectRenderer.displayName(info.name), CellStyle(.title, bold: true)),
      TextFit.Part(
        "   \(InspectRenderer.shapeText(info.shape)) \(info.dtype.rawValue)", .text,
        short: " \(InspectRenderer.shapeText(info.shape))"),
      TextFit.Part(
        "   \(NumberText.count(info.elementCount)) params", .text,
        short: " \(NumberText.count(info.elementCount))", importance: 1),
    ]
    // A pre-quantized tensor says how it is stored (dropped first when the line is short).
    if let stored = info.stored {
      left.insert(TextFit.Part(" · \(stored.mark)", .muted, importance: 2), at: 2)
    }
    if state.kept.contains(info.name) {
      left.append(
        TextFit.Part("   ■ kept in 16-bit", CellStyle(.kept, bold: true), short: " ■ 16-bit"))
    }
    ScreenFrame.headerLine(&canvas, y: 0, left: left, right: [TextFit.Part("⏎/esc back", .muted)])
    // Line 2: why the tensor is (not) quantized, after its statistics, which give way first.
    var line: [TextFit.Part] = []
    if let stats = analysis?.stats {
      line = [
        TextFit.Part(
          "min \(NumberText.short(stats.min))  max \(NumberText.short(stats.max))  ", .muted,
          importance: 5),
        TextFit.Part("mean \(NumberText.short(stats.mean))  ", .muted, importance: 2),
        TextFit.Part("std \(NumberText.short(stats.std))  ", .muted, importance: 3),
        TextFit.Part("zeros \(stats.zeros)  ", .muted, importance: 1),
      ]
      if stats.nonfinite > 0 {
        line.append(
          TextFit.Part(
            "nan \(stats.nans) inf \(stats.infinities)  ", CellStyle(.warning), importance: 6))
      }
      line.append(TextFit.Part("· ", .muted))
    }
    line.append(TextFit.Part(Quantizability.reason(info, in: state.checkpoint), .muted))
    canvas.put(line, x: 1, y: 1, width: canvas.width - 2)
  }

  static func titles(_ panel: TensorPanel, _ state: AppState, _ analysis: TensorAnalysis?) -> (
    String, String?
  ) {
    switch panel {
    case .values:
      return (
        "values (\(state.histogramLog ? "log" : "linear") count\(state.histogramZoom > 1 ? ", zoom ×\(state.histogramZoom)" : ""))",
        "l z"
      )
    case .bins:
      let format = state.viewFormat
      return (
        "bins: \(format.rawValue.uppercased()) (\(format.isNonlinear ? "nonlinear" : "linear"))",
        "◂ f ▸"
      )
    case .outliers:
      return (
        "outlier columns (max |w| per column)",
        "threshold \(NumberText.threshold(state.threshold)) + -"
      )
    case .errors:
      return ("error", nil)
    }
  }

  // MARK: - Values

  static func values(
    _ state: AppState, _ analysis: TensorAnalysis, _ rect: Rect, _ canvas: inout Canvas
  ) {
    let stats = analysis.stats
    canvas.put(
      "μ \(NumberText.short(stats.mean))  σ \(NumberText.short(stats.std))  |w|max \(NumberText.short(stats.absmax))",
      x: rect.x + 1, y: rect.y, style: .muted, maxWidth: rect.width - 1)
    let counts = analysis.histogram.counts.map { state.histogramLog ? logCount($0) : Double($0) }
    let peak = counts.max() ?? 0
    let plot = HistogramPlot(
      values: counts, resolution: state.braille ? .braille : .blocks,
      ceiling: peak > 0 ? peak / Double(state.histogramZoom) : nil)
    plot.draw(into: &canvas, x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 2)
    axis(
      lo: analysis.histogram.lo, hi: analysis.histogram.hi, rect, &canvas,
      y: rect.y + rect.height - 1)
  }

  static func logCount(_ count: UInt64) -> Double {
    count == 0 ? 0 : log2(Double(count) + 1)
  }

  /// Axis labels: lo at the left, hi at the right, 0 where it falls.
  static func axis(lo: Double, hi: Double, _ rect: Rect, _ canvas: inout Canvas, y: Int) {
    canvas.put(NumberText.short(lo), x: rect.x, y: y, style: .muted)
    canvas.putRight(NumberText.short(hi), right: rect.x + rect.width, y: y, style: .muted)
    if lo < 0 && hi > 0 && lo.isFinite && hi.isFinite {
      let column = rect.x + Int(((0 - lo) / (hi - lo) * Double(rect.width - 1)).rounded())
      if column > rect.x + 6 && column < rect.x + rect.width - 7 {
        canvas.set("0", x: column, y: y, style: .muted)
      }
    }
  }

  // MARK: - Bins

  static func bins(
    _ state: AppState, _ analysis: TensorAnalysis, _ rect: Rect, _ canvas: inout Canvas
  ) {
    let format = state.viewFormat
    let levels = format.levels
    // The histogram is of w / block absmax; int8 scales whole rows, so its grid is only a guide.
    let scaling =
      format == .int8
      ? [
        TextFit.Part("w / \(state.settings.blocksize)-block absmax", .muted),
        TextFit.Part(" (int8 scales by row absmax)", .muted, short: " (int8: by row)"),
      ]
      : [
        TextFit.Part(
          "w / \(format.effectiveBlocksize(state.settings.blocksize))-block absmax", .muted,
          short: "w / block absmax")
      ]
    canvas.put(
      scaling + [
        TextFit.Part(
          ", [-1, 1] · │ \(levels.count) levels", .muted, short: " · \(levels.count) levels",
          importance: 1)
      ],
      x: rect.x + 1, y: rect.y, width: rect.width - 1)
    let plotHeight = max(1, rect.height - 4)
    let counts = analysis.normalizedHistogram.counts.map(Double.init)
    let plot = HistogramPlot(values: counts, resolution: state.braille ? .braille : .blocks)
    let plotY = rect.y + 1
    plot.draw(into: &canvas, x: rect.x, y: plotY, width: rect.width, height: plotHeight)
    // Levels: a tick row, and lines over the plot where they leave it readable.
    var perColumn = Array(repeating: 0, count: max(1, rect.width))
    for level in levels {
      let column = Int(((Double(level) + 1) / 2 * Double(rect.width - 1)).rounded())
      if perColumn.indices.contains(column) { perColumn[column] += 1 }
    }
    let sparse = levels.count * 2 <= rect.width
    let tickY = plotY + plotHeight
    for (column, count) in perColumn.enumerated() where count > 0 {
      canvas.set(
        count > 1 ? "┃" : "│", x: rect.x + column, y: tickY, style: CellStyle(.level, bold: true))
      if sparse {
        for row in plotY..<tickY where canvas[rect.x + column, row].character == " " {
          canvas.set("│", x: rect.x + column, y: row, style: CellStyle(.level, dim: true))
        }
      }
    }
    guard let metrics = analysis.formats[format] else {
      canvas.put(
        "no metrics for \(format.rawValue) (1-D tensor)", x: rect.x + 1, y: tickY + 1,
        style: .muted, maxWidth: rect.width - 1)
      return
    }
    let label = "code use, by level "
    canvas.put(label, x: rect.x + 1, y: tickY + 1, style: .muted)
    let ordered = codeCountsByLevel(format, metrics.codeCounts).map(Double.init)
    let bars = Sparkline.text(
      ordered, width: max(1, min(rect.width - label.count - 2, ordered.count)))
    canvas.put(bars, x: rect.x + 1 + label.count, y: tickY + 1, style: CellStyle(.codeUsage))
    let maxBits = log2(Double(max(2, format.codeBinCount)))
    canvas.put(
      [
        TextFit.Part(
          "entropy \(InspectRenderer.fixed(metrics.codeEntropyBits, digits: 2))/\(InspectRenderer.fixed(maxBits, digits: maxBits.rounded() == maxBits ? 0 : 2)) bits",
          .text,
          short:
            "H \(InspectRenderer.fixed(metrics.codeEntropyBits, digits: 2))/\(InspectRenderer.fixed(maxBits, digits: maxBits.rounded() == maxBits ? 0 : 2))"
        ),
        analysis.isStoredFormat(format)
          ? TextFit.Part(
            " · rel_err not measurable (stored codes)", .muted, short: " · rel_err: stored")
          : TextFit.Part(" · rel_err \(NumberText.error(metrics.relErr))", .text),
      ], x: rect.x + 1, y: tickY + 2, width: rect.width - 1)
  }

  /// A format's code-use counts ordered by the value each code stands for (fp4's codes are not
  /// in value order: 8...15 are the negatives), so the sparkline reads as a distribution.
  static func codeCountsByLevel(_ format: QuantFormat, _ counts: [UInt64]) -> [UInt64] {
    guard let values = codeValues[format], values.count == counts.count else { return counts }
    return counts.indices.sorted { (values[$0], $0) < (values[$1], $1) }.map { counts[$0] }
  }

  /// The value of each 4-bit code, found by round-tripping the format's own levels (one block,
  /// absmax 1) through the reference kernels; the 8-bit formats' bins are already in value order.
  static let codeValues: [QuantFormat: [Float]] = {
    var result: [QuantFormat: [Float]] = [:]
    for format in QuantFormat.allCases where format.codeBinCount == 16 {
      let levels = format.levels
      let block = levels + [Float](repeating: 0, count: max(0, 64 - levels.count))
      let trip = FormatReference.roundTrip(
        format, values: block, dtype: .F32, shape: [block.count], blocksize: 64)
      guard trip.codes.count >= levels.count else { continue }
      var values = [Float](repeating: 0, count: 16)
      var seen = [Bool](repeating: false, count: 16)
      for (offset, level) in levels.enumerated() {
        let code = Int(trip.codes[offset]) & 15
        values[code] = level
        seen[code] = true
      }
      // Codes no level reached (fp4's −0) sit beside the value they equal.
      for code in 0..<16 where !seen[code] { values[code] = code >= 8 ? -0.0 : 0 }
      result[format] = values
    }
    return result
  }()

  // MARK: - Outliers

  static func outliers(
    _ state: AppState, _ analysis: TensorAnalysis, _ rect: Rect, _ canvas: inout Canvas
  ) {
    guard let outliers = analysis.outliers, !outliers.columnAbsmax.isEmpty else {
      canvas.put(
        "no columns: a \(analysis.shape.count)-D tensor", x: rect.x + 1, y: rect.y, style: .muted)
      return
    }
    let threshold = Double(state.threshold)
    profile(
      outliers.columnAbsmax.map(Double.init), threshold: threshold,
      marked: state.outlierColumns(analysis),
      isOutlier: { $0 >= threshold }, unit: "column", symbol: "|w|", first: "col 0", rect, &canvas)
  }

  /// A max-|v| profile (one bar per column or feature, resampled by max) with the threshold line,
  /// and the list of `marked` indices, largest first.
  static func profile(
    _ absmax: [Double], threshold: Double, marked: [Int], isOutlier: (Double) -> Bool, unit: String,
    symbol: String, first: String, _ rect: Rect, _ canvas: inout Canvas
  ) {
    // NaN and ±inf columns (a tensor holding them) are drawn full height, never scaled by.
    let peak = absmax.filter(\.isFinite).max() ?? 0
    let ceiling = max(peak, threshold) * 1.1
    // Room for the ceiling label (`65.35┤`) left of the plot.
    let labelWidth = max(5, NumberText.short(ceiling).count + 1)
    let plotX = rect.x + labelWidth
    let plotWidth = max(1, rect.width - labelWidth)
    let plotHeight = max(1, rect.height - 2)
    let bars = HistogramPlot.resampleMax(absmax, to: plotWidth)
    let steps = plotHeight * 8
    for (column, value) in bars.enumerated() {
      let filled =
        !value.isFinite
        ? steps
        : value > 0 ? max(1, min(steps, Int((value / ceiling * Double(steps)).rounded()))) : 0
      let style = isOutlier(value) ? CellStyle(.outlier, bold: true) : CellStyle(.histogram)
      for row in 0..<plotHeight {
        let base = (plotHeight - 1 - row) * 8
        let character = HistogramPlot.block(filled - base)
        if character != " " {
          canvas.set(character, x: plotX + column, y: rect.y + row, style: style)
        }
      }
    }
    // The threshold line sits in the row whose band holds the threshold.
    let thresholdStep =
      ceiling > 0 && ceiling.isFinite
      ? Int((threshold / ceiling * Double(steps)).rounded(.down)) : 0
    let lineRow = rect.y + plotHeight - 1 - min(plotHeight - 1, thresholdStep / 8)
    for column in 0..<plotWidth where canvas[plotX + column, lineRow].character == " " {
      canvas.set("─", x: plotX + column, y: lineRow, style: CellStyle(.thresholdLine, bold: true))
    }
    canvas.putRight(
      NumberText.threshold(Float(threshold)) + "┼", right: plotX, y: lineRow,
      style: CellStyle(.thresholdLine, bold: true))
    if lineRow != rect.y {
      canvas.putRight(NumberText.short(ceiling) + "┤", right: plotX, y: rect.y, style: .muted)
    }
    if lineRow != rect.y + plotHeight - 1 {
      canvas.putRight("0┤", right: plotX, y: rect.y + plotHeight - 1, style: .muted)
    }
    // The list of indices at or above the threshold, largest first.
    let columns = marked.filter { absmax.indices.contains($0) }.sorted {
      absmax[$0] > absmax[$1] || absmax[$0].isNaN
    }
    var x = canvas.put(
      "\(columns.count) \(unit)\(columns.count == 1 ? "" : "s") ≥ \(NumberText.threshold(Float(threshold)))"
        + (columns.isEmpty ? " (largest \(symbol) \(NumberText.short(peak)))" : ":"),
      x: rect.x + 1, y: rect.y + rect.height - 2,
      style: CellStyle(columns.isEmpty ? .muted : .outlier, bold: !columns.isEmpty))
    for column in columns {
      let entry = " \(column) (\(NumberText.short(absmax[column])))"
      if x + entry.count > rect.x + rect.width - 2 {
        canvas.put(" …", x: x, y: rect.y + rect.height - 2, style: .muted)
        break
      }
      x = canvas.put(entry, x: x, y: rect.y + rect.height - 2, style: .text)
    }
    canvas.put(first, x: plotX, y: rect.y + rect.height - 1, style: .muted)
    canvas.putRight(
      "\(absmax.count - 1)", right: rect.x + rect.width, y: rect.y + rect.height - 1, style: .muted)
  }

  // MARK: - Errors

  /// Columns of the error table, in the order they are dropped last to first when narrow.
  static let errorColumns:
    [(title: String, width: Int, value: @Sendable (FormatMetrics) -> String)] = [
      ("rel_err", 8, { NumberText.error($0.relErr) }),
      ("SQNR dB", 8, { NumberText.decibels($0.sqnrDB) }),
      ("max err", 8, { NumberText.short($0.maxAbsErr) }),
      ("bits", 6, { InspectRenderer.fixed($0.bitsPerParam, digits: 2) }),
      ("mse", 9, { NumberText.scientific($0.mse, digits: 2) }),
      ("entropy", 8, { InspectRenderer.fixed($0.codeEntropyBits, digits: 2) }),
    ]

  /// Below the error table of a pre-quantized tensor: the stored codes' usage (by value) and
  /// entropy, and what its errors can and cannot say.
  static func storedCodes(_ usage: StoredCodeUsage, _ rect: Rect, y: Int, _ canvas: inout Canvas) {
    guard y < rect.y + rect.height else { return }
    let label = "\(usage.mark): code use "
    let x = canvas.put(
      label, x: rect.x + 1, y: y, style: CellStyle(.text, bold: true), maxWidth: rect.width - 1)
    let ordered = storedCountsByValue(usage).map(Double.init)
    let room = rect.x + rect.width - x - 1
    if room >= 8 {
      let bars = Sparkline.text(ordered, width: min(room, ordered.count, 32))
      canvas.put(bars, x: x, y: y, style: CellStyle(.codeUsage))
    }
    let maxBits = log2(Double(max(2, usage.codeCounts.count)))
    let line2 = y + 1
    guard line2 < rect.y + rect.height else { return }
    let bits = InspectRenderer.fixed(maxBits, digits: maxBits.rounded() == maxBits ? 0 : 2)
    canvas.put(
      [
        TextFit.Part(
          "entropy \(InspectRenderer.fixed(usage.codeEntropyBits, digits: 2))/\(bits) bits", .text,
          short: "H \(InspectRenderer.fixed(usage.codeEntropyBits, digits: 2))/\(bits)"),
        TextFit.Part(
          " · \(InspectRenderer.fixed(usage.bitsPerParam, digits: 2)) bits/param as stored", .text,
          short: " · \(InspectRenderer.fixed(usage.bitsPerParam, digits: 2)) b/p", importance: 1),
      ], x: rect.x + 1, y: line2, width: rect.width - 1)
    guard line2 + 1 < rect.y + rect.height else { return }
    canvas.put(
      usage.quantFormat == nil
        ? "the formats above re-quantize the dequantized weights (fp8 × scale)"
        : "its own error is not measurable: no original weights in the file",
      x: rect.x + 1, y: line2 + 1, style: .muted, maxWidth: rect.width - 1)
  }

  /// The stored codes' counts in the order of the values they stand for: 4-bit by level, int8
  /// from −127 up, FP8 from the most negative byte to the most positive, unused ends trimmed.
  static func storedCountsByValue(_ usage: StoredCodeUsage) -> [UInt64] {
    if let format = usage.quantFormat { return codeCountsByLevel(format, usage.codeCounts) }
    guard usage.codeCounts.count == 256 else { return usage.codeCounts }
    // Sign and magnitude: 0xFF...0x80 are the negatives, largest magnitude first.
    let ordered = (128...255).reversed().map { usage.codeCounts[$0] } + usage.codeCounts[0..<128]
    guard let first = ordered.firstIndex(where: { $0 > 0 }),
      let last = ordered.lastIndex(where: { $0 > 0 })
    else { return ordered }
    return Array(ordered[first...last])
  }

  /// The error table's columns that measure the round trip (not the stored codes' bits and
  /// entropy).
  static let errorColumnTitles: Set<String> = ["rel_err", "SQNR dB", "max err", "mse"]

  static func errors(
    _ state: AppState, _ analysis: TensorAnalysis, _ rect: Rect, _ canvas: inout Canvas,
    _ context: RenderContext,
    capture: ModuleActivation? = nil
  ) {
    guard !analysis.formats.isEmpty else {
      canvas.put(
        "no round trips: a \(analysis.shape.count)-D tensor", x: rect.x + 1, y: rect.y,
        style: .muted)
      return
    }
    // With a capture: the layer-output error below the weight table when both fit, else the one
    // of the outlier source in view.
    if let capture {
      let tableRows = state.settings.formats.count + 2
      if rect.height >= tableRows + 1 + outputErrorRows {
        outputErrors(capture, rect, y: rect.y + tableRows + 1, height: outputErrorRows, &canvas)
      } else if state.mapSource == .activations {
        outputErrors(capture, rect, y: rect.y, height: rect.height, &canvas)
        return
      }
    }
    let nameWidth = 8
    var shown: [(title: String, width: Int, value: @Sendable (FormatMetrics) -> String)] = []
    var used = nameWidth + 1
    for column in errorColumns where used + column.width <= rect.width {
      shown.append(column)
      used += column.width
    }
    var x = rect.x + 1 + nameWidth
    canvas.put("fmt", x: rect.x + 1, y: rect.y, style: .muted)
    for column in shown {
      canvas.putRight(column.title, right: x + column.width, y: rect.y, style: .muted)
      x += column.width
    }
    let heat = ViewHeat(
      values: state.settings.formats.compactMap {
        analysis.isStoredFormat($0) ? nil : analysis.formats[$0]?.relErr
      },
      higherIsBetter: false)
    let scale = heat.scale
    for (row, format) in state.settings.formats.enumerated() where row + 1 < rect.height {
      let y = rect.y + 1 + row
      guard let metrics = analysis.formats[format] else { continue }
      let isView = format == state.viewFormat
      let marker = format == state.globalFormat ? "●" : " "
      canvas.put(marker, x: rect.x, y: y, style: CellStyle(.key, bold: true))
      canvas.put(
        format.rawValue, x: rect.x + 1, y: y, style: isView ? CellStyle(.title, bold: true) : .text)
      var x = rect.x + 1 + nameWidth
      let stored = analysis.isStoredFormat(format)
      for (offset, column) in shown.enumerated() {
        // The stored format's own error is not measurable: "stored" in rel_err, "-" in the other
        // error columns; its bits and entropy come from the stored codes.
        if stored && Self.errorColumnTitles.contains(column.title) {
          canvas.putRight(
            offset == 0 ? StoredCodeUsage.unmeasurableCell : "-", right: x + column.width, y: y,
            style: .muted)
          x += column.width
          continue
        }
        let style = offset == 0 ? scale.style(metrics.relErr) : CellStyle.text
        if offset == 0 && context.isMonochrome {
          canvas.set(HeatScale.shade(scale.position(metrics.relErr)), x: x + 1, y: y, style: style)
        }
        canvas.putRight(column.value(metrics), right: x + column.width, y: y, style: style)
        x += column.width
      }
      if isView { canvas.restyle(x: rect.x + 1, y: y, width: rect.width - 1) { $0.bold } }
    }
    let footY = rect.y + 1 + state.settings.formats.count
    if footY < rect.y + rect.height {
      canvas.put(
        "● chosen (F) · bold: in view (f)", x: rect.x + 1, y: footY, style: .muted,
        maxWidth: rect.width - 1)
    }
    if let usage = analysis.stored {
      storedCodes(usage, rect, y: footY + 1, &canvas)
    }
    // The rel_err column's scale (over this tensor's formats), in the panel's bottom border.
    var relErr = state
    relErr.metric = .relErr
    if heat.legendWidth(relErr, label: "rel_err heat:") + 2 < rect.width - 1 {
      let border = rect.y + rect.height
      let end = heat.drawLegend(
        relErr, label: " rel_err heat:", x: rect.x + 1, y: border, context, &canvas)
      canvas.put(" ", x: end, y: border, style: .muted)
    }
  }
}
