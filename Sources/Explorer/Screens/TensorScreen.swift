#if canImport(Glibc)
import Glibc
#endif

import Engine
import Safetensors
import Terminal

/// One tensor: values histogram, quantization bins, outlier columns, and the error table.
enum TensorScreen {
  static func render(_ state: AppState, into canvas: inout Canvas, context: RenderContext) {
    guard let index = state.openTensor, state.checkpoint.tensors.indices.contains(index) else { return }
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
      let (title, right) = panel == .outliers && state.mapSource == .activations
        ? ("activation features (max |x| per input feature, capture)", "threshold \(NumberText.threshold(state.threshold)) + - a")
        : titles(panel, state, analysis)
      canvas.box(x: x, y: y, width: width, height: height, title: title, focused: focused, rightTitle: right)
      let inner = Rect(x: x + 1, y: y + 1, width: width - 2, height: height - 2)
      guard let analysis else {
        let message = state.failures[index].map { "analysis failed: \($0)" }
          ?? (info.dtype.isAnalysable ? "analysing…" : "\(info.dtype.rawValue) is not analysed")
        canvas.put(message, x: inner.x + 1, y: inner.y, style: state.failures[index] == nil ? .muted : CellStyle(.error), maxWidth: inner.width - 1)
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
      case .errors: errors(state, analysis, inner, &canvas, context, capture: state.captureModule(for: info))
      }
    }
    Chrome.statusLine(&canvas, y: canvas.height - 2, state)
    Chrome.hintBar(&canvas, state)
  }

  /// A rectangle of the canvas.
  struct Rect {
    var x: Int
    var y: Int
    var width: Int
    var height: Int
  }

  // MARK: - Header

  static func header(_ state: AppState, _ info: TensorInfo, _ analysis: TensorAnalysis?, _ canvas: inout Canvas) {
    var left: [(String, CellStyle)] = [
      (InspectRenderer.displayName(info.name), CellStyle(.title, bold: true)),
      ("   \(InspectRenderer.shapeText(info.shape)) \(info.dtype.rawValue)   \(NumberText.count(info.elementCount)) params", .text),
    ]
    if state.kept.contains(info.name) { left.append(("   ■ kept in 16-bit", CellStyle(.kept, bold: true))) }
    Chrome.headerLine(&canvas, y: 0, left: left, right: [("⏎/esc back", .muted)])
    var line = Quantizability.reason(info, in: state.checkpoint)
    if let stats = analysis?.stats {
      line = "min \(NumberText.short(stats.min))  max \(NumberText.short(stats.max))  mean \(NumberText.short(stats.mean))  std \(NumberText.short(stats.std))  zeros \(stats.zeros)"
        + (stats.nonfinite > 0 ? "  nan \(stats.nans) inf \(stats.infinities)" : "") + "  · " + line
    }
    canvas.put(line, x: 1, y: 1, style: .muted, maxWidth: canvas.width - 2)
  }

  static func titles(_ panel: TensorPanel, _ state: AppState, _ analysis: TensorAnalysis?) -> (String, String?) {
    switch panel {
    case .values:
      return ("values (\(state.histogramLog ? "log" : "linear") count\(state.histogramZoom > 1 ? ", zoom ×\(state.histogramZoom)" : ""))", "l z")
    case .bins:
      let format = state.viewFormat
      return ("bins: \(format.rawValue.uppercased()) (\(format.isNonlinear ? "nonlinear" : "linear"))", "◂ f ▸")
    case .outliers:
      return ("outlier columns (max |w| per column)", "threshold \(NumberText.threshold(state.threshold)) + -")
    case .errors:
      return ("error", nil)
    }
  }

  // MARK: - Values

  static func values(_ state: AppState, _ analysis: TensorAnalysis, _ rect: Rect, _ canvas: inout Canvas) {
    let stats = analysis.stats
    canvas.put("μ \(NumberText.short(stats.mean))  σ \(NumberText.short(stats.std))  |w|max \(NumberText.short(stats.absmax))",
               x: rect.x + 1, y: rect.y, style: .muted, maxWidth: rect.width - 1)
    let counts = analysis.histogram.counts.map { state.histogramLog ? logCount($0) : Double($0) }
    let peak = counts.max() ?? 0
    let plot = HistogramPlot(
      values: counts, resolution: state.braille ? .braille : .blocks,
      ceiling: peak > 0 ? peak / Double(state.histogramZoom) : nil)
    plot.draw(into: &canvas, x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 2)
    axis(lo: analysis.histogram.lo, hi: analysis.histogram.hi, rect, &canvas, y: rect.y + rect.height - 1)
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
      if column > rect.x + 6 && column < rect.x + rect.width - 7 { canvas.set("0", x: column, y: y, style: .muted) }
    }
  }

  // MARK: - Bins

  static func bins(_ state: AppState, _ analysis: TensorAnalysis, _ rect: Rect, _ canvas: inout Canvas) {
    let format = state.viewFormat
    let levels = format.levels
    canvas.put("w / block absmax, [-1, 1] · │ \(levels.count) levels", x: rect.x + 1, y: rect.y, style: .muted, maxWidth: rect.width - 1)
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
      canvas.set(count > 1 ? "┃" : "│", x: rect.x + column, y: tickY, style: CellStyle(.level, bold: true))
      if sparse {
        for row in plotY..<tickY where canvas[rect.x + column, row].character == " " {
          canvas.set("│", x: rect.x + column, y: row, style: CellStyle(.level, dim: true))
        }
      }
    }
    guard let metrics = analysis.formats[format] else {
      canvas.put("no metrics for \(format.rawValue) (1-D tensor)", x: rect.x + 1, y: tickY + 1, style: .muted)
      return
    }
    let label = "code use "
    canvas.put(label, x: rect.x + 1, y: tickY + 1, style: .muted)
    let bars = Sparkline.text(metrics.codeCounts.map(Double.init), width: max(1, min(rect.width - label.count - 2, metrics.codeCounts.count)))
    canvas.put(bars, x: rect.x + 1 + label.count, y: tickY + 1, style: CellStyle(.codeUsage))
    let maxBits = log2(Double(max(2, format.codeBinCount)))
    canvas.put(
      "entropy \(InspectRenderer.fixed(metrics.codeEntropyBits, digits: 2))/\(InspectRenderer.fixed(maxBits, digits: maxBits.rounded() == maxBits ? 0 : 2)) bits · rel_err \(NumberText.error(metrics.relErr))",
      x: rect.x + 1, y: tickY + 2, style: .text, maxWidth: rect.width - 1)
  }

  // MARK: - Outliers

  static func outliers(_ state: AppState, _ analysis: TensorAnalysis, _ rect: Rect, _ canvas: inout Canvas) {
    guard let outliers = analysis.outliers, !outliers.columnAbsmax.isEmpty else {
      canvas.put("no columns: a \(analysis.shape.count)-D tensor", x: rect.x + 1, y: rect.y, style: .muted)
      return
    }
    let threshold = Double(state.threshold)
    profile(
      outliers.columnAbsmax.map(Double.init), threshold: threshold, marked: state.outlierColumns(analysis),
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
      let filled = !value.isFinite ? steps : value > 0 ? max(1, min(steps, Int((value / ceiling * Double(steps)).rounded()))) : 0
      let style = isOutlier(value) ? CellStyle(.outlier, bold: true) : CellStyle(.histogram)
      for row in 0..<plotHeight {
        let base = (plotHeight - 1 - row) * 8
        let character = HistogramPlot.block(filled - base)
        if character != " " { canvas.set(character, x: plotX + column, y: rect.y + row, style: style) }
      }
    }
    // The threshold line sits in the row whose band holds the threshold.
    let thresholdStep = ceiling > 0 && ceiling.isFinite ? Int((threshold / ceiling * Double(steps)).rounded(.down)) : 0
    let lineRow = rect.y + plotHeight - 1 - min(plotHeight - 1, thresholdStep / 8)
    for column in 0..<plotWidth where canvas[plotX + column, lineRow].character == " " {
      canvas.set("─", x: plotX + column, y: lineRow, style: CellStyle(.thresholdLine, bold: true))
    }
    canvas.putRight(NumberText.threshold(Float(threshold)) + "┼", right: plotX, y: lineRow, style: CellStyle(.thresholdLine, bold: true))
    if lineRow != rect.y {
      canvas.putRight(NumberText.short(ceiling) + "┤", right: plotX, y: rect.y, style: .muted)
    }
    if lineRow != rect.y + plotHeight - 1 {
      canvas.putRight("0┤", right: plotX, y: rect.y + plotHeight - 1, style: .muted)
    }
    // The list of indices at or above the threshold, largest first.
    let columns = marked.filter { absmax.indices.contains($0) }.sorted { absmax[$0] > absmax[$1] || absmax[$0].isNaN }
    var x = canvas.put(
      "\(columns.count) \(unit)\(columns.count == 1 ? "" : "s") ≥ \(NumberText.threshold(Float(threshold)))"
        + (columns.isEmpty ? " (largest \(symbol) \(NumberText.short(peak)))" : ":"),
      x: rect.x + 1, y: rect.y + rect.height - 2, style: CellStyle(columns.isEmpty ? .muted : .outlier, bold: !columns.isEmpty))
    for column in columns {
      let entry = " \(column) (\(NumberText.short(absmax[column])))"
      if x + entry.count > rect.x + rect.width - 2 {
        canvas.put(" …", x: x, y: rect.y + rect.height - 2, style: .muted)
        break
      }
      x = canvas.put(entry, x: x, y: rect.y + rect.height - 2, style: .text)
    }
    canvas.put(first, x: plotX, y: rect.y + rect.height - 1, style: .muted)
    canvas.putRight("\(absmax.count - 1)", right: rect.x + rect.width, y: rect.y + rect.height - 1, style: .muted)
  }

  // MARK: - Errors

  /// Columns of the error table, in the order they are dropped last to first when narrow.
  static let errorColumns: [(title: String, width: Int, value: @Sendable (FormatMetrics) -> String)] = [
    ("rel_err", 8, { NumberText.error($0.relErr) }),
    ("SQNR dB", 8, { NumberText.decibels($0.sqnrDB) }),
    ("max err", 8, { NumberText.short($0.maxAbsErr) }),
    ("bits", 6, { InspectRenderer.fixed($0.bitsPerParam, digits: 2) }),
    ("mse", 9, { NumberText.scientific($0.mse, digits: 2) }),
    ("entropy", 8, { InspectRenderer.fixed($0.codeEntropyBits, digits: 2) }),
  ]

  static func errors(
    _ state: AppState, _ analysis: TensorAnalysis, _ rect: Rect, _ canvas: inout Canvas, _ context: RenderContext,
    capture: ModuleActivation? = nil
  ) {
    guard !analysis.formats.isEmpty else {
      canvas.put("no round trips: a \(analysis.shape.count)-D tensor", x: rect.x + 1, y: rect.y, style: .muted)
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
    let scale = HeatScale(values: state.settings.formats.compactMap { analysis.formats[$0]?.relErr })
    for (row, format) in state.settings.formats.enumerated() where row + 1 < rect.height {
      let y = rect.y + 1 + row
      guard let metrics = analysis.formats[format] else { continue }
      let isView = format == state.viewFormat
      let marker = format == state.globalFormat ? "●" : " "
      canvas.put(marker, x: rect.x, y: y, style: CellStyle(.key, bold: true))
      canvas.put(format.rawValue, x: rect.x + 1, y: y, style: isView ? CellStyle(.title, bold: true) : .text)
      var x = rect.x + 1 + nameWidth
      for (offset, column) in shown.enumerated() {
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
      canvas.put("● chosen (F) · bold: in view (f)", x: rect.x + 1, y: footY, style: .muted, maxWidth: rect.width - 1)
    }
  }
}
