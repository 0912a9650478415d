import Engine
import Reports
import Terminal

/// Layers × module kinds heat matrix of the format in view, with a cursor on one cell (⏎ opens
/// its tensor), the scale's legend, totals per format, and memory.
enum CompareScreen {
  /// Rows of layers in a terminal `height` rows tall (header 3, legend and footer 5).
  static func listHeight(_ height: Int) -> Int { max(1, height - 8) }

  /// The largest useful scroll offset: the last layer at the bottom of the list.
  static func maxScroll(_ state: AppState, height: Int) -> Int {
    max(0, LayerMatrix(state).layers.count - listHeight(height))
  }

  /// Where the matrix stands on a canvas: its rows, columns and cell geometry.
  struct Layout {
    var matrix: LayerMatrix
    var labelWidth: Int
    var cellWidth: Int
    var visibleKinds: Int
    /// First row of layers.
    static let top = 3

    init(_ state: AppState, width: Int) {
      var matrix = LayerMatrix(state)
      if state.compareWorstFirst { matrix.sortWorstFirst(state, state.viewFormat) }
      labelWidth = max(
        10, min(18, (matrix.layers.map { LayerMatrix.label($0).count }.max() ?? 8) + 2))
      let preferred = max(8, min(13, (matrix.labels.map(\.count).max() ?? 6) + 1))
      cellWidth = max(8, min(preferred, (width - labelWidth - 2) / max(1, matrix.kinds.count)))
      visibleKinds = min(matrix.kinds.count, max(0, (width - labelWidth - 2) / cellWidth))
      self.matrix = matrix
    }

    /// Right edge (exclusive) of column `column`'s cells.
    func right(_ column: Int) -> Int { 1 + labelWidth + (column + 1) * cellWidth }

    /// The (layer row, column) under canvas cell (x, y) with the list scrolled by `scroll`.
    func cell(x: Int, y: Int, scroll: Int, height: Int) -> (row: Int, column: Int)? {
      let line = y - Layout.top
      guard line >= 0 && line < height, x > labelWidth else { return nil }
      let column = (x - 1 - labelWidth) / cellWidth
      let row = scroll + line
      guard column >= 0 && column < visibleKinds && matrix.layers.indices.contains(row) else {
        return nil
      }
      return (row, column)
    }
  }

  /// The scroll offset that shows the cursor's row.
  static func scroll(_ state: AppState, layers: Int, height: Int) -> Int {
    var scroll = max(0, min(state.compareScroll, layers - height))
    if state.compareCursor.row < scroll { scroll = state.compareCursor.row }
    if state.compareCursor.row >= scroll + height { scroll = state.compareCursor.row - height + 1 }
    return max(0, scroll)
  }

  static func render(_ state: AppState, into canvas: inout Canvas, context: RenderContext) {
    let format = state.viewFormat
    let layout = Layout(state, width: canvas.width)
    let matrix = layout.matrix
    ScreenFrame.headerLine(
      &canvas, y: 0,
      left: [
        TextFit.Part("compare formats", CellStyle(.title, bold: true)),
        TextFit.Part("  \(state.metric.rawValue) of ", .muted),
        TextFit.Part(format.rawValue, CellStyle(.key, bold: true)),
        TextFit.Part(
          state.metric == .relErr ? "  (lower is better)" : "  (higher is better)", .muted,
          importance: 1),
      ],
      right: [
        TextFit.Part(
          state.compareWorstFirst ? "order: worst \(format.rawValue) first" : "order: by layer",
          .muted)
      ])
    let values = matrix.cells.flatMap { $0 }.compactMap {
      $0.flatMap { state.metricValue($0, format) }
    }
    let heat = ViewHeat(values: values, higherIsBetter: !state.higherIsWorse)
    // Row 1: the legend of this view's scale, and columns left out.
    var x = heat.drawLegend(
      state, label: "heat (\(format.rawValue), all layers):", x: 1, y: 1, context, &canvas)
    if matrix.kinds.count > layout.visibleKinds {
      let hidden = matrix.labels[layout.visibleKinds...].joined(separator: ", ")
      x = max(x + 2, 1)
      canvas.put(
        "+\(matrix.kinds.count - layout.visibleKinds) more: " + hidden, x: x, y: 1, style: .muted,
        maxWidth: canvas.width - x - 1)
    }
    canvas.put("layer", x: 1, y: 2, style: .muted)
    for (column, kind) in matrix.labels.prefix(layout.visibleKinds).enumerated() {
      let short =
        kind.count >= layout.cellWidth && kind.hasSuffix("_proj") ? String(kind.dropLast(5)) : kind
      let isCursor = column == state.compareCursor.column
      canvas.putRight(
        TextFit.truncated(short, width: layout.cellWidth - 1), right: layout.right(column), y: 2,
        style: CellStyle(.title, bold: isCursor, underlined: isCursor))
    }
    let top = Layout.top
    let height = listHeight(canvas.height)
    let scroll = scroll(state, layers: matrix.layers.count, height: height)
    if matrix.layers.isEmpty {
      canvas.put("no layered quantizable tensors to compare", x: 3, y: top, style: .muted)
    }
    for (line, layer) in matrix.layers.enumerated().dropFirst(scroll).prefix(height) {
      let y = top + line - scroll
      let isCursorRow = line == state.compareCursor.row
      canvas.put(
        LayerMatrix.label(layer), x: 1, y: y, style: CellStyle(.group, bold: isCursorRow),
        maxWidth: layout.labelWidth - 1)
      for (column, tensor) in matrix.cells[line].prefix(layout.visibleKinds).enumerated() {
        let right = layout.right(column)
        let isCursor = isCursorRow && column == state.compareCursor.column
        defer {
          if isCursor {
            canvas.restyle(x: right - layout.cellWidth + 1, y: y, width: layout.cellWidth - 1) {
              $0.selected
            }
          }
        }
        guard let tensor else { continue }
        if state.hasStoredFormat([tensor], format) {
          canvas.putRight(StoredCodeUsage.unmeasurableCell, right: right, y: y, style: .muted)
          continue
        }
        guard let value = state.metricValue(tensor, format) else {
          canvas.putRight(
            state.analyses[tensor] == nil ? "…" : "·", right: right, y: y, style: .muted)
          continue
        }
        let position = heat.scale.position(value)
        let style = CellStyle.heat(position)
        canvas.set(HeatScale.shade(position), x: right - 7, y: y, style: style)
        canvas.putRight(state.metricText(value), right: right, y: y, style: style)
      }
    }
    var position = ""
    if matrix.layers.count > height {
      position =
        "\(scroll + 1)-\(min(matrix.layers.count, scroll + height)) of \(matrix.layers.count) layers"
      canvas.putRight(position, right: canvas.width - 1, y: canvas.height - 5, style: .muted)
    }
    footer(state, layout, &canvas, y: canvas.height - 5, room: canvas.width - 4 - position.count)
    ScreenFrame.statusLine(&canvas, y: canvas.height - 2, state)
    ScreenFrame.hintBar(&canvas, state)
  }

