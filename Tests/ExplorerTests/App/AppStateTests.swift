import Engine
import Reports
import Terminal
import TestSupport
import Testing

@testable import Explorer

@Suite struct AppStateTests {
  func press(_ state: inout AppState, _ keys: Key...) {
    for key in keys { state.handle(key, pageHeight: 5) }
  }

  func labels(_ state: AppState) -> [String] {
    state.rows.map { String(repeating: " ", count: $0.depth) + $0.label }
  }
}

// MARK: - Tree

extension AppStateTests {
  @Test func tensorsGroupByBlockThenModule() {
    let state = Fixture.state()
    #expect(
      Array(labels(state).prefix(6))
        == [
          "embed_tokens", "model.layers.0", " input_layernorm", " self_attn", "  q_proj",
          "  k_proj",
        ].map { $0 == "embed_tokens" ? "model.embed_tokens" : $0 })
    // Blocks after the first start folded; top-level leaves close the list.
    #expect(
      Array(labels(state).suffix(4)) == [
        "model.layers.1", "model.layers.2", "model.norm", "lm_head",
      ])
  }

  @Test func enterFoldsAndUnfoldsGroupsAndLeftGoesToTheParent() {
    var state = Fixture.state()
    press(&state, .down, .enter)
    #expect(!state.rows[1].isExpanded)
    press(&state, .character("l"), .down, .down, .down, .left)
    #expect(state.rows[state.cursor].label == "self_attn")
    press(&state, .left)
    #expect(!state.rows[state.cursor].isExpanded)
  }

  @Test func groupRowsShowTheirWorstChild() throws {
    let state = Fixture.state()
    let group = try #require(state.rows.first { $0.label == "model.layers.2" })
    let worst = try #require(state.nodeMetric(group.node, .nf4))
    let downProj = try #require(
      state.metricValue(Fixture.index("model.layers.2.mlp.down_proj.weight"), .nf4))
    #expect(worst == downProj)
  }
}

// MARK: - Filter and sort

extension AppStateTests {
  @Test func filterMatchesSubstringsAndUnfoldsGroups() {
    var state = Fixture.state()
    press(&state, .character("/"))
    for character in "q_proj" { press(&state, .character(character)) }
    press(&state, .enter)
    #expect(state.rows.compactMap(\.tensorIndex).count == 3)
    #expect(!state.isEditingFilter)
  }

  @Test func filterIsARegexWhenItCompiles() {
    var state = Fixture.state()
    state.filter = #"layers\.[12]\..*down"#
    #expect(
      state.rows.compactMap(\.tensorIndex).map { state.checkpoint.tensors[$0].name } == [
        "model.layers.1.mlp.down_proj.weight", "model.layers.2.mlp.down_proj.weight",
      ])
    state.filter = "q_proj("  // not a regex: a substring
    #expect(state.rows.isEmpty)
  }

  @Test func escapeClearsTheFilterBeingEdited() {
    var state = Fixture.state()
    press(&state, .character("/"), .character("x"), .escape)
    #expect(state.filter.isEmpty && !state.isEditingFilter)
  }

  @Test func sortByErrorPutsTheWorstFirst() {
    var state = Fixture.state()
    press(&state, .character("s"))
    #expect(state.sort == .error)
    #expect(state.rows.first?.label == "model.layers.2")
    press(&state, .character("s"))
    #expect(state.sort == .outliers)
    #expect(state.rows.first?.label == "model.layers.1")
  }
}

// MARK: - Threshold, keep, formats

extension AppStateTests {
  @Test func thresholdRederivesOutlierCountsFromColumnAbsmax() {
    var state = Fixture.state()
    let q1 = Fixture.index("model.layers.1.self_attn.q_proj.weight")
    #expect(state.outlierCount(q1) == 3)  // dims 7 (7.0), 20 (6.1), 40 (7.25)
    state.screen = .tensor
    state.openTensor = q1
    press(&state, .character("+"))
    #expect(state.threshold == 6.5)
    #expect(state.outlierCount(q1) == 2)
    press(&state, .character("+"))
    #expect(state.outlierCount(q1) == 2)  // 7.0 reaches a threshold of 7.0
    press(&state, .character("+"))
    #expect(state.outlierCount(q1) == 0)
    press(&state, .character("-"), .character("-"), .character("-"))
    #expect(state.outlierCount(q1) == 3)
  }

