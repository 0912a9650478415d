import Engine
import Exporter

/// The Plan screen's state: the budget being typed, the objective, whether the budget is for
/// training in all, and the plan of the current results.
public struct PlanState: Sendable {
  /// The budget as typed (`24GB`, `800MB`, bytes).
  public var budgetText = ""
  public var objective = PlanObjective.total
  /// True: the budget covers QLoRA training (weights + adapters, optimizer, activations, CUDA).
  public var training = false
  /// The plan for the budget typed (nil while it does not parse).
  public var result: BudgetPlan?
  /// The training items, when `training`.
  public var trainingMemory: TrainingMemory?
  /// Why there is no plan: the size does not parse, or the budget is below every footprint.
  public var message: String?
  /// The plan last applied: its budget and choice (the export cites the budget while the model's
  /// choice is still that one).
  public var applied: (budget: UInt64, choice: QuantChoice)?

  public init() {}

  /// The best configuration when the explorer can take it as its choice (its format analysed).
  func applicableChoice(_ state: AppState) -> ConfigurationPlan? {
    guard let best = result?.best, state.settings.formats.contains(best.choice.errorFormat) else {
      return nil
    }
    return best
  }

  /// Why ⏎ does nothing now.
  func whyNotApplicable(_ state: AppState) -> String {
    if result == nil { return message ?? "type a budget first (e.g. 24GB)" }
    if result?.best == nil { return message ?? "nothing fits the budget" }
    return "the plan's format is not among the analysed formats (--formats)"
  }
}

extension QuantChoice {
  /// Same type, double quant and kept set (the objective aside).
  public func isSameDecision(as other: QuantChoice?) -> Bool {
    guard let other else { return false }
    return quant == other.quant && doubleQuant == other.doubleQuant
      && appliedKept == other.appliedKept
  }
}
