import Engine
import Reports
import Terminal

/// Hidden dimension × layer for each input width: the dims of each layer that reach the
/// threshold, in the weights (max |w| per input column) or in a capture's activations (max |x|
/// per feature). Systematic dims show as vertical stripes with an arrow and their number under
/// them. A cursor on one layer row and cell; ⏎ opens that layer's tensor with the largest value
/// in the cell.
enum OutlierMapScreen {
  /// Width of the layer labels left of the map.
  static let labelWidth = 10

  /// How `width` dimensions fold into the map's columns on a canvas `canvasWidth` wide:
  /// dimensions per cell and the number of cells drawn.
  static func columns(hidden width: Int, canvasWidth: Int) -> (perCell: Int, cells: Int) {
    let mapWidth = max(1, canvasWidth - labelWidth - 2)
    let perCell = max(1, (width + mapWidth - 1) / mapWidth)
    return (perCell, width > 0 ? (width + perCell - 1) / perCell : 0)
  }

  /// Rows of map lines in a terminal `height` rows tall (header 2; cursor, facts, status, keys).
  static func listHeight(_ height: Int) -> Int { max(1, height - 6) }

  /// The map of the source in view (nil while the capture is not analysed).
  static func map(_ state: AppState) -> OutlierMap? {
    switch state.mapSource {
    case .weights: return OutlierMap(weights: state)
    case .activations:
      guard let analysis = state.activations, let outliers = state.activationOutliers else {
        return nil
      }
      return OutlierMap(activations: analysis, outliers, state)
    }
  }

  /// The largest useful scroll offset: the last line at the bottom of the map.
  static func maxScroll(_ state: AppState, height: Int) -> Int {
    max(0, (map(state)?.lines.count ?? 0) - listHeight(height))
  }

  /// The scroll offset that keeps the cursor's row in view.
  static func scroll(_ state: AppState, _ map: OutlierMap, height: Int) -> Int {
    let lines = map.lines
    var scroll = max(0, min(state.mapScroll, lines.count - height))
    let rows = map.cursorRows
    if rows.indices.contains(state.mapCursor.row) {
      let target = rows[state.mapCursor.row]
      if let line = lines.firstIndex(where: {
        if case .layer(let section, let row) = $0 {
          return section == target.section && row == target.row
        }
        return false
      }) {
        // The section heading above the first row stays in view with it.
        if line - 1 < scroll { scroll = max(0, line - 1) }
        if line >= scroll + height { scroll = line - height + 1 }
      }
    }
    return max(0, scroll)
  }

  static func render(_ state: AppState, into canvas: inout Canvas, context: RenderContext) {
    let symbol = state.mapSource == .weights ? "|w|" : "|x|"
    ScreenFrame.headerLine(
      &canvas, y: 0,
      left: [
        TextFit.Part("outlier map", CellStyle(.title, bold: true)),
        TextFit.Part(
          "  dims × layer, per input width · \(symbol) ≥ ", .muted, short: "  \(symbol) ≥ "),
        TextFit.Part(NumberText.threshold(state.threshold), CellStyle(.thresholdLine, bold: true)),
      ],
      right: [TextFit.Part("+ - threshold", .muted)])
    sourceLine(state, &canvas, y: 1)
    let top = 2
    let height = listHeight(canvas.height)
    guard let map = map(state) else {
      let message =
        state.activationFailure.map { "capture analysis failed: \($0)" }
        ?? (state.activationsPath == nil
          ? "no activation capture loaded: quantscope MODEL --activations FILE"
          : "analysing the capture…")
      canvas.put(
        message, x: 3, y: top, style: state.activationFailure == nil ? .muted : CellStyle(.error),
        maxWidth: canvas.width - 4)
      ScreenFrame.statusLine(&canvas, y: canvas.height - 2, state)
      ScreenFrame.hintBar(&canvas, state)
      return
    }
    let lines = map.lines
    if map.sections.isEmpty {
      canvas.put(
        state.mapSource == .weights
          ? "no layered 2-D weights to map" : "no captured module in a layer",
        x: 3, y: top, style: .muted)
    }
    let scroll = scroll(state, map, height: height)
    let cursorRows = map.cursorRows
    let cursor =
      cursorRows.indices.contains(state.mapCursor.row) ? cursorRows[state.mapCursor.row] : nil
    for (offset, line) in lines.dropFirst(scroll).prefix(height).enumerated() {
      draw(line, map, state, cursor: cursor, &canvas, y: top + offset)
    }
    if lines.count > height {
      let position = " \(scroll + 1)-\(min(lines.count, scroll + height)) of \(lines.count) lines "
      canvas.putRight(position, right: canvas.width - 1, y: canvas.height - 4, style: .muted)
    }
    cursorLine(state, map, cursor, &canvas, y: canvas.height - 4)
    canvas.put(
      map.facts, x: 1, y: canvas.height - 3, style: map.hasProblems ? CellStyle(.warning) : .muted,
      maxWidth: canvas.width - 2)
    ScreenFrame.statusLine(&canvas, y: canvas.height - 2, state)
    ScreenFrame.hintBar(&canvas, state)
  }

