import Dispatch
import Engine
import Safetensors
import Synchronization

/// Finds the choice that fits a memory budget with the least damage: for each bitsandbytes
/// configuration, the exact set of tensors to keep in 16-bit (`Knapsack` for the `total`
/// objective; the worst tensors first for `worst`), and the Pareto frontier memory → objective.
public struct BudgetPlanner: Sendable {
  /// One candidate tensor.
  struct Candidate: Sendable {
    var tensor: Int
    var name: String
    var params: Int
    /// Bytes added by keeping it 16-bit rather than quantized.
    var extraBytes: Int64
    /// Its rel_err in the configuration's error format (nil: not analysed).
    var relErr: Double?
  }

  /// One configuration's instance.
  struct Instance: Sendable {
    var choice: QuantChoice
    var baseBytes: UInt64
    var candidates: [Candidate]
    var quantizableParams: Int
    var unanalysed: Int
  }

  let tensors: [TensorInfo]
  let analyses: [TensorAnalysis?]
  let quantizable: [Bool]
  /// Budgets sampled between the smallest and the largest footprint for the frontier.
  public var frontierSamples = 24

  /// - Parameter architecture: what bitsandbytes quantizes (nil: decided from the names alone).
  public init(
    tensors: [TensorInfo], analyses: [TensorAnalysis?], architecture: ModelArchitecture? = nil
  ) {
    self.tensors = tensors
    self.analyses = analyses
    let architecture = architecture ?? ModelArchitecture(config: nil, tensorNames: [])
    quantizable = tensors.map { architecture.role(of: $0).quantizable }
  }

  /// The configurations a request covers: one, or every one `auto` tries.
  public static func configurations(quant: ExportQuant?, doubleQuant: Bool?) -> [(
    ExportQuant, Bool
  )] {
    guard let quant else { return QuantChoice.autoConfigurations }
    return [(quant, quant.isFourBit && (doubleQuant ?? true))]
  }

  /// Plans every configuration of `configurations` for `budget` bytes of weights.
  public func plan(
    budget: UInt64, configurations: [(ExportQuant, Bool)], objective: PlanObjective
  ) -> BudgetPlan {
    var plans: [ConfigurationPlan] = []
    for (quant, doubleQuant) in configurations {
      let instance = instance(
        QuantChoice(quant: quant, doubleQuant: doubleQuant, objective: objective))
      plans.append(plan(instance, budget: budget))
    }
    return BudgetPlan(budgetBytes: budget, objective: objective, configurations: plans)
  }

  func instance(_ choice: QuantChoice) -> Instance {
    let base = BitsandbytesStorage.modelBytes(
      tensors, quantizable: quantizable, layout: choice.layout, kept: [])
    var candidates: [Candidate] = []
    var params = 0
    var unanalysed = 0
    for (index, tensor) in tensors.enumerated() where quantizable[index] {
      params += tensor.elementCount
      let relErr =
        index < analyses.count ? analyses[index]?.formats[choice.errorFormat]?.relErr : nil
      if relErr == nil { unanalysed += 1 }
      let extra =
        Int64(BitsandbytesStorage.unquantizedBytes(tensor))
        - Int64(BitsandbytesStorage.quantizedBytes(tensor, layout: choice.layout))
      candidates.append(
        Candidate(
          tensor: index, name: tensor.name, params: tensor.elementCount, extraBytes: extra,
          relErr: relErr))
    }
    return Instance(
      choice: choice, baseBytes: base, candidates: candidates, quantizableParams: params,
      unanalysed: unanalysed)
  }

