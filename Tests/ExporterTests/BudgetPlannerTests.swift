import Engine
import Safetensors
import TestSupport
import Testing

@testable import Exporter

/// The planner against brute force: every kept set of small random models is tried through
/// `ChoiceSummary` (memory and objective computed apart from the planner), and the planner's
/// optimum must equal the best feasible one.
@Suite struct BudgetPlannerTests {
  /// A random LLaMA-ish model: `count` quantizable weights of a few shapes (some repeated, as in
  /// real models), a norm, an embedding and an output embedding; random errors per format.
  static func randomModel(_ random: inout SplitMix64, count: Int) -> (Checkpoint, [TensorAnalysis?])
  {
    let shapes = [[16, 16], [8, 16], [40, 16], [16, 40], [3, 5], [24, 24]]
    var list: [(String, [Int])] = [("model.embed_tokens.weight", [32, 16])]
    for index in 0..<count {
      let shape = shapes[Int(random.next() % UInt64(shapes.count))]
      list.append(("model.layers.\(index).mlp.proj.weight", shape))
      if index == 0 { list.append(("model.layers.0.input_layernorm.weight", [16])) }
    }
    list.append(("lm_head.weight", [32, 16]))
    let checkpoint = ExporterFixtures.checkpoint(
      list, path: "/nonexistent/random/model.safetensors")
    let analyses: [TensorAnalysis?] = checkpoint.tensors.map { tensor in
      let quantizable = Quantizability.isQuantizable(tensor)
      func draw(_ scale: Double) -> Double { scale * (0.2 + Double(random.next() % 1000) / 500) }
      let rel: [QuantFormat: Double] =
        tensor.shape.count == 2
        ? [
          .nf4: draw(0.09), .nf4dq: draw(0.09), .fp4: draw(0.12), .fp4dq: draw(0.12),
          .int8: draw(0.008),
        ] : [:]
      return ExporterFixtures.analysis(tensor, quantizable: quantizable, rel: rel, absmax: 1)
    }
    return (checkpoint, analyses)
  }

  /// The best objective over every kept set that fits, by brute force: memory summed tensor by
  /// tensor from the storage rules, the objective from the analyses' rel_err.
  static func bruteForce(
    _ checkpoint: Checkpoint, _ analyses: [TensorAnalysis?], quant: ExportQuant, doubleQuant: Bool,
    objective: PlanObjective, budget: UInt64
  ) -> Double? {
    let choice = QuantChoice(quant: quant, doubleQuant: doubleQuant, objective: objective)
    var fixed: UInt64 = 0
    var candidates: [(quantized: UInt64, kept: UInt64, params: Double, relErr: Double)] = []
    for (index, tensor) in checkpoint.tensors.enumerated() {
      guard Quantizability.isQuantizable(tensor) else {
        fixed += UInt64(tensor.elementCount) * 2
        continue
      }
      candidates.append(
        (
          BitsandbytesStorage.quantizedBytes(tensor, layout: choice.layout),
          UInt64(tensor.elementCount) * 2,
          Double(tensor.elementCount), analyses[index]?.formats[choice.errorFormat]?.relErr ?? 0
        ))
    }
    let allParams = candidates.reduce(0.0) { $0 + $1.params }
    let subsets = quant.isFourBit ? 1 << candidates.count : 1
    var best: Double?
    for mask in 0..<subsets {
      var bytes = fixed
      var sum = 0.0
      var worst = 0.0
      for (index, candidate) in candidates.enumerated() {
        if mask & (1 << index) != 0 {
          bytes += candidate.kept
        } else {
          bytes += candidate.quantized
          sum += candidate.params * candidate.relErr
          worst = max(worst, candidate.relErr)
        }
      }
      guard bytes <= budget else { continue }
      best = min(best ?? .infinity, objective == .total ? sum / allParams : worst)
    }
    return best
  }

