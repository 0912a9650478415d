import Engine
import Exporter
import Reports
import Safetensors

/// `quantscope bench`: the analysis speed against the floor of a plain read pass, in one run.
enum BenchCommand {
  static let usage = """
    usage: quantscope bench [MODEL] [--engine auto|cpu|cuda] [--jobs N] [--formats LIST]
                            [--blocksize N] [--repeat N]
           quantscope bench --planner

    Times, on the same bytes and in one run: a plain read pass over every tensor byte (the floor,
    with the same number of threads), then the full analysis (all formats unless --formats; no cache).
    Prints both, their ratio, GB/s and params/s. Run it twice to measure with the file in the page
    cache; make a multi-GB model with `quantscope synth`.
    \(ModelOpener.optionsHelp)
    --planner times `plan`'s optimiser instead, on a LLaMA-7B-shaped instance (291 tensors) and on
    2,000 tensors of mixed shapes (synthetic errors, nothing read): every configuration, the optimum
    at a budget and the frontier, and whether the search proved the optimum.
    """

  static func run(_ arguments: [String]) throws(CLIError) -> Int32 {
    var options = AnalysisOptions.valueOptions
    options.formUnion(["--engine", "--jobs", "--repeat"])
    options.formUnion(ModelOpener.valueOptions)
    let parsed = try Arguments(arguments, options: options, flags: ["--planner"])
    if parsed.flag("--planner") { return benchPlanner() }
    let paths = try parsed.positionals(atMost: 1)
    let settings = try AnalysisOptions.settings(parsed)
    let jobs = try AnalysisOptions.jobs(parsed)
    let repeats = try parsed.integer("--repeat", in: 1...100) ?? 1
    let backend = try EngineChoice.backend(parsed.value("--engine"), jobs: jobs)
    let checkpoint = try ModelOpener.open(paths.first, parsed)
    let analysable = checkpoint.tensors.filter { $0.dtype.isAnalysable }
    let params = analysable.reduce(0) { $0 + $1.elementCount }
    let bytes = analysable.reduce(UInt64(0)) { $0 + $1.byteCount }

    Console.out(
      "model     \(checkpoint.path): \(analysable.count) analysable tensor\(analysable.count == 1 ? "" : "s"), "
    )
    Console.out("\(NumberText.groupedDigits(params)) params, \(NumberText.bytes(bytes))\n")
    Console.out(
      "engine    \(backend.displayName), \(min(jobs, backend.concurrentTensorLimit ?? jobs)) worker(s); formats \(settings.formats.map(\.rawValue).joined(separator: ","))\n"
    )
    for round in 1...repeats {
      let read = try measureRead(checkpoint, jobs: jobs)
      CUDATrace.reset()
      let analyzer = Analyzer(
        checkpoint: checkpoint, settings: settings, backend: backend, jobs: jobs)
      let start = SystemInfo.now()
      do throws(EngineError) {
        _ = try analyzer.run()
      } catch {
        throw .failed(error.description)
      }
      let seconds = SystemInfo.now() - start
      let gb = Double(bytes) / 1e9
      Console.out("round \(round)\n")
      Console.out("  read pass  \(fixed(read, 3)) s  \(fixed(gb / read, 2)) GB/s\n")
      Console.out("  analysis   \(fixed(seconds, 3)) s  \(fixed(gb / seconds, 2)) GB/s  ")
      Console.out("\(fixed(Double(params) / seconds / 1e6, 1)) M params/s\n")
      Console.out("  ratio      analysis / read pass = \(fixed(seconds / read, 2))×\n")
      if CUDATrace.isEnabled {
        Console.out("  cuda stages (QUANTSCOPE_CUDA_TRACE=1: each kernel waited for)\n")
        for line in CUDATrace.lines() { Console.out("  \(line)\n") }
      }
    }
    return 0
  }

  private static func measureRead(_ checkpoint: Checkpoint, jobs: Int) throws(CLIError) -> Double {
    do {
      return try Benchmark.readPass(checkpoint: checkpoint, threads: jobs).seconds
    } catch {
      throw .failed("\(checkpoint.path): \(error)")
    }
  }

  private static func fixed(_ value: Double, _ digits: Int) -> String {
    NumberText.fixed(value, digits: digits)
  }

  /// `bench --planner`: the optimiser's time on synthetic instances.
  static func benchPlanner() -> Int32 {
    for instance in [PlannerBenchmark.llama7B(), PlannerBenchmark.mixed(count: 2000)] {
      let quantizable = instance.tensors.filter(Quantizability.isQuantizable).count
      let planner = BudgetPlanner(tensors: instance.tensors, analyses: instance.analyses)
      let smallest = BitsandbytesStorage.modelBytes(
        instance.tensors, quantizable: instance.tensors.map(Quantizability.isQuantizable),
        layout: .fourBitDoubleQuant, kept: [])
      let sixteen = BitsandbytesStorage.modelBytes(
        instance.tensors, quantizable: instance.tensors.map { _ in false }, layout: .fourBit,
        kept: [])
      let budget = smallest + (sixteen - smallest) / 10
      Console.out(
        "\(instance.name): \(instance.tensors.count) tensors, \(quantizable) quantizable, budget \(PlanRenderer.bytesText(budget))\n"
      )
      for objective in PlanObjective.allCases {
        let start = SystemInfo.now()
        let plan = planner.plan(
          budget: budget, configurations: QuantChoice.autoConfigurations, objective: objective)
        let seconds = SystemInfo.now() - start
        let proven = plan.configurations.allSatisfy(\.isProven)
        let points = plan.configurations.reduce(0) { $0 + $1.frontier.count }
        let best =
          plan.best.map {
            "\($0.choice.label), \($0.keptTensors.count) kept, value \($0.value ?? .nan)"
          } ?? "nothing fits"
        Console.out(
          "  \(objective.rawValue): \(String(format3: seconds)) s for 4 configurations × (optimum + frontier of \(points) points); exact: \(proven ? "yes" : "NO (node limit)"); \(best)\n"
        )
      }
    }
    return 0
  }
}

extension String {
  /// Seconds to three decimals.
  init(format3 value: Double) {
    let scaled = Int((value * 1000).rounded())
    let digits = String(scaled % 1000)
    self = "\(scaled / 1000)." + String(repeating: "0", count: 3 - digits.count) + digits
  }
}
