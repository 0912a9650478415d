import Engine
import Exporter
import Safetensors

#if canImport(Glibc)
  import Glibc
#endif

/// `quantscope export`: the quantization choice as an Axolotl config.
enum ExportCommand {
  static let usage = """
    usage: quantscope export [MODEL] [--quant nf4|fp4|int8] [--double-quant | --no-double-quant]
                             [--skip NAME]... [--skip-worst N | --skip-above REL_ERR]
                             [--base-model ID] [--compute-dtype bfloat16|float16|float32]
                             [--threshold X] [-o FILE] [--force] [--engine auto|cpu|cuda] [--jobs N]
                             [--no-cache] [--budget SIZE [--objective total|worst]]

    Analyses MODEL (the demo when omitted) and writes an Axolotl YAML config that loads it the way
    you chose: QLoRA (nf4, fp4) or 8-bit LoRA (int8), with the measured errors and the memory
    estimate as comments. Modules kept in 16-bit go to llm_int8_skip_modules (4-bit only).
      --quant Q            nf4 (default), fp4 or int8
      --double-quant       quantize the 4-bit block scales too (default for nf4/fp4)
      --no-double-quant    keep 32-bit block scales
      --skip NAME          keep module NAME in 16-bit (full name, e.g. model.layers.7.mlp.down_proj;
                           repeatable)
      --skip-worst N       keep the N quantized modules with the highest error in the chosen format
      --skip-above X       keep every quantized module whose rel_err in the chosen format exceeds X
      --base-model ID      base_model (default: config.json's _name_or_path, else the directory)
      --compute-dtype D    bnb_4bit_compute_dtype (default: left to Axolotl, which suits the GPU)
      --threshold X        llm_int8_threshold (default 6.0)
      -o FILE              write FILE atomically ('-' or no -o: standard output)
      --force              replace FILE when it exists
      --budget SIZE        plan first (see 'quantscope help plan'): the configuration and the
                           modules kept in 16-bit that fit SIZE with the least error; --quant
                           (default auto), --double-quant and --objective narrow the plan
      --engine E, --jobs N, --no-cache, --blocksize N: as for 'report'
    \(ModelOpener.optionsHelp)
    """

  static func run(_ arguments: [String]) throws(CLIError) -> Int32 {
    let parsed = try Arguments(
      arguments,
      options: AnalysisOptions.valueOptions.union([
        "--quant", "--skip", "--skip-worst", "--skip-above", "--base-model", "--compute-dtype",
        "-o",
        "--engine", "--jobs", "--budget", "--objective",
      ]).union(ModelOpener.valueOptions),
      flags: ["--double-quant", "--no-double-quant", "--force", "--no-cache"])
    let paths = try parsed.positionals(atMost: 1)
    if parsed.value("--budget") != nil { return try runBudget(parsed, paths: paths) }
    if parsed.value("--objective") != nil { throw .usage("--objective needs --budget") }
    let quant =
      try exportCall { () throws(ExportError) in try ExportQuant.parse(parsed.allValues("--quant"))
      } ?? .nf4
    if parsed.flag("--double-quant") && parsed.flag("--no-double-quant") {
      throw .usage("--double-quant and --no-double-quant exclude each other")
    }
    let doubleQuant: Bool? =
      parsed.flag("--double-quant") ? true : parsed.flag("--no-double-quant") ? false : nil
    if parsed.value("--skip-worst") != nil && parsed.value("--skip-above") != nil {
      throw .usage("--skip-worst and --skip-above exclude each other")
    }
    let worst = try parsed.integer("--skip-worst", in: 0...1_000_000)
    let above = try parsed.float("--skip-above")
    var skip: [ModuleName] = []
    for name in parsed.allValues("--skip") {
      skip.append(try exportCall { () throws(ExportError) in try ModuleName(name) })
    }
    let settings = try AnalysisOptions.settings(parsed)
    let jobs = try AnalysisOptions.jobs(parsed)
    let backend = try EngineChoice.backend(parsed.value("--engine"), jobs: jobs)
    let output = parsed.value("-o").flatMap { $0 == "-" ? nil : $0 }

    let checkpoint = try ModelOpener.open(paths.first, parsed)
    let storedKind = StoredExport.kind(checkpoint)
    if worst != nil || above != nil,
      let refusal = StoredExport.planningRefusal(
        storedKind, asking: worst != nil ? "--skip-worst" : "--skip-above")
    {
      throw .failed("\(checkpoint.path): \(refusal)")
    }
    if case .fp8 = storedKind { Console.err("quantscope: note: \(StoredExport.fp8Note)\n") }
    let analyses = try AnalysisRunner.run(
      checkpoint: checkpoint, selection: Array(checkpoint.tensors.indices), settings: settings,
      backend: backend, jobs: jobs, useCache: !parsed.flag("--no-cache"))
    let format = quant.errorFormat(doubleQuant: doubleQuant ?? quant.isFourBit)
    skip += ranked(analyses, format: format, worst: worst, above: above)
      .filter { !skip.contains($0) }

    var (quantChosen, doubleQuantChosen) = (quant, doubleQuant)
    if case .bitsandbytes(let storedQuant, let storedDoubleQuant, let storedSkip) = storedKind {
      // A bitsandbytes save loads only as saved: its type, double quant and skip list.
      let requested = try exportCall { () throws(ExportError) in
        try ExportQuant.parse(parsed.allValues("--quant"))
      }
      let loaded = try exportCall { () throws(ExportError) in
        try StoredExport.reconcile(
          stored: storedQuant, doubleQuant: storedDoubleQuant, skip: storedSkip,
          requested: requested,
          requestedDoubleQuant: doubleQuant, requestedSkip: skip)
      }
      (quantChosen, doubleQuantChosen, skip) = (loaded.quant, loaded.doubleQuant, loaded.skip)
    }
    let choice = ExportChoice(
      quant: quantChosen, doubleQuant: doubleQuantChosen, skip: skip,
      baseModel: parsed.value("--base-model"),
      computeDType: parsed.value("--compute-dtype"), threshold: settings.threshold)
    return try write(
      choice, checkpoint: checkpoint, analyses: analyses, settings: settings, output: output,
      overwrite: parsed.flag("--force"))
  }

