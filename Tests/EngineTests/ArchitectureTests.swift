import FoundationEssentials
import Safetensors
import Synthetic
import TestSupport
import Testing

@testable import Engine

/// The architecture rules against what transformers 5 and bitsandbytes 0.50.2 do
/// (Tests/Fixtures/checkpoints/architectures.json, made by scripts/checkpoint-fixtures.py).
@Suite struct ArchitectureTests {
  struct Fixture: Decodable {
    struct Architecture: Decodable {
      var `class`: String
      var saved: [String: [Int]]
      var quantized_4bit: [String: Bool]
      var full_params: Int
    }
    var transformers: String
    var architectures: [String: Architecture]
  }

  static let fixture = Result { () throws -> Fixture in
    let bytes = try FileContents.bytes(FixturePaths.checkpoints + "/architectures.json")
    return try JSONDecoder().decode(Fixture.self, from: Data(bytes))
  }

  typealias Preset = SyntheticCheckpoint.Preset
  static let presets: [(String, Preset)] = [
    ("phi", .phi2), ("mixtral", .mixtral), ("gpt2", .gpt2), ("gpt_oss", .moeFused),
  ]

  static func architecture(_ preset: Preset, transformers: Int = 5) -> ModelArchitecture {
    let config = CheckpointConfig.parse(Array(preset.configJSON(nameOrPath: "x").utf8))
    return ModelArchitecture(
      config: config, transformersMajor: transformers, tensorNames: preset.tensors.map(\.name))
  }

  @Test(arguments: presets.map(\.0))
  func smallPresetHasTheTensorsSavePretrainedWrites(modelType: String) throws {
    let expected = try #require(try Self.fixture.get().architectures[modelType])
    let preset = try #require(Self.presets.first { $0.0 == modelType }?.1).small.layers(2)
    var actual: [String: [Int]] = [:]
    for tensor in preset.tensors { actual[tensor.name] = tensor.shape }
    #expect(actual == expected.saved)
    #expect(preset.configJSON(nameOrPath: "x").contains("\"\(expected.class)\""))
  }

  @Test(arguments: presets.map(\.0))
  func fullPresetHasTheRealParameterCount(modelType: String) throws {
    let expected = try #require(try Self.fixture.get().architectures[modelType])
    let preset = try #require(Self.presets.first { $0.0 == modelType }?.1)
    #expect(preset.parameterCount == expected.full_params)
  }

  @Test(arguments: presets.map(\.0))
  func quantizableIsWhatBitsandbytesQuantizesUnderTransformers5(modelType: String) throws {
    let expected = try #require(try Self.fixture.get().architectures[modelType])
    let preset = try #require(Self.presets.first { $0.0 == modelType }?.1).small.layers(2)
    let architecture = Self.architecture(preset)
    for tensor in preset.tensors {
      let role = architecture.role(name: tensor.name, shape: tensor.shape)
      #expect(
        role.quantizable == expected.quantized_4bit[tensor.name], "\(tensor.name): \(role.reason)")
    }
  }

  @Test func mixtralUnderTransformers4QuantizesExpertsAndRouter() {
    let preset = Preset.mixtral.small.layers(1)
    let v4 = Self.architecture(preset, transformers: 4)
    let v5 = Self.architecture(preset, transformers: 5)
    let w1 = "model.layers.0.block_sparse_moe.experts.3.w1.weight"
    let gate = "model.layers.0.block_sparse_moe.gate.weight"
    #expect(v4.role(name: w1, shape: [384, 256]).quantizable)
    #expect(v4.role(name: w1, shape: [384, 256]).module == .expert(3))
    #expect(v4.role(name: gate, shape: [8, 256]).quantizable)
    #expect(v4.role(name: gate, shape: [8, 256]).module == .router)
    #expect(
      v4.role(name: gate, shape: [8, 256]).reason
        == "router Linear (transformers 4): quantized by bitsandbytes; worth keeping in 16-bit (it picks the experts)"
    )
    #expect(!v5.role(name: w1, shape: [384, 256]).quantizable)
    #expect(
      v5.role(name: w1, shape: [384, 256]).reason
        == "expert 3 Linear: transformers 5 merges it into a fused 3-D parameter at load — bitsandbytes leaves it 16-bit"
    )
    #expect(!v5.role(name: gate, shape: [8, 256]).quantizable)
  }

  @Test func fusedExpertsStay16BitUnderBothVersionsAndRunInputFirst() {
    let preset = Preset.moeFused.small.layers(1)
    for major in [4, 5] {
      let role = Self.architecture(preset, transformers: major).role(
        name: "model.layers.0.mlp.experts.gate_up_proj", shape: [8, 256, 512])
      #expect(!role.quantizable)
      #expect(role.fusedExperts == 8)
      #expect(role.transposed)
      #expect(role.reason.hasPrefix("fused 3-D tensor of 8 experts"))
    }
  }

  @Test func conv1DWeightsAreTransposedAndReasonSaysSo() {
    let architecture = Self.architecture(Preset.gpt2.small.layers(1))
    let role = architecture.role(name: "transformer.h.0.mlp.c_fc.weight", shape: [128, 512])
    #expect(role.quantizable && role.transposed && role.module == .mlp)
    #expect(
      role.reason
        == "GPT-2 Conv1D weight stored [in, out]: transformers transposes it, bitsandbytes quantizes the transpose"
    )
    #expect(
      architecture.role(name: "transformer.h.0.attn.c_attn.weight", shape: [128, 384]).module
        == .attention)
    // A LLaMA model has no Conv1D, whatever its names.
    let llama = Self.architecture(Preset.llama1B.layers(1))
    #expect(!llama.role(name: "model.layers.0.mlp.c_proj.weight", shape: [8, 8]).transposed)
  }

  @Test func tiedEmbeddingsAreShownTiedAndPositionTablesAreNeverLinear() {
    let architecture = Self.architecture(Preset.gpt2.small.layers(1))
    #expect(architecture.hasTiedEmbeddings)
    let wte = architecture.role(name: "transformer.wte.weight", shape: [2048, 128])
    #expect(
      wte.reason
        == "embedding, tied to the output head (tie_word_embeddings): nn.Embedding is not converted; counted once"
    )
    #expect(wte.isTiedToHead)
    #expect(!architecture.role(name: "transformer.wpe.weight", shape: [256, 128]).isTiedToHead)
    let wpe = architecture.role(name: "transformer.wpe.weight", shape: [256, 128])
    #expect(!wpe.quantizable && wpe.module == .positionTable)
    let nameOnly = ModelArchitecture(config: nil, tensorNames: [])
    let sinusoid = nameOnly.role(name: "encoder/position_encodings/encodings", shape: [512, 64])
    #expect(!sinusoid.quantizable)
    #expect(sinusoid.reason == "position table (learned or sinusoidal): not a Linear weight")
    #expect(!Self.architecture(Preset.phi2.small).hasTiedEmbeddings)
  }

  @Test func slashSeparatedNamesSplitLikeDottedNames() {
    #expect(
      ModelArchitecture.pathComponents("encoder/layer_0/ffn/linear_0/weight")
        == ["encoder", "layer", "0", "ffn", "linear", "0", "weight"])
    #expect(ModelArchitecture.pathComponents("dense/kernel:0") == ["dense", "kernel"])
    #expect(
      ModelArchitecture.pathComponents("model.layers.0.q_proj.weight") == [
        "model", "layers", "0", "q_proj", "weight",
      ])
    // Underscored names in dotted checkpoints are left whole.
    #expect(ModelArchitecture.pathComponents("a.layer_0.w") == ["a", "layer_0", "w"])
  }
}