  /// The best keep set of one configuration at `budget` (nil when it does not fit), and its frontier.
  func plan(_ instance: Instance, budget: UInt64) -> ConfigurationPlan {
    let canKeep = instance.choice.quant.isFourBit
    let free = canKeep ? instance.candidates.reduce(Int64(0)) { $0 + min($1.extraBytes, 0) } : 0
    let minimum = UInt64(max(Int64(instance.baseBytes) + free, 0))
    let maximum =
      canKeep
      ? UInt64(
        Int64(instance.baseBytes)
          + instance.candidates.reduce(Int64(0)) {
            $0 + ($1.relErr ?? 0 > 0 || $1.extraBytes < 0 ? $1.extraBytes : 0)
          })
      : instance.baseBytes
    var best: Solved?
    var frontier: [PlanPoint] = []
    if canKeep && maximum > minimum {
      var budgets = (0..<frontierSamples).map { step in
        minimum
          + UInt64(Double(maximum - minimum) * Double(step) / Double(max(frontierSamples - 1, 1)))
      }
      budgets.append(maximum)
      if instance.choice.objective == .worst {
        best = budget >= minimum ? solve(instance, budget: budget) : nil
        frontier = worstFrontier(instance, minimum: minimum)
      } else {
        let all = [budget] + budgets
        let solved: [Solved?]
        let limit = Int64(clamping: max(budget, maximum)) - Int64(instance.baseBytes)
        if let frontier = Knapsack.frontier(knapsackItems(instance), maxCapacity: limit) {
          // A model's few shapes: every budget read off one frontier.
          solved = all.enumerated().map { index, bytes in
            index == 0 && budget < minimum
              ? nil : solve(instance, budget: bytes, frontier: frontier)
          }
        } else {
          // Many shapes: independent knapsacks, solved in parallel, each result in its own slot
          // so the plan does not depend on the scheduling.
          let results = Mutex([Solved?](repeating: nil, count: all.count))
          DispatchQueue.concurrentPerform(iterations: all.count) { index in
            guard index > 0 || budget >= minimum else { return }
            let one = solve(instance, budget: all[index])
            results.withLock { $0[index] = one }
          }
          solved = results.withLock { $0 }
        }
        best = solved[0]
        frontier = solved.dropFirst().compactMap { $0?.point }
      }
      if let best { frontier.append(best.point) }
    } else {
      best = budget >= minimum ? solve(instance, budget: budget) : nil
      if let point = solve(instance, budget: max(budget, minimum)) { frontier = [point.point] }
    }
    return ConfigurationPlan(
      choice: best?.choice ?? instance.choice, fits: best != nil,
      weightsBytes: best?.point.weightsBytes,
      value: best?.point.value, minimumBytes: minimum, maximumBytes: maximum,
      frontier: PlanPoint.pareto(frontier), isProven: best?.isProven ?? true,
      unanalysed: instance.unanalysed,
      keptTensors: (best?.kept ?? []).map { index in
        let candidate = instance.candidates[index]
        return KeptTensor(
          tensor: candidate.tensor, name: candidate.name, relErr: candidate.relErr,
          extraBytes: candidate.extraBytes)
      })
  }

  struct Solved {
    var choice: QuantChoice
    var point: PlanPoint
    var kept: [Int]
    var isProven: Bool
  }

  /// The knapsack of `total`: keeping a candidate costs its extra bytes and removes params·rel_err.
  private func knapsackItems(_ instance: Instance) -> [Knapsack.Item] {
    instance.candidates.map {
      Knapsack.Item(weight: $0.extraBytes, value: Double($0.params) * ($0.relErr ?? 0))
    }
  }

  /// The optimum at `budget` bytes of weights, or nil when nothing fits (`frontier`: the
  /// instance's knapsack frontier, when it has one, read instead of searching).
  func solve(_ instance: Instance, budget: UInt64, frontier: Knapsack.Frontier? = nil) -> Solved? {
    let candidates = instance.candidates
    let capacity = Int64(clamping: budget) - Int64(instance.baseBytes)
    var taken: [Int] = []
    var proven = true
    if !instance.choice.quant.isFourBit {
      guard capacity >= 0 else { return nil }
    } else if instance.choice.objective == .total {
      let solution =
        frontier?.best(capacity: capacity)
        ?? Knapsack.solve(knapsackItems(instance), capacity: capacity)
      guard solution.weight <= capacity else { return nil }
      taken = solution.taken
      proven = solution.isProven
    } else {
      guard let order = worstOrder(instance, capacity: capacity) else { return nil }
      taken = order
    }
    var choice = instance.choice
    choice.kept = Set(taken.map { candidates[$0].name })
    let extra = taken.reduce(Int64(0)) { $0 + candidates[$1].extraBytes }
    let point = PlanPoint(
      weightsBytes: UInt64(Int64(instance.baseBytes) + extra),
      value: value(instance, kept: Set(taken)),
      kept: taken.count)
    return Solved(choice: choice, point: point, kept: taken, isProven: proven)
  }

  /// `worst`: the tensors that cost nothing to keep, then the worst ones while they fit.
  private func worstOrder(_ instance: Instance, capacity: Int64) -> [Int]? {
    let candidates = instance.candidates
    var room = capacity
    var taken: [Int] = []
    for (index, candidate) in candidates.enumerated() where candidate.extraBytes <= 0 {
      taken.append(index)
      room -= candidate.extraBytes
    }
    guard room >= 0 else { return nil }
    let ranked = candidates.indices.filter {
      candidates[$0].extraBytes > 0 && (candidates[$0].relErr ?? 0) > 0
    }
    .sorted { (candidates[$0].relErr ?? 0, $1) > (candidates[$1].relErr ?? 0, $0) }
    for index in ranked {
      guard candidates[index].extraBytes <= room else { break }
      room -= candidates[index].extraBytes
      taken.append(index)
    }
    return taken.sorted()
  }

  /// The frontier of `worst`: one point per number of worst tensors kept (after the free ones).
  private func worstFrontier(_ instance: Instance, minimum: UInt64) -> [PlanPoint] {
    let candidates = instance.candidates
    let free = candidates.indices.filter { candidates[$0].extraBytes <= 0 }
    let ranked = candidates.indices.filter { candidates[$0].extraBytes > 0 }
      .sorted { (candidates[$0].relErr ?? 0, $1) > (candidates[$1].relErr ?? 0, $0) }
    // The largest error left once the first k ranked are kept is that of ranked[k] (free tensors
    // are kept from the start).
    func worstLeft(_ k: Int) -> Double {
      k < ranked.count ? (candidates[ranked[k]].relErr ?? 0) : 0
    }
    var bytes = minimum
    var points = [PlanPoint(weightsBytes: bytes, value: worstLeft(0), kept: free.count)]
    for (k, index) in ranked.enumerated() where (candidates[index].relErr ?? 0) > 0 {
      bytes += UInt64(candidates[index].extraBytes)
      points.append(
        PlanPoint(weightsBytes: bytes, value: worstLeft(k + 1), kept: free.count + k + 1))
    }
    return points
  }

