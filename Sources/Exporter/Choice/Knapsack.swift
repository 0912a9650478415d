/// The exact 0/1 knapsack behind a budget plan: choose items (tensors to keep in 16-bit) of total
/// weight (extra bytes) at most a capacity that maximise the total value (params·rel_err removed).
///
/// Depth-first branch and bound (Horowitz–Sahni) over the items by decreasing value per byte,
/// bounded by the LP relaxation (Dantzig) from prefix sums. Items of equal weight are
/// interchangeable but for their value, so a solution never takes one while leaving a better one
/// of the same weight (that branch is cut): a model's many same-shaped layers cost nothing extra.
/// Items that weigh nothing or less are always taken.
public enum Knapsack {
  /// One candidate.
  public struct Item: Sendable, Hashable {
    /// Bytes it adds when taken (may be ≤ 0: keeping a tiny tensor can save bytes).
    public var weight: Int64
    /// What taking it gains (≥ 0).
    public var value: Double
    public init(weight: Int64, value: Double) {
      self.weight = weight
      self.value = value
    }
  }

  /// The optimum: indices taken (ascending), their total weight and value, and whether the search
  /// finished (false only when `nodeLimit` stopped it: the best found is then returned).
  public struct Solution: Sendable, Hashable {
    public var taken: [Int]
    public var weight: Int64
    public var value: Double
    public var isProven: Bool
    public var nodes: Int
  }

  /// Solves the instance exactly (up to floating-point rounding of the sums).
  ///
  /// - Complexity: exponential in the worst case; on model instances (few distinct shapes) and on
  ///   uncorrelated random ones a few thousand nodes per hundred items.
  public static func solve(_ items: [Item], capacity: Int64, nodeLimit: Int = 50_000_000)
    -> Solution
  {
    var taken: [Int] = []
    var capacity = capacity
    var baseWeight: Int64 = 0
    var baseValue = 0.0
    var candidates: [Int] = []
    for (index, item) in items.enumerated() {
      if item.weight <= 0 {
        taken.append(index)
        capacity -= item.weight
        baseWeight += item.weight
        baseValue += max(item.value, 0)
      } else if item.value > 0 {
        candidates.append(index)
      }
    }
    guard capacity >= 0 else {
      return Solution(
        taken: taken.sorted(), weight: baseWeight, value: baseValue, isProven: true, nodes: 0)
    }
    candidates = candidates.filter { items[$0].weight <= capacity }
    candidates.sort { a, b in
      let (x, y) = (items[a], items[b])
      let left = x.value * Double(y.weight)
      let right = y.value * Double(x.weight)
      if left != right { return left > right }
      return (x.weight, a) < (y.weight, b)
    }
    let n = candidates.count
    let weights = candidates.map { items[$0].weight }
    let values = candidates.map { items[$0].value }
    // Classes of equal weight, for the dominance cut.
    var classOf = [Int](repeating: 0, count: n)
    var classIDs: [Int64: Int] = [:]
    for i in 0..<n {
      if let id = classIDs[weights[i]] {
        classOf[i] = id
      } else {
        classOf[i] = classIDs.count
        classIDs[weights[i]] = classOf[i]
      }
    }
    var prefixWeight = [Int64](repeating: 0, count: n + 1)
    var prefixValue = [Double](repeating: 0, count: n + 1)
    for i in 0..<n {
      prefixWeight[i + 1] = prefixWeight[i] + weights[i]
      prefixValue[i + 1] = prefixValue[i] + values[i]
    }
    /// The LP bound of items i..<n with `room` bytes left.
    func bound(_ i: Int, _ room: Int64) -> Double {
      let limit = prefixWeight[i] + room
      var lo = i
      var hi = n
      while lo < hi {
        let mid = (lo + hi + 1) / 2
        if prefixWeight[mid] <= limit { lo = mid } else { hi = mid - 1 }
      }
      var result = prefixValue[lo] - prefixValue[i]
      if lo < n {
        result += Double(limit - prefixWeight[lo]) * values[lo] / Double(weights[lo])
      }
      return result
    }

    var blocked = [Int](repeating: 0, count: classIDs.count)
    var chosen = [Bool](repeating: false, count: n)
    var best = 0.0
    var bestChosen = chosen
    var room = capacity
    var value = 0.0
    var nodes = 0
    var proven = true
    // Explicit stack: the frame of item i is in state 0 (enter), 1 (back from taking it), 2 (back
    // from leaving it).
    var stack: [(item: Int, state: UInt8)] = [(0, 0)]
    while let top = stack.popLast() {
      let i = top.item
      switch top.state {
      case 0:
        nodes += 1
        if nodes > nodeLimit {
          proven = false
          stack.removeAll()
          break
        }
        if value > best {
          best = value
          bestChosen = chosen
        }
        if i == n { continue }
        if value + bound(i, room) <= best * (1 + 1e-12) { continue }
        if blocked[classOf[i]] == 0 && weights[i] <= room {
          chosen[i] = true
          room -= weights[i]
          value += values[i]
          stack.append((i, 1))
          stack.append((i + 1, 0))
        } else {
          blocked[classOf[i]] += 1
          stack.append((i, 2))
          stack.append((i + 1, 0))
        }
      case 1:
        chosen[i] = false
        room += weights[i]
        value -= values[i]
        blocked[classOf[i]] += 1
        stack.append((i, 2))
        stack.append((i + 1, 0))
      default:
        blocked[classOf[i]] -= 1
      }
    }
    var weight = baseWeight
    var total = baseValue
    for i in 0..<n where bestChosen[i] {
      taken.append(candidates[i])
      weight += weights[i]
      total += values[i]
    }
    return Solution(
      taken: taken.sorted(), weight: weight, value: total, isProven: proven, nodes: nodes)
  }
}

