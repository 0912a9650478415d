import Terminal

/// Every key binding, generated from `KeyBindings.table`, with the reason an action is disabled
/// on the screen Help was opened from.
enum HelpScreen {
  static func render(_ state: AppState, into canvas: inout Canvas, context: RenderContext) {
    Chrome.headerLine(&canvas, y: 0, left: [("help", CellStyle(.title, bold: true)), ("  keys of every screen; disabled ones say why (on the \(state.previousScreen.rawValue) screen)", .muted)])
    var lines: [[(String, CellStyle)]] = []
    var context = state
    context.screen = state.previousScreen
    for screen in [nil] + ScreenKind.allCases.map(Optional.some) {
      let bindings = KeyBindings.table.filter { binding in
        screen.map { binding.screens.contains($0) } ?? binding.screens.isEmpty
      }
      guard !bindings.isEmpty, screen != .help else { continue }
      lines.append([((screen?.rawValue ?? "everywhere"), CellStyle(.title, bold: true))])
      for binding in bindings {
        var line: [(String, CellStyle)] = [("  " + binding.keyText.padded(16), CellStyle(.key, bold: true)), (binding.summary, .text)]
        if binding.applies(to: state.previousScreen), let reason = KeyBindings.disabledReason(binding.action, context) {
          line.append(("  (disabled: \(reason))", CellStyle(.warning)))
        }
        lines.append(line)
      }
    }
    let height = canvas.height - 3
    let scroll = max(0, min(state.helpScroll, lines.count - height))
    for (offset, line) in lines.dropFirst(scroll).prefix(height).enumerated() {
      var x = 1
      for (text, style) in line { x = canvas.put(text, x: x, y: 2 + offset, style: style, maxWidth: canvas.width - 1 - x) }
    }
    Chrome.hintBar(&canvas, state)
  }
}

extension String {
  /// Left-aligned in `width` columns (at least one space after).
  func padded(_ width: Int) -> String {
    count >= width ? self + " " : self + String(repeating: " ", count: width - count)
  }
}
