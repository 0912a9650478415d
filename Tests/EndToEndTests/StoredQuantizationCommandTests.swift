import FoundationEssentials
import TestSupport
import Testing

/// Pre-quantized checkpoints through the real binary: inspect's marks and parts, report's JSON,
/// export as saved, and one-line errors for malformed parts and impossible export options.
@Suite struct StoredQuantizationCommandTests {
  static let directory = FixturePaths.root + "/prequantized"

  static func run(_ arguments: [String], cache: TemporaryDirectory) throws -> ProcessResult {
    let binary = try #require(BuiltBinary.path, "quantscope is built next to the test bundle")
    return try ProcessRunner.run(
      "/usr/bin/env",
      IsolatedEnvironment.assignments(root: cache.path) + ["NO_COLOR=1", binary] + arguments)
  }

  @Test func inspectShowsTheLogicalTensorAndListsItsParts() throws {
    let cache = try TemporaryDirectory("stored-cli")
    let result = try Self.run(["inspect", Self.directory + "/nf4-dq"], cache: cache)
    #expect(result.status == 0)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    let up = try #require(lines.first { $0.hasPrefix("model.layers.0.mlp.up_proj.weight ") })
    #expect(
      up.contains("BF16") && up.contains("128×256") && up.contains("32,768")
        && up.hasSuffix("stored nf4 (+dq)"))
    #expect(lines.contains { $0.hasPrefix("  ↳ nested_absmax ") })
    // The parts are no rows of their own.
    #expect(!lines.contains { $0.hasPrefix("model.layers.0.mlp.up_proj.weight.absmax") })

    let json = try Self.run(["inspect", "--json", Self.directory + "/nf4-dq"], cache: cache)
    let document = try JSONDecoder().decode(InspectDocument.self, from: Data(json.stdout.utf8))
    let tensor = try #require(
      document.tensors.first { $0.name == "model.layers.0.mlp.up_proj.weight" })
    let stored = try #require(tensor.stored)
    #expect(stored.format == "nf4" && stored.double_quant && stored.blocksize == 64)
    #expect(
      stored.parts.map(\.role) == [
        "codes", "absmax", "quant_map", "nested_absmax", "nested_quant_map", "quant_state",
      ])
    #expect(document.tensors.count == 4)
  }

  @Test func reportJSONGivesStatsOfTheDequantizedWeightsAndStoredCodes() throws {
    let cache = try TemporaryDirectory("stored-cli")
    let result = try Self.run(
      ["report", "--format", "json", "--no-cache", Self.directory + "/fp8-block"], cache: cache)
    #expect(result.status == 0)
    let document = try JSONDecoder().decode(ReportDocument.self, from: Data(result.stdout.utf8))
    let tensor = try #require(
      document.tensors.first { $0.name == "model.layers.0.mlp.up_proj.weight" })
    #expect(tensor.shape == [200, 300])
    #expect(tensor.stats.std > 0.02)
    let codes = try #require(tensor.stored_codes)
    #expect(codes.mark == "stored fp8 e4m3, 128×128 blocks")
    #expect(codes.code_counts.reduce(0, +) == 60_000)
    #expect(!codes.error_measurable)
  }

  @Test func exportLoadsAsSavedAndRefusesAnotherChoice() throws {
    let cache = try TemporaryDirectory("stored-cli")
    let saved = try Self.run(["export", "--no-cache", Self.directory + "/fp4"], cache: cache)
    #expect(saved.status == 0)
    #expect(saved.stdout.contains("bnb_4bit_quant_type: fp4"))
    #expect(saved.stdout.contains("bnb_4bit_use_double_quant: false"))
    #expect(saved.stdout.contains("- lm_head"))
    let other = try Self.run(
      ["export", "--no-cache", "--quant", "nf4", Self.directory + "/fp4"], cache: cache)
    #expect(other.status == 2)
    #expect(
      other.stderr.hasPrefix("quantscope: error: ")
        && other.stderr.split(separator: "\n").count == 1)
    #expect(other.stderr.contains("already quantized by bitsandbytes as fp4"))
    let skip = try Self.run(
      ["export", "--no-cache", "--skip", "model.layers.0.mlp.up_proj", Self.directory + "/fp4"],
      cache: cache)
    #expect(skip.status == 2 && skip.stderr.contains("skip list [lm_head]"))
    let fp8 = try Self.run(["export", "--no-cache", Self.directory + "/fp8-row"], cache: cache)
    #expect(
      fp8.status == 0 && fp8.stderr.contains("bitsandbytes would load the dequantized weights"))
  }

  @Test func malformedPartsGiveOneLineAndStatusTwo() throws {
    let cache = try TemporaryDirectory("stored-cli")
    // The nf4 fixture's file copied into a directory without its down_proj quant_state is not
    // possible to make by copying; a config with a block size that does not fit the FP8 scales is.
    let target = try cache.subdirectory("fp8")
    let source = try FileContents.bytes(Self.directory + "/fp8-block/model.safetensors")
    try SafetensorsFixture.write(source, to: target + "/model.safetensors")
    try cache.write(
      "fp8/config.json", "{\"quantization_config\": {\"weight_block_size\": [64, 64]}}")
    for command in [["inspect"], ["report"]] {
      let result = try Self.run(command + [target], cache: cache)
      #expect(result.status == 2)
      #expect(
        result.stderr.hasPrefix(
          "quantscope: error: \(target)/model.safetensors: tensor model.layers.0.mlp.up_proj.weight: weight_scale_inv"
        ))
      #expect(result.stderr.split(separator: "\n").count == 1)
    }
  }
}

private struct InspectDocument: Decodable {
  struct Part: Decodable {
    let name: String
    let role: String
  }
  struct Stored: Decodable {
    let format: String
    let double_quant: Bool
    let blocksize: Int?
    let parts: [Part]
  }
  struct Tensor: Decodable {
    let name: String
    let stored: Stored?
  }
  let tensors: [Tensor]
}

private struct ReportDocument: Decodable {
  struct Stats: Decodable { let std: Double }
  struct StoredCodes: Decodable {
    let mark: String
    let code_counts: [Int]
    let error_measurable: Bool
  }
  struct Tensor: Decodable {
    let name: String
    let shape: [Int]
    let stats: Stats
    let stored_codes: StoredCodes?
  }
  let tensors: [Tensor]
}
