import Engine
import Reports
import Terminal

/// The outlier map's source line: which of weights and activations is shown.
extension OutlierMapScreen {
  // MARK: - Source line

  /// Row 1: `source: weights ≥ 6.0 | activations (capture)`, the active source bold.
  static func sourceLine(_ state: AppState, _ canvas: inout Canvas, y: Int) {
    let threshold = NumberText.threshold(state.threshold)
    var x = canvas.put("source: ", x: 1, y: y, style: .muted)
    let weights = state.mapSource == .weights
    x = canvas.put(
      "weights |w| ≥ \(threshold)", x: x, y: y,
      style: weights ? CellStyle(.key, bold: true) : .muted)
    x = canvas.put(" | ", x: x, y: y, style: .muted)
    let capture: String
    if state.activationsPath == nil {
      capture = "activations (no capture: --activations FILE)"
    } else if state.activationFailure != nil {
      capture = "activations (capture failed)"
    } else if state.activations == nil {
      let progress = state.activationProgress.map { " \($0.done)/\($0.total)" } ?? ""
      capture = "activations (analysing capture\(progress)…)"
    } else {
      capture = "activations |x| ≥ \(threshold) (capture)"
    }
    x = canvas.put(
      capture, x: x, y: y, style: weights ? .muted : CellStyle(.key, bold: true),
      maxWidth: canvas.width - x - 1)
    if state.activationsPath != nil && x + 12 < canvas.width {
      canvas.putRight("a toggles", right: canvas.width - 1, y: y, style: .muted)
    }
  }
}
