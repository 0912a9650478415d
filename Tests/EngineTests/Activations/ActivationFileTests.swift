import Safetensors
import Synthetic
import Testing

@testable import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// Captures read from safetensors files through the project's reader, streamed in row chunks.
@Suite struct ActivationFileTests {
  static func temporaryDirectory() -> String {
    var template = Array("/tmp/quantscope-acts-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { return "/tmp" }
    return String(cString: made)
  }

  static func remove(_ directory: String, _ files: [String]) {
    for file in files { unlink(directory + "/" + file) }
    rmdir(directory)
  }

  static func f32(_ name: String, _ shape: [Int], _ values: [Float]) -> SafetensorsWriter.Entry {
    var bytes: [UInt8] = []
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
    return SafetensorsWriter.Entry(name: name, dtype: .F32, shape: shape, bytes: bytes)
  }

  /// Weights for two modules; a capture with one good 2-D module, one good 1-D module, one with a
  /// wrong feature count and one with no weight.
  static func writeFixture(_ directory: String) throws {
    let x = ActivationAnalysisTests.fixtureX
    let w = ActivationAnalysisTests.fixtureW
    try SafetensorsWriter.write(
      [
        f32("model.layers.0.mlp.down_proj.weight", [3, 6], w),
        f32("model.layers.1.mlp.down_proj.weight", [3, 6], w),
        f32("model.layers.1.mlp.up_proj.weight", [6, 3], w),
      ], to: directory + "/model.safetensors")
    try SafetensorsWriter.write(
      [
        f32("model.layers.0.mlp.down_proj", [4, 6], x),
        f32("model.layers.1.mlp.down_proj", [6], [1, 2, 6, 3, -9, 0]),
        f32("model.layers.1.mlp.up_proj", [2, 6], Array(x[0..<12])),
        f32("model.layers.9.mlp.down_proj", [2, 6], Array(x[0..<12])),
      ], to: directory + "/acts.safetensors")
  }
}

extension ActivationFileTests {
  @Test(arguments: [1, 3, 256])
  func streamedCaptureEqualsInMemoryAnalysis(rowsPerChunk: Int) throws {
    let directory = Self.temporaryDirectory()
    defer { Self.remove(directory, ["model.safetensors", "acts.safetensors"]) }
    try Self.writeFixture(directory)
    let weights = try Checkpoint.open(directory + "/model.safetensors")
    let settings = ActivationSettings(rowsPerChunk: rowsPerChunk)
    let analysis = try ActivationAnalysis.run(
      capturePath: directory + "/acts.safetensors", weights: weights, settings: settings)
    #expect(
      analysis.problems == [
        "model.layers.1.mlp.up_proj: capture has 6 features, model.layers.1.mlp.up_proj.weight has 3 columns",
        "model.layers.9.mlp.down_proj: no tensor model.layers.9.mlp.down_proj.weight in the weight checkpoint",
      ])
    #expect(
      analysis.modules.map(\.module) == [
        "model.layers.0.mlp.down_proj", "model.layers.1.mlp.down_proj",
      ])
    let expected = ActivationAnalysisTests.fixtureModule(
      "model.layers.0.mlp.down_proj", settings: settings)
    #expect(analysis.modules.first == expected)
    #expect(analysis.modules.last?.outlierFeatures == [2, 4])
    #expect(analysis.modules.last?.featureAbsmax == [1, 2, 6, 3, 9, 0])
  }

  @Test func missingCaptureFileIsAnError() {
    let weights = Checkpoint(
      path: "w", indexPath: nil, totalSizeHint: nil, files: [], tensors: [], warnings: [])
    #expect(throws: SafetensorsError.self) {
      try ActivationAnalysis.run(capturePath: "/nonexistent/acts.safetensors", weights: weights)
    }
  }

  @Test func demoCaptureFileReadsBack() throws {
    let directory = Self.temporaryDirectory()
    defer { Self.remove(directory, [DemoActivations.fileName]) }
    let path = try DemoActivations.write(to: directory)
    let file = try Checkpoint.open(path)
    let captures = DemoActivations.captures()
    #expect(file.tensors.count == captures.count)
    let reader = try TensorDataReader(checkpoint: file)
    for capture in captures {
      let info = file.tensors.first { $0.name == capture.module }
      #expect(info?.shape == [DemoActivations.tokens, capture.features])
      #expect(info?.dtype == .F16)
      guard let info else { continue }
      var values = [Float](repeating: 0, count: capture.values.count)
      try values.withUnsafeMutableBufferPointer { out in
        guard let base = out.baseAddress else { return }
        try reader.readFloats(of: info, from: 0, count: out.count, into: base)
      }
      #expect(values == capture.values)
    }
  }
}
