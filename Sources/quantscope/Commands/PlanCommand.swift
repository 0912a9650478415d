import Engine
import Exporter
import Safetensors

/// `quantscope plan`: the choice that fits a memory budget with the least damage, and the frontier.
enum PlanCommand {
  static let usage = """
    usage: quantscope plan [MODEL] --budget SIZE [--quant nf4|fp4|int8|auto]
                           [--double-quant | --no-double-quant] [--objective total|worst]
                           [--format table|json] [--training [--lora-r N] [--seq-len N]
                           [--micro-batch-size N] [--gradient-checkpointing | --no-gradient-checkpointing]
                           [--optimizer adamw|adamw-8bit|paged-adamw-8bit]] [--engine auto|cpu|cuda]
                           [--jobs N] [--no-cache]

    Analyses MODEL (the demo when omitted) and finds, for each bitsandbytes configuration, the
    tensors to keep in 16-bit that minimise the objective while the weights (as bitsandbytes stores
    them) fit in SIZE: the exact optimum, with the Pareto frontier memory → objective.
      --budget SIZE        24GB, 24GiB, 23.5G, 800MB or bytes (kB/MB/GB/TB: powers of 1000;
                           KiB/MiB/GiB/TiB and K/M/G/T: powers of 1024)
      --quant Q            nf4, fp4, int8, or auto (default): nf4 and fp4 ± double quant, int8
      --double-quant       with --quant nf4|fp4: double-quantized scales (default)
      --no-double-quant    with --quant nf4|fp4: 32-bit block scales
      --objective total    Σ params·rel_err of the quantized tensors ÷ params of every quantizable
                           tensor (default); worst: the largest rel_err of a quantized tensor
      --format F           table (default) or json
      --training           the budget is for QLoRA training in all: weights, LoRA adapters on every
                           quantizable Linear, their gradients and optimizer states, activations
                           (an estimate), a CUDA context allowance
      --lora-r N (16), --seq-len N (2048), --micro-batch-size N (1), --optimizer O (adamw),
      --gradient-checkpointing (default) | --no-gradient-checkpointing
      --engine E, --jobs N, --no-cache: as for 'report'
    int8 keeps nothing in 16-bit: Axolotl's 8-bit path passes no skip list.
    """

  static let valueOptions: Set<String> = [
    "--budget", "--quant", "--objective", "--lora-r", "--seq-len", "--micro-batch-size",
    "--optimizer",
  ]
  static let flags: Set<String> = [
    "--double-quant", "--no-double-quant", "--training", "--gradient-checkpointing",
    "--no-gradient-checkpointing",
  ]

  /// The budget options of `plan` and `export --budget`, read before anything is analysed.
  struct Request {
    var budget: UInt64
    var quant: ExportQuant?
    var doubleQuant: Bool?
    var objective: PlanObjective
    var training: TrainingSettings?
  }

  static func run(_ arguments: [String]) throws(CLIError) -> Int32 {
    let parsed = try Arguments(
      arguments,
      options: AnalysisOptions.valueOptions.union(valueOptions).union([
        "--format", "--engine", "--jobs",
      ]),
      flags: flags.union(["--no-cache"]))
    let paths = try parsed.positionals(atMost: 1)
    guard parsed.value("--budget") != nil else {
      throw .usage("plan needs --budget SIZE (e.g. --budget 24GB)")
    }
    let request = try request(parsed, quantOptional: true)
    let format = parsed.value("--format") ?? "table"
    guard format == "table" || format == "json" else {
      throw .usage("--format must be table or json, got '\(format)'")
    }
    let settings = try planSettings(parsed)
    let jobs = try AnalysisOptions.jobs(parsed)
    let backend = try EngineChoice.backend(parsed.value("--engine"), jobs: jobs)
    let checkpoint = try ModelOpener.open(paths.first)
    try checkStored(checkpoint, asking: "plan")
    let analyses = try AnalysisRunner.run(
      checkpoint: checkpoint, selection: Array(checkpoint.tensors.indices), settings: settings,
      backend: backend, jobs: jobs, useCache: !parsed.flag("--no-cache"))
    let (plan, training) = try solve(request, checkpoint: checkpoint, analyses: analyses)
    Console.out(
      format == "json"
        ? PlanRenderer.json(plan, checkpoint: checkpoint, training: training)
        : PlanRenderer.table(plan, checkpoint: checkpoint, training: training))
    return 0
  }

