import Engine
import FileSystem
import Reports
import Safetensors

#if canImport(Glibc)
  import Glibc
#endif

/// Renders a quantization choice as an Axolotl config (docs/AXOLOTL.md): QLoRA for 4-bit,
/// 8-bit LoRA for int8, with `#` comments carrying the evidence behind the choice.
public enum AxolotlExporter {
  /// Today's date (UTC), YYYY-MM-DD: the `date` of the header comment.
  public static func today() -> String {
    var now = time(nil)
    var parts = tm()
    gmtime_r(&now, &parts)
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
  }

  /// The version written in the header comment.
  public static let toolVersion = "0.1.0"
  /// The 4-bit block size bitsandbytes uses (no Axolotl key changes it).
  static let bitsandbytesBlocksize = 64
  /// Axolotl's (and bitsandbytes') default LLM.int8() threshold.
  static let defaultThreshold: Float = 6.0

  /// Renders the YAML for `choice`.
  ///
  /// - Parameters:
  ///   - analyses: by tensor index of `checkpoint.tensors` (nil: not analysed); may be empty.
  ///   - date: written in the header comment, e.g. "2026-11-29".
  /// - Throws: `ExportError` for a skip entry that is no module of the checkpoint or that
  ///   transformers would apply to several modules, 4-bit options with int8, and invalid values.
  /// - Complexity: O(tensors × skip entries); reads `config.json` beside the checkpoint.
  public static func render(
    choice: ExportChoice, checkpoint: Checkpoint, analyses: [TensorAnalysis?],
    settings: AnalysisSettings, date: String
  ) throws(ExportError) -> ExportResult {
    try validate(choice)
    let catalog = ModuleCatalog(checkpoint)
    var warnings: [String] = []
    let skip = try resolveSkips(choice.skip, catalog: catalog, warnings: &warnings)
    let directory = checkpointDirectory(checkpoint)
    let config = checkpoint.config
    // Tensors kept 16-bit (error totals leave them out, memory counts them at 16 bits). 8-bit:
    // Axolotl passes no skip list, so every quantizable tensor is quantized.
    let kept = choice.quant.isFourBit ? Set(skip.map(\.weightTensor.rawValue)) : []
    let evidence = Evidence(
      checkpoint: checkpoint, analyses: analyses, settings: settings, catalog: catalog, kept: kept)

    var yaml = YAMLWriter()
    let keepsEverything =
      choice.quant.isFourBit && !catalog.quantizable.isEmpty
      && catalog.quantizable.isSubset(of: Set(skip))
    header(
      &yaml, choice: choice, checkpoint: checkpoint, evidence: evidence, kept: kept,
      keepsEverything: keepsEverything, date: date)
    if keepsEverything {
      warnings.append("every quantizable module is kept in 16-bit: nothing would be quantized")
    }

    // 8-bit: what cannot be expressed (spec "What Axolotl builds", 8-bit LoRA).
    if !choice.quant.isFourBit {
      let dropped = int8Dropped(choice, skip: skip, catalog: catalog)
      if dropped.isEmpty {
        yaml.comment(
          "8-bit: Axolotl passes only load_in_8bit to bitsandbytes (threshold 6.0; lm_head stays")
        yaml.comment(
          "  16-bit). A skip list or another threshold cannot be expressed; export QLoRA for that.")
      } else {
        yaml.comment(
          "NOT APPLIED: Axolotl's 8-bit path passes only load_in_8bit to bitsandbytes, so these")
        yaml.comment("  cannot be expressed here (transformers still keeps lm_head in 16-bit):")
        for item in dropped { yaml.comment("  - " + item) }
        yaml.comment("  To keep layers out of quantization, export QLoRA (--quant nf4).")
        warnings.append(
          "int8: Axolotl's 8-bit path ignores " + dropped.joined(separator: "; ")
            + ": not written (export QLoRA to keep layers in 16-bit)")
      }
    }
    if case .bitsandbytes(let quant, let doubleQuant, _) = StoredExport.kind(checkpoint) {
      // Pre-quantized by bitsandbytes: its quantization_config is what loads it, and the options match it.
      yaml.comment(
        "Pre-quantized: the checkpoint is stored as \(StoredExport.describe(quant, doubleQuant)); it loads as saved,"
      )
      yaml.comment(
        "  with config.json's quantization_config. Its own error cannot be measured: the original")
      yaml.comment(
        "  weights are not in the file; the other formats' errors are of the dequantized weights.")
    } else if config?.hasQuantizationConfig == true {
      yaml.comment("WARNING: config.json has a quantization_config; Axolotl reuses it and ignores")
      yaml.comment(
        "  bnb_config_kwargs. Remove it (or export from unquantized weights) for this choice to apply."
      )
      warnings.append(
        "\(directory)/config.json has a quantization_config: Axolotl will use it and ignore bnb_config_kwargs"
      )
    }

    // base_model
    let (baseModel, baseComment) = baseModel(
      choice: choice, config: config, directory: directory, modelID: checkpoint.modelID)
    yaml.pair("base_model", .string(baseModel), comment: baseComment)
    yaml.pair("load_in_8bit", .bool(!choice.quant.isFourBit))
    yaml.pair("load_in_4bit", .bool(choice.quant.isFourBit))
    yaml.pair("adapter", .string(choice.quant.isFourBit ? "qlora" : "lora"))
    yaml.pair("strict", .bool(false))
    if choice.quant.isFourBit {
      bnbConfig(&yaml, choice: choice, skip: skip, evidence: evidence, catalog: catalog)
    }
    yaml.pair("lora_r", .int(16))
    yaml.pair("lora_alpha", .int(32))
    yaml.pair("lora_target_linear", .bool(true))
    yaml.pair("bf16", .string("auto"), comment: "bf16 where the GPU has it, else fp16")
    yaml.comment("--- training: edit before use (Axolotl requires datasets and learning_rate) ---")
    yaml.open("datasets")
    yaml.itemPair("path", .string("mhenrichsen/alpaca_2k_test"), indent: 2)
    yaml.pair("type", .string("alpaca"), indent: 4)
    yaml.pair("learning_rate", .double(0.0002))
    return ExportResult(yaml: yaml.render(), warnings: warnings)
  }