  /// The objective with the candidates at `kept` in 16-bit.
  func value(_ instance: Instance, kept: Set<Int>) -> Double {
    let candidates = instance.candidates
    switch instance.choice.objective {
    case .total:
      // Summed in candidate order, whatever the kept set, so equal sets give equal values.
      var sum = 0.0
      for (index, candidate) in candidates.enumerated() where !kept.contains(index) {
        sum += Double(candidate.params) * (candidate.relErr ?? 0)
      }
      return sum / Double(max(instance.quantizableParams, 1))
    case .worst:
      var worst = 0.0
      for (index, candidate) in candidates.enumerated() where !kept.contains(index) {
        worst = max(worst, candidate.relErr ?? 0)
      }
      return worst
    }
  }
}

/// A point of a frontier: the weights' bytes, the objective, how many tensors are kept.
public struct PlanPoint: Sendable, Hashable {
  public var weightsBytes: UInt64
  public var value: Double
  public var kept: Int

  /// The points no other point beats: ascending bytes, strictly decreasing value.
  public static func pareto(_ points: [PlanPoint]) -> [PlanPoint] {
    let sorted = points.sorted {
      ($0.weightsBytes, $0.value, $0.kept) < ($1.weightsBytes, $1.value, $1.kept)
    }
    var result: [PlanPoint] = []
    for point in sorted {
      if let last = result.last, point.value >= last.value { continue }
      result.append(point)
    }
    return result
  }
}

/// One configuration's plan.
public struct ConfigurationPlan: Sendable {
  /// The configuration with its optimal kept set (nothing kept when it does not fit).
  public var choice: QuantChoice
  public var fits: Bool
  public var weightsBytes: UInt64?
  public var value: Double?
  /// Its smallest footprint (nothing kept but the tensors that cost nothing to keep), and its largest
  /// useful one (every tensor with an error kept).
  public var minimumBytes: UInt64
  public var maximumBytes: UInt64
  public var frontier: [PlanPoint]
  /// False only when the search hit its node limit (the best found is then shown).
  public var isProven: Bool
  /// Quantizable tensors without a result in the error format (counted as exact).
  public var unanalysed: Int
  /// The tensors kept in 16-bit, in checkpoint order.
  public var keptTensors: [KeptTensor]
}

/// A tensor a plan keeps in 16-bit.
public struct KeptTensor: Sendable, Hashable {
  /// Index in the checkpoint's tensors.
  public var tensor: Int
  public var name: String
  /// Its rel_err in the configuration's error format (nil: not analysed).
  public var relErr: Double?
  /// What keeping it adds to the weights (negative: it saves bytes).
  public var extraBytes: Int64
}

/// The plans of every configuration tried and the best of them.
public struct BudgetPlan: Sendable {
  public var budgetBytes: UInt64
  public var objective: PlanObjective
  public var configurations: [ConfigurationPlan]

  /// The configuration with the lowest objective that fits (ties: fewer bytes, then the order tried).
  public var best: ConfigurationPlan? {
    // A configuration whose format was not analysed on some tensor has no comparable value.
    let fitting = configurations.filter(\.fits)
    let measured = fitting.filter { $0.unanalysed == 0 }
    var best: ConfigurationPlan?
    for plan in measured.isEmpty ? fitting : measured {
      guard let current = best, let value = plan.value, let bestValue = current.value else {
        if best == nil { best = plan }
        continue
      }
      if value < bestValue
        || (value == bestValue && (plan.weightsBytes ?? 0) < (current.weightsBytes ?? 0))
      {
        best = plan
      }
    }
    return best
  }

  /// The smallest footprint over the configurations tried, and the configuration that has it.
  public var minimum: (bytes: UInt64, choice: QuantChoice)? {
    configurations.min { $0.minimumBytes < $1.minimumBytes }.map { ($0.minimumBytes, $0.choice) }
  }

  /// The frontier over every configuration tried, each point with its configuration.
  public var frontier: [(point: PlanPoint, choice: QuantChoice)] {
    let all = configurations.flatMap { plan in plan.frontier.map { ($0, plan.choice) } }
      .sorted { ($0.0.weightsBytes, $0.0.value) < ($1.0.weightsBytes, $1.0.value) }
    var result: [(point: PlanPoint, choice: QuantChoice)] = []
    for entry in all {
      if let last = result.last, entry.0.value >= last.point.value { continue }
      result.append((entry.0, entry.1))
    }
    return result
  }
}