  @Test func spaceKeepsATensorIn16BitAndMemoryFollows() throws {
    var state = Fixture.state()
    press(&state, .down, .down, .down, .down)
    let name = try #require(state.selectedTensor.map { state.checkpoint.tensors[$0].name })
    #expect(name == "model.layers.0.self_attn.q_proj.weight")
    let before = state.totals.memoryBytes(format: state.globalFormat, keeping: state.kept)
    press(&state, .character(" "))
    #expect(state.kept == [name])
    #expect(state.totals.memoryBytes(format: state.globalFormat, keeping: state.kept) > before)
    press(&state, .character(" "))
    #expect(state.kept.isEmpty)
  }

  /// 8-bit loading through Axolotl keeps nothing in 16-bit: the memory shown must not count keeps.
  @Test func keepsDoNotCountUnderAnEightBitChoice() throws {
    var state = Fixture.state()
    press(&state, .down, .down, .down, .down, .character(" "))
    #expect(state.kept.count == 1 && state.appliedKept == state.kept)
    state.globalFormat = .int8
    #expect(state.appliedKept.isEmpty)
    var canvas = Canvas(width: 160, height: 50)
    Screens.render(state, into: &canvas, context: RenderContext(isMonochrome: false))
    let plain = InspectRenderer.byteText(state.totals.memoryBytes(format: .int8, keeping: []))
    #expect(
      canvas.text.contains("→ int8 \(plain) (1 kept: not applied by 8-bit loading)"),
      "\(canvas.text)")
  }

  /// The progress line never writes over the settings on the right of the header, at any width.
  @Test func progressLeavesTheHeaderSettingsWhole() {
    var state = Fixture.state(analysed: 9)
    state.elapsedSeconds = 1
    state.globalFormat = .nf4
    state.viewFormat = .nf4
    for width in [80, 100, 120, 160] {
      var canvas = Canvas(width: width, height: 30)
      Screens.render(state, into: &canvas, context: RenderContext(isMonochrome: false))
      let line = String(canvas.text.split(separator: "\n", omittingEmptySubsequences: false)[1])
      #expect(line.contains("analysing") && line.contains("9/30"), "\(width): \(line)")
      #expect(
        line.hasSuffix("format: nf4  view: nf4 rel_err  threshold: 6.0 "), "\(width): \(line)")
    }
  }

  /// Results that arrive while the export dialog is open reach its preview (and so the file).
  @Test func exportPreviewFollowsResultsArrivingWhileOpen() throws {
    var state = Fixture.state(analysed: 2)  // the embedding and a norm: nothing quantizable yet
    press(&state, .character("e"))
    let before = try #require(state.exportDialog).rendered.get()
    #expect(before.yaml.contains("No analysis results"))
    for (index, info) in state.checkpoint.tensors.enumerated().dropFirst(2) {
      state.receive(Fixture.analysis(info, settings: state.settings), at: index)
    }
    let after = try #require(state.exportDialog).rendered.get()
    #expect(!after.yaml.contains("No analysis results"))
    #expect(after.yaml.contains("over the 21 quantized tensors analysed"), "\(after.yaml)")
  }

  @Test func keepingLmHeadIsDisabledWithAReason() {
    var state = Fixture.state()
    press(&state, .character("G"), .character(" "))
    #expect(state.kept.isEmpty)
    #expect(state.status?.contains("output embedding") == true)
  }

  @Test func formatKeysCycleViewAndChoiceSeparately() {
    var state = Fixture.state()
    // The default choice is nf4 + double quant (QuantChoice.standard).
    #expect(state.viewFormat == .nf4dq && state.globalFormat == .nf4dq)
    press(&state, .character("f"))
    #expect(state.viewFormat == .fp4 && state.globalFormat == .nf4dq)
    press(&state, .character("F"), .character("F"), .character("F"))
    #expect(state.globalFormat == .int8 && state.viewFormat == .fp4)
  }

  @Test func exportOfAFormatAxolotlCannotLoadIsDisabledWithItsReason() {
    var state = Fixture.state()
    state.globalFormat = .int4
    press(&state, .character("e"))
    #expect(state.screen == .model)
    #expect(state.status?.contains("Axolotl cannot load int4") == true)
  }

  @Test func exportDialogWritesTheChoiceAndAsksBeforeReplacing() throws {
    let directory = try TemporaryDirectory("export")
    var state = Fixture.state()
    state.exportDate = "2026-01-02"
    press(&state, .down, .down, .down, .down, .character(" "))  // keep q_proj; nf4-dq is the default
    press(&state, .character("e"))
    #expect(state.screen == .export)
    let dialog = try #require(state.exportDialog)
    #expect(dialog.choice.quant == .nf4 && dialog.choice.doubleQuant)
    #expect(dialog.choice.skip.map(\.rawValue) == ["model.layers.0.self_attn.q_proj"])
    let yaml = try dialog.rendered.get().yaml
    #expect(yaml.contains("load_in_4bit: true"))
    #expect(yaml.contains("model.layers.0.self_attn.q_proj"))
    // Type a path, write, then the same path again needs a second ⏎.
    press(&state, .control("u"))
    for character in directory.file("out.yml") { press(&state, .character(character)) }
    press(&state, .enter)
    #expect(state.screen == .model)
    #expect(state.status == "wrote \(directory.file("out.yml"))")
    #expect(TextSnapshot.read(directory.file("out.yml")) == yaml)
    press(&state, .character("e"), .control("u"))
    for character in directory.file("out.yml") { press(&state, .character(character)) }
    press(&state, .enter)
    #expect(state.screen == .export && state.exportDialog?.confirmOverwrite == true)
    press(&state, .enter)
    #expect(state.screen == .model)
  }

  @Test func escapeClosesTheExportDialogWithoutWriting() {
    var state = Fixture.state()
    press(&state, .character("c"), .character("e"))
    #expect(state.screen == .export)
    press(&state, .escape)
    #expect(state.screen == .compare && state.exportDialog == nil)
  }
}

