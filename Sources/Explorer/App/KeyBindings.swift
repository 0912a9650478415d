import Engine
import Terminal

/// The key-binding table and the disabled reasons of actions: the one source for dispatch, the
/// hint bar and the Help screen.
public enum KeyBindings {
  private static let lists: Set<ScreenKind> = [.model, .compare, .outlierMap, .help]
  private static let cursors: Set<ScreenKind> = [.compare, .outlierMap]
  private static let browsing: Set<ScreenKind> = [.model, .tensor, .compare, .outlierMap]

  public static let table: [KeyBinding] = [
    KeyBinding(
      keys: [.up, .character("k")], action: .moveUp, screens: lists, summary: "move up", hint: nil),
    KeyBinding(
      keys: [.down, .character("j")], action: .moveDown, screens: lists, summary: "move down",
      hint: "↑↓ move"),
    KeyBinding(
      keys: [.left, .character("h")], action: .moveLeft, screens: cursors, summary: "move left",
      hint: nil),
    KeyBinding(
      keys: [.right, .character("l")], action: .moveRight, screens: cursors, summary: "move right",
      hint: "←→ move"),
    KeyBinding(keys: [.pageUp], action: .pageUp, screens: lists, summary: "page up", hint: nil),
    KeyBinding(
      keys: [.pageDown], action: .pageDown, screens: lists, summary: "page down", hint: nil),
    KeyBinding(
      keys: [.character("g"), .home], action: .top, screens: lists, summary: "go to the top",
      hint: nil),
    KeyBinding(
      keys: [.character("G"), .end], action: .bottom, screens: lists, summary: "go to the bottom",
      hint: nil),
    KeyBinding(
      keys: [.enter], action: .open, screens: [.model], summary: "open the tensor / fold the group",
      hint: "⏎ open"),
    KeyBinding(
      keys: [.enter], action: .open, screens: cursors, summary: "open the tensor under the cursor",
      hint: "⏎ open"),
    KeyBinding(
      keys: [.right, .character("l")], action: .expand, screens: [.model],
      summary: "unfold the group", hint: nil),
    KeyBinding(
      keys: [.left, .character("h")], action: .collapse, screens: [.model],
      summary: "fold the group (or go to it)", hint: nil),
    KeyBinding(
      keys: [.character("/")], action: .filter, screens: [.model],
      summary: "filter tensors by substring or regex", hint: "/ filter"),
    KeyBinding(
      keys: [.character("n")], action: .nextMatch, screens: [.model],
      summary: "next tensor matching the filter", hint: nil),
    KeyBinding(
      keys: [.character("N")], action: .previousMatch, screens: [.model],
      summary: "previous tensor matching the filter", hint: nil),
    KeyBinding(
      keys: [.character("]")], action: .nextTensor, screens: [.tensor],
      summary: "next tensor in tree order (within the filter)", hint: "] [ next/prev",
      secondaryOn: [.tensor]),
    KeyBinding(
      keys: [.character("[")], action: .previousTensor, screens: [.tensor],
      summary: "previous tensor in tree order (within the filter)", hint: nil),
    KeyBinding(
      keys: [.character("s")], action: .cycleSort, screens: [.model],
      summary: "sort by name / error / outliers", hint: "s sort"),
    KeyBinding(
      keys: [.character("s")], action: .sortLayers, screens: [.compare],
      summary: "order layers by position / worst first", hint: "s order"),
    KeyBinding(
      keys: [.character("c")], action: .compare, screens: [],
      summary: "compare formats over layers × modules", hint: "c compare"),
    KeyBinding(
      keys: [.character("o")], action: .outlierMap, screens: [],
      summary: "outlier map: dims × layer per input width", hint: "o outliers"),
    KeyBinding(
      keys: [.character("p")], action: .plan, screens: [],
      summary: "plan: the choice that fits a memory budget", hint: nil),
    KeyBinding(
      keys: [.enter], action: .applyPlan, screens: [.plan],
      summary: "make the plan's choice the model's", hint: "⏎ apply"),
    KeyBinding(
      keys: [.tab], action: .cyclePlanObjective, screens: [.plan],
      summary: "plan objective: total / worst", hint: "tab objective"),
    KeyBinding(
      keys: [.control("t")], action: .togglePlanTraining, screens: [.plan],
      summary: "plan the budget for QLoRA training in all", hint: "^T training"),
    KeyBinding(
      keys: [.character("e")], action: .export, screens: [], summary: "export an Axolotl config",
      hint: "e export"),
    KeyBinding(
      keys: [.character("m")], action: .toggleMetric, screens: [.model, .compare],
      summary: "show rel_err or SQNR", hint: "m metric", secondaryOn: [.model]),
    KeyBinding(
      keys: [.character("f")], action: .cycleViewFormat, screens: [.model, .compare, .tensor],
      summary: "cycle the format in view (heat, sort, bins)", hint: "f format"),
    KeyBinding(
      keys: [.character("F")], action: .cycleGlobalFormat, screens: [],
      summary: "cycle the model's chosen format (those Axolotl can load)", hint: "F choose",
      secondaryOn: [.model, .tensor]),
    KeyBinding(
      keys: [.character("w")], action: .worstTensor, screens: browsing,
      summary: "go to the tensor with the highest error of the format in view", hint: "w worst",
      secondaryOn: browsing),
    KeyBinding(
      keys: [.character("y")], action: .copyName, screens: browsing,
      summary: "copy the selected tensor's name (OSC 52 clipboard)", hint: "y copy",
      secondaryOn: browsing),
    KeyBinding(
      keys: [.tab], action: .nextPanel, screens: [.tensor], summary: "focus the next panel",
      hint: "tab panel"),
    KeyBinding(
      keys: [.character("l")], action: .toggleLog, screens: [.tensor],
      summary: "values histogram: log / linear counts", hint: "l log/lin"),
    KeyBinding(
      keys: [.character("z")], action: .zoom, screens: [.tensor],
      summary: "values histogram: zoom into the tails (1×, 4×, 16×)", hint: "z zoom"),
    KeyBinding(
      keys: [.character("b")], action: .toggleResolution, screens: [.tensor],
      summary: "histograms: Braille or block bars", hint: nil),
    KeyBinding(
      keys: [.character("+"), .character("=")], action: .thresholdUp,
      screens: [.tensor, .outlierMap, .model], summary: "raise the outlier threshold by 0.5",
      hint: "+ - threshold", secondaryOn: [.model]),
    KeyBinding(
      keys: [.character("-")], action: .thresholdDown, screens: [.tensor, .outlierMap, .model],
      summary: "lower the outlier threshold by 0.5 (down to 0.5)", hint: nil),
    KeyBinding(
      keys: [.character("a")], action: .toggleSource, screens: [.tensor, .outlierMap],
      summary: "outliers of the weights / of the captured activations", hint: "a w/act"),
    KeyBinding(
      keys: [.character(" ")], action: .toggleKeep, screens: [.model, .tensor],
      summary: "keep the tensor in 16-bit (toggle)", hint: "space keep 16-bit"),
    KeyBinding(
      keys: [.escape, .backspace], action: .back,
      screens: [.model, .tensor, .compare, .outlierMap, .help, .plan],
      summary: "back (on the model screen: clear the filter)", hint: "esc back"),
    // The export dialog: typed characters edit the path.
    KeyBinding(
      keys: [.enter], action: .write, screens: [.export],
      summary: "write the config (a second ⏎ replaces an existing file)", hint: "⏎ write"),
    KeyBinding(
      keys: [.escape], action: .cancel, screens: [.export],
      summary: "close the dialog without writing", hint: "esc cancel"),
    KeyBinding(
      keys: [.up], action: .moveUp, screens: [.export], summary: "scroll the preview up", hint: nil),
    KeyBinding(
      keys: [.down], action: .moveDown, screens: [.export], summary: "scroll the preview down",
      hint: nil),
    KeyBinding(
      keys: [.pageUp], action: .pageUp, screens: [.export], summary: "scroll the preview a page up",
      hint: nil),
    KeyBinding(
      keys: [.pageDown], action: .pageDown, screens: [.export],
      summary: "scroll the preview a page down", hint: nil),
    KeyBinding(
      keys: [.control("u")], action: .clearText, screens: [.export],
      summary: "clear the path (~ stands for your home directory)", hint: nil),
    KeyBinding(
      keys: [.backspace, .delete], action: .deleteCharacter, screens: [.export],
      summary: "delete the last character of the path", hint: nil),
    KeyBinding(
      keys: [.character("?")], action: .help, screens: [], summary: "help: every key",
      hint: "? help"),
    KeyBinding(
      keys: [.character("q"), .control("c")], action: .quit, screens: [], summary: "quit",
      hint: "q quit"),
  ]

