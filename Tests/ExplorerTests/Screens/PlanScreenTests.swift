import Engine
import Exporter
import Safetensors
import Terminal
import TestSupport
import Testing

@testable import Explorer

/// The Plan screen: typing a budget plans it (as `quantscope plan` does), ⏎ makes the plan the
/// model's choice, space overrides move the marker, and malformed or infeasible budgets say why.
@Suite struct PlanScreenTests {
  static func press(_ state: inout AppState, _ keys: Key...) {
    for key in keys { state.handle(key, pageHeight: 10) }
  }

  static func type(_ state: inout AppState, _ text: String) {
    press(&state, .control("u"))
    for character in text { press(&state, .character(character)) }
  }

  /// A budget a third of the way from the smallest footprint to every tensor in 16-bit.
  static func middleBudget(_ state: AppState) -> UInt64 {
    let smallest = ChoiceSummary(
      choice: QuantChoice(quant: .nf4, doubleQuant: true), tensors: state.checkpoint.tensors,
      analyses: state.analyses, settings: state.settings)
    return smallest.weightsBytes + (smallest.bytes16 - smallest.weightsBytes) / 3
  }

  @Test func applyMakesThePlanTheModelsChoiceAndSpaceMovesTheMarker() throws {
    var state = Fixture.state()
    Self.press(&state, .character("p"))
    #expect(state.screen == .plan)
    let budget = Self.middleBudget(state)
    Self.type(&state, String(budget))
    let best = try #require(state.planState.result?.best)
    #expect(best.fits && !best.keptTensors.isEmpty)
    // The same plan as the planner run directly (what `quantscope plan` runs).
    let direct = BudgetPlanner(tensors: state.checkpoint.tensors, analyses: state.analyses)
      .plan(budget: budget, configurations: QuantChoice.autoConfigurations, objective: .total)
    #expect(direct.best?.choice == best.choice && direct.best?.value == best.value)
    Self.press(&state, .enter)
    #expect(state.choice?.isSameDecision(as: best.choice) == true)
    let marker = try #require(PlanScreen.currentPoint(state))
    #expect(marker.bytes == best.weightsBytes && marker.value == best.value)
    // Back on the model screen, keep one more tensor: the marker moves up in memory, down in error.
    Self.press(&state, .escape)
    #expect(state.screen == .model)
    state.kept.insert("model.layers.1.mlp.up_proj.weight")
    let moved = try #require(PlanScreen.currentPoint(state))
    #expect(moved.bytes > marker.bytes && moved.value < marker.value)
    // The export then no longer cites the budget: the choice is not the plan's any more.
    Self.press(&state, .character("e"))
    #expect(state.exportDialog?.choice.budgetBytes == nil)
  }

  @Test func exportCitesTheAppliedBudget() throws {
    var state = Fixture.state()
    Self.press(&state, .character("p"))
    let budget = Self.middleBudget(state)
    Self.type(&state, String(budget))
    Self.press(&state, .enter, .escape, .character("e"))
    let dialog = try #require(state.exportDialog)
    #expect(dialog.choice.budgetBytes == budget)
    let yaml = try dialog.rendered.get().yaml
    #expect(yaml.contains("# Budget "))
    #expect(yaml.contains("(\(budget) bytes)"))
  }

  @Test func malformedAndInfeasibleBudgetsSayWhy() {
    var state = Fixture.state()
    Self.press(&state, .character("p"))
    Self.type(&state, "12XB")
    #expect(state.planState.result == nil)
    #expect(state.planState.message?.contains("not a size") == true)
    let format = state.globalFormat
    Self.press(&state, .enter)
    #expect(state.globalFormat == format)
    #expect(state.status?.contains("not a size") == true)
    Self.type(&state, "1kB")
    #expect(state.planState.result?.best == nil)
    #expect(state.planState.message?.hasPrefix("below the smallest footprint") == true)
  }

  @Test func worstObjectiveKeepsTheWorstTensorsFirst() throws {
    var state = Fixture.state()
    Self.press(&state, .character("p"), .tab)
    #expect(state.planState.objective == .worst)
    Self.type(&state, String(Self.middleBudget(state)))
    let best = try #require(state.planState.result?.best)
    let quantizedErrors = state.checkpoint.tensors.indices.compactMap { index -> Double? in
      let tensor = state.checkpoint.tensors[index]
      guard Quantizability.isQuantizable(tensor), !best.choice.kept.contains(tensor.name) else {
        return nil
      }
      return state.analyses[index]?.formats[best.choice.errorFormat]?.relErr
    }
    let keptErrors = best.keptTensors.compactMap(\.relErr)
    #expect(!keptErrors.isEmpty)
    #expect((keptErrors.min() ?? 0) >= (quantizedErrors.max() ?? 1))
  }
}

extension ScreenSnapshotTests {
  @Test func planScreen() {
    var state = Fixture.state()
    press(&state, .character("p"))
    PlanScreenTests.type(&state, String(PlanScreenTests.middleBudget(state)))
    expectSnapshot(state, "plan")
  }

  @Test func planScreenForTraining() {
    var state = Fixture.state()
    press(&state, .character("p"), .control("t"))
    PlanScreenTests.type(&state, "2GB")
    expectSnapshot(state, "plan_training")
  }
}
