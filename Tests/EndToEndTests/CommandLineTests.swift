import FoundationEssentials
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The real `quantscope` binary driven as a user would from a shell: exit codes, one-line errors,
/// and the documents `inspect --json` and `report --format json|csv` print.
@Suite struct CommandLineTests {}

/// Runs the built binary with private home, cache, config and state folders under `cache` (so no
/// test reads or writes the user's own).
private func quantscope(_ arguments: [String], cache: TemporaryDirectory) throws -> ProcessResult {
  let binary = try #require(BuiltBinary.path, "quantscope is built next to the test bundle")
  return try ProcessRunner.run(
    "/usr/bin/env",
    IsolatedEnvironment.assignments(root: cache.path) + ["NO_COLOR=1", binary] + arguments)
}

private var goldenInputs: String { FixturePaths.golden + "/inputs.safetensors" }

// MARK: - Errors and usage

extension CommandLineTests {
  @Test func versionAndHelpExitZero() throws {
    let cache = try TemporaryDirectory("cli")
    let version = try quantscope(["--version"], cache: cache)
    #expect(version.status == 0)
    #expect(version.stdout.hasPrefix("quantscope "))
    let help = try quantscope(["--help"], cache: cache)
    #expect(help.status == 0)
    for command in ["inspect", "report", "bench", "synth", "doctor"] {
      #expect(help.stdout.contains("  \(command) "), "help lists \(command)")
    }
    let commandHelp = try quantscope(["help", "report"], cache: cache)
    #expect(commandHelp.status == 0 && commandHelp.stdout.contains("--threshold"))
  }

  @Test func badFileGivesOneLineErrorAndStatusTwo() throws {
    let cache = try TemporaryDirectory("cli")
    let path = cache.file("broken.safetensors")
    try SafetensorsFixture.write([1, 2, 3], to: path)
    for command in [["inspect", path], ["report", path], [path]] {
      let result = try quantscope(command, cache: cache)
      #expect(result.status == 2, "\(command)")
      #expect(result.stdout.isEmpty)
      #expect(
        result.stderr
          == "quantscope: error: \(path): file is 3 bytes, too short for a safetensors header\n",
        "\(command)")
    }
  }

  @Test func missingPathAndUsageErrors() throws {
    let cache = try TemporaryDirectory("cli")
    let missing = try quantscope(["inspect", cache.file("nope")], cache: cache)
    #expect(missing.status == 2)
    #expect(missing.stderr.hasPrefix("quantscope: error: \(cache.file("nope")): "))
    #expect(missing.stderr.split(separator: "\n").count == 1)
    let usage = try quantscope(["report", goldenInputs, "--format", "xml"], cache: cache)
    #expect(usage.status == 2)
    #expect(usage.stderr.contains("see 'quantscope --help'"))
    let blocksize = try quantscope(["report", goldenInputs, "--blocksize", "48"], cache: cache)
    #expect(blocksize.status == 2 && blocksize.stderr.contains("power of two"))
    let cuda = try quantscope(["report", goldenInputs, "--engine", "cuda"], cache: cache)
    if cuda.status != 0 {
      #expect(cuda.status == 2 && cuda.stderr.hasPrefix("quantscope: error: --engine cuda: GPU"))
    }
  }
}

// MARK: - inspect

/// The `"model"` object shared by `inspect --json` and `report --format json`.
private struct ModelObject: Decodable {
  var path: String
  var files: [String]
  var tensors: Int
  var params: Int
  var bytes: Int
}

private struct InspectDocument: Decodable {
  struct Tensor: Decodable {
    var name: String
    var dtype: String
    var shape: [Int]
    var params: Int
    var bytes: Int
    var file: String
  }
  var model: ModelObject
  var tensors: [Tensor]
}