  static func draw(
    _ line: OutlierMap.Line, _ map: OutlierMap, _ state: AppState,
    cursor: (section: Int, row: Int)?,
    _ canvas: inout Canvas, y: Int
  ) {
    switch line {
    case .blank:
      break
    case .heading(let index):
      let section = map.sections[index]
      let (perCell, _) = columns(hidden: section.width, canvasWidth: canvas.width)
      let rule =
        section.systematic.isEmpty
        ? "no systematic dim"
        : "systematic: " + section.systematic.map(String.init).joined(separator: ", ")
      canvas.put(
        [
          TextFit.Part("in \(section.width)", CellStyle(.title, bold: true)),
          TextFit.Part(
            " · \(perCell) " + ScreenFrame.plural(perCell, "dim") + "/cell", .muted, importance: 2),
          TextFit.Part(
            " · \(section.rows.count) " + ScreenFrame.plural(section.rows.count, "layer"), .muted,
            importance: 1),
          TextFit.Part(" · " + rule, CellStyle(section.systematic.isEmpty ? .muted : .outlier)),
        ], x: 1, y: y, width: canvas.width - 2)
    case .layer(let index, let rowIndex):
      let section = map.sections[index]
      let row = section.rows[rowIndex]
      let (perCell, cells) = columns(hidden: section.width, canvasWidth: canvas.width)
      let isCursorRow = cursor.map { $0.section == index && $0.row == rowIndex } ?? false
      canvas.put(
        "layer \(row.layer)", x: 1, y: y, style: CellStyle(.group, bold: isCursorRow),
        maxWidth: labelWidth - 2)
      canvas.set("▏", x: labelWidth, y: y, style: CellStyle(.border))
      if let dims = row.dims {
        let systematic = Set(section.systematic)
        for dim in dims where dim / perCell < cells {
          let style =
            systematic.contains(dim) ? CellStyle(.outlier, bold: true) : CellStyle(.warning)
          canvas.set("█", x: labelWidth + 1 + dim / perCell, y: y, style: style)
        }
      } else {
        canvas.put("…", x: labelWidth + 1, y: y, style: .muted)
      }
      if isCursorRow {
        let column = min(max(0, state.mapCursor.column), max(0, cells - 1))
        canvas.restyle(x: labelWidth + 1 + column, y: y, width: 1) { $0.selected }
        if canvas[labelWidth + 1 + column, y].character == " " {
          canvas.set("▒", x: labelWidth + 1 + column, y: y, style: CellStyle(.key).selected)
        }
      }
    case .arrows(let index):
      let section = map.sections[index]
      let (perCell, cells) = columns(hidden: section.width, canvasWidth: canvas.width)
      for dim in section.systematic where dim / perCell < cells {
        canvas.set(
          "↑", x: labelWidth + 1 + dim / perCell, y: y, style: CellStyle(.outlier, bold: true))
      }
    case .labels(let index):
      let section = map.sections[index]
      let (perCell, cells) = columns(hidden: section.width, canvasWidth: canvas.width)
      // Each dim's number under its arrow where it does not run into the previous one; the
      // ones left out are counted at the end.
      var free = labelWidth + 1
      var left = 0
      for dim in section.systematic where dim / perCell < cells {
        let x = labelWidth + 1 + dim / perCell
        let text = String(dim)
        if x >= free && x + text.count < canvas.width - 1 {
          free = canvas.put(text, x: x, y: y, style: CellStyle(.outlier)) + 1
        } else {
          left += 1
        }
      }
      if left > 0 { canvas.put("+\(left)…", x: max(free, canvas.width - 6), y: y, style: .muted) }
    }
  }