/// A GPT-2 Conv1D weight with an outlier input feature planted by scripts/checkpoint-fixtures.py:
/// the analysis must see it as bitsandbytes does, transposed.
@Suite struct Conv1DTranspositionTests {
  struct Expected: Decodable {
    var tensor: String
    var outlier_input_feature: Int
    var nf4_mse_transposed: Double
    var nf4_mse_as_stored: Double
  }

  @Test func outlierFeatureAndErrorsAreThoseOfTheTranspose() throws {
    let folder = FixturePaths.checkpoints + "/conv1d"
    let expected = try JSONDecoder().decode(
      Expected.self, from: Data(try FileContents.bytes(folder + "/expected.json")))
    let checkpoint = try Checkpoint.open(folder)
    let tensor = try #require(checkpoint.tensors.first { $0.name == expected.tensor })
    #expect(tensor.shape == [128, 512])
    let analysis = try CPUBackend(threads: 2).analyse(
      tensor, in: checkpoint, settings: AnalysisSettings(formats: [.nf4, .int8]), cancel: nil,
      progress: nil)
    #expect(analysis.quantizable)
    #expect(analysis.outliers?.indices == [expected.outlier_input_feature])
    #expect(analysis.outliers?.columnAbsmax.count == 128)
    let mse = try #require(analysis.formats[.nf4]?.mse)
    #expect(abs(mse - expected.nf4_mse_transposed) <= 1e-6 * expected.nf4_mse_transposed, "\(mse)")
    #expect(abs(mse - expected.nf4_mse_as_stored) > 0.5 * expected.nf4_mse_transposed)
  }
}

