import Engine
import Synthetic
import Terminal
import Testing

@testable import Explorer

/// The explorer's activation view on the demo and its capture: the outlier map's source toggle,
/// the threshold re-derivation, and the Tensor screen's capture panels.
@Suite struct ActivationExplorerTests {
  let snapshots = ScreenSnapshotTests()

  // MARK: - Threshold

  @Test func outliersAtTheAnalysisThresholdAreTheEngines() throws {
    let state = try DemoFixture.state()
    let analysis = try #require(state.activations)
    let derived = try #require(state.activationOutliers)
    #expect(derived.dimsByLayer == analysis.outlierDimsByLayer)
    #expect(derived.systematic.map(\.dim) == analysis.systematicDims.map(\.dim))
    #expect(
      derived.systematic.filter { $0.features == DemoActivations.hidden }.map(\.dim)
        == DemoActivations.systematicHiddenDims)
  }

  @Test func thresholdChangeRederivesActivationOutlierDims() throws {
    var state = try DemoFixture.state()
    let q0 = "model.layers.0.self_attn.q_proj"
    // The demo's layer-0 dim 266 is exactly 6.0 (DemoActivations): an outlier at 6.0 (≥), not at 6.5.
    #expect(state.activationOutliers?.featuresByModule[q0] == [37, 266])
    state.handle(.character("+"), pageHeight: 10)
    #expect(state.threshold == 6.5)
    let raised = try #require(state.activationOutliers?.featuresByModule[q0])
    #expect(!raised.contains(266))
    #expect(state.activationOutliers?.threshold == 6.5)
    // Every module's set is exactly the features whose max |x| reaches the threshold in fp16.
    for module in try #require(state.activations).modules {
      let expected = module.featureAbsmax.indices.filter {
        Float16(module.featureAbsmax[$0]) >= Float16(Float(6.5))
      }
      #expect(state.activationOutliers?.featuresByModule[module.module] == expected)
    }
    state.handle(.character("-"), pageHeight: 10)
    #expect(state.activationOutliers?.featuresByModule[q0] == [37, 266])
    // Lower: more dims, never fewer.
    state.handle(.character("-"), pageHeight: 10)
    let lowered = try #require(state.activationOutliers?.featuresByModule[q0])
    #expect(Set([37, 266]).isSubset(of: Set(lowered)))
  }

  // MARK: - Source toggle

  @Test func sourceToggleIsDisabledWithoutACapture() {
    var state = Fixture.state()
    state.handle(.character("o"), pageHeight: 10)
    state.handle(.character("a"), pageHeight: 10)
    #expect(state.mapSource == .weights)
    #expect(state.status?.contains("no activation capture loaded") == true)
    #expect(
      KeyBindings.table.contains { $0.action == .toggleSource && $0.keys.contains(.character("a")) }
    )
  }

  @Test func sourceToggleSwitchesTheMap() throws {
    var state = try DemoFixture.state()
    state.handle(.character("o"), pageHeight: 10)
    state.handle(.character("a"), pageHeight: 10)
    #expect(state.mapSource == .activations)
    state.handle(.character("a"), pageHeight: 10)
    #expect(state.mapSource == .weights)
  }

  // MARK: - Snapshots

  @Test func outlierMapOfTheDemoCapture() throws {
    var state = try DemoFixture.state()
    state.handle(.character("o"), pageHeight: 10)
    state.handle(.character("a"), pageHeight: 10)
    snapshots.expectSnapshot(state, "outlier_map_activations")
  }

  @Test func outlierMapWhileTheCaptureIsAnalysed() {
    var state = Fixture.state()
    state.activationsPath = "/models/tiny-llama/activations.safetensors"
    state.activationProgress = ActivationProgress(done: 3, total: 21)
    state.handle(.character("o"), pageHeight: 10)
    state.handle(.character("a"), pageHeight: 10)
    snapshots.expectSnapshot(state, "outlier_map_activations_pending")
  }

  @Test func tensorWithACapture() throws {
    let name = "model.layers.3.mlp.up_proj.weight"
    var state = try DemoFixture.state(analysing: [name])
    state.openTensor = state.checkpoint.tensors.firstIndex { $0.name == name }
    state.screen = .tensor
    state.handle(.character("a"), pageHeight: 10)
    #expect(state.mapSource == .activations)
    snapshots.expectSnapshot(state, "tensor_activations")
  }
}

