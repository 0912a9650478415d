import Engine
import Safetensors
import Terminal
import Testing

@testable import Explorer

/// The defects of issue 16, each pinned by what the user sees at 80×24 (or 160×50).
@Suite struct ScreenFixTests {
  func render(_ state: AppState, _ width: Int = 80, _ height: Int = 24, monochrome: Bool = false)
    -> Canvas
  {
    var state = state
    var canvas = Canvas(width: width, height: height)
    state.clampCursor(listHeight: ModelScreen.listHeight(height))
    Screens.render(state, into: &canvas, context: RenderContext(isMonochrome: monochrome))
    return canvas
  }

  func opened(_ name: String) -> AppState {
    var state = Fixture.state()
    state.openTensor = Fixture.index(name)
    state.screen = .tensor
    return state
  }

  /// A state over the fixture's tensors renamed / filtered by `transform`.
  func state(_ transform: ([TensorInfo]) -> [TensorInfo]) -> AppState {
    let base = Fixture.checkpoint()
    let checkpoint = Checkpoint(
      path: base.path, indexPath: nil, totalSizeHint: nil, files: base.files,
      tensors: transform(base.tensors), warnings: [])
    return AppState(
      checkpoint: checkpoint, isDemo: false, settings: AnalysisSettings(), engineLabel: "cpu")
  }
}

// MARK: - 1. Nothing is clipped silently

extension ScreenFixTests {
  @Test func theKeptMarkAndTheSixteenBitTagShortenInsteadOfVanishing() {
    var state = opened("model.layers.1.self_attn.q_proj.weight")
    state.kept = ["model.layers.1.self_attn.q_proj.weight"]
    #expect(render(state).lines[0].contains("■ 16-bit"))
    let model = render(Fixture.state()).lines
    #expect(
      model.contains { $0.contains("model.emb… 16b") }, "\(model.joined(separator: "\n"))")
  }

  @Test func theBinsFooterShowsWholeNumbersOrNone() {
    var state = opened("model.layers.1.self_attn.q_proj.weight")
    state.viewFormat = .int8
    let text = render(state).text
    #expect(text.contains("rel_err 0.0080"), "\(text)")
  }

  @Test func totalsThatDoNotFitAreMarkedAndTheChosenFormatStays() {
    var state = Fixture.state()
    state.globalFormat = .int4
    let line = render(state).lines[20]
    #expect(line.contains("int4 0.1286"), "\(line)")
    #expect(line.contains("…"), "\(line)")
  }

  /// The model screen's secondary hints (metric, choose, worst, copy, threshold) come after the
  /// product's path, so at 120 columns keep-16-bit and compare keep their labels, and at 160 every
  /// key of that path is labelled.
  @Test func theModelKeyBarLabelsTheProductsPathFirst() {
    var state = Fixture.state()
    state.terminalWidth = 120
    let bar = ScreenFrame.keyBar(state, width: 120).entries
    let keys = bar.map(\.key)
    let index = { (key: String) in keys.firstIndex(of: key) ?? -1 }
    for (first, later) in [
      ("space", "m"), ("c", "m"), ("e", "m"), ("e", "w"), ("e", "y"), ("e", "+"),
    ] {
      #expect(index(first) >= 0 && index(first) < index(later), "\(first) before \(later): \(keys)")
    }
    let labelled = { (entries: [ScreenFrame.KeyBarEntry]) in
      Set(entries.filter { !$0.label.isEmpty }.map(\.key))
    }
    #expect(labelled(bar).isSuperset(of: ["↑↓", "⏎", "/", "s", "f", "space", "c"]), "\(bar)")
    let wide = labelled(ScreenFrame.keyBar(state, width: 160).entries)
    #expect(wide.isSuperset(of: ["space", "c", "o", "e", "m", "F", "w", "y"]), "\(wide)")
  }

  @Test func theModelKeyBarOffersExportChooseAndMetric() {
    let bar = render(Fixture.state()).lines[23]
    for key in [" e ", " F ", " m ", " w ", " y "] {
      #expect(bar.contains(key), "\(key) in \(bar)")
    }
  }
}

// MARK: - 2, 3. The export dialog

