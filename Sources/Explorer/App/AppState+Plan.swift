import Engine
import Exporter
import Reports
import Terminal

extension AppState {
  /// Opens the Plan screen (the budget typed last is kept).
  mutating func openPlan() {
    show(.plan)
    replan()
  }

  /// Typing on the Plan screen edits the budget; returns false for keys the binding table handles.
  mutating func editPlanBudget(_ key: Key) -> Bool {
    switch key {
    case .character(let character)
    where character.isLetter || character.isNumber || character == "." || character == " ":
      planState.budgetText.append(character)
    case .backspace, .delete:
      guard !planState.budgetText.isEmpty else { return false }
      planState.budgetText.removeLast()
    case .control("u"):
      planState.budgetText = ""
    default:
      return false
    }
    status = nil
    replan()
    return true
  }

  /// The formats' configurations the explorer can plan: those whose error format is analysed.
  var plannableConfigurations: [(ExportQuant, Bool)] {
    QuantChoice.autoConfigurations.filter { quant, doubleQuant in
      settings.formats.contains(QuantChoice(quant: quant, doubleQuant: doubleQuant).errorFormat)
    }
  }

  /// Plans the budget typed over the results so far (what `quantscope plan` computes).
  mutating func replan() {
    planState.result = nil
    planState.trainingMemory = nil
    if let fixed = fixedChoiceReason {
      planState.message = "nothing to plan: " + fixed
      return
    }
    let text = planState.budgetText.trimmingPrefix(while: { $0 == " " })
    guard !text.isEmpty else {
      let needed =
        choiceSummary.map {
          "; the model's choice needs \(InspectRenderer.byteText($0.weightsBytes))"
        } ?? ""
      planState.message = "type a budget: 24GB, 23.5GiB, 800MB or bytes" + needed
      return
    }
    let budget: UInt64
    switch ByteSize.parse(String(text)) {
    case .success(let bytes): budget = bytes
    case .failure(let error):
      planState.message = error.description
      return
    }
    let training =
      planState.training
      ? TrainingMemory(
        tensors: checkpoint.tensors, config: checkpoint.config, settings: TrainingSettings())
      : nil
    let overhead = training?.overheadBytes ?? 0
    let planner = BudgetPlanner(
      tensors: checkpoint.tensors, analyses: analyses, architecture: ModelArchitecture(checkpoint))
    var plan = planner.plan(
      budget: budget > overhead ? budget - overhead : 0, configurations: plannableConfigurations,
      objective: planState.objective)
    plan.budgetBytes = budget
    planState.result = plan
    planState.trainingMemory = training
    planState.message = nil
    if plan.best == nil, let minimum = plan.minimum {
      planState.message =
        "below the smallest footprint, \(InspectRenderer.byteText(minimum.bytes + overhead)) with \(minimum.choice.label)"
    }
  }

  /// Makes the plan's choice the model's: its format and kept tensors.
  mutating func applyPlan() {
    guard let best = planState.applicableChoice(self), let budget = planState.result?.budgetBytes
    else { return }
    globalFormat = best.choice.errorFormat
    kept = best.choice.kept
    planState.applied = (budget, best.choice)
    status = "model choice: \(best.choice.label), \(best.keptTensors.count) kept in 16-bit"
  }
}
