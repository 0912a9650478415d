import Engine
import Terminal

/// Hidden dimension × layer: the input columns of each layer's weights that reach the threshold.
/// Systematic outlier dimensions show as vertical stripes.
enum OutlierMapScreen {
  /// Width of the layer labels left of the map.
  static let labelWidth = 12

  /// How `hidden` dimensions fold into the map's columns on a canvas `canvasWidth` wide:
  /// dimensions per cell and the number of cells drawn (weights and activations views alike).
  static func columns(hidden: Int, canvasWidth: Int) -> (perCell: Int, cells: Int) {
    let mapWidth = max(1, canvasWidth - labelWidth - 2)
    let perCell = max(1, (hidden + mapWidth - 1) / mapWidth)
    return (perCell, hidden > 0 ? (hidden + perCell - 1) / perCell : 0)
  }

  /// Rows of layers in a terminal `height` rows tall, in the view of `state.mapSource`.
  static func listHeight(_ state: AppState, _ height: Int) -> Int {
    state.mapSource == .weights ? height - 6 : height - 7
  }

  /// The largest useful scroll offset: the last layer at the bottom of the map.
  static func maxScroll(_ state: AppState, height: Int) -> Int {
    let layers: Int
    switch state.mapSource {
    case .weights: layers = LayerMatrix(state).layers.count
    case .activations:
      let hidden = state.activations.map(ActivationOutliers.hiddenWidth) ?? 0
      layers = state.activationOutliers.map { shownLayers($0, hidden: hidden).count } ?? 0
    }
    return max(0, layers - listHeight(state, height))
  }

  static func render(_ state: AppState, into canvas: inout Canvas, context: RenderContext) {
    if state.mapSource == .activations {
      renderActivations(state, into: &canvas, context: context)
      return
    }
    let matrix = LayerMatrix(state)
    // The hidden size: the most common input width (in_features; Conv1D's rows) of the weights.
    let architecture = ModelArchitecture(state.checkpoint)
    var widthCounts: [Int: Int] = [:]
    for tensor in matrix.cells.flatMap({ $0 }).compactMap({ $0 }) {
      if let width = architecture.inputFeatures(of: state.checkpoint.tensors[tensor]) { widthCounts[width, default: 0] += 1 }
    }
    let hidden = widthCounts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? 0
    let labelWidth = Self.labelWidth
    let (perCell, cells) = Self.columns(hidden: hidden, canvasWidth: canvas.width)
    Chrome.headerLine(
      &canvas, y: 0,
      left: [("outlier map", CellStyle(.title, bold: true)),
             ("  hidden dim \(hidden) (\(perCell)/cell) × layer · |w| ≥ ", .muted),
             (NumberText.threshold(state.threshold), CellStyle(.thresholdLine, bold: true))],
      right: [("+ - threshold", .muted)])
    sourceLine(state, &canvas, y: 1)
    let top = 2
    let height = listHeight(state, canvas.height)
    let scroll = max(0, min(state.mapScroll, matrix.layers.count - height))
    var hitsPerDimension = [Int: Int]()
    var analysedLayers = 0
    var rowsByLayer: [[Bool]?] = []
    for (layer, tensors) in matrix.cells.enumerated() {
      _ = layer
      var marked = [Bool](repeating: false, count: cells)
      var dims = Set<Int>()
      var analysed = false
      for tensor in tensors.compactMap({ $0 })
      where architecture.inputFeatures(of: state.checkpoint.tensors[tensor]) == hidden {
        guard let analysis = state.analyses[tensor] else { continue }
        analysed = true
        for column in state.outlierColumns(analysis) { dims.insert(column) }
      }
      for dim in dims where dim / perCell < cells { marked[dim / perCell] = true }
      if analysed {
        analysedLayers += 1
        for dim in dims { hitsPerDimension[dim, default: 0] += 1 }
      }
      rowsByLayer.append(analysed ? marked : nil)
    }
    if matrix.layers.isEmpty || hidden == 0 {
      canvas.put("no layered 2-D weights to map", x: 3, y: top, style: .muted)
    }
    for (line, layer) in matrix.layers.enumerated().dropFirst(scroll).prefix(height) {
      let y = top + line - scroll
      canvas.put(LayerMatrix.label(layer), x: 1, y: y, style: CellStyle(.group), maxWidth: labelWidth - 2)
      canvas.set("▏", x: labelWidth, y: y, style: CellStyle(.border))
      guard let marked = rowsByLayer[line] else {
        canvas.put("…", x: labelWidth + 1, y: y, style: .muted)
        continue
      }
      for (cell, isMarked) in marked.enumerated() where isMarked {
        canvas.set("█", x: labelWidth + 1 + cell, y: y, style: CellStyle(.outlier, bold: true))
      }
    }
    let systematic = hitsPerDimension.filter { analysedLayers >= 2 && $0.value * 2 >= analysedLayers }
      .keys.sorted()
    var summary = systematic.isEmpty
      ? "no dimension reaches the threshold in half of the \(analysedLayers) analysed layers"
      : "systematic: dims " + systematic.prefix(12).map(String.init).joined(separator: ", ")
        + (systematic.count > 12 ? ", …" : "") + " reach the threshold in ≥ half of the \(analysedLayers) layers"
    if matrix.layers.count > height {
      summary += "  · \(scroll + 1)-\(min(matrix.layers.count, scroll + height)) of \(matrix.layers.count) (↑↓)"
    }
    canvas.put(summary, x: 1, y: canvas.height - 3, style: systematic.isEmpty ? .muted : CellStyle(.outlier), maxWidth: canvas.width - 2)
    Chrome.statusLine(&canvas, y: canvas.height - 2, state)
    Chrome.hintBar(&canvas, state)
  }
}