extension ScreenFixTests {
  @Test func theExportDialogIsOpaqueWithAMargin() {
    var state = Fixture.state()
    state.exportDate = "2026-01-02"
    state.handle(.character("e"), pageHeight: 10)
    let lines = render(state).lines
    // Rows of the dialog: a blank column on each side, nothing of the table below.
    for row in 2...21 {
      let characters = Array(lines[row])
      #expect(characters[0] == " " && characters[79] == " ", "row \(row): \(lines[row])")
    }
    #expect(lines[1].allSatisfy { $0 == " " }, "\(lines[1])")
  }

  @Test func aTildeInTheExportPathIsTheHomeDirectory() {
    #expect(ExportDialog.expandingTilde("~/x.yml", home: "/home/me") == "/home/me/x.yml")
    #expect(ExportDialog.expandingTilde("~", home: "/home/me") == "/home/me")
    #expect(ExportDialog.expandingTilde("~other/x.yml", home: "/home/me") == "~other/x.yml")
    #expect(ExportDialog.expandingTilde("./~/x.yml", home: "/home/me") == "./~/x.yml")
    #expect(ExportDialog.expandingTilde("~/x.yml", home: nil) == "~/x.yml")
  }

  @Test func noLmHeadIsClaimedForAModelWithout() {
    let encoder = state {
      $0.filter { !$0.name.contains("lm_head") && !$0.name.contains("embed_tokens") }
    }
    #expect(ExportScreen.outputHead(encoder.checkpoint) == nil)
    #expect(ExportScreen.outputHead(Fixture.checkpoint()) == "lm_head")
  }
}

// MARK: - 4. One heat scale per view, with a legend

extension ScreenFixTests {
  @Test func theBestFormatIsTheLightestAcrossColumns() {
    let lines = render(Fixture.state(), monochrome: true).lines
    let row = lines.first { $0.contains("q_proj") } ?? ""
    // nf4 0.09, int8 0.0072: one scale over all formats, so int8 is ░ and nf4 darker.
    #expect(row.contains("░0.0072"), "\(row)")
    #expect(row.contains("▓0.0900"), "\(row)")
    #expect(lines[19].contains("heat, all formats: 0.0072 ░▒▓█ 0.1648"), "\(lines[19])")
  }

  @Test func compareDrawsItsScalesLegend() {
    var state = Fixture.state()
    state.viewFormat = .nf4
    state.handle(.character("c"), pageHeight: 10)
    #expect(
      render(state, monochrome: true).lines[1].contains(
        "heat (nf4, all layers): 0.0900 ░▒▓█ 0.1220"))
  }
}

// MARK: - 5. Group rows

extension ScreenFixTests {
  @Test func aGroupRowAggregatesOnlyItsVisibleTensors() {
    var state = Fixture.state()
    for key: Key in [
      .character("/"), .character("d"), .character("o"), .character("w"), .character("n"), .enter,
    ] {
      state.handle(key, pageHeight: 10)
    }
    let lines = render(state, 160, 50).lines
    let group = lines.first { $0.contains("▾ model.layers.0") } ?? ""
    let child = lines.first { $0.contains("down_proj") } ?? ""
    // Layer 0 has 13 outlier columns over all its tensors; down_proj alone has 1.
    #expect(group.split(separator: " ").contains("1"), "\(group)")
    #expect(!group.split(separator: " ").contains("13"), "\(group)")
    #expect(group.hasSuffix(String(child.suffix(44))), "\(group)\n\(child)")
    #expect(
      lines[45].contains("group: worst rel_err, outliers summed, over its shown tensors"),
      "\(lines[45])")
  }
}

// MARK: - 6, 7. Outlier map and bins

extension ScreenFixTests {
  @Test func theWeightsMapShowsEachInputWidthWithLabelledStripes() {
    var state = Fixture.state()
    state.handle(.character("o"), pageHeight: 10)
    let text = render(state).text
    #expect(text.contains("in 64 · 1 dim/cell · 3 layers · systematic: 7, 40"), "\(text)")
    // The down projections' 128-wide input: its dim 100 is an outlier in every layer.
    #expect(text.contains("in 128 · 2 dims/cell · 3 layers · systematic: 100"), "\(text)")
    #expect(text.contains(" layer 0 ") && !text.contains("layers.0"), "\(text)")
    #expect(text.contains("systematic: an outlier in ≥ 2 layers and ≥ 25%"), "\(text)")
  }

