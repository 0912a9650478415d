import Engine
import Safetensors
import Synthetic
import TestSupport
import Testing

@testable import Exporter

#if canImport(Glibc)
  import Glibc
#endif

/// The Axolotl export: golden YAML, PyYAML's reading of it, warnings and errors.
@Suite struct AxolotlExporterTests {}

private func render(
  _ choice: ExportChoice, checkpoint: Checkpoint = ExporterFixtures.checkpoint(),
  analyses: [TensorAnalysis?]? = nil
) throws(ExportError) -> ExportResult {
  try AxolotlExporter.render(
    choice: choice, checkpoint: checkpoint,
    analyses: analyses ?? ExporterFixtures.analyses(for: checkpoint),
    settings: AnalysisSettings(), date: ExporterFixtures.date)
}

private func expectError(
  _ expected: (ExportError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws -> Void
) {
  do {
    try body()
    Issue.record("no error thrown", sourceLocation: sourceLocation)
  } catch {
    guard let error = error as? ExportError else {
      Issue.record("not an ExportError: \(error)", sourceLocation: sourceLocation)
      return
    }
    #expect(expected(error), "\(error)", sourceLocation: sourceLocation)
    #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
  }
}

// MARK: - Golden files

extension AxolotlExporterTests {
  @Test func nf4DoubleQuantTwoSkipped() throws {
    let choice = ExportChoice(
      quant: .nf4, doubleQuant: true,
      skip: [
        try ExporterFixtures.module("model.layers.2.mlp.down_proj"),
        try ExporterFixtures.module("model.layers.0.self_attn.o_proj"),
      ],
      baseModel: "meta-llama/Llama-2-7b-hf")
    let result = try render(choice)
    try Snapshot.expectMatches(result.yaml, named: "nf4DoubleQuantTwoSkipped()")
    #expect(result.warnings.isEmpty)

    let doc = try PyYAMLDocument.load(result.yaml)
    #expect(doc["base_model"]?.json == "\"meta-llama/Llama-2-7b-hf\"")
    #expect(doc["load_in_4bit"]?.type == "bool" && doc["load_in_4bit"]?.json == "true")
    #expect(doc["load_in_8bit"]?.type == "bool" && doc["load_in_8bit"]?.json == "false")
    #expect(doc["adapter"]?.json == "\"qlora\"")
    #expect(doc["strict"]?.type == "bool")
    #expect(doc["bnb_config_kwargs.bnb_4bit_quant_type"]?.json == "\"nf4\"")
    #expect(doc["bnb_config_kwargs.bnb_4bit_use_double_quant"]?.json == "true")
    #expect(doc["bnb_config_kwargs.bnb_4bit_compute_dtype"] == nil)
    #expect(doc["bnb_config_kwargs.llm_int8_has_fp16_weight"]?.type == "bool")
    #expect(doc["bnb_config_kwargs.llm_int8_threshold"]?.type == "float")
    #expect(doc["bnb_config_kwargs.llm_int8_threshold"]?.json == "6.0")
    #expect(doc["bnb_config_kwargs.llm_int8_skip_modules"]?.type == "list")
    #expect(doc["bnb_config_kwargs.llm_int8_skip_modules"]?.json == "3")
    #expect(doc["bnb_config_kwargs.llm_int8_skip_modules[0]"]?.json == "\"lm_head\"")
    #expect(
      doc["bnb_config_kwargs.llm_int8_skip_modules[1]"]?.json
        == "\"model.layers.0.self_attn.o_proj\"")
    #expect(
      doc["bnb_config_kwargs.llm_int8_skip_modules[2]"]?.json == "\"model.layers.2.mlp.down_proj\"")
    #expect(doc["learning_rate"]?.type == "float" && doc["learning_rate"]?.json == "0.0002")
    #expect(doc["lora_r"]?.type == "int")
    #expect(doc["datasets"]?.type == "list")
    #expect(doc["bf16"]?.json == "\"auto\"")
    #expect(!result.yaml.contains(".weight"))
  }

  /// Tensors kept in 16-bit are not quantized: the error totals the header cites leave them out.
  @Test func keptTensorsLeaveTheErrorTotals() throws {
    func covered(_ yaml: String) -> Int? {
      guard
        let line = yaml.split(separator: "\n").first(where: {
          $0.contains("quantized tensors analysed")
        }),
        let range = line.firstRange(of: "over the ")
      else { return nil }
      return Int(line[range.upperBound...].prefix { $0.isNumber })
    }
    let all = try #require(covered(try render(ExportChoice(quant: .nf4)).yaml))
    let skip = [
      try ExporterFixtures.module("model.layers.0.mlp.down_proj"),
      try ExporterFixtures.module("model.layers.2.mlp.down_proj"),
    ]
    #expect(covered(try render(ExportChoice(quant: .nf4, skip: skip)).yaml) == all - 2)
    // 8-bit applies no skip list: every tensor stays in the totals.
    #expect(covered(try render(ExportChoice(quant: .int8, skip: skip)).yaml) == all)
  }

  /// Keeping every quantizable module is legal but quantizes nothing: said, not "not measured".
  @Test func keepingEveryModuleSaysNothingIsQuantized() throws {
    let checkpoint = ExporterFixtures.checkpoint()
    let all = ModuleCatalog(checkpoint).quantizable.sorted { $0.rawValue < $1.rawValue }
    let result = try render(ExportChoice(quant: .nf4, skip: all), checkpoint: checkpoint)
    #expect(
      result.yaml.contains("# Every quantizable module is kept in 16-bit: nothing is quantized."))
    #expect(!result.yaml.contains("No analysis results"))
    #expect(
      result.warnings.contains(
        "every quantizable module is kept in 16-bit: nothing would be quantized"))
  }

  @Test func fp4WithoutDoubleQuant() throws {
    let choice = ExportChoice(quant: .fp4, doubleQuant: false, computeDType: "bfloat16")
    let result = try render(choice)
    try Snapshot.expectMatches(result.yaml, named: "fp4WithoutDoubleQuant()")
    let doc = try PyYAMLDocument.load(result.yaml)
    #expect(doc["bnb_config_kwargs.bnb_4bit_quant_type"]?.json == "\"fp4\"")
    #expect(doc["bnb_config_kwargs.bnb_4bit_use_double_quant"]?.json == "false")
    #expect(doc["bnb_config_kwargs.bnb_4bit_compute_dtype"]?.json == "\"bfloat16\"")
    // Nothing kept: no skip list, so transformers' default protection stays.
    #expect(doc["bnb_config_kwargs.llm_int8_skip_modules"] == nil)
    // No config.json: the directory opened.
    #expect(doc["base_model"]?.json == "\"/nonexistent/models/Llama-Tiny\"")
  }

  @Test func int8() throws {
    let choice = ExportChoice(
      quant: .int8, skip: [try ExporterFixtures.module("model.layers.2.mlp.down_proj")],
      threshold: 4.0)
    let result = try render(choice)
    try Snapshot.expectMatches(result.yaml, named: "int8()")
    let doc = try PyYAMLDocument.load(result.yaml)
    #expect(doc["load_in_8bit"]?.json == "true")
    #expect(doc["load_in_4bit"]?.json == "false")
    #expect(doc["adapter"]?.json == "\"lora\"")
    #expect(doc["bnb_config_kwargs"] == nil)
    #expect(result.yaml.contains("NOT APPLIED"))
    #expect(result.warnings.count == 1)
    #expect(result.warnings.first?.contains("model.layers.2.mlp.down_proj") == true)
    #expect(result.warnings.first?.contains("threshold 4.0") == true)
    // The skip is not applied on the 8-bit path, so the memory estimate ignores it.
    let plain = try render(ExportChoice(quant: .int8))
    let memory = { (yaml: String) in yaml.split(separator: "\n").first { $0.hasPrefix("# Memory:") }
    }
    #expect(memory(result.yaml) != nil && memory(result.yaml) == memory(plain.yaml))
  }

  @Test func int8WithNothingDroppedHasNoWarning() throws {
    let result = try render(ExportChoice(quant: .int8))
    #expect(result.warnings.isEmpty)
    #expect(!result.yaml.contains("bnb_config_kwargs"))
    #expect(try PyYAMLDocument.load(result.yaml)["load_in_8bit"]?.json == "true")
  }
}