  @Test(arguments: PlanObjective.allCases)
  func plannerMatchesBruteForceOnRandomModels(objective: PlanObjective) {
    var random = SplitMix64(seed: objective == .total ? 15 : 16)
    var cases = 0
    for round in 0..<24 {
      let (checkpoint, analyses) = Self.randomModel(&random, count: 3 + round % 7)
      let planner = BudgetPlanner(tensors: checkpoint.tensors, analyses: analyses)
      let quantizable = checkpoint.tensors.filter(Quantizability.isQuantizable)
      let all16 = BitsandbytesStorage.modelBytes(
        checkpoint.tensors, quantizable: checkpoint.tensors.map { _ in false }, layout: .fourBit,
        kept: [])
      let low = BitsandbytesStorage.modelBytes(
        checkpoint.tensors, quantizable: checkpoint.tensors.map(Quantizability.isQuantizable),
        layout: .fourBitDoubleQuant, kept: [])
      #expect(quantizable.count == 3 + round % 7)
      for step in 0..<4 {
        let budget = low - 40 + (all16 - low + 80) * UInt64(step) / 3
        let plan = planner.plan(
          budget: budget, configurations: QuantChoice.autoConfigurations, objective: objective)
        for config in plan.configurations {
          let expected = Self.bruteForce(
            checkpoint, analyses, quant: config.choice.quant,
            doubleQuant: config.choice.doubleQuant,
            objective: objective, budget: budget)
          #expect(
            config.fits == (expected != nil),
            "round \(round) budget \(budget) \(config.choice.label)")
          guard let expected, let value = config.value, let weights = config.weightsBytes else {
            continue
          }
          cases += 1
          #expect(
            abs(value - expected) <= 1e-12 * max(1, expected),
            "round \(round) budget \(budget) \(config.choice.label)")
          #expect(weights <= budget)
          // The plan's own figures are the choice's figures.
          let summary = ChoiceSummary(
            choice: config.choice, tensors: checkpoint.tensors, analyses: analyses,
            settings: AnalysisSettings())
          #expect(summary.weightsBytes == weights)
          #expect(abs(summary.value - value) <= 1e-12 * max(1, value))
        }
      }
    }
    #expect(cases > 100)
  }

  @Test func knapsackMatchesBruteForceWithRepeatedWeights() {
    var random = SplitMix64(seed: 99)
    for round in 0..<300 {
      let count = 1 + round % 14
      let items = (0..<count).map { _ in
        // Few distinct weights (like same-shaped layers), a few free or negative ones.
        Knapsack.Item(
          weight: Int64(random.next() % 6) * 7 - 3, value: Double(random.next() % 1000) / 100)
      }
      let capacity = Int64(random.next() % 60) - 5
      let best = Knapsack.bruteForceBest(items, capacity: capacity)
      let solution = Knapsack.solve(items, capacity: capacity)
      if let best {
        #expect(solution.weight <= capacity && solution.isProven)
        #expect(abs(solution.value - best) <= 1e-9, "round \(round): \(items) capacity \(capacity)")
        let recomputed = solution.taken.reduce(0.0) { $0 + items[$1].value }
        #expect(abs(recomputed - solution.value) <= 1e-9)
      } else {
        #expect(solution.weight > capacity)
      }
    }
  }

  @Test(arguments: PlanObjective.allCases)
  func frontierIsMonotone(objective: PlanObjective) {
    var random = SplitMix64(seed: 7)
    let (checkpoint, analyses) = Self.randomModel(&random, count: 40)
    let planner = BudgetPlanner(tensors: checkpoint.tensors, analyses: analyses)
    let plan = planner.plan(
      budget: 1 << 40, configurations: QuantChoice.autoConfigurations, objective: objective)
    for config in plan.configurations where config.choice.quant.isFourBit {
      #expect(config.frontier.count >= 3, "\(config.choice.label)")
      for (a, b) in zip(config.frontier, config.frontier.dropFirst()) {
        #expect(
          a.weightsBytes < b.weightsBytes && a.value > b.value,
          "\(config.choice.label): \(a) then \(b)")
      }
      #expect(config.frontier.first?.weightsBytes == config.minimumBytes)
    }
    let merged = plan.frontier
    for (a, b) in zip(merged, merged.dropFirst()) {
      #expect(a.point.weightsBytes < b.point.weightsBytes && a.point.value > b.point.value)
    }
  }

  @Test func int8KeepsNothingAndBudgetsBelowTheMinimumDoNotFit() {
    let checkpoint = ExporterFixtures.checkpoint()
    let analyses = ExporterFixtures.analyses(for: checkpoint)
    let planner = BudgetPlanner(tensors: checkpoint.tensors, analyses: analyses)
    let plan = planner.plan(budget: 1 << 30, configurations: [(.int8, false)], objective: .total)
    #expect(plan.best?.keptTensors.isEmpty == true && plan.best?.choice.kept.isEmpty == true)
    let tight = planner.plan(
      budget: 1000, configurations: QuantChoice.autoConfigurations, objective: .total)
    #expect(tight.best == nil)
    // The smallest footprint is double-quantized 4-bit with nothing kept.
    let smallest = BitsandbytesStorage.modelBytes(
      checkpoint.tensors, quantizable: checkpoint.tensors.map(Quantizability.isQuantizable),
      layout: .fourBitDoubleQuant, kept: [])
    #expect(tight.minimum?.bytes == smallest)
    #expect(
      planner.plan(
        budget: smallest, configurations: QuantChoice.autoConfigurations, objective: .total
      ).best != nil)
    #expect(
      planner.plan(
        budget: smallest - 1, configurations: QuantChoice.autoConfigurations, objective: .total
      ).best == nil)
  }

  /// fp4 + double quant is judged by the measured fp4-dq error (`--quant fp4 --double-quant` and
  /// `auto`), not by fp4's: at its smallest footprint nothing is kept, and the value is the
  /// param-weighted fp4-dq rel_err of the fixture, computed here from the analyses.
  @Test func fp4DoubleQuantIsJudgedByTheFP4DQError() throws {
    var random = SplitMix64(seed: 21)
    let (checkpoint, analyses) = Self.randomModel(&random, count: 12)
    let planner = BudgetPlanner(tensors: checkpoint.tensors, analyses: analyses)
    func expected(_ format: QuantFormat) -> Double {
      var weighted = 0.0
      var params = 0.0
      for (tensor, analysis) in zip(checkpoint.tensors, analyses)
      where Quantizability.isQuantizable(tensor) {
        params += Double(tensor.elementCount)
        weighted += Double(tensor.elementCount) * (analysis?.formats[format]?.relErr ?? 0)
      }
      return weighted / params
    }
    #expect(QuantChoice.autoConfigurations.contains { $0 == (.fp4, true) })
    for (doubleQuant, format) in [(true, QuantFormat.fp4dq), (false, .fp4)] {
      let loose = planner.plan(
        budget: 1 << 40, configurations: [(.fp4, doubleQuant)], objective: .total)
      let smallest = try #require(loose.configurations.first?.minimumBytes)
      let plan = planner.plan(
        budget: smallest, configurations: [(.fp4, doubleQuant)], objective: .total)
      let best = try #require(plan.best)
      #expect(best.keptTensors.isEmpty)
      let value = try #require(best.value)
      #expect(abs(value - expected(format)) <= 1e-12, "\(format)")
    }
    #expect(expected(.fp4dq) != expected(.fp4), "the fixture gives the two formats different errors")
  }

  @Test func sizesParseAndMalformedOnesAreRejected() throws {
    let good: [(String, UInt64)] = [
      ("24GB", 24_000_000_000), ("24GiB", 24 << 30), ("23.5G", UInt64(23.5 * 1_073_741_824)),
      ("800MB", 800_000_000), ("123456", 123_456), ("1.5 TB", 1_500_000_000_000), ("64kib", 65_536),
      ("2b", 2), ("512M", 512 << 20),
    ]
    for (text, bytes) in good {
      #expect(try ByteSize.parse(text).get() == bytes, "\(text)")
    }
    for text in [
      "", "GB", "-1GB", "24 XB", "1.2.3GB", "0", "0.4", "1e9", "24GBs", ".", "nan", "1.5",
    ] {
      if case .success(let bytes) = ByteSize.parse(text) {
        Issue.record("'\(text)' parsed as \(bytes)")
      }
    }
  }
}
