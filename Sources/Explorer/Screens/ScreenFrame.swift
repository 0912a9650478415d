import Engine
import Terminal

/// The frame every screen draws its content in: the header bar, the status line, the key bar,
/// and the message shown instead when the terminal is too small.
enum ScreenFrame {
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
      canvas.put(
        line, x: x, y: top + offset, style: offset == 0 ? CellStyle(.warning, bold: true) : .text)
    }
  }

  // MARK: - Header

  /// Fills row `y` with the header-bar background and writes `left` and `right` on it: `right`
  /// whole, `left` fitted into the rest by `TextFit.fit` (its parts' short forms and
  /// importance say what goes first).
  static func headerLine(
    _ canvas: inout Canvas, y: Int, left: [TextFit.Part], right: [TextFit.Part] = []
  ) {
    canvas.fill(
      x: 0, y: y, width: canvas.width, height: 1, style: CellStyle(.text, headerBar: true))
    let onBar = { (parts: [TextFit.Part]) in
      parts.map { part -> TextFit.Part in
        var part = part
        part.style.isHeaderBar = true
        return part
      }
    }
    let rightWidth = right.reduce(0) { $0 + $1.text.count }
    let rightShown = rightWidth + 3 <= canvas.width
    let leftWidth = canvas.width - 2 - (rightShown ? rightWidth + 2 : 0)
    canvas.put(onBar(left), x: 1, y: y, width: leftWidth)
    if rightShown {
      canvas.put(onBar(right), x: canvas.width - rightWidth - 1, y: y, width: rightWidth)
    }
  }

  // MARK: - Key bar

  /// One entry of the key bar: where it stands and the binding a click on it runs.
  struct KeyBarEntry {
    var binding: KeyBinding
    var x: Int
    var key: String
    var label: String
    var width: Int { key.count + (label.isEmpty ? 0 : label.count + 1) }
  }

  /// The key bar of `state.screen` for a canvas `width` wide, from the key-binding table: this
  /// screen's keys, then the global ones, then those secondary on this screen (`secondaryOn`), with
  /// back, help and quit pinned at the right edge. When they do not fit, the last hints shrink to
  /// their key alone, then the last ones are left out behind a `…` (help lists them all).
  static func keyBar(_ state: AppState, width: Int) -> (entries: [KeyBarEntry], elided: Int?) {
    let all = KeyBindings.hints(for: state.screen).filter { isShown($0, state) }
    let primary = all.filter { !$0.secondaryOn.contains(state.screen) }
    let ordered =
      primary.filter { !$0.screens.isEmpty } + primary.filter { $0.screens.isEmpty }
      + all.filter { $0.secondaryOn.contains(state.screen) }
    let isPinned = { (binding: KeyBinding) in [.help, .quit, .back].contains(binding.action) }
    let pinned = ordered.filter(isPinned)
    var free = ordered.filter { !isPinned($0) }
    func split(_ binding: KeyBinding) -> (String, String) {
      let parts = (binding.hint ?? "").split(separator: " ", maxSplits: 1).map(String.init)
      return (parts.first ?? "", parts.count > 1 ? parts[1] : "")
    }
    var labels = free.map { split($0).1 }
    let pinnedWidth = pinned.reduce(0) { $0 + split($1).0.count + split($1).1.count + 3 }
    let room = width - 2 - pinnedWidth
    func used() -> Int {
      zip(free, labels).reduce(0) {
        $0 + split($1.0).0.count + ($1.1.isEmpty ? 0 : $1.1.count + 1) + 2
      }
    }
    var shortened = labels.count - 1
    while used() > room && shortened >= 0 {
      labels[shortened] = ""
      shortened -= 1
    }
    var elided: Int?
    while used() + 2 > room && !free.isEmpty {
      free.removeLast()
      labels.removeLast()
      elided = 0
    }
    var entries: [KeyBarEntry] = []
    var x = 1
    for (binding, label) in zip(free, labels) {
      let entry = KeyBarEntry(binding: binding, x: x, key: split(binding).0, label: label)
      entries.append(entry)
      x += entry.width + 2
    }
    if elided != nil { elided = x }
    x = max(x + (elided != nil ? 2 : 0), width - pinnedWidth - 1)
    for binding in pinned {
      let (key, label) = split(binding)
      let entry = KeyBarEntry(binding: binding, x: x, key: key, label: label)
      entries.append(entry)
      x += entry.width + 2
    }
    return (entries, elided)
  }

  /// Draws the key bar on the last row.
  static func hintBar(_ canvas: inout Canvas, _ state: AppState) {
    let y = canvas.height - 1
    let (entries, elided) = keyBar(state, width: canvas.width)
    for entry in entries {
      let disabled = KeyBindings.disabledReason(entry.binding.action, state) != nil
      let end = canvas.put(
        entry.key, x: entry.x, y: y, style: CellStyle(disabled ? .muted : .key, bold: !disabled))
      if !entry.label.isEmpty { canvas.put(" " + entry.label, x: end, y: y, style: .muted) }
    }
    if let elided { canvas.put("…", x: elided, y: y, style: .muted) }
  }

  /// Back is only worth a hint where it does something.
  private static func isShown(_ binding: KeyBinding, _ state: AppState) -> Bool {
    binding.action != .back || KeyBindings.disabledReason(.back, state) == nil
  }

  // MARK: - Status line

  /// The status line: the filter being edited, the last message, the filter in force, or an
  /// analysis failure.
  static func statusLine(_ canvas: inout Canvas, y: Int, _ state: AppState) {
    if state.isEditingFilter {
      let x = canvas.put("/ ", x: 1, y: y, style: CellStyle(.key, bold: true))
      let end = canvas.put(state.filter, x: x, y: y, style: .text, maxWidth: canvas.width - 4)
      canvas.set("▏", x: end, y: y, style: CellStyle(.key))
      let kind = (try? Regex(state.filter)) != nil ? "regex" : "substring"
      canvas.put(
        "  (\(kind); ⏎ keep, esc clear)", x: end + 1, y: y, style: .muted,
        maxWidth: canvas.width - end - 2)
      return
    }
    if let status = state.status {
      canvas.put(status, x: 1, y: y, style: CellStyle(.warning), maxWidth: canvas.width - 2)
      return
    }
    if !state.filter.isEmpty && state.screen == .model {
      let count = state.rows.compactMap(\.tensorIndex).count
      canvas.put(
        [
          TextFit.Part("filter ", .muted), TextFit.Part(state.filter, CellStyle(.key, bold: true)),
          TextFit.Part("  \(count) " + plural(count, "tensor"), .muted),
          TextFit.Part(
            " · n/N next/previous · / edit · esc clear", .muted, short: " · esc clear",
            importance: 1),
        ], x: 1, y: y, width: canvas.width - 2)
      return
    }
    if let (index, failure) = state.failures.min(by: { $0.key < $1.key }) {
      let name = state.checkpoint.tensors[index].name
      let more = state.failures.count > 1 ? " (+\(state.failures.count - 1) more)" : ""
      canvas.put(
        "analysis failed: \(name): \(failure)\(more)", x: 1, y: y, style: CellStyle(.error),
        maxWidth: canvas.width - 2)
    }
  }

  /// `count` followed by `noun`, in the plural unless it is 1 (`1 tensor`, `3 tensors`).
  static func plural(_ count: Int, _ noun: String) -> String {
    count == 1 ? noun : noun + "s"
  }
}