// MARK: - base_model and config.json

extension AxolotlExporterTests {
  @Test func baseModelFromConfigAndQuantizationConfigWarning() throws {
    let directory = try TemporaryDirectory("export-config")
    try SafetensorsFixture.write(
      Array(
        """
        {"_name_or_path": "yes", "model_type": "llama",
         "quantization_config": {"quant_method": "bitsandbytes", "load_in_4bit": true}}
        """.utf8), to: directory.file("config.json"))
    var checkpoint = ExporterFixtures.checkpoint(path: directory.path)
    checkpoint.config = CheckpointConfig.load(directory: directory.path)
    let result = try render(ExportChoice(quant: .nf4), checkpoint: checkpoint)
    let doc = try PyYAMLDocument.load(result.yaml)
    // base_model is the directory whose weights were analysed; _name_or_path is only mentioned
    // (it is often the model these weights were fine-tuned from).
    #expect(doc["base_model"]?.json == "\"\(directory.path)\"")
    #expect(result.yaml.contains("config.json _name_or_path is 'yes'"))
    // A name YAML 1.1 would read as a boolean stays a string.
    let given = try PyYAMLDocument.load(
      try render(ExportChoice(quant: .nf4, baseModel: "yes")).yaml)
    #expect(given["base_model"]?.type == "str" && given["base_model"]?.json == "\"yes\"")
    #expect(result.warnings.contains { $0.contains("quantization_config") })
    #expect(result.yaml.contains("# WARNING: config.json has a quantization_config"))
  }

