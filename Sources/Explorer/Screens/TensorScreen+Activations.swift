import Engine
import Reports
import Safetensors
import Terminal

/// The Tensor screen's view of an activation capture: the captured inputs' per-feature max |x|
/// profile (LLM.int8()'s outliers) and the layer-output error of LLM.int8() and 4-bit weights.
extension TensorScreen {
  // MARK: - Profile

  /// The outlier panel in activations mode.
  static func activationProfile(
    _ state: AppState, _ info: TensorInfo, _ rect: Rect, _ canvas: inout Canvas
  ) {
    guard let module = state.captureModule(for: info) else {
      let message =
        state.activationsPath == nil
        ? "no activation capture loaded"
        : state.activations == nil
          ? (state.activationFailure == nil
            ? "analysing the capture…" : "the capture could not be analysed")
          : "the capture has no input of \(AppState.moduleName(info.name))"
      canvas.put(message, x: rect.x + 1, y: rect.y, style: .muted, maxWidth: rect.width - 1)
      return
    }
    let cut = LinearOutputSimulation.outlierCut(state.threshold)
    profile(
      module.featureAbsmax.map(Double.init), threshold: Double(state.threshold),
      marked: state.activationOutliers?.featuresByModule[module.module] ?? [],
      isOutlier: { Float($0) >= cut }, unit: "feature", symbol: "|x|", first: "dim 0", rect, &canvas
    )
  }

  // MARK: - Output error

  /// Rows the output-error block takes: title, header, 4 quantizations.
  static let outputErrorRows = 6

  /// The LLM.int8() layer-output error block at `y` (at most `height` rows).
  static func outputErrors(
    _ module: ModuleActivation, _ rect: Rect, y: Int, height: Int, _ canvas: inout Canvas
  ) {
    let tokens = module.tokens.map { "\(module.sampledTokens)/\($0) tokens" } ?? "max |x| only"
    canvas.put(
      "layer output error (\(tokens))", x: rect.x + 1, y: y, style: CellStyle(.title, bold: true),
      maxWidth: rect.width - 1)
    guard height > 1 else { return }
    guard !module.outputError.isEmpty else {
      canvas.put(
        "no output error: a 1-D capture holds no tokens", x: rect.x + 1, y: y + 1, style: .muted,
        maxWidth: rect.width - 1)
      return
    }
    let nameWidth = 16
    canvas.put("LLM.int8()", x: rect.x + 1, y: y + 1, style: .muted)
    canvas.putRight("rel_err", right: rect.x + 1 + nameWidth + 8, y: y + 1, style: .muted)
    if rect.width > nameWidth + 18 {
      canvas.putRight("SQNR dB", right: rect.x + 1 + nameWidth + 17, y: y + 1, style: .muted)
    }
    let rows: [(LinearQuantization, String)] = [
      (.int8Decomposed, "int8 + outliers"), (.int8, "int8, no decomp"), (.nf4, "nf4 weights"),
      (.fp4, "fp4 weights"),
    ]
    let scale = HeatScale(values: rows.compactMap { module.outputError[$0.0]?.relErr })
    var line = y + 2
    for (kind, label) in rows where line < y + height {
      guard let error = module.outputError[kind] else { continue }
      canvas.put(label, x: rect.x + 1, y: line, style: .text)
      canvas.putRight(
        NumberText.error(error.relErr), right: rect.x + 1 + nameWidth + 8, y: line,
        style: scale.style(error.relErr))
      if rect.width > nameWidth + 18 {
        canvas.putRight(
          NumberText.decibels(error.sqnrDB), right: rect.x + 1 + nameWidth + 17, y: line,
          style: .text)
      }
      if kind == .int8Decomposed && rect.width > nameWidth + 30 {
        canvas.put(
          "  at \(NumberText.threshold(module.threshold))", x: rect.x + 1 + nameWidth + 17, y: line,
          style: .muted)
      }
      line += 1
    }
  }
}

extension AppState {
  /// The module a weight belongs to: its name without `.weight`.
  static func moduleName(_ tensor: String) -> String {
    tensor.hasSuffix(".weight") ? String(tensor.dropLast(".weight".count)) : tensor
  }

  /// The captured inputs of the module `info` is the weight of, once analysed.
  func captureModule(for info: TensorInfo) -> ModuleActivation? {
    activations?.module(named: Self.moduleName(info.name))
  }
}