  /// The keys of the filter line (after `/`); typed characters edit the filter.
  public static let filterLine: [KeyBinding] = [
    KeyBinding(
      keys: [.enter], action: .keepFilter, screens: [.model],
      summary: "keep the filter and go back to the list", hint: nil),
    KeyBinding(
      keys: [.escape], action: .clearFilter, screens: [.model], summary: "clear the filter",
      hint: nil),
    KeyBinding(
      keys: [.control("u")], action: .clearText, screens: [.model], summary: "clear the text typed",
      hint: nil),
    KeyBinding(
      keys: [.backspace, .delete], action: .deleteCharacter, screens: [.model],
      summary: "delete the last character", hint: nil),
  ]

  /// The binding `key` triggers on `screen` (screen-specific bindings win over global ones).
  /// In the export dialog only its own bindings apply: other keys type into the path.
  public static func binding(for key: Key, on screen: ScreenKind) -> KeyBinding? {
    let matching = table.filter { $0.keys.contains(key) && $0.applies(to: screen) }
    if screen == .export { return matching.first { $0.screens.contains(.export) } }
    return matching.first { !$0.screens.isEmpty } ?? matching.first
  }

  /// The binding `key` triggers while the filter line is edited (nil: the key types).
  public static func filterBinding(for key: Key) -> KeyBinding? {
    filterLine.first { $0.keys.contains(key) }
  }

