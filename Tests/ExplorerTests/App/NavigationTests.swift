import Engine
import Terminal
import Testing

@testable import Explorer

/// `n`/`N`, `]`/`[`, `w`, `y`, and the cursors of Compare and the outlier map.
@Suite struct NavigationTests {
  func press(_ state: inout AppState, _ keys: Key...) {
    for key in keys { state.handle(key, terminalHeight: 24) }
  }

  func name(_ state: AppState, _ tensor: Int?) -> String? {
    tensor.map { state.checkpoint.tensors[$0].name }
  }
}

extension NavigationTests {
  @Test func nAndShiftNVisitTheFilterMatchesAndWrap() {
    var state = Fixture.state()
    press(&state, .character("/"), .character("q"), .character("_"), .enter)
    // Rows: layers.0, self_attn, q_proj, layers.1, self_attn, q_proj, …
    press(&state, .character("n"))
    #expect(name(state, state.selectedTensor) == "model.layers.0.self_attn.q_proj.weight")
    press(&state, .character("n"))
    #expect(name(state, state.selectedTensor) == "model.layers.1.self_attn.q_proj.weight")
    press(&state, .character("N"), .character("N"))
    #expect(name(state, state.selectedTensor) == "model.layers.2.self_attn.q_proj.weight")
    #expect(state.status == "search wrapped")
  }

  @Test func nWithoutAFilterSaysWhy() {
    var state = Fixture.state()
    press(&state, .character("n"))
    #expect(state.status?.contains("no filter in force") == true)
  }

  @Test func bracketsStepThroughTensorsInTreeOrderWithinTheFilter() {
    var state = Fixture.state()
    press(
      &state, .character("/"), .character("p"), .character("r"), .character("o"), .character("j"),
      .enter)
    press(&state, .character("n"), .enter)
    #expect(name(state, state.openTensor) == "model.layers.0.self_attn.q_proj.weight")
    press(&state, .character("]"))
    #expect(name(state, state.openTensor) == "model.layers.0.self_attn.k_proj.weight")
    for _ in 0..<6 { press(&state, .character("]")) }
    // v, o, gate, up, down, then the next layer: its norms do not match the filter.
    #expect(name(state, state.openTensor) == "model.layers.1.self_attn.q_proj.weight")
    press(&state, .character("["))
    #expect(name(state, state.openTensor) == "model.layers.0.mlp.down_proj.weight")
    // The Model screen follows: Esc returns to the row of the tensor last shown.
    press(&state, .escape)
    #expect(name(state, state.selectedTensor) == "model.layers.0.mlp.down_proj.weight")
  }

  @Test func wGoesToTheWorstTensorOfTheFormatInView() {
    var state = Fixture.state()
    state.viewFormat = .nf4
    press(&state, .character("w"))
    // The fixture's error grows with the layer and the module: layer 2's down_proj.
    #expect(name(state, state.selectedTensor) == "model.layers.2.mlp.down_proj.weight")
    #expect(state.status?.contains("rel_err 0.1220") == true)
    press(&state, .character("c"), .character("w"))
    #expect(state.screen == .tensor)
    #expect(name(state, state.openTensor) == "model.layers.2.mlp.down_proj.weight")
  }

  @Test func yCopiesTheSelectedNameAndSaysSo() {
    var state = Fixture.state()
    press(&state, .character("w"), .character("y"))
    #expect(state.clipboardRequest == "model.layers.2.mlp.down_proj.weight")
    #expect(state.status == "copied: model.layers.2.mlp.down_proj.weight")
    var group = Fixture.state()
    press(&group, .down, .character("y"))
    #expect(group.clipboardRequest == nil)
    #expect(group.status?.contains("select a tensor") == true)
  }

  @Test func compareCursorMovesAndOpensTheTensorUnderIt() {
    var state = Fixture.state()
    state.terminalWidth = 80
    press(&state, .character("c"), .down, .right, .right, .enter)
    #expect(state.screen == .tensor)
    #expect(name(state, state.openTensor) == "model.layers.1.self_attn.v_proj.weight")
    // Esc returns to Compare with the cursor where it was.
    press(&state, .escape)
    #expect(state.screen == .compare)
    #expect(state.compareCursor == (1, 2))
  }

  @Test func outlierMapCursorOpensTheLayersTensorWithTheOutlier() {
    var state = Fixture.state()
    state.terminalWidth = 80
    press(&state, .character("o"))
    // Hidden width 64, one dim per cell: dim 40 is an outlier of every q/k/v/o/gate/up weight;
    // of layer 1, all reach 7.25 there: the first (q_proj) opens.
    press(&state, .down)
    for _ in 0..<40 { press(&state, .right) }
    press(&state, .enter)
    #expect(state.screen == .tensor)
    #expect(name(state, state.openTensor) == "model.layers.1.self_attn.q_proj.weight")
    // The second section (input width 128: the down projections) comes after the first.
    press(&state, .escape, .character("G"), .enter)
    #expect(name(state, state.openTensor) == "model.layers.2.mlp.down_proj.weight")
  }
}
