import Engine
import Exporter
import Reports
import Terminal

/// The Plan screen: a budget typed in, the frontier memory → objective drawn with one curve per
/// configuration and the model's current choice marked, the plan's kept set and the memory.
enum PlanScreen {
  /// Glyph and style of each configuration's curve.
  static func glyph(_ choice: QuantChoice) -> (Character, CellStyle) {
    switch (choice.quant, choice.doubleQuant) {
    case (.nf4, true): ("●", CellStyle(.level, bold: true))
    case (.nf4, false): ("○", CellStyle(.histogram))
    case (.fp4, true): ("▲", CellStyle(.codeUsage, bold: true))
    case (.fp4, false): ("△", CellStyle(.codeUsage))
    case (.int8, _): ("■", CellStyle(.outlier))
    }
  }

  static func render(_ state: AppState, into canvas: inout Canvas, context: RenderContext) {
    ModelScreen.header(state, &canvas)
    let top = 2
    let boxHeight = canvas.height - 4
    let plan = state.planState
    canvas.box(
      x: 0, y: top, width: canvas.width, height: boxHeight, title: "plan: fit a memory budget",
      rightTitle: plan.training ? "budget for training in all" : "budget for the weights")
    let inner = canvas.width - 4
    // Budget line.
    var x = canvas.put("budget ", x: 2, y: top + 1, style: CellStyle(.title, bold: true))
    x = canvas.put(
      plan.budgetText, x: x, y: top + 1, style: CellStyle(.text, underlined: true), maxWidth: 24)
    canvas.set("▏", x: x, y: top + 1, style: CellStyle(.key))
    x += 2
    if let budget = plan.result?.budgetBytes {
      x = canvas.put("= \(InspectRenderer.byteText(budget))", x: x, y: top + 1, style: .muted)
    }
    canvas.putRight(
      "objective \(plan.objective.rawValue) · training \(plan.training ? "on" : "off")",
      right: canvas.width - 2,
      y: top + 1, style: .muted)
    // What the plan found, and the model's choice (the marker).
    if let best = plan.result?.best, let weights = best.weightsBytes, let value = best.value {
      let line =
        "plan: \(best.choice.label), \(best.keptTensors.count) kept in 16-bit → \(InspectRenderer.byteText(weights)), "
        + "\(plan.objective.rawValue) \(PlanScreen.value(value))"
        + (best.unanalysed > 0 ? " (partial: \(best.unanalysed) not analysed)" : "")
      canvas.put(line, x: 2, y: top + 2, style: CellStyle(.text, bold: true), maxWidth: inner)
    } else {
      canvas.put(plan.message ?? "", x: 2, y: top + 2, style: CellStyle(.warning), maxWidth: inner)
    }
    let current = currentPoint(state)
    if let current {
      let label =
        "model choice ◆ \(current.choice.label), \(current.choice.appliedKept.count) kept → "
        + "\(InspectRenderer.byteText(current.bytes)), "
        + (state.fixedChoiceReason != nil
          ? "as stored (own error not measurable)"
          : "\(plan.objective.rawValue) \(PlanScreen.value(current.value))")
      canvas.put(label, x: 2, y: top + 3, style: CellStyle(.key), maxWidth: inner)
    } else {
      canvas.put(
        "model choice: \(state.globalFormat.rawValue) (Axolotl cannot load it)", x: 2, y: top + 3,
        style: .muted, maxWidth: inner)
    }
    // A bitsandbytes save: why there is nothing to plan, in full.
    if state.fixedChoiceReason != nil {
      let lines = [
        "Its quant type, double quant and skip list are config.json's, and transformers loads it",
        "only that way. Ranking its tensors, or weighing another type against a budget, would need",
        "the original weights, which are not in the file (its own error cannot be measured).",
        "Plan on the unquantized checkpoint instead; export (e) writes the config that loads this one.",
      ]
      for (offset, line) in lines.enumerated() where top + 5 + offset < top + boxHeight - 1 {
        canvas.put(line, x: 2, y: top + 5 + offset, style: .muted, maxWidth: inner)
      }
    }
    // Chart on the left, kept set and memory on the right.
    let sideWidth = canvas.width >= 120 ? 44 : 30
    let chartTop = top + 4
    let chartBottom = top + boxHeight - 3
    chart(
      state, current: current, &canvas, x: 1, y: chartTop, width: canvas.width - sideWidth - 3,
      bottom: chartBottom)
    side(
      state, &canvas, x: canvas.width - sideWidth - 1, y: chartTop, width: sideWidth,
      bottom: top + boxHeight - 2)
    ScreenFrame.statusLine(&canvas, y: canvas.height - 2, state)
    ScreenFrame.hintBar(&canvas, state)
  }

  static func value(_ value: Double) -> String { value.isNaN ? "-" : NumberText.error(value) }

  /// The model's current choice at the plan's objective: its weights and value.
  static func currentPoint(_ state: AppState) -> (
    choice: QuantChoice, bytes: UInt64, value: Double
  )? {
    guard var choice = state.choice else { return nil }
    choice.objective = state.planState.objective
    let summary = ChoiceSummary(
      choice: choice, tensors: state.checkpoint.tensors, analyses: state.analyses,
      settings: state.settings,
      architecture: ModelArchitecture(state.checkpoint))
    return (choice, summary.weightsBytes, summary.value)
  }