extension CommandLineTests {
  @Test func inspectJSONListsTheGoldenInputs() throws {
    let cache = try TemporaryDirectory("cli")
    let result = try quantscope(["inspect", goldenInputs, "--json"], cache: cache)
    #expect(result.status == 0)
    let document = try JSONDecoder().decode(InspectDocument.self, from: Data(result.stdout.utf8))
    #expect(document.model.tensors == 13)
    #expect(document.model.files == [goldenInputs])
    let straddle = try #require(document.tensors.first { $0.name == "straddle_96x200_bf16" })
    #expect(
      straddle.dtype == "BF16" && straddle.shape == [96, 200] && straddle.bytes == 96 * 200 * 2)
    #expect(document.model.params == document.tensors.reduce(0) { $0 + $1.params })
    // Natural order: the table and the JSON list tensors sorted by name with numbers compared
    // as numbers; these golden names differ in their first letters, so plain order applies.
    #expect(document.tensors.map(\.name) == document.tensors.map(\.name).sorted())
  }
}

// MARK: - report

/// The JSON document of `report --format json`, every field of issue #3 required.
private struct ReportDocument: Decodable {
  struct Settings: Decodable {
    var blocksize: Int
    var threshold: Double
    var bins: Int
    var formats: [String]
  }
  struct Stats: Decodable {
    var min: Double
    var max: Double
    var mean: Double
    var std: Double
    var absmax: Double
    var zeros: Int
    var nonfinite: Int
  }
  struct Histogram: Decodable {
    var lo: Double
    var hi: Double
    var counts: [UInt64]
  }
  struct Outliers: Decodable {
    var threshold: Double
    var count: Int
    var indices: [Int]
  }
  struct Metrics: Decodable {
    var mse: Double
    var rmse: Double
    var max_abs_err: Double
    var rel_err: Double
    var sqnr_db: JSONNumber
    var bits_per_param: Double
    var code_entropy_bits: Double
  }
  struct Tensor: Decodable {
    var name: String
    var dtype: String
    var shape: [Int]
    var params: Int
    var quantizable: Bool
    var stats: Stats?
    var histogram: Histogram?
    var outlier_columns: Outliers?
    var formats: [String: Metrics]?
  }
  /// null metrics (a format that covers no tensor) decode as nil / NaN.
  struct Total: Decodable {
    var mse: Double?
    var rel_err: Double?
    var sqnr_db: JSONNumber
    var bits_per_param: Double?
    var bytes: Int
    var tensors: Int
  }
  struct Totals: Decodable {
    var params: Int
    var bytes_16bit: Int
    var formats: [String: Total]
  }
  var model: ModelObject
  var engine: String
  var settings: Settings
  var tensors: [Tensor]
  var totals: Totals
}

/// Relative tolerance of metrics printed in JSON against metrics.json: the engine's sums differ
/// from the generator's only in summation order (≈1e-15), and JSON carries 17 digits.
private let metricTolerance = 1e-9

