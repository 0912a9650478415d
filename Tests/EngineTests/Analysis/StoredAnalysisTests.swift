import Engine
import Safetensors
import TestSupport
import Testing

/// Analysing pre-quantized checkpoints (fixtures of scripts/make-prequantized.py): the statistics,
/// histograms, outliers and other formats' errors are those of bitsandbytes' dequantized weights,
/// and the stored format's code usage is the stored codes' (counted by torch).
@Suite struct StoredAnalysisTests {
  static let directory = FixturePaths.root + "/prequantized"
  static let names = ["model.layers.0.mlp.up_proj.weight", "model.layers.0.mlp.down_proj.weight"]

  static func expectedValues(_ fixture: String, _ name: String) throws -> (
    TensorInfo, [Float], [UInt64]?
  ) {
    let checkpoint = try Checkpoint.open(directory + "/expected/" + fixture + ".safetensors")
    let reader = try TensorDataReader(checkpoint: checkpoint)
    let tensor = try #require(checkpoint.tensors.first { $0.name == name })
    var values = [Float](repeating: 0, count: tensor.elementCount)
    try values.withUnsafeMutableBufferPointer {
      try reader.readFloats(of: tensor, from: 0, count: tensor.elementCount, into: $0.baseAddress!)
    }
    var counts: [UInt64]?
    if let countsTensor = checkpoint.tensors.first(where: { $0.name == name + ".code_counts" }) {
      var raw = [UInt8](repeating: 0, count: Int(countsTensor.byteCount))
      try raw.withUnsafeMutableBytes { try reader.readBytes(of: countsTensor, at: 0, into: $0) }
      counts = stride(from: 0, to: raw.count, by: 8).map { start in
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(raw[start + $1]) << (8 * $1) }
      }
    }
    return (tensor, values, counts)
  }

  @Test(arguments: ["nf4", "nf4-dq", "fp4", "int8", "fp8-block"])
  func analysisIsThatOfTheDequantizedWeights(_ fixture: String) throws {
    let checkpoint = try Checkpoint.open(Self.directory + "/" + fixture)
    let settings = AnalysisSettings(threshold: 0.5)
    let analyses = try Analyzer(
      checkpoint: checkpoint, settings: settings, backend: CPUBackend(threads: 2), jobs: 1
    ).run()
    for name in Self.names {
      let index = try #require(checkpoint.tensors.firstIndex { $0.name == name })
      let analysis = try #require(analyses[index])
      let stored = try #require(checkpoint.tensors[index].stored)
      let (_, values, counts) = try Self.expectedValues(fixture, name)
      // The same values analysed from memory give the same statistics, histograms and outliers.
      let reference = try CPUBackend.analyse(
        values: values, dtype: checkpoint.tensors[index].dtype,
        shape: checkpoint.tensors[index].shape,
        settings: settings)
      #expect(analysis.stats == reference.stats)
      #expect(analysis.histogram == reference.histogram)
      #expect(analysis.outliers == reference.outliers)
      let usage = try #require(analysis.stored)
      #expect(usage.mark == stored.mark)
      if let counts {
        #expect(usage.codeCounts == counts, "\(fixture) \(name)")
        if let format = StoredCodeUsage.matchingFormat(stored) {
          let metrics = try #require(analysis.formats[format])
          #expect(metrics.codeCounts == counts)
          #expect(
            metrics.relErr.isNaN && metrics.mse.isNaN,
            "the stored format's own error is not measurable")
        }
      }
      // Every other format's error is measured on the dequantized weights.
      for format in settings.formats where format != StoredCodeUsage.matchingFormat(stored) {
        #expect(
          analysis.formats[format]?.relErr == reference.formats[format]?.relErr,
          "\(fixture) \(format)")
      }
    }
  }

  /// The up_proj fixture has an outlier column (column 7, ×40) that the dequantized weights keep.
  @Test func outlierColumnSurvivesDequantization() throws {
    let checkpoint = try Checkpoint.open(Self.directory + "/nf4-dq")
    let index = try #require(checkpoint.tensors.firstIndex { $0.name == Self.names[0] })
    let analyses = try Analyzer(
      checkpoint: checkpoint, settings: AnalysisSettings(threshold: 0.5),
      backend: CPUBackend(threads: 1), jobs: 1
    ).run(order: [index], only: true)
    #expect(analyses[index]?.outliers?.indices == [7])
  }
}

// MARK: - GPT-2 (Conv1D) saves

extension StoredAnalysisTests {
  static let gpt2Weights = [
    "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_proj.weight",
    "transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.c_proj.weight",
  ]

  /// A GPT-2 loaded and saved by transformers with bitsandbytes (scripts/make-prequantized.py
  /// --gpt2): transformers transposed each Conv1D weight before bitsandbytes quantized it, so the
  /// save holds [out, in] and QuantScope must not transpose it again, as it does an unquantized
  /// GPT-2's [in, out]. The weight planted on input feature 37 is outlier column 37 (not its
  /// output feature 100), in_features is 64, and the values are bitsandbytes' bit for bit.
  @Test(arguments: ["gpt2-nf4-dq", "gpt2-int8"])
  func gpt2ConvWeightsAreAnalysedAsSaved(_ fixture: String) throws {
    let checkpoint = try Checkpoint.open(Self.directory + "/" + fixture)
    let reader = try TensorDataReader(checkpoint: checkpoint)
    let architecture = ModelArchitecture(checkpoint)
    let planted = try Self.plantedInputFeature(fixture)
    let analyses = try Analyzer(
      checkpoint: checkpoint, settings: AnalysisSettings(), backend: CPUBackend(threads: 2), jobs: 1
    ).run()
    for name in Self.gpt2Weights {
      let index = try #require(checkpoint.tensors.firstIndex { $0.name == name })
      let tensor = checkpoint.tensors[index]
      #expect(tensor.stored?.isBitsandbytes == true, "\(name)")
      let role = architecture.role(of: tensor)
      #expect(role.quantizable && !role.transposed, "\(fixture) \(name): \(role.reason)")
      #expect(architecture.inputFeatures(of: tensor) == tensor.shape[1])
      let (_, want, _) = try Self.expectedValues(fixture, name)
      var got = [Float](repeating: 0, count: tensor.elementCount)
      try got.withUnsafeMutableBufferPointer {
        try reader.readFloats(
          of: tensor, from: 0, count: tensor.elementCount, into: $0.baseAddress!)
      }
      #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "\(fixture) \(name)")
      let outliers = try #require(analyses[index]?.outliers)
      #expect(outliers.columnAbsmax.count == tensor.shape[1])
      #expect(outliers.indices == (name.contains("c_attn") ? [planted] : []), "\(fixture) \(name)")
    }
    #expect(checkpoint.tensors.first { $0.name == Self.gpt2Weights[0] }?.shape == [192, 64])
  }

  /// The input feature the fixture script planted a large weight on (an I64 in expected/).
  static func plantedInputFeature(_ fixture: String) throws -> Int {
    let checkpoint = try Checkpoint.open(directory + "/expected/" + fixture + ".safetensors")
    let tensor = try #require(checkpoint.tensors.first { $0.name == "planted_input_feature" })
    var raw = [UInt8](repeating: 0, count: 8)
    try raw.withUnsafeMutableBytes {
      try TensorDataReader(checkpoint: checkpoint).readBytes(of: tensor, at: 0, into: $0)
    }
    return Int((0..<8).reduce(UInt64(0)) { $0 | UInt64(raw[$1]) << (8 * $1) })
  }
}
