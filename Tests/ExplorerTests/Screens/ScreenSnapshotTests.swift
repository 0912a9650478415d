import Engine
import Terminal
import TestSupport
import Testing

@testable import Explorer

/// Every screen rendered into a canvas at 80×24 and 160×50, compared with
/// `Snapshots/<name>.txt` (characters, then a role map). `QUANTSCOPE_UPDATE_SNAPSHOTS=1` rewrites.
@Suite struct ScreenSnapshotTests {
  static let sizes = [(80, 24), (160, 50)]

  func expectSnapshot(_ state: AppState, _ name: String, monochrome: Bool = false) {
    for (width, height) in Self.sizes {
      var state = state
      var canvas = Canvas(width: width, height: height)
      state.clampCursor(listHeight: ModelScreen.listHeight(height))
      Screens.render(state, into: &canvas, context: RenderContext(isMonochrome: monochrome))
      let path =
        FixturePaths.packageRoot + "/Tests/ExplorerTests/Snapshots/\(name)_\(width)x\(height).txt"
      if let problem = TextSnapshot.check(canvas.snapshot, path: path) {
        Issue.record(Comment(rawValue: problem))
      }
    }
  }

  func press(_ state: inout AppState, _ keys: Key...) {
    for key in keys { state.handle(key, pageHeight: 10) }
  }
}

extension ScreenSnapshotTests {
  @Test func modelWhileAnalysing() {
    var state = Fixture.state(analysed: 9)
    state.elapsedSeconds = 1
    expectSnapshot(state, "model_analysing")
  }

  @Test func modelAnalysedWithKeptTensorAndSelection() {
    var state = Fixture.state()
    press(&state, .down, .down, .down, .character(" "), .down)
    expectSnapshot(state, "model")
  }

  @Test func modelMonochromeShowsShadeGlyphs() {
    expectSnapshot(Fixture.state(), "model_mono", monochrome: true)
  }

  @Test func modelSortedByErrorWithFilter() {
    var state = Fixture.state()
    press(
      &state, .character("s"), .character("/"), .character("p"), .character("r"), .character("o"),
      .character("j"), .enter)
    expectSnapshot(state, "model_sorted_filtered")
  }

  @Test func tensorWithNF4BinsAndThresholdLine() {
    var state = Fixture.state()
    state.openTensor = Fixture.index("model.layers.1.self_attn.q_proj.weight")
    state.screen = .tensor
    expectSnapshot(state, "tensor_nf4")
  }

  @Test func tensorWithInt8BinsRaisedThresholdAndBlocks() {
    var state = Fixture.state()
    state.openTensor = Fixture.index("model.layers.1.self_attn.q_proj.weight")
    state.screen = .tensor
    press(
      &state, .character("f"), .character("f"), .character("f"), .character("+"), .character("+"),
      .character("b"), .tab)
    #expect(state.viewFormat == .int8)
    expectSnapshot(state, "tensor_int8")
  }

  @Test func tensorNotAnalysedYet() {
    var state = Fixture.state(analysed: 0)
    state.openTensor = Fixture.index("model.layers.0.mlp.down_proj.weight")
    state.screen = .tensor
    expectSnapshot(state, "tensor_pending")
  }

  @Test func compare() {
    var state = Fixture.state()
    press(&state, .character("c"))
    expectSnapshot(state, "compare")
  }

  @Test func outlierMap() {
    var state = Fixture.state()
    press(&state, .character("o"))
    expectSnapshot(state, "outlier_map")
  }

  @Test func help() {
    var state = Fixture.state()
    press(&state, .character("?"))
    expectSnapshot(state, "help")
  }

  @Test func exportDialog() {
    var state = Fixture.state()
    state.exportDate = "2026-01-02"
    press(&state, .down, .down, .down, .down, .character(" "), .character("e"))
    expectSnapshot(state, "export")
  }

  @Test func compareWithTheCursorOnACell() {
    var state = Fixture.state()
    press(&state, .character("c"), .down, .down, .right, .right, .right)
    expectSnapshot(state, "compare_cursor", monochrome: true)
  }

  @Test func outlierMapWithTheCursorOnAStripe() {
    var state = Fixture.state()
    press(&state, .character("o"), .down)
    for _ in 0..<7 { press(&state, .right) }
    expectSnapshot(state, "outlier_map_cursor")
  }

  @Test func tensorKeptInSixteenBitWithFP4Bins() {
    var state = Fixture.state()
    state.openTensor = Fixture.index("model.layers.2.mlp.down_proj.weight")
    state.screen = .tensor
    press(&state, .character(" "), .character("f"))  // from the default choice's nf4-dq
    #expect(state.viewFormat == .fp4)
    expectSnapshot(state, "tensor_kept_fp4")
  }

  @Test func modelFilteredToOneModulePerLayer() {
    var state = Fixture.state()
    press(
      &state, .character("/"), .character("d"), .character("o"), .character("w"), .character("n"),
      .enter)
    expectSnapshot(state, "model_filtered_groups", monochrome: true)
  }

  @Test func helpAtItsEnd() {
    var state = Fixture.state()
    press(&state, .character("?"), .character("G"))
    state.clampScroll(terminalHeight: 24)
    expectSnapshot(state, "help_end")
  }

  @Test func tooSmallTerminalSaysSo() {
    var canvas = Canvas(width: 60, height: 20)
    Screens.render(Fixture.state(), into: &canvas, context: RenderContext(isMonochrome: false))
    #expect(canvas.text.contains("terminal too small: 60×20"))
    #expect(canvas.text.contains("at least 80×24"))
  }
}

// MARK: - Data that must not break drawing

extension ScreenSnapshotTests {
  /// A tensor holding NaN and ±inf (metrics NaN, columns inf/NaN) and one with huge values: every
  /// screen draws, at both sizes, without trapping.
  @Test func nonFiniteAndHugeValuesDraw() throws {
    var state = Fixture.state()
    let index = Fixture.index("model.layers.1.self_attn.q_proj.weight")
    var analysis = Fixture.analysis(state.checkpoint.tensors[index], settings: state.settings)
    analysis.stats = TensorStats(
      min: -.infinity, max: .infinity, mean: .nan, std: .nan, absmax: .infinity,
      zeros: 0, nans: 3, infinities: 2)
    analysis.histogram = Histogram(lo: -3e38, hi: 3e38, counts: analysis.histogram.counts)
    for format in analysis.formats.keys {
      analysis.formats[format]?.relErr = .nan
      analysis.formats[format]?.sqnrDB = .nan
      analysis.formats[format]?.maxAbsErr = 1e30
      analysis.formats[format]?.mse = .infinity
    }
    analysis.outliers?.columnAbsmax[3] = .infinity
    analysis.outliers?.columnAbsmax[5] = .nan
    state.receive(analysis, at: index)
    state.openTensor = index
    for screen in ScreenKind.allCases where screen != .export {
      for (width, height) in Self.sizes {
        var copy = state
        copy.screen = screen
        var canvas = Canvas(width: width, height: height)
        Screens.render(copy, into: &canvas, context: RenderContext(isMonochrome: true))
        #expect(!canvas.text.isEmpty)
      }
    }
    var tensor = state
    tensor.screen = .tensor
    var canvas = Canvas(width: 160, height: 50)
    Screens.render(tensor, into: &canvas, context: RenderContext(isMonochrome: false))
    #expect(canvas.text.contains("nan 3 inf 2"))
    #expect(canvas.text.contains("4 columns ≥ 6.0"))  // 7, 20, 40 and the inf column 3
  }
}