extension CommandLineTests {
  @Test func reportJSONOnTheDemoCarriesEveryField() throws {
    let cache = try TemporaryDirectory("cli")
    let result = try quantscope(["report", "--format", "json", "--no-cache"], cache: cache)
    #expect(result.status == 0, "\(result.stderr)")
    let document = try JSONDecoder().decode(ReportDocument.self, from: Data(result.stdout.utf8))
    #expect(document.engine == "cpu" || document.engine == "cuda")
    #expect(document.settings.blocksize == 64 && document.settings.threshold == 6.0)
    #expect(document.settings.bins == 64)
    #expect(document.settings.formats == ["nf4", "nf4-dq", "fp4", "fp4-dq", "int8", "dyn8", "int4"])
    #expect(document.model.tensors == document.tensors.count)
    for tensor in document.tensors {
      let stats = try #require(tensor.stats, "\(tensor.name) has stats")
      let histogram = try #require(tensor.histogram)
      #expect(histogram.counts.count == 64)
      #expect(histogram.counts.reduce(0, +) == UInt64(tensor.params) - UInt64(stats.nonfinite))
      if tensor.shape.count >= 2 {
        let outliers = try #require(tensor.outlier_columns, "\(tensor.name) has outlier columns")
        #expect(outliers.count == outliers.indices.count)
        let formats = try #require(tensor.formats)
        #expect(Set(formats.keys) == Set(document.settings.formats))
      } else {
        #expect(tensor.outlier_columns == nil && tensor.formats == nil)
      }
    }
    #expect(Set(document.totals.formats.keys) == Set(document.settings.formats))
    // The demo's systematic outlier columns, and its hard module (worst nf4 error).
    let query = try #require(
      document.tensors.first { $0.name == "model.layers.1.self_attn.q_proj.weight" })
    #expect((query.outlier_columns?.count ?? 0) > 0)
    #expect(query.quantizable)
    let worst = document.tensors.filter(\.quantizable).max {
      ($0.formats?["nf4"]?.rel_err ?? 0) < ($1.formats?["nf4"]?.rel_err ?? 0)
    }
    #expect(worst?.name == "model.layers.2.mlp.down_proj.weight")
    let head = try #require(document.tensors.first { $0.name == "lm_head.weight" })
    #expect(!head.quantizable)
  }

  @Test func reportJSONOnTheGoldenInputsMatchesMetricsJSON() throws {
    let cache = try TemporaryDirectory("cli")
    let result = try quantscope(
      ["report", goldenInputs, "--format", "json", "--no-cache"], cache: cache)
    #expect(result.status == 0, "\(result.stderr)")
    let document = try JSONDecoder().decode(ReportDocument.self, from: Data(result.stdout.utf8))
    let golden = try JSONDecoder().decode(
      [String: [String: GoldenMetric]].self,
      from: Data(try FileContents.bytes(FixturePaths.golden + "/metrics.json")))
    var compared = 0
    var expectedCount = 0
    for tensor in document.tensors {
      guard let expected = golden[tensor.name], let formats = tensor.formats else { continue }
      expectedCount += expected.count
      for (format, metric) in expected {
        let actual = try #require(formats[format], "\(tensor.name) \(format)")
        for (label, a, e) in [
          ("mse", actual.mse, metric.mse), ("rmse", actual.rmse, metric.rmse),
          ("max_abs_err", actual.max_abs_err, metric.max_abs_err),
          ("rel_err", actual.rel_err, metric.rel_err),
          ("bits_per_param", actual.bits_per_param, metric.bits_per_param),
          ("code_entropy_bits", actual.code_entropy_bits, metric.code_entropy_bits),
        ] {
          #expect(
            abs(a - e) <= metricTolerance * max(abs(e), 1e-300), "\(tensor.name) \(format) \(label)"
          )
        }
        if let sqnr = metric.sqnrValue {
          #expect(abs(actual.sqnr_db.value - sqnr) <= metricTolerance * abs(sqnr))
        } else {
          #expect(actual.sqnr_db.value == .infinity, "exact round trip: sqnr is \"inf\"")
        }
        compared += 1
      }
    }
    // Format metrics are reported for tensors of ≥ 2 dimensions: 11 of the 13 inputs.
    #expect(document.tensors.filter { $0.formats != nil }.count == 11)
    #expect(compared == expectedCount && compared > 0)
  }

  @Test func reportCSVHasOneRowPerTensorAndFormat() throws {
    let cache = try TemporaryDirectory("cli")
    let result = try quantscope(
      ["report", goldenInputs, "--format", "csv", "--formats", "nf4,int8", "--no-cache"],
      cache: cache)
    #expect(result.status == 0)
    let lines = result.stdout.split(separator: "\n")
    #expect(
      lines.first?.hasPrefix("name,dtype,shape,params,quantizable,outlier_columns,format,") == true)
    // 11 two-dimensional inputs × (nf4, int8) + 2 one-dimensional inputs with one row each.
    #expect(lines.count == 1 + 11 * 2 + 2)
    #expect(lines.contains { $0.hasPrefix("outliers_64x128_f32,F32,64x128,8192,true,4,int8,") })
  }
}

/// One entry of metrics.json; `sqnr_db` is a number or the string "inf".
private struct GoldenMetric: Decodable {
  var mse: Double
  var rmse: Double
  var max_abs_err: Double
  var rel_err: Double
  var bits_per_param: Double
  var code_entropy_bits: Double
  var sqnrValue: Double?

  enum CodingKeys: String, CodingKey {
    case mse, rmse, max_abs_err, rel_err, sqnr_db, bits_per_param, code_entropy_bits
  }

  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    mse = try container.decode(Double.self, forKey: .mse)
    rmse = try container.decode(Double.self, forKey: .rmse)
    max_abs_err = try container.decode(Double.self, forKey: .max_abs_err)
    rel_err = try container.decode(Double.self, forKey: .rel_err)
    bits_per_param = try container.decode(Double.self, forKey: .bits_per_param)
    code_entropy_bits = try container.decode(Double.self, forKey: .code_entropy_bits)
    sqnrValue = try? container.decode(Double.self, forKey: .sqnr_db)
  }
}

