import TestSupport
import Testing

@testable import Exporter

/// `Knapsack.frontier` (one pass per weight class, every capacity at once) against brute force and
/// against the branch and bound of `Knapsack.solve`.
@Suite struct KnapsackFrontierTests {
  @Test func everyCapacityMatchesBruteForce() throws {
    var random = SplitMix64(seed: 2026_12_04)
    var compared = 0
    for round in 0..<200 {
      let count = 1 + round % 13
      let items = (0..<count).map { _ in
        // Few distinct weights (same-shaped layers), some free or negative, some worthless.
        Knapsack.Item(
          weight: Int64(random.next() % 5) * 9 - 4, value: Double(random.next() % 800) / 100)
      }
      let frontier = try #require(Knapsack.frontier(items, maxCapacity: 200))
      for capacity in Int64(-6)...60 {
        let solution = frontier.best(capacity: capacity)
        guard let best = Knapsack.bruteForceBest(items, capacity: capacity) else {
          #expect(solution.weight > capacity, "round \(round) capacity \(capacity)")
          continue
        }
        compared += 1
        #expect(solution.weight <= capacity, "round \(round) capacity \(capacity)")
        #expect(abs(solution.value - best) <= 1e-9, "round \(round) capacity \(capacity): \(items)")
        let recomputed = solution.taken.reduce(0.0) { $0 + items[$1].value }
        let weight = solution.taken.reduce(Int64(0)) { $0 + items[$1].weight }
        #expect(abs(recomputed - solution.value) <= 1e-9)
        #expect(weight == solution.weight)
        let searched = Knapsack.solve(items, capacity: capacity)
        #expect(abs(searched.value - solution.value) <= 1e-9)
      }
    }
    #expect(compared > 5_000)
  }

  /// A LLaMA-7B-like instance: 291 items in four weight classes, all ratios nearly equal (the
  /// hard case for the branch and bound); both methods agree at every sampled capacity.
  @Test func modelShapedInstanceAgreesWithTheSearch() throws {
    var random = SplitMix64(seed: 7)
    var items: [Knapsack.Item] = []
    for _ in 0..<32 {
      for weight in [Int64(25_165_824)] + Array(repeating: 25_165_824, count: 3) {
        items.append(
          Knapsack.Item(
            weight: weight, value: 16_777_216 * (0.09 + Double(random.next() % 100) / 1e5)))
      }
      for _ in 0..<3 {
        items.append(
          Knapsack.Item(
            weight: 67_633_152, value: 45_088_768 * (0.09 + Double(random.next() % 100) / 1e5)))
      }
    }
    items.append(Knapsack.Item(weight: 196_608_000, value: 131_072_000 * 0.1))
    let total = items.reduce(Int64(0)) { $0 + $1.weight }
    let frontier = try #require(Knapsack.frontier(items, maxCapacity: total))
    for step in 0...8 {
      let capacity = total * Int64(step) / 8
      let searched = Knapsack.solve(items, capacity: capacity)
      let read = frontier.best(capacity: capacity)
      #expect(searched.isProven)
      #expect(abs(searched.value - read.value) <= 1e-12 * max(1, searched.value), "step \(step)")
      #expect(read.weight <= capacity)
    }
  }

  @Test func tooManyClassesGiveNoFrontier() {
    let items = (1...40).map { Knapsack.Item(weight: Int64($0), value: 1) }
    #expect(Knapsack.frontier(items, maxCapacity: 1000, maxClasses: 32) == nil)
    #expect(Knapsack.frontier(items, maxCapacity: 1000, maxClasses: 40) != nil)
  }
}

extension Knapsack {
  /// The best value of any subset of `items` within `capacity`, by trying them all (nil: none fits).
  static func bruteForceBest(_ items: [Item], capacity: Int64) -> Double? {
    var best: Double?
    for mask in 0..<(1 << items.count) {
      var weight: Int64 = 0
      var value = 0.0
      for index in items.indices where mask & (1 << index) != 0 {
        weight += items[index].weight
        value += items[index].value
      }
      if weight <= capacity { best = max(best ?? -.infinity, value) }
    }
    return best
  }
}