  // MARK: - Validation

  private static func validate(_ choice: ExportChoice) throws(ExportError) {
    guard choice.threshold.isFinite, choice.threshold > 0 else {
      throw .invalidOption("threshold must be a positive number, got \(choice.threshold)")
    }
    if let base = choice.baseModel, base.allSatisfy(\.isWhitespace) {
      throw .invalidOption("base model must not be empty: Axolotl needs a hub id or a path")
    }
    if let dtype = choice.computeDType, !ExportChoice.computeDTypes.contains(dtype) {
      throw .invalidOption("compute dtype must be bfloat16, float16 or float32, got '\(dtype)'")
    }
    if choice.quant == .int8 && choice.doubleQuant {
      throw .conflictingQuantization(
        "double quantization is a 4-bit (QLoRA) option and cannot be combined with int8 (8-bit)")
    }
  }

  /// Checks every skip entry and returns the list to write: empty, or the output embedding first
  /// and then the other modules in checkpoint order (docs/AXOLOTL.md trap 4).
  private static func resolveSkips(
    _ keys: [ModuleName], catalog: ModuleCatalog, warnings: inout [String]
  ) throws(ExportError) -> [ModuleName] {
    var unique: [ModuleName] = []
    for key in keys where !unique.contains(key) { unique.append(key) }
    for key in unique where key != catalog.outputEmbedding {
      guard catalog.contains(key) else {
        throw .unknownModule(key.rawValue, hint: catalog.hint(for: key))
      }
      let (current, older) = SkipKeyMatcher.matches(of: key, among: catalog.candidates)
      if current.count > 1 {
        throw .ambiguousSkip(key: key.rawValue, matches: current, rule: SkipKeyMatcher.currentRule)
      }
      if older.count > 1 {
        throw .ambiguousSkip(key: key.rawValue, matches: older, rule: SkipKeyMatcher.olderRule)
      }
      if !catalog.quantizable.contains(key) {
        warnings.append(
          "\(key.rawValue) is not quantized by bitsandbytes anyway; keeping it changes nothing")
      }
    }
    guard !unique.isEmpty else { return [] }
    let others = unique.filter { $0 != catalog.outputEmbedding }.sorted { a, b in
      (catalog.weightIndex[a] ?? Int.max, a.rawValue) < (
        catalog.weightIndex[b] ?? Int.max, b.rawValue
      )
    }
    return [catalog.outputEmbedding] + others
  }

  /// What an int8 export cannot carry, as phrases for the comment and the warning.
  private static func int8Dropped(
    _ choice: ExportChoice, skip: [ModuleName], catalog: ModuleCatalog
  ) -> [String] {
    var dropped: [String] = []
    let kept = skip.filter { $0 != catalog.outputEmbedding }
    if !kept.isEmpty {
      dropped.append("keep \(kept.map(\.rawValue).joined(separator: ", ")) in 16-bit")
    }
    if choice.threshold != defaultThreshold {
      dropped.append("threshold \(YAMLWriter.float(choice.threshold)) (Axolotl uses 6.0)")
    }
    if let dtype = choice.computeDType { dropped.append("compute dtype \(dtype)") }
    return dropped
  }