// MARK: - Screens and key table

extension AppStateTests {
  @Test func enterOpensATensorAndEscapeComesBack() {
    var state = Fixture.state()
    press(&state, .down, .down, .down, .down, .enter)
    #expect(state.screen == .tensor)
    #expect(state.openTensor == Fixture.index("model.layers.0.self_attn.q_proj.weight"))
    press(&state, .tab, .tab)
    #expect(state.focus == .outliers)
    press(&state, .escape)
    #expect(state.screen == .model)
  }

  @Test func helpReturnsToTheScreenItWasOpenedFrom() {
    var state = Fixture.state()
    press(&state, .character("c"), .character("?"))
    #expect(state.screen == .help && state.previousScreen == .compare)
    press(&state, .escape)
    #expect(state.screen == .compare)
    press(&state, .character("q"))
    #expect(state.quitRequested)
  }

  @Test(arguments: Action.allCases)
  func everyActionHasAKey(action: Action) {
    #expect((KeyBindings.table + KeyBindings.filterLine).contains { $0.action == action })
  }

  @Test(arguments: ScreenKind.allCases)
  func noKeyMeansTwoThingsOnOneScreen(screen: ScreenKind) {
    var seen: [Key: Action] = [:]
    for binding in KeyBindings.table where binding.applies(to: screen) && !binding.screens.isEmpty {
      for key in binding.keys {
        #expect(
          seen[key] == nil,
          "\(key) on \(screen.rawValue): \(seen[key].map(\.rawValue) ?? "") and \(binding.action.rawValue)"
        )
        seen[key] = binding.action
      }
    }
  }

  @Test func helpListsEveryBindingFromTheTable() {
    var state = Fixture.state()
    state.screen = .help
    state.previousScreen = .model
    state.cursor = 1  // a group row: nothing to keep in 16-bit
    var canvas = Canvas(width: 160, height: 120)
    Screens.render(state, into: &canvas, context: RenderContext(isMonochrome: false))
    for binding in KeyBindings.table + KeyBindings.filterLine {
      #expect(canvas.text.contains(binding.summary), "\(binding.summary)")
    }
    #expect(canvas.text.contains("(disabled: select a tensor row)"))
  }

  @Test func compareOrdersLayersWorstFirst() {
    var state = Fixture.state()
    press(&state, .character("c"), .character("s"))
    #expect(state.compareWorstFirst)
    var matrix = LayerMatrix(state)
    matrix.sortWorstFirst(state, state.viewFormat)
    #expect(matrix.layers == ["model.layers.2", "model.layers.1", "model.layers.0"])
  }

  @Test func compareLabelsTellModuleKindsApart() {
    #expect(
      LayerMatrix.shortestUniqueSuffixes([
        "attention.output.dense", "intermediate.dense", "output.dense", "attention.self.key",
      ])
        == ["a.o.dense", "i.dense", "output.dense", "key"])
    #expect(
      LayerMatrix.shortestUniqueSuffixes(["self_attn.q_proj", "mlp.down_proj"]) == [
        "q_proj", "down_proj",
      ])
  }
}
