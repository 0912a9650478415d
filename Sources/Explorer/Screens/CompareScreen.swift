import Engine
import Terminal

/// Layers × module kinds heat matrix of the format in view, totals per format, and memory.
enum CompareScreen {
  /// Rows of layers in a terminal `height` rows tall (header 3, footer 5).
  static func listHeight(_ height: Int) -> Int { height - 8 }

  /// The largest useful scroll offset: the last layer at the bottom of the list.
  static func maxScroll(_ state: AppState, height: Int) -> Int {
    max(0, LayerMatrix(state).layers.count - listHeight(height))
  }

  static func render(_ state: AppState, into canvas: inout Canvas, context: RenderContext) {
    let format = state.viewFormat
    var matrix = LayerMatrix(state)
    if state.compareWorstFirst { matrix.sortWorstFirst(state, format) }
    Chrome.headerLine(
      &canvas, y: 0,
      left: [("compare formats", CellStyle(.title, bold: true)),
             ("  \(state.metric.rawValue) of ", .muted), (format.rawValue, CellStyle(.key, bold: true)),
             (state.metric == .relErr ? "  (lower is better)" : "  (higher is better)", .muted)],
      right: [(state.compareWorstFirst ? "order: worst \(format.rawValue) first" : "order: by layer", .muted)])
    let labelWidth = max(10, min(18, (matrix.layers.map { LayerMatrix.label($0).count }.max() ?? 8) + 2))
    let preferred = max(8, min(13, (matrix.labels.map(\.count).max() ?? 6) + 1))
    let cellWidth = max(8, min(preferred, (canvas.width - labelWidth - 2) / max(1, matrix.kinds.count)))
    canvas.put("layer", x: 1, y: 2, style: .muted)
    let visibleKinds = max(0, (canvas.width - labelWidth - 2) / cellWidth)
    for (column, kind) in matrix.labels.prefix(visibleKinds).enumerated() {
      let short = kind.count >= cellWidth && kind.hasSuffix("_proj") ? String(kind.dropLast(5)) : kind
      canvas.putRight(Chrome.fit(short, cellWidth - 1), right: 1 + labelWidth + (column + 1) * cellWidth, y: 2, style: CellStyle(.title))
    }
    if matrix.kinds.count > visibleKinds {
      canvas.put("+\(matrix.kinds.count - visibleKinds) more", x: canvas.width - 9, y: 1, style: .muted)
    }
    let values = matrix.cells.flatMap { $0 }.compactMap { $0.flatMap { state.metricValue($0, format) } }
    let scale = HeatScale(values: values, higherIsBetter: !state.higherIsWorse)
    let top = 3
    let height = listHeight(canvas.height)
    let scroll = max(0, min(state.compareScroll, matrix.layers.count - height))
    if matrix.layers.isEmpty {
      canvas.put("no layered quantizable tensors to compare", x: 3, y: top, style: .muted)
    }
    for (line, layer) in matrix.layers.enumerated().dropFirst(scroll).prefix(height) {
      let y = top + line - scroll
      canvas.put(LayerMatrix.label(layer), x: 1, y: y, style: CellStyle(.group), maxWidth: labelWidth - 1)
      for (column, tensor) in matrix.cells[line].prefix(visibleKinds).enumerated() {
        let right = 1 + labelWidth + (column + 1) * cellWidth
        guard let tensor else { continue }
        guard let value = state.metricValue(tensor, format) else {
          canvas.putRight(state.analyses[tensor] == nil ? "…" : "·", right: right, y: y, style: .muted)
          continue
        }
        let position = scale.position(value)
        let style = CellStyle.heat(position)
        let glyphs = String(repeating: HeatScale.shade(position), count: 1)
        canvas.put(glyphs, x: right - 7, y: y, style: style)
        canvas.putRight(Chrome.metricText(value, state), right: right, y: y, style: style)
      }
    }
    if matrix.layers.count > height {
      canvas.put("\(scroll + 1)-\(min(matrix.layers.count, scroll + height)) of \(matrix.layers.count) layers (↑↓)", x: 1, y: top + height, style: .muted)
    }
    footer(state, &canvas, y: canvas.height - 5)
    Chrome.statusLine(&canvas, y: canvas.height - 2, state)
    Chrome.hintBar(&canvas, state)
  }

  static func footer(_ state: AppState, _ canvas: inout Canvas, y: Int) {
    let totals = state.totals
    var x = canvas.put("totals   ", x: 1, y: y + 1, style: CellStyle(.title, bold: true))
    // Totals over part of the model say so; the marker keeps its place however many fit.
    let partial = state.partialCoverage.map { "(partial: \($0.done)/\($0.total) tensors)" }
    let end = canvas.width - (partial.map { $0.count + 1 } ?? 0)
    for format in state.settings.formats {
      guard let total = totals.formats[format], total.tensors > 0 else { continue }
      let value = state.metric == .relErr ? NumberText.error(total.relErr) : NumberText.decibels(total.sqnrDB)
      let entry = "\(format.rawValue) \(value)  "
      if x + entry.count >= end { break }
      x = canvas.put(entry, x: x, y: y + 1, style: format == state.viewFormat ? CellStyle(.text, bold: true) : .text)
    }
    if let partial { canvas.put(partial, x: x, y: y + 1, style: CellStyle(.warning)) }
    x = canvas.put("memory   ", x: 1, y: y + 2, style: CellStyle(.title, bold: true))
    var entries = ["16-bit \(InspectRenderer.byteText(totals.bytes16))"]
    for format in state.settings.formats {
      entries.append("\(format.rawValue) \(InspectRenderer.byteText(totals.memoryBytes(format: format, keeping: [])))")
    }
    for (offset, entry) in entries.enumerated() {
      let text = (offset > 0 ? " · " : "") + entry
      if x + text.count >= canvas.width { break }
      x = canvas.put(text, x: x, y: y + 2, style: .text)
    }
    let chosen = state.choiceSummary?.weightsBytes ?? totals.memoryBytes(format: state.globalFormat, keeping: [])
    let keptText =
      state.kept.isEmpty
      ? "" : state.appliedKept.isEmpty
        ? " (\(state.kept.count) kept: not applied by 8-bit loading)" : " + \(state.kept.count) kept in 16-bit"
    canvas.put(
      "current choice: \(state.globalFormat.rawValue)" + keptText + " → \(InspectRenderer.byteText(chosen))",
      x: 1, y: y + 3, style: CellStyle(.key, bold: true), maxWidth: canvas.width - 2)
  }
}