  // MARK: - Sections

  private static func header(
    _ yaml: inout YAMLWriter, choice: ExportChoice, checkpoint: Checkpoint, evidence: Evidence,
    kept: Set<String>, keepsEverything: Bool, date: String
  ) {
    let files = checkpoint.files.count == 1 ? "1 file" : "\(checkpoint.files.count) shards"
    let dtypes = evidence.dtypeSummary
    yaml.comment(
      "Written by quantscope \(toolVersion) on \(date) from \(checkpoint.displayPath) "
        + "(\(files), \(checkpoint.tensors.count) tensors\(dtypes.isEmpty ? "" : ", " + dtypes)).")
    let chosen = choice.quant.errorFormat(doubleQuant: choice.doubleQuant)
    var name = choice.quant.rawValue
    if choice.quant.isFourBit && choice.doubleQuant { name += " + double quant" }
    let block =
      choice.quant.isFourBit ? ", block size \(bitsandbytesBlocksize)" : ", row-wise absmax"
    yaml.comment("Choice: \(name)\(block). " + evidence.reason(for: chosen, quant: choice.quant))
    if let line = evidence.formatLine {
      let covered = evidence.coveredTensors
      yaml.comment(
        "Param-weighted rel_err (SQNR) over the \(covered) quantized tensor\(covered == 1 ? "" : "s") analysed:"
      )
      yaml.comment("  " + line)
      if choice.quant.isFourBit && evidence.settings.blocksize != bitsandbytesBlocksize {
        yaml.comment(
          "  (measured at block size \(evidence.settings.blocksize); bitsandbytes always uses 64)")
      }
    } else if keepsEverything {
      yaml.comment("Every quantizable module is kept in 16-bit: nothing is quantized.")
    } else {
      yaml.comment("No analysis results: the errors behind this choice were not measured.")
    }
    let summary = ChoiceSummary(
      choice: choice.quantChoice(kept: kept), tensors: checkpoint.tensors,
      analyses: evidence.analyses,
      settings: evidence.settings, architecture: ModelArchitecture(checkpoint))
    var memory =
      "Memory: \(NumberText.bytesOneDecimal(summary.bytes16)) in 16-bit -> \(NumberText.bytesOneDecimal(summary.weightsBytes))"
    if summary.keptExtraBytes > 0 {
      memory += " (+\(NumberText.bytesOneDecimal(summary.keptExtraBytes)) kept 16-bit)"
    }
    if let budget = choice.budgetBytes {
      yaml.comment(
        "Budget \(NumberText.bytesOneDecimal(budget)) (\(budget) bytes): planned by quantscope plan, objective "
          + "\(summary.choice.objective.rawValue) = \(NumberText.fixed(summary.value, digits: 4)), "
          + "weights \(summary.weightsBytes) bytes.")
    }
    yaml.comment(memory + " for the weights, as bitsandbytes stores them.")
    sixteenBitComment(&yaml, choice: choice, checkpoint: checkpoint, evidence: evidence, kept: kept)
  }

  /// What share of the weights stays 16-bit (a warning when it is most of them), and, under
  /// transformers 4, the MoE routers suggested for 16-bit.
  private static func sixteenBitComment(
    _ yaml: inout YAMLWriter, choice: ExportChoice, checkpoint: Checkpoint, evidence: Evidence,
    kept: Set<String>
  ) {
    let share = evidence.totals.sixteenBitShare(keeping: choice.quant.isFourBit ? kept : [])
    let architecture = ModelArchitecture(checkpoint)
    let roles = checkpoint.tensors.map { architecture.role(of: $0) }
    let fused = zip(checkpoint.tensors, roles).filter {
      $0.1.fusedExperts != nil || (!$0.1.quantizable && $0.1.module.isExpert)
    }
    var line =
      "16-bit: \(share.percentText) of the weights stay 16-bit (\(NumberText.groupedDigits(share.params16)) of \(NumberText.groupedDigits(share.params)) params)"
    if !fused.isEmpty {
      line +=
        "; expert weights left 16-bit under transformers \(checkpoint.transformersMajor): \(NumberText.groupedDigits(fused.reduce(0) { $0 + $1.0.elementCount })) params"
    }
    yaml.comment(line + ".")
    if share.isMost {
      yaml.comment(
        "WARNING: most of this model stays 16-bit (what bitsandbytes does not quantize: embeddings, head, norms, fused experts, routers), so memory falls far less than the format suggests."
      )
    }
    let routers = zip(checkpoint.tensors, roles).filter {
      $0.1.module == .router && $0.1.quantizable
    }
    if !routers.isEmpty {
      let modules = routers.compactMap { ModuleName(tensor: TensorName($0.0.name))?.rawValue }
      let example = modules.first ?? "gate"
      yaml.comment(
        "Suggested 16-bit: the \(modules.count) MoE router\(modules.count == 1 ? "" : "s") (\(example), …) are nn.Linear under transformers 4 and get quantized; they pick the experts, so keep them in 16-bit (--skip \(example), one per block)."
      )
    }
  }

