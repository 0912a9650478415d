import Engine
import TestSupport
import Terminal
import Testing

@testable import Explorer

/// Defects of a QA pass of the explorer, each pinned by what the user sees or what a key does.
@Suite struct QAFixTests {
  func render(_ state: AppState, _ width: Int = 160, _ height: Int = 50) -> Canvas {
    var state = state
    var canvas = Canvas(width: width, height: height)
    state.clampCursor(listHeight: ModelScreen.listHeight(height))
    Screens.render(state, into: &canvas, context: RenderContext(isMonochrome: false))
    return canvas
  }

  /// Lines of the canvas.
  func lines(_ canvas: Canvas) -> [String] { canvas.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
}

// MARK: - Partial aggregates while analysing

extension QAFixTests {
  @Test func groupsAndTotalsOverPendingTensorsAreMarkedPartial() throws {
    // The first 9 tensors: the embedding and layer 0 but its post-attention norm.
    var state = Fixture.state(analysed: 9)
    state.collapsed = []
    let analysable = state.checkpoint.tensors.count
    var canvas = render(state)
    #expect(canvas.text.contains("(partial: 9/\(analysable) tensors)"), "\(canvas.text)")
    let rows = state.rows
    let layer0 = try #require(rows.firstIndex { $0.label == "model.layers.0" })
    let selfAttn = try #require(rows.firstIndex { $0.label == "self_attn" })
    #expect(state.nodeCoverage(rows[layer0].node) == (8, 9))
    #expect(state.nodeCoverage(rows[selfAttn].node) == (4, 4))
    // Rows are drawn from y 4; a partial group's label counts its tensors in and its heat cells
    // are dimmed; a complete group's are heat-coloured.
    let columns = ModelScreen.Columns(width: 158, formats: state.settings.formats)
    let cellX = 1 + columns.formatX[0]
    let partialY = 4 + layer0 - state.scroll
    let completeY = 4 + selfAttn - state.scroll
    let partialRow = lines(canvas)[partialY]
    #expect(partialRow.contains("▾ model.layers.0 (8/9)"), "\(partialRow)")
    #expect(partialRow.contains("0.1020"), "\(partialRow)")
    #expect(canvas[cellX + 3, partialY].style.role == .muted)
    #expect(canvas[cellX + 3, completeY].style.role != .muted)
    #expect(canvas[cellX + 3, completeY].style.heat != nil)
    // A folded group none of whose tensors is in yet: `…`, not the `·` of "no metrics".
    let layer1 = try #require(rows.firstIndex { $0.label == "model.layers.1" })
    state.collapsed = ["model.layers.1"]
    canvas = render(state)
    let folded = lines(canvas)[4 + layer1]
    #expect(folded.contains("▸ model.layers.1 (0/9)") && folded.hasSuffix("…│"), "\(folded)")

    // Every tensor analysed (or failed): no marker anywhere.
    let settings = state.settings
    for (index, info) in state.checkpoint.tensors.enumerated().dropFirst(9) {
      if index == 10 { state.failures[index] = "read error" } else { state.receive(Fixture.analysis(info, settings: settings), at: index) }
    }
    #expect(state.partialCoverage == nil)
    canvas = render(state)
    #expect(!canvas.text.contains("partial"))
    #expect(!lines(canvas)[partialY].contains("(8/9)"))
    #expect(canvas[cellX + 3, partialY].style.heat != nil)
  }

  @Test func compareTotalsSayTheyArePartial() {
    var state = Fixture.state(analysed: 9)
    state.handle(.character("c"), pageHeight: 10)
    let canvas = render(state)
    #expect(canvas.text.contains("(partial: 9/\(state.checkpoint.tensors.count) tensors)"), "\(canvas.text)")
  }
}

// MARK: - Help

extension QAFixTests {
  @Test func helpScrollStopsAtTheEndSoScrollingBackMovesAtOnce() throws {
    var state = Fixture.state()
    let height = 24
    state.handle(.character("?"), terminalHeight: height)
    let last = HelpScreen.maxScroll(state, height: height)
    #expect(last > 0)
    for _ in 0..<10 { state.handle(.pageDown, terminalHeight: height) }
    #expect(state.helpScroll == last)
    let bottom = render(state, 80, height).text
    state.handle(.pageUp, terminalHeight: height)
    #expect(state.helpScroll == last - (height - 8))
    #expect(render(state, 80, height).text != bottom)
    state.handle(.character("G"), terminalHeight: height)
    #expect(state.helpScroll == last)
    state.handle(.character("k"), terminalHeight: height)
    #expect(state.helpScroll == last - 1)
  }

  @Test func compareAndMapScrollStopAtTheirLastLayer() {
    var state = Fixture.state()
    state.handle(.character("c"), terminalHeight: 24)
    state.handle(.character("G"), terminalHeight: 24)
    #expect(state.compareScroll == 0)  // 3 layers fit
    state.handle(.character("o"), terminalHeight: 24)
    state.handle(.pageDown, terminalHeight: 24)
    #expect(state.mapScroll == 0)
  }