  @Test func hostileModelPathCannotInjectKeys() throws {
    let path = "/tmp/evil\nload_in_8bit: true\n# x/model.safetensors"
    let checkpoint = ExporterFixtures.checkpoint(path: path)
    let result = try render(ExportChoice(quant: .nf4), checkpoint: checkpoint)
    let doc = try PyYAMLDocument.load(result.yaml)
    #expect(doc["load_in_8bit"]?.json == "false")
    #expect(
      doc["base_model"].map { PyYAMLDocument.string($0.json) }
        == "/tmp/evil\nload_in_8bit: true\n# x")
  }

  @Test func gptNeoXReListsEmbedOut() throws {
    let checkpoint = ExporterFixtures.checkpoint(
      [
        ("gpt_neox.embed_in.weight", [128, 32]),
        ("gpt_neox.layers.0.mlp.dense_4h_to_h.weight", [32, 128]),
        ("gpt_neox.layers.0.mlp.dense_h_to_4h.weight", [128, 32]), ("embed_out.weight", [128, 32]),
      ],
      path: "/nonexistent/pythia/model.safetensors")
    let choice = ExportChoice(
      quant: .nf4, skip: [try ExporterFixtures.module("gpt_neox.layers.0.mlp.dense_4h_to_h")])
    let result = try render(choice, checkpoint: checkpoint, analyses: [])
    let doc = try PyYAMLDocument.load(result.yaml)
    #expect(doc["bnb_config_kwargs.llm_int8_skip_modules[0]"]?.json == "\"embed_out\"")
    #expect(
      doc["bnb_config_kwargs.llm_int8_skip_modules[1]"]?.json
        == "\"gpt_neox.layers.0.mlp.dense_4h_to_h\"")
    #expect(result.yaml.contains("# No analysis results"))
  }

  @Test func skippingOnlyLmHeadStillWritesTheList() throws {
    let result = try render(
      ExportChoice(quant: .nf4, skip: [try ExporterFixtures.module("lm_head")]))
    let doc = try PyYAMLDocument.load(result.yaml)
    #expect(doc["bnb_config_kwargs.llm_int8_skip_modules"]?.json == "1")
    #expect(doc["bnb_config_kwargs.llm_int8_skip_modules[0]"]?.json == "\"lm_head\"")
  }

  @Test func nonQuantizedSkipWarns() throws {
    let result = try render(
      ExportChoice(quant: .nf4, skip: [try ExporterFixtures.module("model.embed_tokens")]))
    #expect(result.warnings.contains { $0.contains("model.embed_tokens is not quantized") })
  }
}

