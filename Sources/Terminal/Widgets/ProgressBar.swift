/// A horizontal progress bar: `█` done, `░` to do.
public enum ProgressBar {
  /// Draws `fraction` (0...1) of `width` cells at (x, y).
  public static func draw(
    into canvas: inout Canvas, fraction: Double, x: Int, y: Int, width: Int,
    background: Bool = false
  ) {
    guard width > 0 else { return }
    let clamped = fraction.isFinite ? max(0, min(1, fraction)) : 0
    let done = Int((clamped * Double(width)).rounded(.down))
    var style = CellStyle(.progress)
    var rest = CellStyle(.muted)
    style.isHeaderBar = background
    rest.isHeaderBar = background
    canvas.put(String(repeating: "█", count: done), x: x, y: y, style: style)
    canvas.put(String(repeating: "░", count: width - done), x: x + done, y: y, style: rest)
  }
}
