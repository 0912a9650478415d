import Engine
import Terminal

/// Parts every screen shares: the header bar, the status line, the hint bar, the too-small
/// message.
enum Chrome {
  /// The smallest terminal the explorer draws in.
  static let minimumWidth = 80
  static let minimumHeight = 24

  static func isTooSmall(_ canvas: Canvas) -> Bool {
    canvas.width < minimumWidth || canvas.height < minimumHeight
  }

  /// A clear message instead of a broken layout.
  static func drawTooSmall(_ canvas: inout Canvas) {
    let lines = [
      "terminal too small: \(canvas.width)×\(canvas.height)",
      "QuantScope needs at least \(minimumWidth)×\(minimumHeight)",
      "enlarge the window, or press q to quit",
    ]
    let top = max(0, canvas.height / 2 - 1)
    for (offset, line) in lines.enumerated() {
      let x = max(0, (canvas.width - line.count) / 2)
      canvas.put(line, x: x, y: top + offset, style: offset == 0 ? CellStyle(.warning, bold: true) : .text)
    }
  }

  /// Fills row `y` with the header-bar background and writes `left` and `right` on it.
  static func headerLine(
    _ canvas: inout Canvas, y: Int, left: [(String, CellStyle)], right: [(String, CellStyle)] = []
  ) {
    canvas.fill(x: 0, y: y, width: canvas.width, height: 1, style: CellStyle(.text, headerBar: true))
    let rightWidth = right.reduce(0) { $0 + $1.0.count }
    var x = 1
    for (text, style) in left {
      var style = style
      style.isHeaderBar = true
      x = canvas.put(text, x: x, y: y, style: style, maxWidth: max(0, canvas.width - rightWidth - 2 - x))
    }
    var rx = canvas.width - rightWidth - 1
    if rx > x {
      for (text, style) in right {
        var style = style
        style.isHeaderBar = true
        rx = canvas.put(text, x: rx, y: y, style: style)
      }
    }
  }

  /// The hint bar of `state.screen` on the last row, from the key-binding table. Help and quit
  /// stay at the right edge; the others fill the rest in table order.
  static func hintBar(_ canvas: inout Canvas, _ state: AppState) {
    let y = canvas.height - 1
    // This screen's own keys first, then the global ones.
    let all = KeyBindings.hints(for: state.screen).filter { isShown($0, state) }
    let hints = all.filter { !$0.screens.isEmpty } + all.filter { $0.screens.isEmpty }
    let pinned = hints.filter { $0.action == .help || $0.action == .quit || $0.action == .back }
    let pinnedWidth = pinned.reduce(0) { $0 + ($1.hint?.count ?? 0) + 2 }
    var x = 1
    for binding in hints where !pinned.contains(where: { $0.action == binding.action }) {
      guard let hint = binding.hint else { continue }
      if x + hint.count + 2 > canvas.width - pinnedWidth - 1 { break }
      x = hintEntry(&canvas, binding, state, x: x, y: y)
    }
    x = max(x, canvas.width - pinnedWidth - 1)
    for binding in pinned { x = hintEntry(&canvas, binding, state, x: x, y: y) }
  }

  /// Back is only worth a hint where it does something.
  private static func isShown(_ binding: KeyBinding, _ state: AppState) -> Bool {
    binding.action != .back || KeyBindings.disabledReason(.back, state) == nil
  }

  private static func hintEntry(_ canvas: inout Canvas, _ binding: KeyBinding, _ state: AppState, x: Int, y: Int) -> Int {
    guard let hint = binding.hint else { return x }
    let parts = hint.split(separator: " ", maxSplits: 1).map(String.init)
    let disabled = KeyBindings.disabledReason(binding.action, state) != nil
    var end = canvas.put(parts[0], x: x, y: y, style: CellStyle(disabled ? .muted : .key, bold: !disabled))
    if parts.count > 1 { end = canvas.put(" " + parts[1], x: end, y: y, style: .muted) }
    return end + 2
  }

  /// The status line: the filter being edited, an analysis failure, or the last message.
  static func statusLine(_ canvas: inout Canvas, y: Int, _ state: AppState) {
    if state.isEditingFilter {
      let x = canvas.put("/ ", x: 1, y: y, style: CellStyle(.key, bold: true))
      let end = canvas.put(state.filter, x: x, y: y, style: .text)
      canvas.set("▏", x: end, y: y, style: CellStyle(.key))
      let kind = (try? Regex(state.filter)) != nil ? "regex" : "substring"
      canvas.put("  (\(kind); ⏎ keep, esc clear)", x: end + 1, y: y, style: .muted)
      return
    }
    if let status = state.status {
      canvas.put(status, x: 1, y: y, style: CellStyle(.warning), maxWidth: canvas.width - 2)
      return
    }
    if !state.filter.isEmpty && state.screen == .model {
      let count = state.rows.compactMap(\.tensorIndex).count
      var x = canvas.put("filter ", x: 1, y: y, style: .muted)
      x = canvas.put(state.filter, x: x, y: y, style: CellStyle(.key, bold: true))
      canvas.put("  \(count) tensor\(count == 1 ? "" : "s") · / edit · esc clear", x: x, y: y, style: .muted)
      return
    }
    if let (index, failure) = state.failures.min(by: { $0.key < $1.key }) {
      let name = state.checkpoint.tensors[index].name
      let more = state.failures.count > 1 ? " (+\(state.failures.count - 1) more)" : ""
      canvas.put("analysis failed: \(name): \(failure)\(more)", x: 1, y: y, style: CellStyle(.error),
                 maxWidth: canvas.width - 2)
    }
  }

  /// `text` cut to `width` columns, with `…` when cut.
  static func fit(_ text: String, _ width: Int) -> String {
    guard width > 0 else { return "" }
    return text.count <= width ? text : String(text.prefix(width - 1)) + "…"
  }

  /// A shade glyph (monochrome) or a blank (colour) before a heat value.
  static func heatLead(_ position: Double, _ context: RenderContext) -> Character {
    context.isMonochrome ? HeatScale.shade(position) : " "
  }

  /// Per-format heat scales over every tensor with metrics.
  static func heatScales(_ state: AppState) -> [QuantFormat: HeatScale] {
    var scales: [QuantFormat: HeatScale] = [:]
    for format in state.settings.formats {
      let values = state.analyses.indices.compactMap { state.metricValue($0, format) }
      scales[format] = HeatScale(values: values, higherIsBetter: !state.higherIsWorse)
    }
    return scales
  }

  /// The text of a metric value.
  static func metricText(_ value: Double, _ state: AppState) -> String {
    state.metric == .relErr ? NumberText.error(value) : NumberText.decibels(value)
  }
}