// MARK: - Errors

extension AxolotlExporterTests {
  @Test func unknownModuleIsAnError() throws {
    let key = try ExporterFixtures.module("model.layers.9.mlp.down_proj")
    expectError({
      if case .unknownModule("model.layers.9.mlp.down_proj", _) = $0 { true } else { false }
    }) {
      _ = try render(ExportChoice(quant: .nf4, skip: [key]))
    }
    // A leaf name is not a module of the checkpoint: the error suggests full names.
    let leaf = try ExporterFixtures.module("down_proj")
    expectError({
      if case .unknownModule(_, let hint?) = $0 {
        hint.contains("model.layers.0.mlp.down_proj")
      } else {
        false
      }
    }) {
      _ = try render(ExportChoice(quant: .nf4, skip: [leaf]))
    }
    // A container: the example is a module bitsandbytes quantizes, not the layer's first norm.
    let container = try ExporterFixtures.module("model.layers.1")
    expectError({
      if case .unknownModule(_, let hint?) = $0 {
        hint.contains("container") && !hint.contains("layernorm")
      } else {
        false
      }
    }) {
      _ = try render(ExportChoice(quant: .nf4, skip: [container]))
    }
  }

  @Test func tensorNamesAreNotModuleNames() {
    expectError({
      if case .invalidModuleName(_, let reason) = $0 {
        reason.contains("model.layers.1.mlp.up_proj'")
      } else {
        false
      }
    }) {
      _ = try ModuleName("model.layers.1.mlp.up_proj.weight")
    }
    for bad in ["", "model.layers.*", "a b", ".x", "x.", "model..x", "(lm_head)"] {
      expectError({ if case .invalidModuleName = $0 { true } else { false } }) {
        _ = try ModuleName(bad)
      }
    }
    #expect(
      ModuleName(tensor: TensorName("model.layers.1.mlp.up_proj.weight"))?.rawValue
        == "model.layers.1.mlp.up_proj")
  }

  @Test func keyMatchingSeveralModulesIsAnError() throws {
    // re.match("blocks.1", "blocks.10") matches: a full name can still be a prefix of another.
    var shapes: [(String, [Int])] = (0..<12).map { ("blocks.\($0).weight", [16, 16]) }
    shapes.append(("lm_head.weight", [32, 16]))
    let checkpoint = ExporterFixtures.checkpoint(
      shapes, path: "/nonexistent/blocks/model.safetensors")
    let key = try ExporterFixtures.module("blocks.1")
    expectError({
      if case .ambiguousSkip("blocks.1", let matches, let rule) = $0 {
        matches == ["blocks.1", "blocks.10", "blocks.11"] && rule == SkipKeyMatcher.currentRule
      } else {
        false
      }
    }) {
      _ = try render(ExportChoice(quant: .nf4, skip: [key]), checkpoint: checkpoint, analyses: [])
    }
    // The suffix rule: "fc" is a module and ends "encoder.fc" too (older rule: same leaf).
    let suffix = ExporterFixtures.checkpoint(
      [("fc.weight", [8, 8]), ("encoder.fc.weight", [8, 8]), ("lm_head.weight", [8, 8])],
      path: "/nonexistent/fc/model.safetensors")
    let fc = try ExporterFixtures.module("fc")
    expectError({
      if case .ambiguousSkip("fc", let matches, _) = $0 { matches.count == 2 } else { false }
    }) {
      _ = try render(ExportChoice(quant: .nf4, skip: [fc]), checkpoint: suffix, analyses: [])
    }
  }

  @Test func fourBitAndEightBitTogetherIsAnError() {
    expectError({ if case .conflictingQuantization = $0 { true } else { false } }) {
      _ = try ExportQuant.parse(["nf4", "int8"])
    }
    expectError({ if case .conflictingQuantization = $0 { true } else { false } }) {
      _ = try render(ExportChoice(quant: .int8, doubleQuant: true))
    }
    #expect((try? ExportQuant.parse(["nf4", "fp4"])) == .fp4)
    expectError({ if case .invalidOption = $0 { true } else { false } }) {
      _ = try ExportQuant.parse(["int4"])
    }
  }

  @Test func invalidValuesAreErrors() {
    expectError({ if case .invalidOption = $0 { true } else { false } }) {
      _ = try render(ExportChoice(quant: .nf4, computeDType: "bf16"))
    }
    for threshold: Float in [0, -1, .nan, .infinity] {
      expectError({ if case .invalidOption = $0 { true } else { false } }) {
        _ = try render(ExportChoice(quant: .nf4, threshold: threshold))
      }
    }
    for empty in ["", "  "] {
      expectError({
        if case .invalidOption(let text) = $0 { text.contains("base model") } else { false }
      }) {
        _ = try render(ExportChoice(quant: .nf4, baseModel: empty))
      }
    }
  }
}

