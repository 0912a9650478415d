import Engine
import Terminal
import TestSupport
import Testing

@testable import Explorer

/// The export dialog: editing the path, the replace prompt, its width.
@Suite struct ExportDialogTests: ScreenRendering {}

extension ExportDialogTests {
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
    #expect(
      longest.count > 94, "the fixture's preview needs a line longer than a 100-column dialog shows"
    )
    let wide = render(state, 220, 50)
    #expect(wide.text.contains(String(longest)), "\(wide.text)")
    // It grows to fit the preview, no more, and keeps a blank margin column each side.
    #expect(ExportScreen.dialogWidth(dialog, canvasWidth: 220) == max(100, longest.count + 6))
    #expect(ExportScreen.dialogWidth(dialog, canvasWidth: 104 + 6) == 108)
    #expect(ExportScreen.dialogWidth(dialog, canvasWidth: 80) == 78)
  }
}
