import Engine
import Terminal
import TestSupport
import Testing

@testable import Explorer

/// Escape returns to the screen Compare or the outlier map was opened from.
@Suite struct BackNavigationTests: ScreenRendering {}

extension BackNavigationTests {
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
