import Engine
import Terminal
import TestSupport
import Testing

@testable import Explorer

/// Scrolling stops at the end of the help, Compare and the outlier map; Back is disabled only
/// where there is nothing to go back to.
@Suite struct ScrollingTests: ScreenRendering {}

extension ScrollingTests {
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
    let disabled = try #require(
      text.firstIndex { $0.contains("(disabled: nothing to go back to)") })
    #expect(model < disabled && disabled < tensor)
  }
}
