import Terminal

/// Every key binding, generated from `KeyBindings.table`, with the reason an action is disabled:
/// a screen's section is judged as on that screen, the global keys as on the screen Help was
/// opened from.
enum HelpScreen {
  /// Rows of the list in a terminal `height` rows tall (header, blank line, hint bar).
  static func listHeight(_ height: Int) -> Int { max(1, height - 3) }

  /// The largest useful scroll offset: the last line at the bottom of the list.
  static func maxScroll(_ state: AppState, height: Int) -> Int {
    max(0, lines(state).count - listHeight(height))
  }

  static func render(_ state: AppState, into canvas: inout Canvas, context: RenderContext) {
    ScreenFrame.headerLine(
      &canvas, y: 0,
      left: [
        TextFit.Part("help", CellStyle(.title, bold: true)),
        TextFit.Part(
          "  keys by screen; disabled ones say why (global keys: on \(state.previousScreen.rawValue))",
          .muted,
          short: "  disabled keys say why"),
      ])
    let lines = lines(state)
    let height = listHeight(canvas.height)
    let scroll = max(0, min(state.helpScroll, lines.count - height))
    for (offset, line) in lines.dropFirst(scroll).prefix(height).enumerated() {
      var x = 1
      for (text, style) in line {
        x = canvas.put(text, x: x, y: 2 + offset, style: style, maxWidth: canvas.width - 1 - x)
      }
    }
    ScreenFrame.hintBar(&canvas, state)
  }

  /// The help text: a title per section (global keys, then each screen's), a line per binding.
  static func lines(_ state: AppState) -> [[(String, CellStyle)]] {
    var lines: [[(String, CellStyle)]] = []
    for screen in [nil] + ScreenKind.allCases.map(Optional.some) {
      let bindings = KeyBindings.table.filter { binding in
        screen.map { binding.screens.contains($0) } ?? binding.screens.isEmpty
      }
      guard !bindings.isEmpty, screen != .help else { continue }
      let title =
        screen == .export
        ? "export dialog (other keys type the path)" : screen?.rawValue ?? "everywhere"
      lines.append([(title, CellStyle(.title, bold: true))])
      // The dialog's keys always work while it is open.
      let context = screen == .export ? nil : state.asIfOn(screen ?? state.previousScreen)
      for binding in bindings { lines.append(line(binding, context)) }
    }
    lines.append([
      ("filter line, after / (other keys type the filter)", CellStyle(.title, bold: true))
    ])
    for binding in KeyBindings.filterLine { lines.append(line(binding, nil)) }
    lines.append([("mouse", CellStyle(.title, bold: true))])
    for (what, summary) in mouseHelp {
      lines.append([("  " + what.padded(16), CellStyle(.key, bold: true)), (summary, .text)])
    }
    return lines
  }

  /// What the mouse does (when not turned off with --no-mouse).
  static let mouseHelp = [
    ("click", "select a row or cell; on the selected one: open it (so a double click opens)"),
    ("wheel", "scroll the list or map (on a tensor: the next / previous tensor)"),
    ("click a key", "run that key of the key bar"),
  ]

  /// One binding's help line; `context` judges whether it is disabled (nil: never).
  static func line(_ binding: KeyBinding, _ context: AppState?) -> [(String, CellStyle)] {
    var line: [(String, CellStyle)] = [
      ("  " + binding.keyText.padded(16), CellStyle(.key, bold: true)), (binding.summary, .text),
    ]
    if let context, let reason = KeyBindings.disabledReason(binding.action, context) {
      line.append(("  (disabled: \(reason))", CellStyle(.warning)))
    }
    return line
  }
}

extension AppState {
  /// This state as seen from `screen`, for judging which keys would work there: the Tensor
  /// screen shows the open tensor, or the one under the cursor when none was opened yet.
  func asIfOn(_ screen: ScreenKind) -> AppState {
    var copy = self
    copy.screen = screen
    if screen == .tensor && copy.openTensor == nil { copy.openTensor = selectedTensor }
    return copy
  }
}

extension String {
  /// Left-aligned in `width` columns (at least one space after).
  func padded(_ width: Int) -> String {
    count >= width ? self + " " : self + String(repeating: " ", count: width - count)
  }
}