  /// The formats `F` cycles through: those an export can write (all analysed formats when none
  /// can be).
  public static func choosableFormats(_ state: AppState) -> [QuantFormat] {
    let exportable = state.settings.formats.filter {
      ExportDialog.choice(for: $0, kept: [], threshold: state.threshold) != nil
    }
    return exportable.isEmpty ? state.settings.formats : exportable
  }

  /// Why `action` cannot run now, or nil when it can.
  public static func disabledReason(_ action: Action, _ state: AppState) -> String? {
    switch action {
    case .export:
      if ExportDialog.choice(for: state.globalFormat, kept: [], threshold: state.threshold) == nil {
        return
          "Axolotl cannot load \(state.globalFormat.rawValue): choose nf4, nf4-dq, fp4, fp4-dq or int8 with F"
      }
      return nil
    case .applyPlan:
      return state.planState.applicableChoice(state) == nil
        ? state.planState.whyNotApplicable(state) : nil
    case .toggleKeep:
      if let fixed = state.fixedChoiceReason { return fixed + " (its skip list is config.json's)" }
      guard let tensor = state.screen == .tensor ? state.openTensor : state.selectedTensor else {
        return "select a tensor row"
      }
      let info = state.checkpoint.tensors[tensor]
      return Quantizability.isQuantizable(info, in: state.checkpoint)
        ? nil : "stays 16-bit anyway: " + Quantizability.reason(info, in: state.checkpoint)
    case .open:
      return state.rows.isEmpty ? "no tensor matches the filter" : nil
    case .cycleViewFormat:
      return state.settings.formats.count > 1 ? nil : "only one format is analysed"
    case .cycleGlobalFormat:
      if let fixed = state.fixedChoiceReason { return fixed }
      return choosableFormats(state).count > 1 ? nil : "only one exportable format is analysed"
    case .nextMatch, .previousMatch:
      if state.filter.isEmpty { return "no filter in force (/ sets one)" }
      return state.rows.contains { $0.tensorIndex != nil } ? nil : "no tensor matches the filter"
    case .nextTensor, .previousTensor:
      return state.openTensor == nil ? "no tensor is open" : nil
    case .worstTensor:
      guard state.worstTensor == nil else { return nil }
      if state.hasStoredFormat(Array(state.analyses.indices), state.viewFormat) {
        return
          "\(state.viewFormat.rawValue) is the stored format: its error cannot be measured (f: another format)"
      }
      return "no \(state.viewFormat.rawValue) results yet"
    case .copyName:
      return state.tensorInView == nil ? "select a tensor" : nil
    case .back:
      return state.screen == .model && state.filter.isEmpty ? "nothing to go back to" : nil
    case .thresholdDown:
      return state.threshold <= 0.5 ? "the threshold stops at 0.5" : nil
    case .toggleSource:
      if state.activationsPath == nil {
        return "no activation capture loaded (quantscope MODEL --activations FILE)"
      }
      if let failure = state.activationFailure {
        return "the capture could not be analysed: \(failure)"
      }
      return nil
    default:
      return nil
    }
  }

  /// The hint bar of `screen`.
  public static func hints(for screen: ScreenKind) -> [KeyBinding] {
    table.filter { $0.hint != nil && $0.applies(to: screen) }
  }
}
