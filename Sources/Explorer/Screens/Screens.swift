import Terminal

/// Dispatches rendering to the current screen.
public enum Screens {
  /// Draws `state` into `canvas`: the current screen, or a clear message below 80×24.
  public static func render(_ state: AppState, into canvas: inout Canvas, context: RenderContext) {
    if ScreenFrame.isTooSmall(canvas) {
      ScreenFrame.drawTooSmall(&canvas)
      return
    }
    switch state.screen {
    case .model: ModelScreen.render(state, into: &canvas, context: context)
    case .tensor: TensorScreen.render(state, into: &canvas, context: context)
    case .compare: CompareScreen.render(state, into: &canvas, context: context)
    case .outlierMap: OutlierMapScreen.render(state, into: &canvas, context: context)
    case .help: HelpScreen.render(state, into: &canvas, context: context)
    case .export: ExportScreen.render(state, into: &canvas, context: context)
    case .plan: PlanScreen.render(state, into: &canvas, context: context)
    }
  }
}
