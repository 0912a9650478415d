import Engine
import Terminal

/// The outlier map's activation view: hidden dimension × layer, marking the captured input
/// features that reach the threshold (LLM.int8()'s definition) in each layer. Systematic dims
/// show as vertical stripes and are labelled under the map.
extension OutlierMapScreen {
  // MARK: - Source line

  /// Row 1: `source: weights ≥ 6.0 | activations (capture)`, the active source bold.
  static func sourceLine(_ state: AppState, _ canvas: inout Canvas, y: Int) {
    let threshold = NumberText.threshold(state.threshold)
    var x = canvas.put("source: ", x: 1, y: y, style: .muted)
    let weights = state.mapSource == .weights
    x = canvas.put("weights |w| ≥ \(threshold)", x: x, y: y, style: weights ? CellStyle(.key, bold: true) : .muted)
    x = canvas.put(" | ", x: x, y: y, style: .muted)
    let capture: String
    if state.activationsPath == nil {
      capture = "activations (no capture: --activations FILE)"
    } else if state.activationFailure != nil {
      capture = "activations (capture failed)"
    } else if state.activations == nil {
      let progress = state.activationProgress.map { " \($0.done)/\($0.total)" } ?? ""
      capture = "activations (analysing capture\(progress)…)"
    } else {
      capture = "activations |x| ≥ \(threshold) (capture)"
    }
    x = canvas.put(capture, x: x, y: y, style: weights ? .muted : CellStyle(.key, bold: true), maxWidth: canvas.width - x - 1)
    if state.activationsPath != nil && x + 12 < canvas.width {
      canvas.putRight("a toggles", right: canvas.width - 1, y: y, style: .muted)
    }
  }

  // MARK: - Activations

  /// The map's rows: layers with a captured module whose input is the hidden state (its outlier
  /// set may be empty). Modules outside the numbered blocks (a pooler) are no layer.
  static func shownLayers(_ outliers: ActivationOutliers, hidden: Int) -> [Int] {
    outliers.dimsByLayer.keys.sorted().filter { $0 >= 0 && outliers.dimsByLayer[$0]?[hidden] != nil }
  }

  static func renderActivations(_ state: AppState, into canvas: inout Canvas, context: RenderContext) {
    let hidden = state.activations.map(ActivationOutliers.hiddenWidth) ?? 0
    let labelWidth = Self.labelWidth
    let (perCell, cells) = Self.columns(hidden: hidden, canvasWidth: canvas.width)
    Chrome.headerLine(
      &canvas, y: 0,
      left: [("outlier map", CellStyle(.title, bold: true)),
             (hidden > 0 ? "  hidden dim \(hidden) (\(perCell)/cell) × layer · |x| ≥ " : "  activations · |x| ≥ ", .muted),
             (NumberText.threshold(state.threshold), CellStyle(.thresholdLine, bold: true))],
      right: [("+ - threshold", .muted)])
    sourceLine(state, &canvas, y: 1)
    let top = 2
    let height = canvas.height - top - 5
    guard let analysis = state.activations, let outliers = state.activationOutliers else {
      let message = state.activationFailure.map { "capture analysis failed: \($0)" }
        ?? (state.activationsPath == nil ? "no activation capture loaded: quantscope MODEL --activations FILE"
          : "analysing the capture…")
      canvas.put(message, x: 3, y: top, style: state.activationFailure == nil ? .muted : CellStyle(.error), maxWidth: canvas.width - 4)
      Chrome.statusLine(&canvas, y: canvas.height - 2, state)
      Chrome.hintBar(&canvas, state)
      return
    }
    let shownLayers = Self.shownLayers(outliers, hidden: hidden)
    let scroll = max(0, min(state.mapScroll, shownLayers.count - height))
    if shownLayers.isEmpty || hidden == 0 {
      canvas.put("no captured module with a hidden-size input", x: 3, y: top, style: .muted)
    }
    let systematic = outliers.systematic.filter { $0.features == hidden }
    let systematicDims = Set(systematic.map(\.dim))
    for (line, layer) in shownLayers.enumerated().dropFirst(scroll).prefix(height) {
      let y = top + line - scroll
      canvas.put("layer \(layer)", x: 1, y: y, style: CellStyle(.group), maxWidth: labelWidth - 2)
      canvas.set("▏", x: labelWidth, y: y, style: CellStyle(.border))
      for dim in outliers.dimsByLayer[layer]?[hidden] ?? [] where dim / perCell < cells {
        let style = systematicDims.contains(dim) ? CellStyle(.outlier, bold: true) : CellStyle(.warning)
        canvas.set("█", x: labelWidth + 1 + dim / perCell, y: y, style: style)
      }
    }
    // Under the map: a ↑ under each systematic dim, then their labels.
    let markY = top + min(height, shownLayers.count)
    if markY < canvas.height - 4 {
      var free = labelWidth + 1
      for dim in systematicDims.sorted() where dim / perCell < cells {
        let x = labelWidth + 1 + dim / perCell
        canvas.set("↑", x: x, y: markY, style: CellStyle(.outlier, bold: true))
        // The dim's number under its arrow, where it does not run into the previous one.
        if markY + 1 < canvas.height - 4 && x >= free {
          free = canvas.put(String(dim), x: x, y: markY + 1, style: CellStyle(.outlier)) + 1
        }
      }
    }
    let total = shownLayers.count
    var summary = systematic.isEmpty
      ? "no hidden dim reaches the threshold in ≥ 25% of the \(total) captured layers"
      : "systematic dims " + systematic.prefix(12).map { String($0.dim) }.joined(separator: ", ")
        + (systematic.count > 12 ? ", …" : "") + ": outliers in ≥ 25% of the \(total) layers"
    if shownLayers.count > height {
      summary += "  · \(scroll + 1)-\(min(shownLayers.count, scroll + height)) of \(shownLayers.count) (↑↓)"
    }
    canvas.put(summary, x: 1, y: canvas.height - 4, style: systematic.isEmpty ? .muted : CellStyle(.outlier, bold: true), maxWidth: canvas.width - 2)
    let modules = analysis.modules.count
    var facts = "\(modules) modules captured · \(analysis.modules.filter { !(outliers.featuresByModule[$0.module] ?? []).isEmpty }.count) with outlier features"
    // Modules outside the blocks (a pooler) are no layer of the map; their outliers are told here.
    let outside = analysis.modules.filter { $0.layer == nil }
    if !outside.isEmpty {
      let names = outside.prefix(2).map(\.module).joined(separator: ", ") + (outside.count > 2 ? ", …" : "")
      let dims = outside.reduce(0) { $0 + (outliers.featuresByModule[$1.module]?.count ?? 0) }
      facts += " · outside the layers: \(names) (\(dims) outlier feature\(dims == 1 ? "" : "s"))"
    }
    if !analysis.problems.isEmpty { facts += " · \(analysis.problems.count) capture problem\(analysis.problems.count == 1 ? "" : "s"): " + analysis.problems[0] }
    canvas.put(facts, x: 1, y: canvas.height - 3, style: analysis.problems.isEmpty ? .muted : CellStyle(.warning), maxWidth: canvas.width - 2)
    Chrome.statusLine(&canvas, y: canvas.height - 2, state)
    Chrome.hintBar(&canvas, state)
  }
}
