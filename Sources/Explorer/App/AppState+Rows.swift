import Engine

/// One visible row of the tensor tree.
struct TreeRow: Sendable, Hashable {
  var node: Int
  var depth: Int
  var label: String
  var tensorIndex: Int?
  var isExpanded: Bool
  /// The tensors under the row that pass the filter (a tensor row: itself): what a group row's
  /// numbers aggregate.
  var leaves: [Int]
  /// Number of tensors under a group row that pass the filter.
  var leafCount: Int { leaves.count }
  var isGroup: Bool { tensorIndex == nil }
}

extension AppState {
  // MARK: - Visible rows

  /// The rows the Model screen shows: the tree after filter, sort and collapsing.
  ///
  /// - Complexity: O(tensors · log tensors) per call.
  var rows: [TreeRow] {
    let matcher = filterMatcher
    let visible = tree.leaves.map { $0.filter { matcher(checkpoint.tensors[$0].name) } }
    var result: [TreeRow] = []
    func visit(_ index: Int) {
      let node = tree.nodes[index]
      let leaves = visible[index]
      if leaves.isEmpty { return }
      let expanded = !collapsed.contains(node.id) || (!filter.isEmpty && node.isGroup)
      result.append(
        TreeRow(
          node: index, depth: node.depth, label: node.label, tensorIndex: node.tensorIndex,
          isExpanded: node.isGroup && expanded, leaves: leaves))
      if node.isGroup && expanded {
        for child in sorted(node.children, visible) { visit(child) }
      }
    }
    for root in sorted(tree.roots, visible) { visit(root) }
    return result
  }

  /// Every tensor in the order the tree shows them with all groups unfolded, filtered: the
  /// order of `]`/`[` and of `n`/`N`.
  var tensorOrder: [Int] {
    let matcher = filterMatcher
    let visible = tree.leaves.map { $0.filter { matcher(checkpoint.tensors[$0].name) } }
    var result: [Int] = []
    func visit(_ index: Int) {
      guard !visible[index].isEmpty else { return }
      if let tensor = tree.nodes[index].tensorIndex { result.append(tensor) }
      for child in sorted(tree.nodes[index].children, visible) { visit(child) }
    }
    for root in sorted(tree.roots, visible) { visit(root) }
    return result
  }

  /// Matches tensor names against the filter: a regex when it compiles, else a substring.
  var filterMatcher: (String) -> Bool {
    let text = filter
    if text.isEmpty { return { _ in true } }
    if let regex = try? Regex(text) {
      return { name in (try? regex.firstMatch(in: name)) != nil }
    }
    return { name in name.contains(text) }
  }

  /// `nodes` in the current sort, judged on their `visible` tensors. By name a module's `.bias`
  /// follows its `.weight` (checkpoints store them alphabetically, bias first).
  private func sorted(_ nodes: [Int], _ visible: [[Int]]) -> [Int] {
    switch sort {
    case .name:
      return weightsBeforeBiases(nodes)
    case .error:
      let keys = Dictionary(
        uniqueKeysWithValues: nodes.map { ($0, aggregateMetric(visible[$0], viewFormat)) })
      return weightsBeforeBiases(nodes).enumerated().sorted { a, b in
        let (x, y) = (keys[a.element] ?? nil, keys[b.element] ?? nil)
        switch (x, y) {
        case (let x?, let y?) where x != y && !(x.isNaN && y.isNaN):
          if x.isNaN { return true }
          if y.isNaN { return false }
          return higherIsWorse ? x > y : x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: return a.offset < b.offset
        }
      }.map(\.element)
    case .outliers:
      let keys = Dictionary(
        uniqueKeysWithValues: nodes.map { ($0, aggregateOutliers(visible[$0]) ?? -1) })
      return weightsBeforeBiases(nodes).enumerated().sorted { a, b in
        let (x, y) = (keys[a.element] ?? -1, keys[b.element] ?? -1)
        return x != y ? x > y : a.offset < b.offset
      }.map(\.element)
    }
  }

  /// `nodes` with each `X.bias` leaf moved just after its `X.weight`.
  private func weightsBeforeBiases(_ nodes: [Int]) -> [Int] {
    let biases = nodes.filter {
      tree.nodes[$0].id.hasSuffix(".bias") && tree.nodes[$0].tensorIndex != nil
    }
    guard !biases.isEmpty else { return nodes }
    var result = nodes.filter { !biases.contains($0) }
    for bias in biases {
      let weight = String(tree.nodes[bias].id.dropLast(".bias".count)) + ".weight"
      if let position = result.firstIndex(where: { tree.nodes[$0].id == weight }) {
        result.insert(bias, at: position + 1)
      } else {
        // No weight beside it: it keeps its place among the others.
        let original = nodes.firstIndex(of: bias) ?? 0
        let before = nodes[..<original].last { result.contains($0) }
        result.insert(bias, at: before.flatMap { result.firstIndex(of: $0) }.map { $0 + 1 } ?? 0)
      }
    }
    return result
  }

  /// The worst metric of `format` over `tensors` (what a group row shows).
  func aggregateMetric(_ tensors: [Int], _ format: QuantFormat) -> Double? {
    worst(tensors.compactMap { metricValue($0, format) })
  }

  /// Outlier columns summed over `tensors` (nil when none is known).
  func aggregateOutliers(_ tensors: [Int]) -> Int? {
    let counts = tensors.compactMap { outlierCount($0) }
    return counts.isEmpty ? nil : counts.reduce(0, +)
  }

  /// Tensors among `tensors` that have their result (or will get none), and their number; while
  /// the first is short of the second the group's numbers are partial.
  func coverage(_ tensors: [Int]) -> (done: Int, total: Int) {
    (tensors.count - tensors.filter(isPending).count, tensors.count)
  }

  /// The worst metric of `format` over all of a node's tensors, filter or not.
  func nodeMetric(_ node: Int, _ format: QuantFormat) -> Double? {
    aggregateMetric(tree.leaves[node], format)
  }

  /// `coverage` of all of a node's tensors, filter or not.
  func nodeCoverage(_ node: Int) -> (done: Int, total: Int) { coverage(tree.leaves[node]) }

  /// The tensor under the cursor (nil on a group row).
  var selectedTensor: Int? {
    let current = rows
    return current.indices.contains(cursor) ? current[cursor].tensorIndex : nil
  }

  /// Keeps the cursor inside the rows and on screen for a list `height` rows tall.
  mutating func clampCursor(listHeight height: Int) {
    let count = rows.count
    cursor = max(0, min(cursor, count - 1))
    let visible = max(1, height)
    if cursor < scroll { scroll = cursor }
    if cursor >= scroll + visible { scroll = cursor - visible + 1 }
    scroll = max(0, min(scroll, max(0, count - visible)))
  }
}
