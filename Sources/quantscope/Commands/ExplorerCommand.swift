import Engine
import Explorer
import Reports
import Safetensors

/// `quantscope [MODEL]`: the explorer (TUI) on a checkpoint, or on the demo when MODEL is omitted.
enum ExplorerCommand {
  static func run(_ arguments: [String]) throws(CLIError) -> Int32 {
    var options = AnalysisOptions.valueOptions
    options.formUnion(["--theme", "--engine", "--jobs", "--activations"])
    options.formUnion(ModelOpener.valueOptions)
    let parsed = try Arguments(arguments, options: options, flags: ["--no-mouse", "--fresh"])
    let paths = try parsed.positionals(atMost: 1)
    let settings = try AnalysisOptions.settings(parsed)
    let jobs = try AnalysisOptions.jobs(parsed)
    let engine = parsed.value("--engine") ?? "auto"
    let makeBackend: @Sendable () -> any Backend
    switch engine {
    case "cpu":
      makeBackend = { CPUBackend(threads: jobs) }
    case "cuda":
      // Fail before the screen opens when the GPU cannot run, with the loader's reason.
      let backend = try EngineChoice.backend("cuda", jobs: jobs)
      makeBackend = { backend }
    case "auto":
      // Loading CUDA compiles kernels: done on the analysis thread, never before the first frame.
      makeBackend = { EngineChoice.automatic(jobs: jobs) }
    default:
      throw .usage("--engine must be auto, cpu or cuda")
    }
    let checkpoint = try ModelOpener.open(paths.first, parsed, expandingExperts: true)
    // The demo loads its own capture unless one is given.
    let capture =
      parsed.value("--activations") ?? (paths.isEmpty ? ModelOpener.demoCapturePath : nil)
    if let capture {
      // Fail before the UI when the capture cannot be read; its problems are warnings.
      do throws(SafetensorsError) {
        let opened = try ActivationCapture.open(capture, weights: checkpoint)
        for problem in opened.problems { Console.warning("\(capture): \(problem)") }
      } catch {
        throw .failed(error.description)
      }
    }
    var explorerOptions = ExplorerOptions(
      isDemo: paths.isEmpty || InspectRenderer.isSyntheticDemo(checkpoint),
      themeName: parsed.value("--theme"), settings: settings, makeBackend: makeBackend,
      engineLabel: engine == "cpu" ? "cpu ×\(jobs)" : engine, jobs: jobs, activationsPath: capture)
    explorerOptions.isMouseEnabled = !parsed.flag("--no-mouse")
    explorerOptions.isFresh = parsed.flag("--fresh")
    return ExplorerApp.run(checkpoint: checkpoint, options: explorerOptions)
  }
}