  @Test func int8BinsSayItScalesByRow() {
    var state = opened("model.layers.1.self_attn.q_proj.weight")
    state.viewFormat = .int8
    #expect(render(state, 160, 50).text.contains("w / 64-block absmax (int8 scales by row absmax)"))
  }

  /// QUANTIZATION.md E2 (bitsandbytes): fp4 codes [6, 13, 3, 4, 11, 0, 2, 14] decode to
  /// [1/6, −0.5, 1, 1/3, −1, 0, 2/3, −1/6].
  @Test func codeUseIsOrderedByTheValueOfEachCode() throws {
    let values = try #require(TensorScreen.codeValues[.fp4])
    let expected: [(Int, Float)] = [
      (6, 1 / 6), (13, -0.5), (3, 1), (4, 1 / 3), (11, -1), (0, 0), (2, 2 / 3), (14, -1 / 6),
    ]
    for (code, value) in expected {
      #expect(abs(values[code] - value) < 1e-6, "code \(code): \(values[code])")
    }
    // Counts that follow the value make a single rise and fall once ordered.
    let counts = (0..<16).map { UInt64(100 - abs(Double(values[$0])) * 90) }
    let ordered = TensorScreen.codeCountsByLevel(.fp4, counts)
    let peak = try #require(ordered.firstIndex(of: ordered.max() ?? 0))
    #expect(ordered[..<peak].elementsEqual(ordered[..<peak].sorted()), "\(ordered)")
    #expect(ordered[peak...].elementsEqual(ordered[peak...].sorted(by: >)), "\(ordered)")
  }
}

// MARK: - 9. Small things

extension ScreenFixTests {
  @Test func oneTensorIsSingular() {
    var state = Fixture.state()
    (state.globalFormat, state.viewFormat) = (.nf4, .nf4)  // the header's right part at its shortest
    state.progress = AnalysisProgress(tensorsDone: 1, tensorsTotal: 1, bytesDone: 1, bytesTotal: 1)
    #expect(render(state).lines[1].contains("analysed 1 tensor "))
  }

  @Test func aBiasFollowsItsWeight() {
    // Layer 0's input norm renamed into q_proj's bias: it comes first in the file, as names
    // sorted alphabetically would put it.
    var state = state { tensors in
      var renamed = tensors
      renamed[1].name = "model.layers.0.self_attn.q_proj.bias"
      return renamed
    }
    state.collapsed = []
    let labels = state.rows.map(\.label)
    let bias = labels.firstIndex(of: "q_proj.bias") ?? -1
    let weight = labels.firstIndex(of: "q_proj") ?? 99
    #expect(bias == weight + 1, "\(labels)")
  }

  @Test func minusAtTheBottomSaysWhy() {
    var state = Fixture.state()
    state.setThreshold(0.5)
    state.handle(.character("-"), pageHeight: 10)
    #expect(state.threshold == 0.5)
    #expect(state.status?.contains("the threshold stops at 0.5") == true)
  }

  @Test func chooseSkipsFormatsAnExportRefuses() {
    var state = Fixture.state()
    var seen: [QuantFormat] = []
    for _ in 0..<6 {
      state.handle(.character("F"), pageHeight: 10)
      seen.append(state.globalFormat)
    }
    // From the default choice's nf4-dq; int4 and dyn8 are skipped.
    #expect(seen == [.fp4, .fp4dq, .int8, .nf4, .nf4dq, .fp4])
  }

  @Test func helpHasSectionsForTheDialogsAndTheMouse() {
    var state = Fixture.state()
    state.handle(.character("?"), pageHeight: 10)
    let text = render(state, 160, 120).text
    for title in [
      "export dialog (other keys type the path)",
      "filter line, after / (other keys type the filter)", "mouse",
    ] {
      #expect(text.contains(title), "\(title)")
    }
  }
}