  static func footer(_ state: AppState, _ layout: Layout, _ canvas: inout Canvas, y: Int, room: Int)
  {
    // The cell under the cursor, named in full.
    let cursor = state.compareCursor
    if layout.matrix.layers.indices.contains(cursor.row),
      layout.matrix.kinds.indices.contains(cursor.column),
      let tensor = layout.matrix.cells[cursor.row][cursor.column]
    {
      let name = state.checkpoint.tensors[tensor].name
      canvas.put(
        [
          TextFit.Part("▸ ", CellStyle(.key, bold: true)), TextFit.Part(name, .text),
          TextFit.Part("  ⏎ open", .muted, importance: 1),
        ], x: 1, y: y, width: room)
    }
    let totals = state.totals
    var line = [TextFit.Part("totals   ", CellStyle(.title, bold: true), short: "totals ")]
    let formats = state.settings.formats
    for (offset, format) in formats.enumerated() {
      guard let total = totals.formats[format], total.tensors > 0 else { continue }
      let value =
        total.isUnmeasurable
        ? StoredCodeUsage.unmeasurableCell
        : state.metric == .relErr
          ? NumberText.error(total.relErr) : NumberText.decibels(total.sqnrDB)
      line.append(
        TextFit.Part(
          "\(format.rawValue) \(value)  ",
          format == state.viewFormat ? CellStyle(.text, bold: true) : .text,
          short: "\(format.rawValue) \(value) ",
          importance: format == state.viewFormat
            ? TextFit.Part.essential : formats.count - offset + 1))
    }
    // Totals over part of the model say so, whatever else gives way.
    if let coverage = state.partialCoverage {
      line.append(
        TextFit.Part(
          "(partial: \(coverage.done)/\(coverage.total) tensors)", CellStyle(.warning),
          short: "(partial \(coverage.done)/\(coverage.total))"))
    }
    canvas.put(line, x: 1, y: y + 1, width: canvas.width - 2)
    var memory = [
      TextFit.Part("memory   ", CellStyle(.title, bold: true), short: "memory "),
      TextFit.Part("16-bit \(InspectRenderer.byteText(totals.bytes16))"),
    ]
    for (offset, format) in formats.enumerated() {
      memory.append(
        TextFit.Part(
          " · \(format.rawValue) \(InspectRenderer.byteText(totals.memoryBytes(format: format, keeping: [])))",
          .text, importance: formats.count - offset + 1))
    }
    canvas.put(memory, x: 1, y: y + 2, width: canvas.width - 2)
    let chosen =
      state.choiceSummary?.weightsBytes
      ?? totals.memoryBytes(format: state.globalFormat, keeping: [])
    let keptText =
      state.kept.isEmpty
      ? ""
      : state.appliedKept.isEmpty
        ? " (\(state.kept.count) kept: not applied by 8-bit loading)"
        : " + \(state.kept.count) kept in 16-bit"
    canvas.put(
      "current choice: \(state.globalFormat.rawValue)" + keptText
        + " → \(InspectRenderer.byteText(chosen))",
      x: 1, y: y + 3, style: CellStyle(.key, bold: true), maxWidth: canvas.width - 2)
  }
}
