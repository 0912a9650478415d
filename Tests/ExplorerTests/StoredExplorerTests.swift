import Engine
import Reports
import Safetensors
import Terminal
import TestSupport
import Testing

@testable import Explorer

/// The explorer on pre-quantized checkpoints (fixtures of scripts/make-prequantized.py, analysed
/// for real): each stored tensor shows its mark, its logical shape and dtype, its histogram,
/// outliers and stored code usage; the stored format's own error reads "stored", never `nan`; the
/// totals are the report's; a bitsandbytes save's choice is fixed.
@Suite struct StoredExplorerTests: ScreenRendering {
  static let directory = FixturePaths.root + "/prequantized"
  static let upProj = "model.layers.0.mlp.up_proj.weight"

  /// An explorer state on `fixture` with every analysable tensor analysed by the CPU backend. The
  /// header shows `fixtures/NAME` (a model id), so snapshots do not depend on where the
  /// repository lies.
  static func state(_ fixture: String) throws -> AppState {
    var checkpoint = try Checkpoint.open(directory + "/" + fixture)
    let settings = AnalysisSettings()
    let backend = CPUBackend(threads: 2)
    var analyses: [Int: TensorAnalysis] = [:]
    for (index, tensor) in checkpoint.tensors.enumerated() where tensor.dtype.isAnalysable {
      analyses[index] = try backend.analyse(
        tensor, in: checkpoint, settings: settings, cancel: nil, progress: nil)
    }
    checkpoint.modelID = "fixtures/" + fixture
    var state = AppState(
      checkpoint: checkpoint, isDemo: false, settings: settings, engineLabel: "cpu ×2")
    for (index, analysis) in analyses { state.receive(analysis, at: index) }
    let count = checkpoint.tensors.count
    state.progress = AnalysisProgress(
      tensorsDone: count, tensorsTotal: count, bytesDone: 1, bytesTotal: 1)
    return state
  }

  static func opening(_ fixture: String, _ name: String) throws -> AppState {
    var state = try state(fixture)
    state.openTensor = try #require(state.checkpoint.tensors.firstIndex { $0.name == name })
    state.screen = .tensor
    return state
  }

  func expectSnapshot(_ state: AppState, _ name: String) {
    for (width, height) in ScreenSnapshotTests.sizes {
      let canvas = render(state, width, height)
      let path =
        FixturePaths.packageRoot + "/Tests/ExplorerTests/Snapshots/\(name)_\(width)x\(height).txt"
      if let problem = TextSnapshot.check(canvas.snapshot, path: path) {
        Issue.record(Comment(rawValue: problem))
      }
    }
  }

  // MARK: - Snapshots

  @Test func modelScreenOfAnNF4DoubleQuantSave() throws {
    expectSnapshot(try Self.state("nf4-dq"), "stored_model_nf4dq")
  }

  @Test func tensorScreenOfAStoredNF4Tensor() throws {
    expectSnapshot(try Self.opening("nf4-dq", Self.upProj), "stored_tensor_nf4dq")
  }

  @Test func tensorScreenOfABlockScaledFP8Tensor() throws {
    expectSnapshot(try Self.opening("fp8-block", Self.upProj), "stored_tensor_fp8")
  }

  @Test func compareAndPlanScreensOfAnInt8Save() throws {
    var state = try Self.state("int8")
    state.screen = .compare
    expectSnapshot(state, "stored_compare_int8")
    state.openPlan()
    expectSnapshot(state, "stored_plan_int8")
  }

  // MARK: - What the user reads

