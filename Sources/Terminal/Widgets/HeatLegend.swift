/// The key of a view's heat scale: its best value, the steps from best to worst, its worst value
/// (`0.0191 ░▒▓█ 0.402`). Without colour the steps are the shade glyphs heat cells carry; with
/// colour they are full blocks on the gradient.
public enum HeatLegend {
  /// The glyphs of the steps (colour: blocks on the gradient; monochrome: shades).
  static func steps(isMonochrome: Bool) -> [(Character, Double)] {
    let positions = [0.0, 0.34, 0.67, 1.0]
    return positions.map { (isMonochrome ? HeatScale.shade($0) : "█", $0) }
  }

  /// Columns the legend takes with these end texts.
  public static func width(label: String, best: String, worst: String) -> Int {
    (label.isEmpty ? 0 : label.count + 1) + best.count + 6 + worst.count
  }

  /// Draws `label best ░▒▓█ worst` from (x, y); returns the column after it.
  @discardableResult
  public static func draw(
    into canvas: inout Canvas, label: String, best: String, worst: String, x: Int, y: Int,
    isMonochrome: Bool
  ) -> Int {
    var column = x
    if !label.isEmpty { column = canvas.put(label + " ", x: column, y: y, style: .muted) }
    column = canvas.put(best + " ", x: column, y: y, style: CellStyle.heat(0))
    for (glyph, position) in steps(isMonochrome: isMonochrome) {
      canvas.set(glyph, x: column, y: y, style: CellStyle.heat(position))
      column += 1
    }
    return canvas.put(" " + worst, x: column, y: y, style: CellStyle.heat(1))
  }
}