  /// Under the map: the cell under the cursor, its dims and the tensor ⏎ opens.
  static func cursorLine(
    _ state: AppState, _ map: OutlierMap, _ cursor: (section: Int, row: Int)?,
    _ canvas: inout Canvas, y: Int
  ) {
    guard let cursor else { return }
    let section = map.sections[cursor.section]
    let row = section.rows[cursor.row]
    let (perCell, cells) = columns(hidden: section.width, canvasWidth: canvas.width)
    let column = min(max(0, state.mapCursor.column), max(0, cells - 1))
    let first = column * perCell
    let last = min(section.width, first + perCell) - 1
    let hits = (row.dims ?? []).filter { $0 >= first && $0 <= last }.sorted()
    var parts = [
      TextFit.Part("▸ layer \(row.layer), in \(section.width), ", CellStyle(.key, bold: true)),
      TextFit.Part(
        first == last ? "dim \(first)" : "dims \(first)-\(last)", CellStyle(.key, bold: true)),
      TextFit.Part(
        hits.isEmpty
          ? ": no outlier" : ": outliers " + hits.map(String.init).joined(separator: ", "),
        hits.isEmpty ? .muted : CellStyle(.outlier), importance: 2),
    ]
    if let tensor = openTarget(state, map) {
      parts.append(
        TextFit.Part(
          "  ⏎ " + state.checkpoint.tensors[tensor].name, .muted, short: "  ⏎ open", importance: 1))
    }
    canvas.put(parts, x: 1, y: y, width: canvas.width - 30)
  }

  /// The tensor ⏎ opens: of the cursor's layer and width, the one with the largest value in the
  /// cursor's cell (weights: max |w| of its columns there), else the first.
  static func openTarget(_ state: AppState, _ map: OutlierMap, canvasWidth: Int = 0) -> Int? {
    let rows = map.cursorRows
    guard rows.indices.contains(state.mapCursor.row) else { return nil }
    let place = rows[state.mapCursor.row]
    let section = map.sections[place.section]
    let row = section.rows[place.row]
    let (perCell, cells) = columns(
      hidden: section.width, canvasWidth: max(canvasWidth, state.terminalWidth))
    let column = min(max(0, state.mapCursor.column), max(0, cells - 1))
    let range = (column * perCell)..<min(section.width, (column + 1) * perCell)
    let best = row.tensors.max { a, b in peak(state, a, range) < peak(state, b, range) }
    return best ?? row.tensors.first
  }

  /// The largest |w| (or captured |x|) of `tensor` over `range` of its inputs, 0 when unknown.
  static func peak(_ state: AppState, _ tensor: Int, _ range: Range<Int>) -> Float {
    switch state.mapSource {
    case .weights:
      guard let absmax = state.analyses[tensor]?.outliers?.columnAbsmax else { return 0 }
      return range.filter { absmax.indices.contains($0) }.map { absmax[$0] }.filter(\.isFinite)
        .max() ?? 0
    case .activations:
      guard let module = state.captureModule(for: state.checkpoint.tensors[tensor]) else {
        return 0
      }
      return range.filter { module.featureAbsmax.indices.contains($0) }.map {
        module.featureAbsmax[$0]
      }.max() ?? 0
    }
  }
}
