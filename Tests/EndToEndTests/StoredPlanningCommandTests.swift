import FoundationEssentials
import TestSupport
import Testing

/// Choosing on pre-quantized checkpoints through the real binary: a bitsandbytes save loads only
/// as saved, so `plan`, `export --budget`, `--skip-worst` and `--skip-above` refuse it in one
/// line (exit 2); FP8 weights reach bitsandbytes dequantized, so they are planned and ranked from
/// the errors of the dequantized weights. The stored format's own error reads "stored", never nan.
@Suite struct StoredPlanningCommandTests {
  static let directory = FixturePaths.root + "/prequantized"

  static func run(_ arguments: [String], cache: TemporaryDirectory) throws -> ProcessResult {
    try StoredQuantizationCommandTests.run(arguments, cache: cache)
  }

  static func expectOneLineRefusal(
    _ result: ProcessResult, _ fixture: String, saved: String, asking: String
  ) {
    #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    #expect(
      result.stderr.hasPrefix(
        "quantscope: error: \(directory)/\(fixture): the checkpoint is already quantized by bitsandbytes as \(saved) and loads only as saved"
      ), "\(result.stderr)")
    #expect(result.stderr.contains("\(asking) has nothing to choose"), "\(result.stderr)")
  }

  @Test func aBitsandbytesSaveIsNotPlannedNorRanked() throws {
    let cache = try TemporaryDirectory("stored-plan")
    let nf4dq = Self.directory + "/nf4-dq"
    Self.expectOneLineRefusal(
      try Self.run(["plan", nf4dq, "--budget", "1MB", "--no-cache"], cache: cache), "nf4-dq",
      saved: "nf4 with double quant", asking: "plan")
    Self.expectOneLineRefusal(
      try Self.run(["export", nf4dq, "--budget", "1MB", "--no-cache"], cache: cache), "nf4-dq",
      saved: "nf4 with double quant", asking: "export --budget")
    Self.expectOneLineRefusal(
      try Self.run(["export", Self.directory + "/int8", "--skip-worst", "1"], cache: cache),
      "int8", saved: "int8", asking: "--skip-worst")
    Self.expectOneLineRefusal(
      try Self.run(["export", Self.directory + "/fp4", "--skip-above", "0.01"], cache: cache),
      "fp4", saved: "fp4 without double quant", asking: "--skip-above")
    // Without ranking options the save still exports as saved.
    #expect(try Self.run(["export", nf4dq, "--no-cache"], cache: cache).status == 0)
  }

  @Test func fp8WeightsArePlannedAndRankedFromTheDequantizedWeights() throws {
    let cache = try TemporaryDirectory("stored-plan")
    let fp8 = Self.directory + "/fp8-block"
    let plan = try Self.run(["plan", fp8, "--budget", "64kB"], cache: cache)
    #expect(plan.status == 0, "\(plan.stderr)")
    #expect(plan.stderr.contains("what the plan's errors measure"))
    #expect(plan.stdout.contains("choice "))
    // FP8 weights kept in 16-bit cost 16-bit bytes (they load dequantized): keeping both would
    // need twice their FP8 size, over a budget of 100 kB, so the plan keeps within it.
    let json = try Self.run(["plan", fp8, "--budget", "100kB", "--format", "json"], cache: cache)
    let planned = try JSONDecoder().decode(PlanDocument.self, from: Data(json.stdout.utf8))
    #expect(planned.memory.weights_bytes <= planned.budget_bytes, "\(json.stdout)")
    let keepBoth = try #require(planned.frontier.max { $0.skip < $1.skip })
    #expect(keepBoth.skip == 2 && keepBoth.weights_bytes > planned.budget_bytes)

    // --skip-worst 1 keeps the module whose nf4-dq rel_err the report ranks highest.
    let report = try Self.run(["report", fp8, "--format", "json"], cache: cache)
    let document = try JSONDecoder().decode(Report.self, from: Data(report.stdout.utf8))
    let worst = try #require(
      document.tensors.filter { $0.quantizable }.max {
        ($0.formats?["nf4-dq"]?.rel_err ?? -1) < ($1.formats?["nf4-dq"]?.rel_err ?? -1)
      })
    let module = String(worst.name.dropLast(".weight".count))
    let export = try Self.run(["export", fp8, "--skip-worst", "1"], cache: cache)
    #expect(export.status == 0, "\(export.stderr)")
    let skipped = export.stdout.split(separator: "\n").filter {
      $0.hasPrefix("    - ") && !$0.contains("lm_head")
    }
    #expect(skipped.count == 1 && skipped[0].hasPrefix("    - \(module) "), "\(export.stdout)")
  }

  @Test func theReportTableSaysStoredWhereTheOwnErrorWouldBe() throws {
    let cache = try TemporaryDirectory("stored-plan")
    let table = try Self.run(["report", Self.directory + "/nf4-dq"], cache: cache)
    #expect(table.status == 0)
    #expect(!table.stdout.contains("nan"), "\(table.stdout)")
    let lines = table.stdout.split(separator: "\n").map(String.init)
    let up = try #require(lines.first { $0.hasPrefix("model.layers.0.mlp.up_proj.weight ") })
    // Columns: name [mark], shape, dtype, nf4, nf4-dq, ...: nf4-dq is the stored one.
    let cells = up.split(separator: " ").map(String.init)
    let dtype = try #require(cells.firstIndex(of: "BF16"))
    #expect(cells[dtype + 2] == "stored", "\(up)")
    #expect(Double(cells[dtype + 1]) != nil && Double(cells[dtype + 3]) != nil, "\(up)")
    #expect(lines.contains { $0.hasPrefix("nf4-dq ") && $0.contains(" stored ") })
    let json = try Self.run(
      ["report", Self.directory + "/nf4-dq", "--format", "json"], cache: cache)
    let totals = try #require(
      try JSONDecoder().decode(Totals.self, from: Data(json.stdout.utf8)).totals.formats["nf4-dq"])
    #expect(totals.error_measurable == false && totals.rel_err == nil)
    let export = try Self.run(["export", Self.directory + "/nf4-dq"], cache: cache)
    #expect(!export.stdout.contains("nan"), "\(export.stdout)")
    #expect(export.stdout.contains("nf4-dq stored (not measurable)"))
  }
}

private struct Report: Decodable {
  struct Metrics: Decodable { let rel_err: Double? }
  struct Tensor: Decodable {
    let name: String
    let quantizable: Bool
    let formats: [String: Metrics]?
  }
  let tensors: [Tensor]
}

private struct Totals: Decodable {
  struct Format: Decodable {
    let rel_err: Double?
    let error_measurable: Bool?
  }
  struct Body: Decodable { let formats: [String: Format] }
  let totals: Body
}

/// The fields of `plan --format json` these tests read.
private struct PlanDocument: Decodable {
  struct Memory: Decodable { var weights_bytes: UInt64 }
  struct Point: Decodable {
    var weights_bytes: UInt64
    var skip: Int
  }
  var budget_bytes: UInt64
  var memory: Memory
  var frontier: [Point]
}