  @Test func backIsDisabledOnlyOnTheModelScreenSection() throws {
    var state = Fixture.state()
    state.handle(.character("?"), pageHeight: 10)
    let text = lines(render(state, 160, 120))
    let back = text.filter { $0.contains("back (on the model screen: clear the filter)") }
    // Sections: model, tensor, compare, outlier map, plan.
    #expect(back.count == 5)
    #expect(back.filter { $0.contains("(disabled: nothing to go back to)") }.count == 1)
    // The disabled one is in the model section: after its title, before the tensor section's.
    let model = try #require(text.firstIndex { $0.hasPrefix(" model") })
    let tensor = try #require(text.firstIndex { $0.hasPrefix(" tensor") })
    let disabled = try #require(text.firstIndex { $0.contains("(disabled: nothing to go back to)") })
    #expect(model < disabled && disabled < tensor)
  }
}

// MARK: - Export dialog

extension QAFixTests {
  @Test func editingThePathClearsTheReplacePrompt() throws {
    let directory = try TemporaryDirectory("export-prompt")
    let path = directory.file("taken.yml")
    try "old".write(toFile: path, atomically: true, encoding: .utf8)
    var state = Fixture.state()
    state.handle(.character("e"), pageHeight: 10)
    state.handle(.control("u"), pageHeight: 10)
    for character in path { state.handle(.character(character), pageHeight: 10) }
    state.handle(.enter, pageHeight: 10)
    #expect(state.exportDialog?.confirmOverwrite == true)
    #expect(render(state).text.contains("exists: ⏎ again to replace it"))
    state.handle(.backspace, pageHeight: 10)
    #expect(state.exportDialog?.confirmOverwrite == false)
    #expect(state.exportDialog?.message == nil)
    let canvas = render(state)
    #expect(!canvas.text.contains("exists"), "\(canvas.text)")
    #expect(canvas.text.contains("⏎ write   esc cancel"))
    // Keys that leave the path as it is keep the prompt.
    state.handle(.character("l"), pageHeight: 10)
    state.handle(.enter, pageHeight: 10)
    state.handle(.down, pageHeight: 10)
    #expect(state.exportDialog?.confirmOverwrite == true)
    #expect(render(state).text.contains("exists: ⏎ again to replace it"))
  }

  @Test func exportDialogGrowsWithAWideTerminal() throws {
    var state = Fixture.state()
    state.exportDate = "2026-01-02"
    state.handle(.character("e"), pageHeight: 10)
    let dialog = try #require(state.exportDialog)
    let yaml = try dialog.rendered.get().yaml
    let longest = try #require(yaml.split(separator: "\n").max { $0.count < $1.count })
    #expect(longest.count > 94, "the fixture's preview needs a line longer than a 100-column dialog shows")
    let wide = render(state, 220, 50)
    #expect(wide.text.contains(String(longest)), "\(wide.text)")
    // It grows to fit the preview, no more, and keeps a blank margin column each side.
    #expect(ExportScreen.dialogWidth(dialog, canvasWidth: 220) == max(100, longest.count + 6))
    #expect(ExportScreen.dialogWidth(dialog, canvasWidth: 104 + 6) == 108)
    #expect(ExportScreen.dialogWidth(dialog, canvasWidth: 80) == 78)
  }
}

// MARK: - Back from Compare and the outlier map

extension QAFixTests {
  @Test func escapeReturnsToTheTensorCompareOrTheMapWasOpenedFrom() {
    var state = Fixture.state()
    state.handle(.down, pageHeight: 10)
    state.handle(.down, pageHeight: 10)
    state.handle(.down, pageHeight: 10)
    state.handle(.down, pageHeight: 10)
    state.handle(.enter, pageHeight: 10)
    #expect(state.screen == .tensor)
    state.handle(.character("c"), pageHeight: 10)
    #expect(state.screen == .compare)
    state.handle(.escape, pageHeight: 10)
    #expect(state.screen == .tensor)
    state.handle(.character("o"), pageHeight: 10)
    // Help over the map does not lose the way back.
    state.handle(.character("?"), pageHeight: 10)
    state.handle(.escape, pageHeight: 10)
    #expect(state.screen == .outlierMap)
    state.handle(.escape, pageHeight: 10)
    #expect(state.screen == .tensor)
    // The map, then Compare, then back: each Esc goes one screen back, ending at the model.
    state.handle(.character("o"), pageHeight: 10)
    state.handle(.character("c"), pageHeight: 10)
    state.handle(.escape, pageHeight: 10)
    #expect(state.screen == .outlierMap)
    state.handle(.escape, pageHeight: 10)
    #expect(state.screen == .tensor)
    state.handle(.escape, pageHeight: 10)
    #expect(state.screen == .model)
    // Compare from the model returns to the model.
    state.handle(.character("c"), pageHeight: 10)
    state.handle(.escape, pageHeight: 10)
    #expect(state.screen == .model)
  }
}