/// A JSON number that may also be written as the string "inf" / "-inf", or null for NaN.
private struct JSONNumber: Decodable {
  var value: Double

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      value = .nan
    } else if let number = try? container.decode(Double.self) {
      value = number
    } else {
      let text = try container.decode(String.self)
      switch text {
      case "inf": value = .infinity
      case "-inf": value = -.infinity
      default:
        throw DecodingError.dataCorruptedError(
          in: container, debugDescription: "not a number: \(text)")
      }
    }
  }
}

// MARK: - demo and export

extension CommandLineTests {
  @Test func demoWriteThenExportWritesOnceAndParses() throws {
    let cache = try TemporaryDirectory("cli")
    let directory = cache.file("demo")
    let demo = try quantscope(["demo", "--write", directory], cache: cache)
    #expect(demo.status == 0, "\(demo.stderr)")
    let again = try quantscope(["demo", "--write", directory], cache: cache)
    #expect(again.status == 2 && again.stderr.contains("directory is not empty"))

    let yaml = cache.file("qlora.yml")
    let export = try quantscope(
      ["export", directory, "--quant", "nf4", "--double-quant", "--skip-worst", "1", "-o", yaml],
      cache: cache)
    #expect(export.status == 0, "\(export.stderr)")
    let parsed = try ProcessRunner.run(
      "python3",
      [
        "-c",
        "import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); k = d['bnb_config_kwargs']; "
          + "print(d['load_in_4bit'], d['adapter'], k['bnb_4bit_quant_type'], type(k['llm_int8_threshold']).__name__, "
          + "','.join(k['llm_int8_skip_modules']))", yaml,
      ])
    #expect(parsed.status == 0, "\(parsed.stderr)")
    #expect(parsed.stdout == "True qlora nf4 float lm_head,model.layers.2.mlp.down_proj\n")

    let before = try FileContents.bytes(yaml)
    let overwrite = try quantscope(["export", directory, "-o", yaml], cache: cache)
    #expect(overwrite.status == 2)
    #expect(overwrite.stderr.hasPrefix("quantscope: error: "))
    #expect(
      try FileContents.bytes(yaml) == before,
      "an existing file is never overwritten without --force")
  }
}

// MARK: - report table marks and --match

extension CommandLineTests {
  /// "(16-bit)" marks floating tensors bitsandbytes leaves unquantized (norms, embeddings), never
  /// an integer buffer; `--match` reports (and analyses) only the matching tensors.
  @Test func reportTableMarksAndMatch() throws {
    let directory = try TemporaryDirectory("marks")
    let cache = try TemporaryDirectory("cli")
    func bf16(_ count: Int, _ seed: Int) -> [UInt8] {
      (0..<count).flatMap { index -> [UInt8] in
        let value = Float((index * 37 + seed) % 101 - 50) / 1000
        let bits = UInt16(value.bitPattern >> 16)
        return [UInt8(bits & 0xff), UInt8(bits >> 8)]
      }
    }
    let path = directory.file("model.safetensors")
    try SafetensorsFixture.write(
      SafetensorsFixture.valid([
        ("model.embed_tokens.weight", .BF16, [32, 64], bf16(32 * 64, 1)),
        ("model.layers.0.self_attn.q_proj.weight", .BF16, [64, 64], bf16(64 * 64, 2)),
        ("model.norm.weight", .BF16, [64], bf16(64, 3)),
        ("position_ids", .I64, [1, 8], [UInt8](repeating: 0, count: 64)),
      ]), to: path)
    let all = try quantscope(["report", path, "--format", "table", "--no-cache"], cache: cache)
    #expect(all.status == 0, "\(all.stderr)")
    let lines = all.stdout.split(separator: "\n").map(String.init)
    func row(_ name: String) -> String? { lines.first { $0.hasPrefix(name + " ") } }
    #expect(row("model.embed_tokens.weight (16-bit)") != nil, "\(all.stdout)")
    #expect(row("model.norm.weight (16-bit)") != nil, "\(all.stdout)")
    #expect(row("model.layers.0.self_attn.q_proj.weight") != nil, "\(all.stdout)")
    let ids = try #require(row("position_ids"), "\(all.stdout)")
    #expect(!ids.contains("16-bit"))

    let matched = try quantscope(
      ["report", path, "--format", "csv", "--formats", "nf4", "--match", "q_proj", "--no-cache"],
      cache: cache)
    #expect(matched.status == 0, "\(matched.stderr)")
    let rows = matched.stdout.split(separator: "\n").dropFirst()
    #expect(
      rows.count == 1 && rows.first?.hasPrefix("model.layers.0.self_attn.q_proj.weight,") == true,
      "\(matched.stdout)")