  /// Reads `--budget`, `--quant`, `--double-quant`, `--objective` and the training options.
  static func request(_ parsed: Arguments, quantOptional: Bool) throws(CLIError) -> Request {
    let budget: UInt64
    switch ByteSize.parse(parsed.value("--budget") ?? "") {
    case .success(let bytes): budget = bytes
    case .failure(let error): throw .usage("--budget: " + error.description)
    }
    var quant: ExportQuant?
    if let text = parsed.value("--quant"), text != "auto" {
      guard let value = ExportQuant(rawValue: text) else {
        throw .usage("--quant must be nf4, fp4, int8 or auto, got '\(text)'")
      }
      quant = value
    }
    if parsed.flag("--double-quant") && parsed.flag("--no-double-quant") {
      throw .usage("--double-quant and --no-double-quant exclude each other")
    }
    let doubleQuant: Bool? =
      parsed.flag("--double-quant") ? true : parsed.flag("--no-double-quant") ? false : nil
    if doubleQuant != nil && quant == nil {
      throw .usage("--double-quant/--no-double-quant need --quant nf4 or fp4 (auto tries both)")
    }
    if doubleQuant == true && quant == .int8 {
      throw .usage(
        "double quantization is a 4-bit (QLoRA) option and cannot be combined with int8 (8-bit)")
    }
    let objectiveText = parsed.value("--objective") ?? "total"
    guard let objective = PlanObjective(rawValue: objectiveText) else {
      throw .usage("--objective must be total or worst, got '\(objectiveText)'")
    }
    var training: TrainingSettings?
    let trainingOptions = ["--lora-r", "--seq-len", "--micro-batch-size", "--optimizer"]
    if parsed.flag("--training") {
      var settings = TrainingSettings()
      if let r = try parsed.integer("--lora-r", in: 1...65536) { settings.loraR = r }
      if let length = try parsed.integer("--seq-len", in: 1...10_000_000) {
        settings.sequenceLength = length
      }
      if let batch = try parsed.integer("--micro-batch-size", in: 1...65536) {
        settings.microBatchSize = batch
      }
      if parsed.flag("--gradient-checkpointing") && parsed.flag("--no-gradient-checkpointing") {
        throw .usage("--gradient-checkpointing and --no-gradient-checkpointing exclude each other")
      }
      if parsed.flag("--no-gradient-checkpointing") { settings.gradientCheckpointing = false }
      if let text = parsed.value("--optimizer") {
        guard let optimizer = TrainingOptimizer(rawValue: text) else {
          throw .usage("--optimizer must be adamw, adamw-8bit or paged-adamw-8bit, got '\(text)'")
        }
        settings.optimizer = optimizer
      }
      training = settings
    } else if let option = trainingOptions.first(where: { parsed.value($0) != nil })
      ?? ["--gradient-checkpointing", "--no-gradient-checkpointing"].first(where: parsed.flag)
    {
      throw .usage("\(option) needs --training")
    }
    return Request(
      budget: budget, quant: quant, doubleQuant: doubleQuant, objective: objective,
      training: training)
  }

  /// The analysis settings: the formats a plan needs, whatever `--formats` says.
  static func planSettings(_ parsed: Arguments) throws(CLIError) -> AnalysisSettings {
    var settings = try AnalysisOptions.settings(parsed)
    for format in [QuantFormat.nf4, .nf4dq, .fp4, .fp4dq, .int8] where !settings.formats.contains(format) {
      settings.formats.append(format)
    }
    return settings
  }

  /// Plans `request`; a budget below every configuration's smallest footprint is an error naming it.
  /// Refuses to plan a bitsandbytes save (its choice is fixed by what is stored), in one line,
  /// before any analysis; notes that FP8 weights are planned as bitsandbytes would see them.
  static func checkStored(_ checkpoint: Checkpoint, asking: String) throws(CLIError) {
    let kind = StoredExport.kind(checkpoint)
    if let refusal = StoredExport.planningRefusal(kind, asking: asking) {
      throw .failed("\(checkpoint.path): \(refusal)")
    }
    if case .fp8 = kind {
      Console.err(
        "quantscope: note: \(asking == "plan" ? StoredExport.fp8PlanNote : StoredExport.fp8Note)\n")
    }
  }

  static func solve(
    _ request: Request, checkpoint: Checkpoint, analyses: [TensorAnalysis?]
  ) throws(CLIError) -> (BudgetPlan, TrainingMemory?) {
    let training = request.training.map {
      TrainingMemory(tensors: checkpoint.tensors, config: checkpoint.config, settings: $0)
    }
    let overhead = training?.overheadBytes ?? 0
    let planner = BudgetPlanner(
      tensors: checkpoint.tensors, analyses: analyses, architecture: ModelArchitecture(checkpoint))
    let configurations = BudgetPlanner.configurations(
      quant: request.quant, doubleQuant: request.doubleQuant)
    let weightsBudget = request.budget > overhead ? request.budget - overhead : 0
    var plan = planner.plan(
      budget: weightsBudget, configurations: configurations, objective: request.objective)
    plan.budgetBytes = request.budget
    if plan.best == nil, let minimum = plan.minimum {
      let total = minimum.bytes + overhead
      let what =
        training == nil
        ? "weights"
        : "training (weights \(PlanRenderer.bytesText(minimum.bytes)) + \(PlanRenderer.bytesText(overhead)) for adapters, optimizer, activations, CUDA)"
      throw .failed(
        "\(checkpoint.path): budget \(PlanRenderer.bytesText(request.budget)) (\(request.budget) bytes) is below the smallest "
          + "footprint, \(PlanRenderer.bytesText(total)) (\(total) bytes) of \(what) with \(minimum.choice.label)"
      )
    }
    return (plan, training)
  }
}
