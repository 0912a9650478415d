import Engine
import Reports
import Terminal

/// The heat scale of a view: one scale over every value the view shows (on the Model screen all
/// formats and all rows, on Compare the matrix of the format in view, on the Tensor screen the
/// formats of the error table), so a lighter cell is a better value wherever it stands. Each
/// view draws the scale's legend with its end values.
struct ViewHeat {
  var scale: HeatScale
  /// How many values the scale was made from (no legend without any).
  var count: Int

  init(values: [Double], higherIsBetter: Bool) {
    scale = HeatScale(values: values, higherIsBetter: higherIsBetter)
    count = values.filter(\.isFinite).count
  }

  /// The Model screen's scale: every format's value of every tensor with metrics.
  init(model state: AppState) {
    let values = state.settings.formats.flatMap { format in
      state.analyses.indices.compactMap { state.metricValue($0, format) }
    }
    self.init(values: values, higherIsBetter: !state.higherIsWorse)
  }

  /// A shade glyph (monochrome) or a blank (colour) before a heat value.
  static func lead(_ position: Double, _ context: RenderContext) -> Character {
    context.isMonochrome ? HeatScale.shade(position) : " "
  }

  /// Columns the legend needs.
  func legendWidth(_ state: AppState, label: String) -> Int {
    HeatLegend.width(
      label: label, best: state.metricText(scale.best), worst: state.metricText(scale.worst))
  }

  /// Draws the legend (`label best ░▒▓█ worst`) at (x, y) when the scale has values.
  @discardableResult
  func drawLegend(
    _ state: AppState, label: String, x: Int, y: Int, _ context: RenderContext,
    _ canvas: inout Canvas
  ) -> Int {
    guard count > 0 else { return x }
    return HeatLegend.draw(
      into: &canvas, label: label, best: state.metricText(scale.best),
      worst: state.metricText(scale.worst),
      x: x, y: y, isMonochrome: context.isMonochrome)
  }
}

extension AppState {
  /// The text of a metric value (rel_err or SQNR dB).
  func metricText(_ value: Double) -> String {
    metric == .relErr ? NumberText.error(value) : NumberText.decibels(value)
  }
}
