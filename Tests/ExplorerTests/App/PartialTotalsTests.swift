import Engine
import Terminal
import TestSupport
import Testing

@testable import Explorer

/// Totals and groups shown while tensors are still being analysed say that they are partial.
@Suite struct PartialTotalsTests: ScreenRendering {}

extension PartialTotalsTests {
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
      if index == 10 {
        state.failures[index] = "read error"
      } else {
        state.receive(Fixture.analysis(info, settings: settings), at: index)
      }
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
    #expect(
      canvas.text.contains("(partial: 9/\(state.checkpoint.tensors.count) tensors)"),
      "\(canvas.text)")
  }
}