// MARK: - Problems and progress

extension ActivationExplorerTests {
  @Test func captureProblemsGoToTheStatusLine() {
    var state = Fixture.state()
    let problems = [
      "stray: no tensor stray.weight in the weight checkpoint",
      "model.layers.0.mlp.up_proj: 32 features, the weight has 64 columns",
    ]
    state.receiveActivations(
      ActivationAnalysis(
        path: "capture.safetensors", settings: ActivationSettings(), modules: [], problems: problems
      ))
    #expect(
      state.status
        == "capture: stray: no tensor stray.weight in the weight checkpoint (+1 more, printed on start)"
    )
  }

  @Test func modelHeaderShowsTheCaptureProgress() {
    var state = Fixture.state(analysed: 9)
    state.elapsedSeconds = 1
    state.activationsPath = "/models/tiny-llama/activations.safetensors"
    state.activationProgress = ActivationProgress(done: 3, total: 21)
    snapshots.expectSnapshot(state, "model_capture_progress")
  }
}

// MARK: - Outlier map: modules outside the layers

extension ActivationExplorerTests {
  /// A 1-D capture (a max |x| profile) of `name` with `outliers` at 20 and the rest at 1.
  static func profile(_ name: String, outliers: [Int], features: Int = Fixture.hidden)
    -> ModuleActivation
  {
    var values = [Float](repeating: 1, count: features)
    for dim in outliers { values[dim] = 20 }
    return ActivationAnalysis.analyze(
      module: name, featureMax: values, outFeatures: 4, settings: ActivationSettings())
  }

  /// The capture of a BERT-like model: 3 layers and a pooler outside them. Dim 7 is an outlier in
  /// every layer; dim 30 in layer 0 and the pooler only (one layer: not systematic).
  static func captureWithAPooler() -> ActivationAnalysis {
    let modules =
      (0..<3).map {
        profile("model.layers.\($0).self_attn.q_proj", outliers: $0 == 0 ? [7, 30] : [7])
      }
      + [profile("pooler.dense", outliers: [7, 30, 50])]
    return ActivationAnalysis(
      path: "acts.safetensors", settings: ActivationSettings(), modules: modules, problems: [])
  }

  @Test func thePoolerIsNoLayerOfTheSystematicRule() {
    let analysis = Self.captureWithAPooler()
    #expect(analysis.systematicDims.map(\.dim) == [7])
    #expect(analysis.systematicDims.first?.layers == [0, 1, 2])
    let derived = ActivationOutliers(analysis, threshold: 6)
    #expect(derived.systematic.map(\.dim) == [7])
    #expect(derived.systematic.first?.layers == [0, 1, 2])
    #expect(derived.featuresByModule["pooler.dense"] == [7, 30, 50])
  }

  @Test func activationMapCountsOnlyTheLayersAndTellsThePoolerApart() {
    var state = Fixture.state()
    state.activationsPath = "acts.safetensors"
    state.receiveActivations(Self.captureWithAPooler())
    state.handle(.character("o"), pageHeight: 10)
    state.handle(.character("a"), pageHeight: 10)
    #expect(state.mapSource == .activations)
    var canvas = Canvas(width: 160, height: 50)
    Screens.render(state, into: &canvas, context: RenderContext(isMonochrome: false))
    let rows = canvas.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(!canvas.text.contains("(no layer)"), "\(canvas.text)")
    // Under the source line: the hidden width's heading, then layer 0, 1, 2 (the pooler is no
    // layer), the arrow under dim 7 and its number.
    #expect(rows[2].hasPrefix(" in 64 · 1 dim/cell · 3 layers · systematic: 7 "), "\(rows[2])")
    #expect(rows[3].hasPrefix(" layer 0 "), "\(rows[3])")
    #expect(rows[5].hasPrefix(" layer 2 "), "\(rows[5])")
    let dim7 = OutlierMapScreen.labelWidth + 1 + 7
    #expect(Array(rows[6])[dim7] == "↑", "\(rows[6])")
    #expect(String(Array(rows[7])[dim7...].prefix(2)) == "7 ", "\(rows[7])")
    #expect(
      canvas.text.contains(
        "4 modules captured · 4 with outlier features · outside the layers: pooler.dense (3 outlier features)"
      ), "\(canvas.text)")
  }
}