/// Fused 3-D expert tensors: one slice per expert, analysed on its own, and the share of the
/// model that stays 16-bit.
@Suite struct FusedExpertTests {
  @Test func eachExpertSliceIsAnalysedWithItsOwnOutliers() throws {
    let directory = try TemporaryDirectory("fused-slices")
    // gpt-oss layout: [experts, hidden (input features), 2·intermediate]. Expert 2 gets an outlier
    // input feature 5.
    let (experts, hidden, width) = (4, 16, 32)
    var values = [Float](repeating: 0, count: experts * hidden * width)
    var random = SplitMix64(seed: 7)
    for index in values.indices { values[index] = Float(Int(random.next() % 2001) - 1000) / 50_000 }
    for column in stride(from: 0, to: width, by: 4) {
      values[(2 * hidden + 5) * width + column] = 9
    }
    let bytes = values.withUnsafeBytes { Array($0) }
    let name = "model.layers.0.mlp.experts.gate_up_proj"
    try SafetensorsFixture.write(
      SafetensorsFixture.valid([(name, .F32, [experts, hidden, width], bytes)]),
      to: directory.file("model.safetensors"))
    try SafetensorsFixture.write(
      Array(
        #"{"model_type": "gpt_oss", "num_local_experts": 4, "tie_word_embeddings": false}"#.utf8),
      to: directory.file("config.json"))
    let stored = try Checkpoint.open(directory.path)
    let checkpoint = ModelArchitecture(stored).expandingFusedExperts(stored)
    #expect(checkpoint.tensors.map(\.name) == (0..<experts).map { "\(name)[\($0)]" })
    #expect(checkpoint.parameterCount == stored.parameterCount)
    #expect(checkpoint.byteCount == stored.byteCount)
    let backend = CPUBackend(threads: 1)
    for (expert, slice) in checkpoint.tensors.enumerated() {
      #expect(slice.shape == [hidden, width])
      let analysis = try backend.analyse(
        slice, in: checkpoint, settings: AnalysisSettings(formats: [.nf4]), cancel: nil,
        progress: nil)
      #expect(!analysis.quantizable)
      // Input-first slices are read transposed: the outlier is input feature 5, a column.
      #expect(analysis.outliers?.indices == (expert == 2 ? [5] : []), "expert \(expert)")
      #expect(analysis.outliers?.columnAbsmax.count == hidden)
    }
    let role = ModelArchitecture(checkpoint).role(of: checkpoint.tensors[1])
    #expect(role.module == .expert(1))
    #expect(role.reason.hasPrefix("expert 1's slice of a fused 3-D tensor"))
  }

  @Test func sixteenBitShareOfFusedExpertsIsWhatBitsandbytesLeaves() throws {
    let fixture = try #require(try ArchitectureTests.fixture.get().architectures["gpt_oss"])
    var expected16 = 0
    var expectedAll = 0
    for (name, shape) in fixture.saved {
      let count = shape.reduce(1, *)
      expectedAll += count
      if fixture.quantized_4bit[name] == false { expected16 += count }
    }
    let preset = SyntheticCheckpoint.Preset.moeFused.small.layers(2)
    var offset: UInt64 = 0
    let tensors = preset.tensors.map { tensor in
      let bytes = UInt64(tensor.shape.reduce(1, *) * 2)
      defer { offset += bytes }
      return TensorInfo(
        name: tensor.name, dtype: .BF16, shape: tensor.shape, fileIndex: 0, fileOffset: offset,
        byteCount: bytes)
    }
    let architecture = ArchitectureTests.architecture(preset)
    let totals = ModelTotals(
      tensors: tensors, analyses: tensors.map { _ in nil },
      settings: AnalysisSettings(formats: [.nf4]),
      architecture: architecture)
    let share = totals.sixteenBitShare(keeping: [])
    #expect(share.params == expectedAll)
    #expect(share.params16 == expected16)
    #expect(share.isMost)
  }
}

/// Activation captures of a Conv1D module match on its input features: the stored weight's rows.
@Suite struct Conv1DCaptureTests {
  static func writeCapture(features: Int, in directory: TemporaryDirectory) throws -> String {
    let tokens = 8
    var values = [Float](repeating: 0.25, count: tokens * features)
    for token in [1, 4] { values[token * features + 37] = 10 }
    let path = directory.file("capture.safetensors")
    try SafetensorsFixture.write(
      SafetensorsFixture.valid([
        (
          "transformer.h.0.mlp.c_fc", .F32, [tokens, features], values.withUnsafeBytes { Array($0) }
        )
      ]),
      to: path)
    return path
  }

  @Test func captureOfInputFeaturesMatchesTheTransposedWeight() throws {
    let weights = try Checkpoint.open(FixturePaths.checkpoints + "/conv1d")
    let directory = try TemporaryDirectory("conv1d-capture")
    let analysis = try ActivationAnalysis.run(
      capturePath: try Self.writeCapture(features: 128, in: directory), weights: weights)
    #expect(analysis.problems.isEmpty)
    let module = try #require(analysis.modules.first)
    #expect(module.features == 128)
    #expect(module.outFeatures == 512)
    #expect(module.outlierFeatures == [37])
  }

  @Test func captureOfOutputWidthIsRefused() throws {
    let weights = try Checkpoint.open(FixturePaths.checkpoints + "/conv1d")
    let directory = try TemporaryDirectory("conv1d-capture-wrong")
    let capture = try Checkpoint.open(try Self.writeCapture(features: 512, in: directory))
    let matched = ActivationCapture.match(capture: capture, weights: weights)
    #expect(matched.entries.isEmpty)
    #expect(
      matched.problems == [
        "transformer.h.0.mlp.c_fc: capture has 512 features, transformer.h.0.mlp.c_fc.weight has 128 input features (Conv1D rows)"
      ])
  }
}
