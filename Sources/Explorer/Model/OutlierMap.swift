import Engine
import Terminal

/// What the outlier map draws, for either source: one section per input width (the hidden size,
/// then wider inputs such as an MLP's down projection), each with a row per layer marking the
/// dims that reach the threshold, and the systematic dims under it.
///
/// A dim is systematic when it is an outlier in at least 2 layers and in at least 25% of the
/// layers shown at its width, in both views (the rule of `ActivationAnalysis.systematicDims`).
struct OutlierMap {
  /// One layer's row.
  struct Row {
    /// The layer number (`layer 3`).
    var layer: Int
    /// Outlier dims of the row; nil while none of its tensors is analysed.
    var dims: Set<Int>?
    /// The tensors of this layer at this width (what ⏎ can open).
    var tensors: [Int]
  }

  /// One input width.
  struct Section {
    var width: Int
    var rows: [Row]
    var systematic: [Int]
  }

  var sections: [Section]
  /// Lines of text outside the sections (modules outside the layers, capture problems).
  var facts: String
  var hasProblems = false

  /// Layers shown per section at least for a dim to count as systematic.
  static func isSystematic(layersWithDim: Int, layersShown: Int) -> Bool {
    layersWithDim >= 2 && layersWithDim * 4 >= layersShown
  }

  static func systematicDims(_ rows: [Row]) -> [Int] {
    var hits: [Int: Int] = [:]
    for row in rows { for dim in row.dims ?? [] { hits[dim, default: 0] += 1 } }
    let shown = rows.filter { $0.dims != nil }.count
    return hits.filter { isSystematic(layersWithDim: $0.value, layersShown: shown) }.keys.sorted()
  }

  /// The layer number of a block id (`model.layers.12` → 12), nil without one.
  static func layerNumber(_ block: String) -> Int? {
    block.split(separator: ".").last.flatMap { Int($0) }
  }

  // MARK: - Weights

  /// The weights view: input columns whose max |w| reaches the threshold, per layer and width.
  init(weights state: AppState) {
    let matrix = LayerMatrix(state)
    // Widths are in_features as bitsandbytes sees them (a Conv1D weight's rows).
    let architecture = ModelArchitecture(state.checkpoint)
    var widthCounts: [Int: Int] = [:]
    for tensor in matrix.cells.flatMap({ $0 }).compactMap({ $0 }) {
      if let width = architecture.inputFeatures(of: state.checkpoint.tensors[tensor]) {
        widthCounts[width, default: 0] += 1
      }
    }
    // The hidden size (the most common width) first, then the others, narrowest first.
    let widths = widthCounts.keys.sorted { (widthCounts[$0]!, -$0) > (widthCounts[$1]!, -$1) }
    sections = widths.map { width in
      let rows = matrix.layers.enumerated().map { line, block -> Row in
        let tensors = matrix.cells[line].compactMap { $0 }.filter {
          architecture.inputFeatures(of: state.checkpoint.tensors[$0]) == width
        }
        var dims: Set<Int>?
        for tensor in tensors {
          guard let analysis = state.analyses[tensor] else { continue }
          dims = (dims ?? []).union(state.outlierColumns(analysis))
        }
        return Row(layer: OutlierMap.layerNumber(block) ?? line, dims: dims, tensors: tensors)
      }.filter { !$0.tensors.isEmpty }
      return Section(width: width, rows: rows, systematic: OutlierMap.systematicDims(rows))
    }
    let analysed = sections.first.map { $0.rows.filter { $0.dims != nil }.count } ?? 0
    facts =
      "\(matrix.layers.count) " + ScreenFrame.plural(matrix.layers.count, "layer")
      + ", \(analysed) analysed"
      + " · systematic: an outlier in ≥ 2 layers and ≥ 25% of the layers of its width"
  }

  // MARK: - Activations

  /// The activations view: captured input features with fp16(max |x|) ≥ fp16(threshold).
  init(activations analysis: ActivationAnalysis, _ outliers: ActivationOutliers, _ state: AppState)
  {
    var counts: [Int: Int] = [:]
    for module in analysis.modules where module.layer != nil {
      counts[module.features, default: 0] += 1
    }
    let widths = counts.keys.sorted { (counts[$0]!, -$0) > (counts[$1]!, -$1) }
    let tensorByName = Dictionary(
      state.checkpoint.tensors.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    sections = widths.map { width in
      let layers = outliers.dimsByLayer.keys.filter {
        $0 >= 0 && outliers.dimsByLayer[$0]?[width] != nil
      }.sorted()
      let rows = layers.map { layer -> Row in
        let modules = analysis.modules.filter { $0.layer == layer && $0.features == width }
        return Row(
          layer: layer, dims: outliers.dimsByLayer[layer]?[width] ?? [],
          tensors: modules.compactMap { tensorByName[$0.module + ".weight"] })
      }
      let systematic = outliers.systematic.filter { $0.features == width }.map(\.dim).sorted()
      return Section(width: width, rows: rows, systematic: systematic)
    }
    var facts =
      "\(analysis.modules.count) modules captured · \(analysis.modules.filter { !(outliers.featuresByModule[$0.module] ?? []).isEmpty }.count) with outlier features"
    // Modules outside the blocks (a pooler) are no layer of the map; their outliers are told here.
    let outside = analysis.modules.filter { $0.layer == nil }
    if !outside.isEmpty {
      let names =
        outside.prefix(2).map(\.module).joined(separator: ", ") + (outside.count > 2 ? ", …" : "")
      let dims = outside.reduce(0) { $0 + (outliers.featuresByModule[$1.module]?.count ?? 0) }
      facts +=
        " · outside the layers: \(names) (\(dims) outlier " + ScreenFrame.plural(dims, "feature")
        + ")"
    }
    if !analysis.problems.isEmpty {
      facts +=
        " · \(analysis.problems.count) capture "
        + ScreenFrame.plural(analysis.problems.count, "problem") + ": " + analysis.problems[0]
      hasProblems = true
    }
    self.facts = facts
  }

  // MARK: - Lines

  /// One line of the scrolled map.
  enum Line {
    /// A section's title.
    case heading(section: Int)
    /// A layer row: section, row.
    case layer(section: Int, row: Int)
    /// The ↑ marks under a section's systematic dims, and their numbers.
    case arrows(section: Int)
    case labels(section: Int)
    case blank
  }

  /// The lines of every section in order.
  var lines: [Line] {
    var result: [Line] = []
    for (index, section) in sections.enumerated() {
      if index > 0 { result.append(.blank) }
      result.append(.heading(section: index))
      result += section.rows.indices.map { .layer(section: index, row: $0) }
      if !section.systematic.isEmpty {
        result.append(.arrows(section: index))
        result.append(.labels(section: index))
      }
    }
    return result
  }

  /// The layer rows in order (what the cursor moves over): section and row.
  var cursorRows: [(section: Int, row: Int)] {
    sections.enumerated().flatMap { index, section in section.rows.indices.map { (index, $0) } }
  }
}
