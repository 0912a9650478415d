import Engine

/// The checkpoint seen as layers × module kinds, for Compare and the outlier map.
///
/// A layer is a block of the tensor tree (`model.layers.2`); a module kind is the last name
/// component before `weight` (`q_proj`, `down_proj`), expert indices left out so that every
/// expert of a block shares its kind's cell (the worst one shows). Only quantizable tensors take
/// part.
struct LayerMatrix: Sendable {
  /// Block ids, in order.
  var layers: [String]
  /// Module kinds in order of first appearance.
  var kinds: [String]
  /// Tensor index by layer and kind.
  var cells: [[Int?]]

  /// The position of `name` in `names` (found through `index`), appending it when new.
  private static func position(
    of name: String, in names: inout [String], index: inout [String: Int]
  ) -> Int {
    if let known = index[name] { return known }
    names.append(name)
    index[name] = names.count - 1
    return names.count - 1
  }

  init(_ state: AppState) {
    var layerIndex: [String: Int] = [:]
    var kindIndex: [String: Int] = [:]
    var layers: [String] = []
    var kinds: [String] = []
    var entries: [(Int, Int, Int)] = []
    for (index, info) in state.checkpoint.tensors.enumerated()
    where Quantizability.isQuantizable(info, in: state.checkpoint) {
      guard let block = state.tree.blockOfTensor[index], let kind = state.tree.kindOfTensor[index]
      else { continue }
      let layer = Self.position(of: block, in: &layers, index: &layerIndex)
      let column = Self.position(of: kind, in: &kinds, index: &kindIndex)
      entries.append((layer, column, index))
    }
    // Transformer modules in their usual order (attention, then MLP); others after, as they come.
    let order = kinds.indices.sorted { a, b in
      let (x, y) = (LayerMatrix.rank(kinds[a]), LayerMatrix.rank(kinds[b]))
      return x != y ? x < y : a < b
    }
    let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
    kinds = order.map { kinds[$0] }
    var cells = Array(repeating: [Int?](repeating: nil, count: kinds.count), count: layers.count)
    // Several tensors of one kind in a layer are MoE experts (`experts.K.w1`): the cell shows the
    // worst expert under the format in view (the first while none is analysed).
    let format = state.viewFormat
    for (layer, column, index) in entries {
      let target = position[column] ?? column
      guard let current = cells[layer][target] else {
        cells[layer][target] = index
        continue
      }
      guard let value = state.metricValue(index, format), !value.isNaN else { continue }
      if let held = state.metricValue(current, format), !held.isNaN,
        state.higherIsWorse ? held >= value : held <= value
      {
        continue
      }
      cells[layer][target] = index
    }
    self.layers = layers
    self.kinds = kinds
    self.cells = cells
    labels = LayerMatrix.shortestUniqueSuffixes(kinds)
  }

  /// Column titles: the shortest name suffix that tells the kinds apart (`q_proj`,
  /// `output.dense`).
  var labels: [String] = []

  static func shortestUniqueSuffixes(_ kinds: [String]) -> [String] {
    let split = kinds.map { $0.split(separator: ".").map(String.init) }
    return split.map { components in
      var label = components.joined(separator: ".")
      for length in 1...max(1, components.count) {
        let suffix = components.suffix(length)
        let clashes = split.filter { $0 != components && Array($0.suffix(length)) == Array(suffix) }
        if clashes.isEmpty {
          label = suffix.joined(separator: ".")
          break
        }
      }
      // Long labels keep their last component and the initials of the others (a.o.dense).
      let parts = label.split(separator: ".")
      if label.count > 12, let last = parts.last {
        label =
          parts.dropLast().compactMap { $0.first.map(String.init) }.joined(separator: ".") + "."
          + last
      }
      return label
    }
  }

  /// Reorders the layers by their worst cell in `format` (worst first; unanalysed last).
  mutating func sortWorstFirst(_ state: AppState, _ format: QuantFormat) {
    let keys = cells.map { row in
      state.worst(row.compactMap { $0.flatMap { state.metricValue($0, format) } })
    }
    let order = layers.indices.sorted { a, b in
      switch (keys[a], keys[b]) {
      case (let x?, let y?) where x != y && !(x.isNaN && y.isNaN):
        if x.isNaN { return true }
        if y.isNaN { return false }
        return state.higherIsWorse ? x > y : x < y
      case (.some, nil): return true
      case (nil, .some): return false
      default: return a < b
      }
    }
    layers = order.map { layers[$0] }
    cells = order.map { cells[$0] }
  }

  static let usualOrder = [
    "q_proj", "k_proj", "v_proj", "o_proj", "query", "key", "value", "gate_proj", "up_proj",
    "down_proj", "w1", "w3", "w2", "fc1", "fc2",
  ]

  /// Place of a module kind in `usualOrder` (by its last component), unknown kinds last.
  static func rank(_ kind: String) -> Int {
    let leaf = kind.split(separator: ".").last.map(String.init) ?? kind
    return usualOrder.firstIndex(of: leaf) ?? usualOrder.count
  }

  /// A short label of a layer: its last two components (`layers.2`).
  static func label(_ layer: String) -> String {
    layer.split(separator: ".").suffix(2).joined(separator: ".")
  }
}