extension Knapsack {
  /// Every best keep set of an instance at once, for instances whose items fall into few distinct
  /// weights (a model's tensors come in a handful of shapes).
  ///
  /// Items of one weight are taken best first, so a keep set is a count per weight class; the
  /// classes are combined one after another, keeping only the Pareto-optimal (weight, value)
  /// points (more weight must buy more value). The result answers `best(capacity:)` for any
  /// capacity with the same optimum `solve` proves, without a search per capacity.
  public struct Frontier: Sendable {
    /// Items taken whatever the capacity (weight ≤ 0), their weight and value.
    let free: [Int]
    let freeWeight: Int64
    let freeValue: Double
    /// Per class: its items best first.
    let classes: [[Int]]
    /// Per class layer: each point's weight, value, the point of the previous layer it extends
    /// and how many items of this class it takes.
    let layers: [[Point]]

    struct Point: Sendable {
      var weight: Int64
      var value: Double
      var parent: Int32
      var count: Int32
    }

    /// The optimum at `capacity`: the same as `Knapsack.solve(items, capacity:)` up to the
    /// floating-point order of the sums (and, between equally good sets, which one is taken).
    public func best(capacity: Int64) -> Solution {
      let room = capacity - freeWeight
      guard room >= 0, let last = layers.last else {
        return Solution(
          taken: free.sorted(), weight: freeWeight, value: freeValue, isProven: true, nodes: 0)
      }
      // Points are by increasing weight and value: the last one that fits is the best.
      var lo = 0
      var hi = last.count - 1
      while lo < hi {
        let mid = (lo + hi + 1) / 2
        if last[mid].weight <= room { lo = mid } else { hi = mid - 1 }
      }
      var taken = free
      var index = lo
      for layer in stride(from: layers.count - 1, through: 0, by: -1) {
        let point = layers[layer][index]
        taken += classes[layer].prefix(Int(point.count))
        index = Int(point.parent)
      }
      let point = last[lo]
      return Solution(
        taken: taken.sorted(), weight: freeWeight + point.weight, value: freeValue + point.value,
        isProven: true, nodes: last.count)
    }
  }

  /// The frontier of `items` up to `maxCapacity`, or nil when the items have more than
  /// `maxClasses` distinct positive weights or the frontier would pass `maxPoints` points (then
  /// `solve` is the way, one capacity at a time).
  public static func frontier(
    _ items: [Item], maxCapacity: Int64, maxClasses: Int = 32, maxPoints: Int = 1 << 20
  ) -> Frontier? {
    var free: [Int] = []
    var freeWeight: Int64 = 0
    var freeValue = 0.0
    var byWeight: [Int64: [Int]] = [:]
    for (index, item) in items.enumerated() {
      if item.weight <= 0 {
        free.append(index)
        freeWeight += item.weight
        freeValue += max(item.value, 0)
      } else if item.value > 0 {
        byWeight[item.weight, default: []].append(index)
      }
    }
    guard byWeight.count <= maxClasses else { return nil }
    let limit = maxCapacity - freeWeight
    let classes = byWeight.keys.sorted().map { weight in
      byWeight[weight]!.sorted { (items[$0].value, $1) > (items[$1].value, $0) }
    }
    var layers: [[Frontier.Point]] = []
    var previous = [Frontier.Point(weight: 0, value: 0, parent: -1, count: 0)]
    for members in classes {
      let weight = items[members[0]].weight
      var prefix = [0.0]
      for index in members { prefix.append(prefix[prefix.count - 1] + items[index].value) }
      var extended: [Frontier.Point] = []
      for (parent, point) in previous.enumerated() {
        for count in 0...members.count {
          let total = point.weight + Int64(count) * weight
          if total > limit { break }
          extended.append(
            Frontier.Point(
              weight: total, value: point.value + prefix[count], parent: Int32(parent),
              count: Int32(count)))
        }
        if extended.count > maxPoints * 4 { return nil }
      }
      // Lighter first, and at equal weight the more valuable first; keep strict improvements.
      extended.sort { ($0.weight, -$0.value) < ($1.weight, -$1.value) }
      var kept: [Frontier.Point] = []
      for point in extended where point.value > (kept.last?.value ?? -1) {
        kept.append(point)
      }
      guard kept.count <= maxPoints else { return nil }
      layers.append(kept)
      previous = kept
    }
    return Frontier(
      free: free, freeWeight: freeWeight, freeValue: freeValue, classes: classes, layers: layers)
  }
}