  @Test(arguments: ["nf4", "nf4-dq", "fp4", "int8", "fp8-block", "fp8-row"])
  func everyStoredRowShowsItsMarkAndNoNaN(_ fixture: String) throws {
    let state = try Self.state(fixture)
    let text = lines(render(state, 160, 50))
    for tensor in state.checkpoint.tensors {
      guard let stored = tensor.stored else { continue }
      let leaf = try #require(tensor.name.split(separator: ".").dropLast().last)
      let row = try #require(
        text.first { $0.contains(" \(leaf) [") }, "\(fixture): no row for \(tensor.name)")
      #expect(row.contains("[\(stored.mark)]"))
      #expect(row.contains(InspectRenderer.shapeText(tensor.shape) + " " + tensor.dtype.rawValue))
    }
    #expect(!text.joined().contains("nan"), "\(fixture): \(text.joined(separator: "\n"))")
    for screen in [ScreenKind.compare, .tensor] {
      var other = state
      other.screen = screen
      other.openTensor = state.checkpoint.tensors.firstIndex { $0.name == Self.upProj }
      let drawn = lines(render(other, 160, 50)).joined(separator: "\n")
      #expect(!drawn.contains("nan"), "\(fixture) \(screen): \(drawn)")
    }
  }

  @Test func theStoredFormatReadsStoredOnEveryViewAndTheTotalsAreTheReports() throws {
    let state = try Self.state("nf4-dq")
    #expect(state.globalFormat == .nf4dq)
    let model = lines(render(state, 160, 50))
    let up = try #require(model.first { $0.contains("up_proj [stored nf4 (+dq)]") })
    #expect(up.contains(" stored"))
    // The report's table over the same analyses: its totals are what the footer prints.
    let report = ReportRenderer(
      checkpoint: state.checkpoint, selection: Array(state.checkpoint.tensors.indices),
      analyses: state.analyses, settings: state.settings, engine: "cpu"
    ).table()
    let footer = try #require(model.first { $0.contains("model totals") })
    for format in [QuantFormat.nf4, .fp4, .int8] {
      let row = try #require(
        report.split(separator: "\n").first { $0.hasPrefix(format.rawValue + " ") })
      let number = try #require(row.split(separator: " ").dropFirst().first)
      #expect(footer.contains("\(format.rawValue) \(number)"), "\(footer) vs \(row)")
    }
    #expect(
      report.split(separator: "\n").contains { $0.hasPrefix("nf4-dq ") && $0.contains("stored") })
    #expect(footer.contains("nf4-dq stored"))
    // The tensor screen: the stored row of the error table, and the stored codes' usage.
    let tensor = lines(render(try Self.opening("nf4-dq", Self.upProj), 160, 50))
    #expect(tensor.contains { $0.contains("●nf4-dq") && $0.contains("stored") })
    #expect(tensor.contains { $0.contains("stored nf4 (+dq): code use ") })
    #expect(tensor.contains { $0.contains("its own error is not measurable") })
  }

  /// The code-use bars of a stored tensor run in the order of the values the codes stand for;
  /// FP8's byte order is sign and magnitude, decoded here independently of the code under test.
  @Test func storedCodeUsageIsOrderedByValue() throws {
    let state = try Self.state("fp8-block")
    let index = try #require(state.checkpoint.tensors.firstIndex { $0.name == Self.upProj })
    let usage = try #require(state.analyses[index]?.stored)
    // Each byte with its value; −0 (0x80) before +0 (0x00).
    let keyed: [(value: Double, negative: Int, byte: Int)] = (0..<256).map { byte in
      (Self.e4m3(UInt8(byte)), byte >= 128 ? 0 : 1, byte)
    }
    let sorted = keyed.filter { !$0.value.isNaN }.sorted { a, b in
      a.value != b.value ? a.value < b.value : a.negative < b.negative
    }
    let byValue: [UInt64] = sorted.map { usage.codeCounts[$0.byte] }
    let first = try #require(byValue.firstIndex { $0 > 0 })
    let last = try #require(byValue.lastIndex { $0 > 0 })
    let trimmed = Array(byValue[first...last])
    #expect(TensorScreen.storedCountsByValue(usage) == trimmed)
    #expect(trimmed.reduce(0, +) == 60_000)
  }

  /// An FP8 E4M3 byte's value (bias 7, no infinities, 0x7F/0xFF NaN).
  static func e4m3(_ byte: UInt8) -> Double {
    let sign: Double = byte & 0x80 != 0 ? -1 : 1
    let exponent = Int(byte >> 3) & 0x0F
    let mantissa = Double(byte & 0x07)
    if exponent == 15 && mantissa == 7 { return .nan }
    if exponent == 0 { return sign * mantissa / 8 * 0.015625 }
    var scale = 1.0
    for _ in 0..<abs(exponent - 7) { scale *= 2 }
    return sign * (1 + mantissa / 8) * (exponent >= 7 ? scale : 1 / scale)
  }

  /// The export dialog writes a bitsandbytes save's config as saved, like `quantscope export`:
  /// the fp4 fixture's config.json keeps lm_head, without double quant.
  @Test func theExportDialogWritesTheSaveAsSaved() throws {
    let state = try Self.state("fp4")
    #expect(state.globalFormat == .fp4)
    let dialog = try #require(ExportDialog.open(state, date: "2026-01-01"))
    guard case .success(let result) = dialog.rendered else {
      Issue.record("the export did not render")
      return
    }
    let lines = result.yaml.split(separator: "\n").map(String.init)
    #expect(lines.contains { $0.hasPrefix("  bnb_4bit_quant_type: fp4") })
    #expect(lines.contains { $0.hasPrefix("  bnb_4bit_use_double_quant: false") })
    #expect(
      lines.filter { $0.hasPrefix("    - ") }.map { $0.split(separator: " ")[1] } == ["lm_head"])
    #expect(!result.yaml.contains("nan"))
  }

  @Test func aBitsandbytesSaveFixesTheChoice() throws {
    var state = try Self.state("int8")
    #expect(state.globalFormat == .int8)
    #expect(
      KeyBindings.disabledReason(.cycleGlobalFormat, state)?.contains("loads only as saved") == true
    )
    #expect(KeyBindings.disabledReason(.toggleKeep, state)?.contains("loads only as saved") == true)
    #expect(
      KeyBindings.disabledReason(.worstTensor, state)?.hasPrefix("int8 is the stored format")
        == true)
    state.planState.budgetText = "20kB"
    state.openPlan()
    #expect(state.planState.result == nil)
    #expect(state.planState.message?.hasPrefix("nothing to plan: stored as int8") == true)
    // FP8 weights are quantized again like any others: the choice stays free.
    let fp8 = try Self.state("fp8-block")
    #expect(KeyBindings.disabledReason(.cycleGlobalFormat, fp8) == nil)
  }
}
