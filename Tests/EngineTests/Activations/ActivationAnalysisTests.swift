import Reports
import Safetensors
import Synthetic
import Testing

@testable import Engine

/// Per-module outlier features, token fractions, sampling, systematic dims and the reports.
@Suite struct ActivationAnalysisTests {
  static let fixtureX = Array(ActivationOutputTests.fixtureX.joined())
  static let fixtureW = Array(ActivationOutputTests.fixtureW.joined())

  static func fixtureModule(_ name: String, settings: ActivationSettings = .init())
    -> ModuleActivation
  {
    ActivationAnalysis.analyze(
      module: name, x: fixtureX, tokens: 4, features: 6, weight: fixtureW, weightDType: .F32,
      outFeatures: 3, settings: settings)
  }
}

// MARK: - One module

extension ActivationAnalysisTests {
  @Test func twoDimensionalFixture() {
    let m = Self.fixtureModule("model.layers.2.mlp.down_proj")
    #expect(m.layer == 2)
    #expect(m.outlierFeatures == [2, 3, 4])
    #expect(m.featureAbsmax == [5.99, 2.2, 6.0, 5.9999995, 7.5, 2.0])
    // Rows 0 (6.0), 1 (−7.5) and 3 (5.9999995) hold an outlier element; row 2 none.
    #expect(m.outlierTokens == 3)
    #expect(m.outlierElements == 3)
    #expect(m.outlierTokenFraction == 0.75)
    #expect(m.outlierFeatureFraction == 0.5)
    #expect(m.sampledTokens == 4)
    let reference = ActivationOutputTests.referenceInt8(
      x: ActivationOutputTests.fixtureX, w: ActivationOutputTests.fixtureW, threshold: 6)
    let exact = ActivationOutputTests.exact(
      x: ActivationOutputTests.fixtureX, w: ActivationOutputTests.fixtureW)
    let expected = ActivationOutputTests.relErr(reference, exact)
    let rel = m.outputError[.int8Decomposed]?.relErr ?? .nan
    #expect(abs(rel - expected) <= ActivationOutputTests.summationOrderTolerance * 1e3 * expected)
    #expect((m.decompositionGain ?? 0) > 1)
  }

  @Test func thresholdZeroHasNoOutliersAndEqualErrors() {
    let m = Self.fixtureModule("m", settings: ActivationSettings(threshold: 0))
    #expect(m.outlierFeatures.isEmpty)
    #expect(m.outlierTokens == 0)
    #expect(m.outputError[.int8Decomposed] == m.outputError[.int8])
  }

  @Test func sampledTokensAreEvenlySpacedRows() {
    let settings = ActivationSettings(maxTokens: 2, minTokens: 1)
    let m = Self.fixtureModule("m", settings: settings)
    #expect(m.sampledTokens == 2)
    // Outlier statistics still cover every token.
    #expect(m.outlierTokens == 3)
    // Rows 0 and 2 were simulated: compare with the reference on those rows only.
    let rows = [ActivationOutputTests.fixtureX[0], ActivationOutputTests.fixtureX[2]]
    let reference = ActivationOutputTests.referenceInt8(
      x: rows, w: ActivationOutputTests.fixtureW, threshold: 6)
    let expected = ActivationOutputTests.relErr(
      reference, ActivationOutputTests.exact(x: rows, w: ActivationOutputTests.fixtureW))
    let rel = m.outputError[.int8Decomposed]?.relErr ?? .nan
    #expect(abs(rel - expected) <= ActivationOutputTests.summationOrderTolerance * 1e3 * expected)
  }

  @Test func sampleSizeFollowsTheBudget() {
    let s = ActivationSettings(maxTokens: 2048, macBudget: 1 << 20, minTokens: 16)
    #expect(s.sampledTokens(tokens: 64, inFeatures: 16, outFeatures: 16) == 64)
    #expect(s.sampledTokens(tokens: 10_000, inFeatures: 128, outFeatures: 128) == 64)
    #expect(s.sampledTokens(tokens: 10_000, inFeatures: 4096, outFeatures: 4096) == 16)
    #expect(s.sampledTokens(tokens: 8, inFeatures: 4096, outFeatures: 4096) == 8)
  }

  @Test func featureMaxCaptureUsesFp16Threshold() {
    // 6.0 and 5.999 (→ fp16 6) are outliers, 5.997 (→ fp16 5.99609375) is not; signs ignored.
    let m = ActivationAnalysis.analyze(
      module: "model.layers.0.self_attn.q_proj", featureMax: [6.0, 5.999, 5.997, -60, 1],
      outFeatures: 8, settings: ActivationSettings())
    #expect(m.outlierFeatures == [0, 1, 3])
    #expect(m.tokens == nil)
    #expect(m.outlierTokenFraction == nil)
    #expect(m.outputError.isEmpty)
  }
}

// MARK: - Across modules

extension ActivationAnalysisTests {
  static func profileModule(_ name: String, outliers: [Int], features: Int = 16) -> ModuleActivation
  {
    var profile = [Float](repeating: 1, count: features)
    for d in outliers { profile[d] = 20 }
    return ActivationAnalysis.analyze(
      module: name, featureMax: profile, outFeatures: 4, settings: ActivationSettings())
  }

