import Engine
import FoundationEssentials
import Safetensors
import TestSupport
import Testing

@testable import Exporter

/// The adapter count of the QLoRA estimate against PEFT's trainable parameters
/// (`Tests/Fixtures/lora/peft_trainable.json`, made by `scripts/make-lora-fixture.py` with PEFT's
/// `target_modules="all-linear"` on tiny LLaMA and BERT models).
@Suite struct TrainingMemoryTests {
  struct Fixture: Decodable {
    struct Model: Decodable {
      struct Tensor: Decodable {
        var name: String
        var shape: [Int]
        var dtype: String
      }
      var model: String
      var tensors: [Tensor]
      var trainable: [String: Int]
    }
    var models: [Model]
  }

  static func fixture() throws -> Fixture {
    let bytes = try FileContents.bytes(FixturePaths.root + "/lora/peft_trainable.json")
    return try JSONDecoder().decode(Fixture.self, from: Data(bytes))
  }

  @Test func adapterParamsEqualPEFTsTrainableCount() throws {
    let fixture = try Self.fixture()
    #expect(fixture.models.count == 2)
    for model in fixture.models {
      let checkpoint = ExporterFixtures.checkpoint(
        model.tensors.map { ($0.name, $0.shape) },
        path: "/nonexistent/\(model.model)/model.safetensors")
      #expect(!model.trainable.isEmpty)
      for (rank, expected) in model.trainable {
        var settings = TrainingSettings()
        settings.loraR = try #require(Int(rank))
        let memory = TrainingMemory(
          tensors: checkpoint.tensors, config: nil, settings: settings)
        #expect(memory.adapterParams == expected, "\(model.model) r=\(rank)")
        #expect(memory.items.first?.bytes == UInt64(expected) * 4)
      }
    }
  }

  @Test func checkpointingAndEightBitOptimizersNeedLess() throws {
    let checkpoint = ExporterFixtures.checkpoint()
    var settings = TrainingSettings()
    settings.loraR = 64  // adapter matrices of ≥ 4,096 elements get 8-bit states
    let full = TrainingMemory(
      tensors: checkpoint.tensors, config: nil, settings: settings)
    settings.gradientCheckpointing = false
    settings.optimizer = .adamw8bit
    let other = TrainingMemory(
      tensors: checkpoint.tensors, config: nil, settings: settings)
    func item(_ memory: TrainingMemory, _ name: String) -> UInt64 {
      memory.items.first { $0.name == name }?.bytes ?? 0
    }
    #expect(item(full, "activations") < item(other, "activations"))
    #expect(item(full, "optimizer states") == UInt64(full.adapterParams) * 8)
    #expect(item(other, "optimizer states") < item(full, "optimizer states"))
    // Dimensions read off the shapes when there is no config.json.
    #expect(
      full.dimensions.hidden == ExporterFixtures.hidden
        && full.dimensions.layers == ExporterFixtures.layers)
    #expect(
      full.dimensions.vocab == ExporterFixtures.vocab
        && full.dimensions.intermediate == ExporterFixtures.intermediate)
  }
}