  /// Renders `choice` as YAML and writes it to `output` atomically (stdout when nil).
  private static func write(
    _ choice: ExportChoice, checkpoint: Checkpoint, analyses: [TensorAnalysis?],
    settings: AnalysisSettings, output: String?, overwrite: Bool
  ) throws(CLIError) -> Int32 {
    let result = try exportCall { () throws(ExportError) in
      try AxolotlExporter.render(
        choice: choice, checkpoint: checkpoint, analyses: analyses, settings: settings,
        date: AxolotlExporter.today())
    }
    for warning in result.warnings { Console.warning(warning) }
    if let output {
      try exportCall { () throws(ExportError) in
        try AtomicFile.write(result.yaml, to: output, overwrite: overwrite)
      }
      Console.err("wrote \(output)\n")
    } else {
      Console.out(result.yaml)
    }
    return 0
  }

  /// `export --budget SIZE`: `plan`, then the export of its choice.
  private static func runBudget(_ parsed: Arguments, paths: [String]) throws(CLIError) -> Int32 {
    for option in ["--skip", "--skip-worst", "--skip-above"] where parsed.value(option) != nil {
      throw .usage(
        "\(option) and --budget exclude each other: the plan chooses the modules to keep")
    }
    let request = try PlanCommand.request(parsed, quantOptional: true)
    let settings = try PlanCommand.planSettings(parsed)
    let jobs = try AnalysisOptions.jobs(parsed)
    let backend = try EngineChoice.backend(parsed.value("--engine"), jobs: jobs)
    let output = parsed.value("-o").flatMap { $0 == "-" ? nil : $0 }
    let checkpoint = try ModelOpener.open(paths.first)
    try PlanCommand.checkStored(checkpoint, asking: "export --budget")
    let analyses = try AnalysisRunner.run(
      checkpoint: checkpoint, selection: Array(checkpoint.tensors.indices), settings: settings,
      backend: backend, jobs: jobs, useCache: !parsed.flag("--no-cache"))
    let (plan, _) = try PlanCommand.solve(request, checkpoint: checkpoint, analyses: analyses)
    guard let best = plan.best else {
      throw .failed("\(checkpoint.path): no configuration fits the budget")
    }
    var skip: [ModuleName] = []
    for tensor in best.keptTensors {
      if let module = ModuleName(tensor: TensorName(tensor.name)) { skip.append(module) }
    }
    var choice = ExportChoice(
      quant: best.choice.quant, doubleQuant: best.choice.doubleQuant, skip: skip,
      baseModel: parsed.value("--base-model"), computeDType: parsed.value("--compute-dtype"),
      threshold: settings.threshold)
    choice.budgetBytes = request.budget
    choice.objective = request.objective
    return try write(
      choice, checkpoint: checkpoint, analyses: analyses, settings: settings, output: output,
      overwrite: parsed.flag("--force"))
  }

  /// Modules picked by `--skip-worst N` / `--skip-above X`: quantizable analysed weights ranked
  /// by their rel_err in `format`, worst first.
  static func ranked(
    _ analyses: [TensorAnalysis?], format: QuantFormat, worst: Int?, above: Float?
  ) -> [ModuleName] {
    guard worst != nil || above != nil else { return [] }
    let scored = analyses.compactMap { analysis -> (ModuleName, Double)? in
      guard let analysis, analysis.quantizable, let metrics = analysis.formats[format],
        !metrics.relErr.isNaN, let module = ModuleName(tensor: TensorName(analysis.name))
      else { return nil }
      return (module, metrics.relErr)
    }.sorted { ($0.1, $1.0.rawValue) > ($1.1, $0.0.rawValue) }
    if let worst { return scored.prefix(worst).map(\.0) }
    if let above { return scored.filter { $0.1 > Double(above) }.map(\.0) }
    return []
  }

  /// Runs an exporter call, turning its error into a one-line CLI error (exit status 2).
  private static func exportCall<T>(_ body: () throws(ExportError) -> T) throws(CLIError) -> T {
    do throws(ExportError) {
      return try body()
    } catch {
      switch error {
      case .invalidOption, .conflictingQuantization, .invalidModuleName:
        throw .usage(error.description)
      default: throw .failed(error.description)
      }
    }
  }

}
