import Exporter
import Safetensors
import Terminal

/// The export dialog over the screen it was opened from: the choice, a preview of the YAML, the
/// output path.
enum ExportScreen {
  /// The dialog's width: 100 columns (less on a narrow terminal), wider when the preview has
  /// longer lines and the terminal room for them, always leaving a blank margin column each side.
  static func dialogWidth(_ dialog: ExportDialog, canvasWidth: Int) -> Int {
    guard case .success(let result) = dialog.rendered else { return min(canvasWidth - 2, 100) }
    // A preview line has the borders and padding of the dialog and the preview box around it.
    let preview = (result.yaml.split(separator: "\n").map(\.count).max() ?? 0) + 6
    let warning = result.warnings.first.map { "warning: ".count + $0.count + 4 } ?? 0
    return min(canvasWidth - 2, max(100, preview, warning))
  }

  static func render(_ state: AppState, into canvas: inout Canvas, context: RenderContext) {
    var below = state
    below.screen = state.previousScreen == .export ? .model : state.previousScreen
    Screens.render(below, into: &canvas, context: context)
    guard let dialog = state.exportDialog else { return }
    let width = dialogWidth(dialog, canvasWidth: canvas.width)
    let height = canvas.height - 4
    let x = (canvas.width - width) / 2
    let y = 2
    // Opaque, with a blank margin all round: nothing of the screen below shows through.
    canvas.fill(x: x - 1, y: y - 1, width: width + 2, height: height + 2)
    canvas.box(
      x: x, y: y, width: width, height: height, title: "export Axolotl config", focused: true)
    let choice = dialog.choice
    var line =
      "format \(choice.quant.rawValue)"
      + (choice.quant.isFourBit ? (choice.doubleQuant ? " + double quant" : "") : " (LLM.int8)")
    line +=
      "   keep 16-bit: \(choice.skip.count) " + ScreenFrame.plural(choice.skip.count, "module")
      + (outputHead(state.checkpoint).map { " (+ \($0))" } ?? "")
    let end = canvas.put(
      line, x: x + 2, y: y + 1, style: CellStyle(.text, bold: true), maxWidth: width - 4)
    if let coverage = state.partialCoverage {
      canvas.put(
        "   analysis \(coverage.done)/\(coverage.total): the preview follows", x: end, y: y + 1,
        style: CellStyle(.warning), maxWidth: max(0, x + width - 2 - end))
    }
    let previewTop = y + 2
    let previewHeight = height - 6
    canvas.box(x: x + 1, y: previewTop, width: width - 2, height: previewHeight, title: "preview")
    switch dialog.rendered {
    case .failure(let error):
      canvas.put(
        error.description, x: x + 3, y: previewTop + 1, style: CellStyle(.error),
        maxWidth: width - 6)
    case .success(let result):
      let lines = result.yaml.split(separator: "\n", omittingEmptySubsequences: false)
      let visible = previewHeight - 2
      let scroll = max(0, min(dialog.scroll, lines.count - visible))
      for (offset, text) in lines.dropFirst(scroll).prefix(visible).enumerated() {
        let style: CellStyle =
          text.trimmingPrefix(while: { $0 == " " }).hasPrefix("#") ? .muted : .text
        canvas.put(
          String(text), x: x + 3, y: previewTop + 1 + offset, style: style, maxWidth: width - 6)
      }
      if lines.count > visible {
        canvas.put(
          " \(scroll + 1)-\(min(lines.count, scroll + visible))/\(lines.count) ↑↓ ",
          x: x + width - 20,
          y: previewTop + previewHeight - 1, style: .muted)
      }
      if let warning = result.warnings.first {
        canvas.put(
          "warning: " + warning, x: x + 2, y: y + height - 4, style: CellStyle(.warning),
          maxWidth: width - 4)
      }
    }
    let pathY = y + height - 3
    var column = canvas.put("path: ", x: x + 2, y: pathY, style: .muted)
    column = canvas.put(
      dialog.path, x: column, y: pathY, style: CellStyle(.text, underlined: true),
      maxWidth: width - 40)
    canvas.set("▏", x: column, y: pathY, style: CellStyle(.key))
    canvas.putRight(
      dialog.confirmOverwrite ? "⏎ replace   esc cancel" : "⏎ write   esc cancel",
      right: x + width - 2, y: pathY, style: CellStyle(.key, bold: true))
    if let message = dialog.message {
      canvas.put(
        message, x: x + 2, y: pathY + 1,
        style: CellStyle(dialog.confirmOverwrite ? .warning : .error), maxWidth: width - 4)
    }
  }

  /// The output head transformers keeps in 16-bit anyway: `embed_out` (GPT-NeoX) or `lm_head`
  /// when the checkpoint has one, or ties it to `embed_tokens`; nil for encoders (BERT).
  static func outputHead(_ checkpoint: Checkpoint) -> String? {
    let names = checkpoint.tensors.map(\.name)
    if names.contains(where: { $0 == "embed_out.weight" || $0.hasSuffix(".embed_out.weight") }) {
      return "embed_out"
    }
    if names.contains(where: {
      $0 == "lm_head.weight" || $0.hasSuffix(".lm_head.weight")
        || $0.hasSuffix("embed_tokens.weight")
    }) {
      return "lm_head"
    }
    return nil
  }
}
