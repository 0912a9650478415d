import Terminal

@testable import Explorer

/// Draws an explorer state on a canvas the way the app does, for tests that read what the user
/// would see.
protocol ScreenRendering {}

extension ScreenRendering {
  /// The state drawn on a `width`×`height` canvas, after the cursor is clamped as the app does.
  func render(_ state: AppState, _ width: Int = 160, _ height: Int = 50) -> Canvas {
    var state = state
    var canvas = Canvas(width: width, height: height)
    state.clampCursor(listHeight: ModelScreen.listHeight(height))
    Screens.render(state, into: &canvas, context: RenderContext(isMonochrome: false))
    return canvas
  }

  /// Lines of the canvas.
  func lines(_ canvas: Canvas) -> [String] {
    canvas.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }
}
