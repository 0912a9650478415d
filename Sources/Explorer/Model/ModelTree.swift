import Engine

/// The checkpoint's tensors grouped by block for the Model screen: `model.layers.0 › self_attn ›
/// q_proj`.
///
/// Names are split into components on `.` and `/` alike (`ModelArchitecture.pathComponents`, so
/// `encoder/layer_0/ffn/kernel` groups like `encoder.layer.0.ffn.kernel`). A block is a name's
/// prefix up to its first numeric component (`model.layers.0`); inside a block a next component
/// shared by two or more tensors (`self_attn`, `mlp`) becomes a sub-group, and MoE experts
/// (`experts.K.…`) group as `experts › K › w1` under it. Names without a number are top-level
/// leaves. Order is the checkpoint's (natural) order of first appearance.
struct ModelTree: Sendable {
  /// A group or a tensor.
  struct Node: Sendable {
    /// Unique path of the node (the components joined with `.` for groups, the tensor name for
    /// leaves).
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
  /// The block id of each tensor (nil: a top-level tensor), by tensor index.
  private(set) var blockOfTensor: [String?] = []
  /// The components of each tensor's name after its block, `weight` dropped and an expert index
  /// dropped (`mlp.experts.w1`): its module kind for Compare and the outlier map.
  private(set) var kindOfTensor: [String?] = []
  /// Expert groups (`experts` of each block): collapsed when the explorer opens.
  private(set) var expertGroupIDs: [String] = []

  init(names: [String]) {
    var groupNode: [String: Int] = [:]
    var subCounts: [String: Int] = [:]
    var paths: [(groups: [String], rest: [String])] = []
    for name in names {
      let components = ModelArchitecture.pathComponents(name)
      guard
        let numeric = components.indices.dropFirst().first(where: {
          ModelTree.isNumber(components[$0])
        }),
        numeric < components.count - 1
      else {
        paths.append(([], components))
        continue
      }
      let block = components[...numeric].joined(separator: ".")
      let rest = Array(components[(numeric + 1)...])
      if rest.count >= 2 { subCounts[block + "." + rest[0], default: 0] += 1 }
      paths.append(([block], rest))
    }
    blockOfTensor = paths.map(\.groups.first)
    kindOfTensor = Array(repeating: nil, count: names.count)
    for (index, path) in paths.enumerated() {
      guard let block = path.groups.first else {
        roots.append(
          add(
            Node(
              id: names[index], label: ModelTree.leafLabel(path.rest), tensorIndex: index,
              children: [], depth: 0)))
        continue
      }
      var groups: [(id: String, label: String)] = [(block, block)]
      var rest = path.rest
      // A fused expert tensor's slice `experts.gate_up_proj[3]` sits like a per-expert weight:
      // experts › 3 › gate_up_proj.
      if let expert = rest.firstIndex(of: "experts"), rest.count == expert + 3,
        ModelTree.isNumber(rest[expert + 2]),
        !ModelTree.isNumber(rest[expert + 1])
      {
        rest.swapAt(expert + 1, expert + 2)
      }
      var kind = rest
      if kind.count > 1 && kind.last == "weight" { kind.removeLast() }
      // (after the reordering above, so slices and per-expert weights share kinds)
      if let expert = kind.firstIndex(of: "experts"), expert + 1 < kind.count,
        ModelTree.isNumber(kind[expert + 1])
      {
        kind.remove(at: expert + 1)
      }
      kindOfTensor[index] = kind.isEmpty ? nil : kind.joined(separator: ".")
      if rest.count >= 2, subCounts[block + "." + rest[0], default: 0] >= 2 {
        groups.append((block + "." + rest[0], rest[0]))
        rest.removeFirst()
      }
      // experts.K.w1 → experts › K › w1
      if let expert = rest.firstIndex(of: "experts"), expert + 2 < rest.count,
        ModelTree.isNumber(rest[expert + 1])
      {
        let base = groups[groups.count - 1].id
        let expertsID = ([base] + rest[...expert]).joined(separator: ".")
        if groupNode[expertsID] == nil { expertGroupIDs.append(expertsID) }
        groups.append((expertsID, rest[...expert].joined(separator: ".")))
        groups.append((expertsID + "." + rest[expert + 1], rest[expert + 1]))
        rest.removeFirst(expert + 2)
      }
      var parent: Int?
      for (depth, group) in groups.enumerated() {
        if let existing = groupNode[group.id] {
          parent = existing
          continue
        }
        let node = add(
          Node(id: group.id, label: group.label, tensorIndex: nil, children: [], depth: depth))
        groupNode[group.id] = node
        if let parent {
          nodes[parent].children.append(node)
        } else {
          roots.append(node)
          blockIDs.append(group.id)
        }
        parent = node
      }
      let leaf = add(
        Node(
          id: names[index], label: ModelTree.leafLabel(rest), tensorIndex: index, children: [],
          depth: groups.count))
      if let parent { nodes[parent].children.append(leaf) }
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