  private static func baseModel(
    choice: ExportChoice, config: CheckpointConfig?, directory: String, modelID: String?
  ) -> (String, String) {
    if let given = choice.baseModel { return (given, "as given") }
    if let id = modelID { return (id, "the hub id opened from the local Hugging Face cache") }
    // The weights analysed are the ones opened; config.json's _name_or_path is often the model
    // they were fine-tuned from, or a path on the author's machine: offered, never chosen.
    var comment = "the path opened (the weights analysed); put the hub id here to train elsewhere"
    if let name = config?.declared.nameOrPath, !name.isEmpty, name != directory {
      comment += "; config.json _name_or_path is '\(name)'"
    }
    return (directory, comment)
  }

  private static func bnbConfig(
    _ yaml: inout YAMLWriter, choice: ExportChoice, skip: [ModuleName], evidence: Evidence,
    catalog: ModuleCatalog
  ) {
    yaml.open("bnb_config_kwargs")
    // The other 4-bit type with the same double-quant setting.
    let other = (choice.quant == .nf4 ? ExportQuant.fp4 : .nf4).errorFormat(
      doubleQuant: choice.doubleQuant)
    let otherComment = evidence.total(other).flatMap {
      $0.isUnmeasurable
        ? nil : "\(other.rawValue) would give rel_err \(NumberText.fixed($0.relErr, digits: 4))"
    }
    yaml.pair(
      "bnb_4bit_quant_type", .string(choice.quant.rawValue), indent: 2, comment: otherComment)
    let bs = bitsandbytesBlocksize
    let single = QuantFormat.nf4.bitsPerParam(blocksize: bs, cols: 1)
    let double = QuantFormat.nf4dq.bitsPerParam(blocksize: bs, cols: 1)
    var doubleComment =
      choice.doubleQuant
      ? "\(NumberText.fixed(double, digits: 2)) instead of \(NumberText.fixed(single, digits: 2)) bits/param"
      : "\(NumberText.fixed(single, digits: 2)) bits/param; true would give \(NumberText.fixed(double, digits: 2))"
    if let plain = evidence.total(choice.quant.errorFormat(doubleQuant: false)),
      let dq = evidence.total(choice.quant.errorFormat(doubleQuant: true)),
      !plain.isUnmeasurable, !dq.isUnmeasurable
    {
      let delta = dq.relErr - plain.relErr
      doubleComment += " for \(delta >= 0 ? "+" : "")\(NumberText.fixed(delta, digits: 4)) rel_err"
    }
    yaml.pair(
      "bnb_4bit_use_double_quant", .bool(choice.doubleQuant), indent: 2, comment: doubleComment)
    if let dtype = choice.computeDType {
      yaml.pair("bnb_4bit_compute_dtype", .string(dtype), indent: 2, comment: "as chosen")
    }
    yaml.pair("llm_int8_has_fp16_weight", .bool(false), indent: 2)
    yaml.pair(
      "llm_int8_threshold", .float(choice.threshold), indent: 2,
      comment: "LLM.int8() outlier threshold; no effect on 4-bit layers")
    guard !skip.isEmpty else { return }
    yaml.open(
      "llm_int8_skip_modules", indent: 2,
      comment:
        "kept in 16-bit. A list replaces the default, so \(catalog.outputEmbedding.rawValue) is re-listed"
    )
    let chosen = choice.quant.errorFormat(doubleQuant: choice.doubleQuant)
    for module in skip {
      yaml.item(
        .string(module.rawValue), indent: 4, comment: evidence.skipReason(module, format: chosen))
    }
  }

  /// The directory holding the checkpoint: the path itself, or the folder of the file opened.
  public static func checkpointDirectory(_ checkpoint: Checkpoint) -> String {
    if FileSystem.status(ofPath: checkpoint.path)?.isDirectory == true { return checkpoint.path }
    return FileSystem.folder(of: checkpoint.path)
  }
}