  @Test func systematicDimsNeedTwoLayersAndAQuarter() {
    let modules = [
      Self.profileModule("model.layers.0.self_attn.q_proj", outliers: [3, 9]),
      Self.profileModule("model.layers.1.self_attn.q_proj", outliers: [3]),
      Self.profileModule("model.layers.2.self_attn.q_proj", outliers: [3, 5]),
      Self.profileModule("model.layers.3.self_attn.q_proj", outliers: [5]),
      Self.profileModule("model.layers.3.mlp.down_proj", outliers: [3], features: 32),
    ]
    let analysis = ActivationAnalysis(
      path: "a", settings: ActivationSettings(), modules: modules, problems: [])
    let dims = analysis.systematicDims
    #expect(dims.map(\.dim) == [3, 5])
    #expect(dims[0].layers == [0, 1, 2])
    #expect(dims[0].features == 16)
    #expect(dims[1].layers == [2, 3])
    #expect(analysis.outlierDimsByLayer[3]?[32] == [3])
    #expect(analysis.outlierDimsByLayer[0]?[16] == [3, 9])
  }

  @Test func reportsListModulesSystematicDimsAndProblems() {
    let modules = [
      Self.fixtureModule("model.layers.0.mlp.down_proj"),
      Self.fixtureModule("model.layers.1.mlp.down_proj"),
    ]
    let analysis = ActivationAnalysis(
      path: "acts.safetensors", settings: ActivationSettings(), modules: modules,
      problems: ["model.x: no tensor model.x.weight in the weight checkpoint"])
    let table = ActivationReport.table(analysis)
    #expect(table.contains("model.layers.1.mlp.down_proj"))
    #expect(table.contains("2 3 4"))
    #expect(table.contains("75.0%"))
    #expect(table.contains("dim 4 of 6: layers 0,1"))
    #expect(table.contains("model.x: no tensor model.x.weight in the weight checkpoint"))
    let json = ActivationReport.json(analysis, includeProfiles: true)
    #expect(json.contains("\"outlier_features\":[2,3,4]"))
    #expect(json.contains("\"outlier_token_fraction\":0.75"))
    #expect(json.contains("\"int8-decomposed\":{\"rel_err\":"))
    #expect(json.contains("\"feature_absmax\":[5.99,2.2,6.0,5.9999995,7.5,2.0]"))
    #expect(json.hasPrefix("{\"capture\":\"acts.safetensors\",\"threshold\":6.0,"))
    #expect(
      json.contains("\"problems\":[\"model.x: no tensor model.x.weight in the weight checkpoint\"]")
    )
  }
}

// MARK: - Demo capture

extension ActivationAnalysisTests {
  @Test func demoCaptureHasEveryModuleAndTheDesignedOutliers() {
    let captures = DemoActivations.captures()
    #expect(captures.count == DemoActivations.layers * 7)
    let analysis = ActivationAnalysis(
      path: "demo", settings: ActivationSettings(),
      modules: captures.map { c in
        var profile = [Float](repeating: 0, count: c.features)
        for (i, v) in c.values.enumerated() {
          profile[i % c.features] = max(profile[i % c.features], abs(v))
        }
        return ActivationAnalysis.analyze(
          module: c.module, featureMax: profile, outFeatures: 1, settings: ActivationSettings())
      }, problems: [])
    let q0 = analysis.module(named: "model.layers.0.self_attn.q_proj")
    // Layer 0's dim 266 is exactly the threshold, so an outlier; 129 and 401 start later.
    #expect(q0?.featureAbsmax[266] == 6)
    #expect(q0?.outlierFeatures == [37, 266])
    #expect(
      analysis.module(named: "model.layers.3.mlp.up_proj")?.outlierFeatures
        == DemoActivations.systematicHiddenDims)
    #expect(analysis.module(named: "model.layers.3.mlp.down_proj")?.outlierFeatures == [211, 990])
    let hiddenSystematic = analysis.systematicDims.filter { $0.features == DemoActivations.hidden }
    #expect(hiddenSystematic.map(\.dim) == DemoActivations.systematicHiddenDims)
    let peak = captures.flatMap(\.values).map { abs($0) }.max() ?? 0
    #expect(peak <= 60)  // the largest designed magnitude
  }
}

extension ActivationAnalysisTests {
  @Test func demoCaptureMatchesTheDemoCheckpointLayout() {
    let weights = DemoCheckpoint.shape.tensors.map {
      TensorInfo(
        name: $0.name, dtype: .BF16, shape: $0.shape, fileIndex: 0, fileOffset: 0, byteCount: 0)
    }
    let capture = DemoActivations.captures().map {
      TensorInfo(
        name: $0.module, dtype: .F16, shape: [DemoActivations.tokens, $0.features], fileIndex: 0,
        fileOffset: 0, byteCount: 0)
    }
    let matched = ActivationCapture.match(
      capture: Checkpoint(
        path: "a", indexPath: nil, totalSizeHint: nil, files: [], tensors: capture, warnings: []),
      weights: Checkpoint(
        path: "w", indexPath: nil, totalSizeHint: nil, files: [], tensors: weights, warnings: []))
    #expect(matched.problems.isEmpty)
    #expect(matched.entries.count == DemoActivations.layers * 7)
  }
}