  /// The frontier of each configuration: memory across, objective up.
  static func chart(
    _ state: AppState, current: (choice: QuantChoice, bytes: UInt64, value: Double)?,
    _ canvas: inout Canvas,
    x: Int, y: Int, width: Int, bottom: Int
  ) {
    guard let result = state.planState.result else { return }
    let labelWidth = 8
    let left = x + labelWidth
    let plotWidth = width - labelWidth - 1
    let legendY = bottom
    let axisY = bottom - 2
    let plotHeight = axisY - y
    guard plotWidth >= 10, plotHeight >= 3 else { return }
    var points = result.configurations.flatMap { config in
      config.frontier.map { ($0.weightsBytes, $0.value) }
    }
    if let current, !current.value.isNaN { points.append((current.bytes, current.value)) }
    guard let low = points.map(\.0).min(), let high = points.map(\.0).max(),
      let top = points.map(\.1).filter({ !$0.isNaN }).max(), top > 0
    else { return }
    let span = Double(max(high - low, 1))
    func column(_ bytes: UInt64) -> Int {
      left + Int((Double(bytes - min(bytes, low)) / span * Double(plotWidth - 1)).rounded())
    }
    func row(_ value: Double) -> Int {
      axisY - 1 - Int((value / top * Double(plotHeight - 1)).rounded())
    }
    // Axes and labels.
    canvas.putRight(value(top), right: left - 1, y: y, style: .muted)
    canvas.putRight(value(0), right: left - 1, y: axisY - 1, style: .muted)
    for column in left..<(left + plotWidth) {
      canvas.set("─", x: column, y: axisY, style: CellStyle(.border))
    }
    canvas.put(InspectRenderer.byteText(low), x: left, y: axisY + 1, style: .muted)
    canvas.putRight(
      InspectRenderer.byteText(high), right: left + plotWidth, y: axisY + 1, style: .muted)
    // The budget.
    let budget =
      result.budgetBytes
      - min(result.budgetBytes, state.planState.trainingMemory?.overheadBytes ?? 0)
    if budget >= low && budget <= high {
      for line in y..<axisY {
        canvas.set("┊", x: column(budget), y: line, style: CellStyle(.thresholdLine))
      }
    }
    // One curve per configuration, steps between its points.
    for config in result.configurations {
      let (glyph, style) = glyph(config.choice)
      for point in config.frontier {
        canvas.set(glyph, x: column(point.weightsBytes), y: row(point.value), style: style)
      }
    }
    if let current, !current.value.isNaN {
      canvas.set(
        "◆", x: column(current.bytes), y: row(current.value), style: CellStyle(.key, bold: true))
    }
    var legendX = left
    for config in result.configurations {
      let (glyph, style) = glyph(config.choice)
      canvas.set(glyph, x: legendX, y: legendY, style: style)
      legendX = canvas.put(
        " \(config.choice.errorFormat.rawValue)  ", x: legendX + 1, y: legendY,
        style: .muted, maxWidth: left + plotWidth - legendX - 1)
    }
    canvas.put(
      "◆ model  ┊ budget", x: legendX, y: legendY, style: .muted,
      maxWidth: max(0, left + plotWidth - legendX))
  }

  /// The plan's kept set and its memory breakdown.
  static func side(
    _ state: AppState, _ canvas: inout Canvas, x: Int, y: Int, width: Int, bottom: Int
  ) {
    guard let best = state.planState.result?.best, let weights = best.weightsBytes else { return }
    var line = y
    var memory: [(String, UInt64)] = [("weights", weights)]
    if let training = state.planState.trainingMemory {
      memory += training.items.map { ($0.name, $0.bytes) }
      memory.append(("total", weights + training.overheadBytes))
    } else {
      memory.append(
        (
          "16-bit weights",
          ChoiceSummary(
            choice: best.choice, tensors: state.checkpoint.tensors, analyses: state.analyses,
            settings: state.settings,
            architecture: ModelArchitecture(state.checkpoint)
          ).bytes16
        ))
    }
    let keptRows = max(0, bottom - y - memory.count - 2)
    canvas.put(
      "kept in 16-bit (\(best.keptTensors.count))", x: x, y: line,
      style: CellStyle(.title, bold: true), maxWidth: width)
    line += 1
    if best.choice.quant == .int8 {
      canvas.put("int8: no skip list in Axolotl", x: x, y: line, style: .muted, maxWidth: width)
      line += 1
    }
    for (offset, tensor) in best.keptTensors.enumerated() where offset < keptRows {
      if offset == keptRows - 1 && best.keptTensors.count > keptRows {
        canvas.put("… \(best.keptTensors.count - offset) more", x: x, y: line, style: .muted)
      } else {
        let name = ModuleName(tensor: TensorName(tensor.name))?.rawValue ?? tensor.name
        canvas.put(
          "■ " + TextFit.truncated(name, width: width - 2), x: x, y: line, style: CellStyle(.kept),
          maxWidth: width)
      }
      line += 1
    }
    line = max(line + 1, bottom - memory.count)
    for (name, bytes) in memory where line <= bottom {
      canvas.put(
        name, x: x, y: line, style: name == "total" ? CellStyle(.text, bold: true) : .muted,
        maxWidth: width - 10)
      canvas.putRight(InspectRenderer.byteText(bytes), right: x + width, y: line, style: .text)
      line += 1
    }
  }
}