    let none = try quantscope(
      ["report", path, "--match", "nothing_like_this", "--no-cache"], cache: cache)
    #expect(none.status == 2 && none.stdout.isEmpty)
    #expect(
      none.stderr == "quantscope: error: --match: no tensor name matches 'nothing_like_this'\n",
      "\(none.stderr)")

    // Only the 1-D norm and the I64 buffer: no quantizable tensor, so totals are "-" / null, and
    // the I64 buffer counts its stored 64 bytes in the memory line (not 8 × 2).
    let unquantized = try quantscope(
      ["report", path, "--format", "json", "--match", "norm|position", "--no-cache"], cache: cache)
    #expect(unquantized.status == 0, "\(unquantized.stderr)")
    let totals = try JSONDecoder().decode(ReportDocument.self, from: Data(unquantized.stdout.utf8))
      .totals
    let nf4 = try #require(totals.formats["nf4"])
    #expect(nf4.rel_err == nil && nf4.mse == nil && nf4.sqnr_db.value.isNaN && nf4.tensors == 0)
    #expect(totals.bytes_16bit == 64 * 2 + 64 && nf4.bytes == 64 * 2 + 64)
  }
}

// MARK: - sharded inspect

extension CommandLineTests {
  /// The index's total_size is shown as a hint (it is wrong here on purpose: never checked).
  @Test func inspectShowsTheIndexTotalSizeHint() throws {
    let directory = try TemporaryDirectory("shards")
    let cache = try TemporaryDirectory("cli")
    let names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    for (index, name) in names.enumerated() {
      try SafetensorsFixture.write(
        SafetensorsFixture.valid([("t\(index)", .F32, [2], [UInt8](repeating: 0, count: 8))]),
        to: directory.file(name))
    }
    try SafetensorsFixture.write(
      Array(
        #"{"metadata":{"total_size":12345},"weight_map":{"t0":"\#(names[0])","t1":"\#(names[1])"}}"#
          .utf8),
      to: directory.file("model.safetensors.index.json"))
    let table = try quantscope(["inspect", directory.path], cache: cache)
    #expect(table.status == 0, "\(table.stderr)")
    #expect(
      table.stdout.contains("2 file(s); index total_size 12,345 bytes (a hint, not checked)"),
      "\(table.stdout)")
    let json = try quantscope(["inspect", directory.path, "--json"], cache: cache)
    #expect(
      json.stdout.contains(#""index_total_size":12345"#)
        || json.stdout.contains(#""index_total_size": 12345"#), "\(json.stdout)")
  }
}

// MARK: - mistyped commands

extension CommandLineTests {
  @Test func mistypedCommandNamesTheCommands() throws {
    let cache = try TemporaryDirectory("cli")
    let result = try quantscope(["repotr", "model"], cache: cache)
    #expect(result.status == 2)
    #expect(
      result.stderr.hasPrefix("quantscope: error: 'repotr' is neither a command (inspect, report, ")
        && result.stderr.hasSuffix(") nor a file or directory (see 'quantscope --help')\n"),
      "\(result.stderr)")
  }
}

// MARK: - report --match with the demo's capture

extension CommandLineTests {
  /// `--match` selects the captured modules of the selected weights too.
  @Test func matchAlsoSelectsTheCapturedModules() throws {
    let cache = try TemporaryDirectory("cli")
    let result = try quantscope(
      ["report", "--match", "layers\\.0\\.mlp\\.down", "--format", "json"], cache: cache)
    #expect(result.status == 0, "\(result.stderr)")
    struct Document: Decodable {
      struct Tensor: Decodable { var name: String }
      struct Activations: Decodable {
        struct Module: Decodable { var module: String }
        var modules: [Module]
      }
      var tensors: [Tensor]
      var activations: Activations
    }
    let document = try JSONDecoder().decode(Document.self, from: Data(result.stdout.utf8))
    #expect(document.tensors.map(\.name) == ["model.layers.0.mlp.down_proj.weight"])
    #expect(document.activations.modules.map(\.module) == ["model.layers.0.mlp.down_proj"])
  }
}