// MARK: - The demo, end to end through the engine

extension AxolotlExporterTests {
  @Test func demoExportKeepsTheHardModule() throws {
    let directory = try TemporaryDirectory("export-demo")
    try DemoCheckpoint.write(to: directory.path)
    let checkpoint = try Checkpoint.open(directory.path)
    let settings = AnalysisSettings(formats: [.nf4, .nf4dq, .fp4, .int8])
    let analyses = try Analyzer(
      checkpoint: checkpoint, settings: settings, backend: CPUBackend(threads: 2), jobs: 1
    )
    .run()
    // The module with the worst nf4-dq error is the demo's hard module.
    let worst = analyses.compactMap { $0 }.filter(\.quantizable)
      .max { ($0.formats[.nf4dq]?.relErr ?? 0) < ($1.formats[.nf4dq]?.relErr ?? 0) }
    #expect(worst?.name == DemoCheckpoint.hardModule + ".weight")
    let choice = ExportChoice(quant: .nf4, skip: [try ModuleName(DemoCheckpoint.hardModule)])
    let result = try AxolotlExporter.render(
      choice: choice, checkpoint: checkpoint, analyses: analyses, settings: settings,
      date: ExporterFixtures.date)
    #expect(result.warnings.isEmpty)
    let doc = try PyYAMLDocument.load(result.yaml)
    // The weights analysed are the directory opened; the demo's _name_or_path is only mentioned.
    #expect(doc["base_model"]?.json == "\"\(checkpoint.path)\"")
    #expect(result.yaml.contains("config.json _name_or_path is 'quantscope/synthetic-demo'"))
    #expect(doc["bnb_config_kwargs.llm_int8_skip_modules[0]"]?.json == "\"lm_head\"")
    #expect(
      doc["bnb_config_kwargs.llm_int8_skip_modules[1]"]?.json == "\"\(DemoCheckpoint.hardModule)\"")
    #expect(doc["bnb_config_kwargs.llm_int8_threshold"]?.type == "float")
    // 28 quantizable tensors, one kept in 16-bit.
    #expect(
      result.yaml.contains(
        "# Param-weighted rel_err (SQNR) over the 27 quantized tensors analysed:"))
  }
}
