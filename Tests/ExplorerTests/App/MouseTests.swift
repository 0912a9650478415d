import Engine
import Terminal
import Testing

@testable import Explorer

/// Clicks and the wheel, as the app loop hands them over (terminal 80×24).
@Suite struct MouseTests {
  func click(_ state: inout AppState, x: Int, y: Int) {
    state.handle(.mouse(MouseEvent(button: .left, x: x, y: y)), terminalHeight: 24)
    state.clampCursor(listHeight: ModelScreen.listHeight(24))
  }

  func wheel(_ state: inout AppState, down: Bool) {
    state.handle(
      .mouse(MouseEvent(button: down ? .wheelDown : .wheelUp, x: 10, y: 10)), terminalHeight: 24)
  }

  /// The canvas `state` draws at 80×24.
  func render(_ state: AppState) -> Canvas {
    var canvas = Canvas(width: 80, height: 24)
    Screens.render(state, into: &canvas, context: RenderContext(isMonochrome: false))
    return canvas
  }

  /// Where `text` first appears: column and row.
  func find(_ text: String, in canvas: Canvas) -> (x: Int, y: Int)? {
    let needle = Array(text)
    for (row, line) in canvas.lines.enumerated() {
      let characters = Array(line)
      guard characters.count >= needle.count else { continue }
      for start in 0...(characters.count - needle.count)
      where Array(characters[start..<start + needle.count]) == needle {
        return (start, row)
      }
    }
    return nil
  }
}

extension MouseTests {
  @Test func aClickSelectsARowAndASecondClickOpensIt() throws {
    var state = Fixture.state()
    state.terminalWidth = 80
    let place = try #require(find("q_proj", in: render(state)))
    click(&state, x: place.x, y: place.y)
    #expect(
      state.checkpoint.tensors[try #require(state.selectedTensor)].name
        == "model.layers.0.self_attn.q_proj.weight")
    #expect(state.screen == .model)
    click(&state, x: place.x, y: place.y)
    #expect(state.screen == .tensor)
    #expect(
      state.openTensor
        == state.checkpoint.tensors.firstIndex {
          $0.name == "model.layers.0.self_attn.q_proj.weight"
        })
  }

  @Test func aReleaseOrARightClickDoesNothing() {
    var state = Fixture.state()
    state.handle(.mouse(MouseEvent(button: .left, isPress: false, x: 5, y: 6)), terminalHeight: 24)
    state.handle(.mouse(MouseEvent(button: .right, x: 5, y: 6)), terminalHeight: 24)
    #expect(state.cursor == 0)
  }

  @Test func theWheelScrollsTheListAndHelp() {
    var state = Fixture.state()
    wheel(&state, down: true)
    #expect(state.cursor == AppState.wheelStep)
    wheel(&state, down: false)
    #expect(state.cursor == 0)
    state.handle(.character("?"), terminalHeight: 24)
    wheel(&state, down: true)
    #expect(state.helpScroll == AppState.wheelStep)
  }

  @Test func aClickOnACompareCellMovesTheCursorThenOpensItsTensor() throws {
    var state = Fixture.state()
    state.terminalWidth = 80
    state.handle(.character("c"), terminalHeight: 24)
    let canvas = render(state)
    // Layer 2's row, the up_proj column.
    let row = try #require(canvas.lines.firstIndex { $0.hasPrefix(" layers.2") })
    let column = try #require(find("up_proj", in: canvas)).x + 3
    click(&state, x: column, y: row)
    #expect(state.compareCursor == (2, 5))
    click(&state, x: column, y: row)
    #expect(state.screen == .tensor)
    #expect(
      state.checkpoint.tensors[try #require(state.openTensor)].name
        == "model.layers.2.mlp.up_proj.weight")
  }

  @Test func aClickOnTheKeyBarRunsTheKey() throws {
    var state = Fixture.state()
    state.terminalWidth = 80
    let canvas = render(state)
    let help = try #require(find("? help", in: canvas))
    #expect(help.y == 23)
    click(&state, x: help.x + 2, y: 23)
    #expect(state.screen == .help)
    // On the Tensor screen the key bar's `f` cycles the bins.
    var tensor = Fixture.state()
    tensor.terminalWidth = 80
    tensor.openTensor = 3
    tensor.screen = .tensor
    let keyBar = Array(render(tensor).lines[23])
    let f = try #require(
      keyBar.indices.dropFirst().first { keyBar[$0] == "f" && keyBar[$0 - 1] == " " })
    click(&tensor, x: f, y: 23)
    #expect(tensor.viewFormat == .fp4)  // from the default choice's nf4-dq
  }

  @Test func aClickOnTheOutlierMapPlacesTheCursorOnThatLayerAndDim() {
    var state = Fixture.state()
    state.terminalWidth = 80
    state.handle(.character("o"), terminalHeight: 24)
    // Line 2 is the first section's heading; layer 1 is on row 4. Dim 20 of width 64 is cell 20.
    click(&state, x: OutlierMapScreen.labelWidth + 1 + 20, y: 4)
    #expect(state.mapCursor == (1, 20))
    #expect(render(state).text.contains("▸ layer 1, in 64, dim 20: outliers 20"))
  }
}