// MARK: - --range

extension CommandLineTests {
  /// `--range LO,HI` sets every tensor's value-histogram range and is listed in the settings;
  /// malformed ranges are one-line usage errors.
  @Test func histogramRangeOption() throws {
    let cache = try TemporaryDirectory("cli")
    let result = try quantscope(
      [
        "report", goldenInputs, "--format", "json", "--formats", "nf4", "--range=-0.5,0.5",
        "--no-cache",
      ], cache: cache)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains(#""range":[-0.5,0.5]"#), "\(result.stdout.prefix(600))")
    let document = try JSONDecoder().decode(ReportDocument.self, from: Data(result.stdout.utf8))
    let histograms = document.tensors.compactMap(\.histogram)
    #expect(!histograms.isEmpty && histograms.allSatisfy { $0.lo == -0.5 && $0.hi == 0.5 })
    for bad in ["0.5,-0.5", "1", "a,b", "0,inf"] {
      let failed = try quantscope(
        ["report", goldenInputs, "--range=\(bad)", "--no-cache"], cache: cache)
      #expect(
        failed.status == 2 && failed.stderr.hasPrefix("quantscope: error: --range must be LO,HI"),
        "\(bad): \(failed.stderr)")
    }
  }
}

// MARK: - plan

extension CommandLineTests {
  /// A malformed budget is a usage error; one below every footprint is one line naming the
  /// smallest, exit 2; int8 keeps nothing and says why; JSON has the documented keys.
  @Test func planBudgetsAndErrors() throws {
    let cache = try TemporaryDirectory("cli")
    for bad in ["12XB", "-5GB", "GB", "1.5"] {
      let result = try quantscope(["plan", goldenInputs, "--budget", bad], cache: cache)
      #expect(result.status == 2 && result.stdout.isEmpty, "\(bad)")
      #expect(
        result.stderr.hasPrefix("quantscope: error: --budget: '\(bad)' is not a size"),
        "\(result.stderr)")
      #expect(result.stderr.split(separator: "\n").count == 1)
    }
    let missing = try quantscope(["plan", goldenInputs], cache: cache)
    #expect(missing.status == 2 && missing.stderr.contains("--budget"))
    let tiny = try quantscope(["plan", goldenInputs, "--budget", "10"], cache: cache)
    #expect(tiny.status == 2 && tiny.stdout.isEmpty)
    #expect(
      tiny.stderr.hasPrefix(
        "quantscope: error: \(goldenInputs): budget 10 B (10 bytes) is below the smallest footprint, "
      ))
    #expect(tiny.stderr.split(separator: "\n").count == 1)
    let int8 = try quantscope(
      ["plan", goldenInputs, "--budget", "1GB", "--quant", "int8"], cache: cache)
    #expect(int8.status == 0, "\(int8.stderr)")
    #expect(
      int8.stdout.contains("int8 keeps nothing in 16-bit: Axolotl's 8-bit path passes no skip list")
    )
    let json = try quantscope(
      ["plan", goldenInputs, "--budget", "1GB", "--format", "json"], cache: cache)
    #expect(json.status == 0, "\(json.stderr)")
    for key in [
      "\"budget_bytes\":1000000000", "\"objective\":\"total\"", "\"choice\":{\"quant\":",
      "\"memory\":{\"weights_bytes\":", "\"frontier\":[{\"weights_bytes\":",
    ] {
      #expect(json.stdout.contains(key), "\(key) in \(json.stdout)")
    }
    let conflict = try quantscope(
      ["plan", goldenInputs, "--budget", "1GB", "--quant", "int8", "--double-quant"], cache: cache)
    #expect(conflict.status == 2)
    let training = try quantscope(
      ["plan", goldenInputs, "--budget", "1GB", "--lora-r", "8"], cache: cache)
    #expect(training.status == 2 && training.stderr.contains("--lora-r needs --training"))
  }
}
