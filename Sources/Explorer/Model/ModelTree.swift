/// The checkpoint's tensors grouped by block for the Model screen: `model.layers.0 › self_attn ›
/// q_proj`.
///
/// A block is a name's prefix up to its first numeric component (`model.layers.0`); inside a block
/// a next component shared by two or more tensors (`self_attn`, `mlp`) becomes a sub-group.
/// Names without a number are top-level leaves. Order is the checkpoint's (natural) order of
/// first appearance.
struct ModelTree: Sendable {
  /// A group or a tensor.
  struct Node: Sendable {
    /// Unique path of the node (the name prefix for groups, the tensor name for leaves).
    var id: String
    /// What the row shows.
    var label: String
    /// The tensor's index in `checkpoint.tensors` (leaves only).
    var tensorIndex: Int?
    /// Child node indices.
    var children: [Int]
    /// Nesting level (0 = top).
    var depth: Int
    var isGroup: Bool { tensorIndex == nil }
  }

  private(set) var nodes: [Node] = []
  private(set) var roots: [Int] = []
  /// Leaf tensor indices under each node (itself for a leaf).
  private(set) var leaves: [[Int]] = []
  /// Block group ids, in order.
  private(set) var blockIDs: [String] = []

  init(names: [String]) {
    var blockNode: [String: Int] = [:]
    var subNode: [String: Int] = [:]
    var parts: [(block: String?, sub: String?, label: String)] = []
    var subCounts: [String: Int] = [:]
    for name in names {
      let components = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
      guard let numeric = components.indices.dropFirst().first(where: { ModelTree.isNumber(components[$0]) }),
        numeric < components.count - 1
      else {
        parts.append((nil, nil, ModelTree.leafLabel(components)))
        continue
      }
      let block = components[...numeric].joined(separator: ".")
      let rest = Array(components[(numeric + 1)...])
      if rest.count >= 2 { subCounts[block + "." + rest[0], default: 0] += 1 }
      parts.append((block, rest.count >= 2 ? rest[0] : nil, ModelTree.leafLabel(rest)))
    }
    for (index, part) in parts.enumerated() {
      guard let block = part.block else {
        roots.append(add(Node(id: names[index], label: part.label, tensorIndex: index, children: [], depth: 0)))
        continue
      }
      let blockIndex: Int
      if let existing = blockNode[block] {
        blockIndex = existing
      } else {
        blockIndex = add(Node(id: block, label: block, tensorIndex: nil, children: [], depth: 0))
        blockNode[block] = blockIndex
        roots.append(blockIndex)
        blockIDs.append(block)
      }
      if let sub = part.sub, subCounts[block + "." + sub, default: 0] >= 2 {
        let subID = block + "." + sub
        let subIndex: Int
        if let existing = subNode[subID] {
          subIndex = existing
        } else {
          subIndex = add(Node(id: subID, label: sub, tensorIndex: nil, children: [], depth: 1))
          subNode[subID] = subIndex
          nodes[blockIndex].children.append(subIndex)
        }
        let label = String(part.label.dropFirst(sub.count + 1))
        let leaf = add(Node(id: names[index], label: label, tensorIndex: index, children: [], depth: 2))
        nodes[subIndex].children.append(leaf)
      } else {
        let leaf = add(Node(id: names[index], label: part.label, tensorIndex: index, children: [], depth: 1))
        nodes[blockIndex].children.append(leaf)
      }
    }
    leaves = Array(repeating: [], count: nodes.count)
    for root in roots { collectLeaves(root) }
  }

  private mutating func add(_ node: Node) -> Int {
    nodes.append(node)
    return nodes.count - 1
  }

  @discardableResult
  private mutating func collectLeaves(_ index: Int) -> [Int] {
    var result: [Int] = []
    if let tensor = nodes[index].tensorIndex { result.append(tensor) }
    for child in nodes[index].children { result += collectLeaves(child) }
    leaves[index] = result
    return result
  }

  /// The label of a leaf: its components without a final `weight`.
  static func leafLabel(_ components: [String]) -> String {
    var trimmed = components
    if trimmed.count > 1 && trimmed.last == "weight" { trimmed.removeLast() }
    let label = trimmed.joined(separator: ".")
    return label.isEmpty ? "\"\"" : label
  }

  static func isNumber(_ text: String) -> Bool {
    !text.isEmpty && text.allSatisfy { $0.isASCII && $0.isNumber }
  }
}
