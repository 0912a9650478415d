import Engine

/// One visible row of the tensor tree.
struct TreeRow: Sendable, Hashable {
  var node: Int
  var depth: Int
  var label: String
  var tensorIndex: Int?
  var isExpanded: Bool
  /// Number of tensors under a group row.
  var leafCount: Int
  var isGroup: Bool { tensorIndex == nil }
}

extension AppState {
  // MARK: - Visible rows

  /// The rows the Model screen shows: the tree after filter, sort and collapsing.
  ///
  /// - Complexity: O(tensors · log tensors) per call.
  var rows: [TreeRow] {
    let matcher = filterMatcher
    var result: [TreeRow] = []
    func visit(_ index: Int) {
      let node = tree.nodes[index]
      let leaves = tree.leaves[index].filter { matcher(checkpoint.tensors[$0].name) }
      if leaves.isEmpty { return }
      let expanded = !collapsed.contains(node.id) || (!filter.isEmpty && node.isGroup)
      result.append(
        TreeRow(node: index, depth: node.depth, label: node.label, tensorIndex: node.tensorIndex,
                isExpanded: node.isGroup && expanded, leafCount: leaves.count))
      if node.isGroup && expanded {
        for child in sorted(node.children) { visit(child) }
      }
    }
    for root in sorted(tree.roots) { visit(root) }
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

  private func sorted(_ nodes: [Int]) -> [Int] {
    switch sort {
    case .name:
      return nodes
    case .error:
      let keys = Dictionary(uniqueKeysWithValues: nodes.map { ($0, nodeMetric($0, viewFormat)) })
      return nodes.enumerated().sorted { a, b in
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
      let keys = Dictionary(uniqueKeysWithValues: nodes.map { ($0, nodeOutliers($0) ?? -1) })
      return nodes.enumerated().sorted { a, b in
        let (x, y) = (keys[a.element] ?? -1, keys[b.element] ?? -1)
        return x != y ? x > y : a.offset < b.offset
      }.map(\.element)
    }
  }

  /// The worst metric of `format` over a node's tensors (a leaf: its own).
  func nodeMetric(_ node: Int, _ format: QuantFormat) -> Double? {
    worst(tree.leaves[node].compactMap { metricValue($0, format) })
  }

  /// Tensors under a node that have their result (or will get none) and all its tensors; while
  /// the first is short of the second the group's numbers are partial.
  func nodeCoverage(_ node: Int) -> (done: Int, total: Int) {
    let leaves = tree.leaves[node]
    return (leaves.count - leaves.filter(isPending).count, leaves.count)
  }

  /// Outlier columns summed over a node's tensors (nil when none is known).
  func nodeOutliers(_ node: Int) -> Int? {
    let counts = tree.leaves[node].compactMap { outlierCount($0) }
    return counts.isEmpty ? nil : counts.reduce(0, +)
  }

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
