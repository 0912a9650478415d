import Engine
import Explorer
import Reports
import Safetensors

#if canImport(Glibc)
  import Glibc
#endif

/// `quantscope report`: the per-tensor analysis, headless.
enum ReportCommand {
  static let usage = """
    usage: quantscope report [MODEL] [--format table|json|csv] [--formats LIST] [--blocksize N]
                             [--threshold X] [--bins N] [--range LO,HI] [--match REGEX] [--engine auto|cpu|cuda]
                             [--jobs N] [--no-cache] [--activations FILE]

    Analyses every floating tensor of MODEL (the demo when omitted): statistics, histograms,
    outlier columns, and the round-trip error of each data type, exactly as bitsandbytes computes
    them. Prints a progress line on stderr when it is a terminal.
      --format F       table (default), json (one document) or csv (one row per tensor and format)
      --formats LIST   comma-separated subset of: \(QuantFormat.allCases.map(\.rawValue).joined(separator: ","))
      --blocksize N    block size of nf4/nf4-dq/fp4/int4: 32, 64 (default), ..., 4096
      --threshold X    outlier threshold on |w| (default 6.0)
      --bins N         histogram bins (default 64)
      --range LO,HI    value histogram range (default: each tensor's min,max); values outside
                       it are counted in the first or last bin
      --match REGEX    only tensors whose name contains a match (and their captured modules)
      --engine E       auto (default: CUDA when available, else CPU), cpu, cuda
      --jobs N         worker threads (default: all cores)
      --no-cache       neither read nor write the analysis cache
      --activations F  a safetensors capture of the inputs of each Linear module (see README):
                       activation outlier features and the LLM.int8() output error per module;
                       the demo's own capture is used when MODEL is omitted
    \(ModelOpener.optionsHelp)
    """

  static func run(_ arguments: [String]) throws(CLIError) -> Int32 {
    let parsed = try Arguments(
      arguments,
      options: ([
        "--format", "--formats", "--blocksize", "--threshold", "--bins", "--range", "--match",
        "--engine", "--jobs",
        "--activations",
      ] as Set<String>).union(ModelOpener.valueOptions),
      flags: ["--no-cache"])
    let paths = try parsed.positionals(atMost: 1)
    guard let format = ReportRenderer.Format(rawValue: parsed.value("--format") ?? "table") else {
      throw .usage("--format must be table, json or csv")
    }
    let settings = try AnalysisOptions.settings(parsed)
    let jobs = try AnalysisOptions.jobs(parsed)
    let backend = try EngineChoice.backend(parsed.value("--engine"), jobs: jobs)
    let checkpoint = try ModelOpener.open(paths.first, parsed, expandingExperts: true)
    let selection = try select(checkpoint, matching: parsed.value("--match"))
    let analyses = try AnalysisRunner.run(
      checkpoint: checkpoint, selection: selection, settings: settings, backend: backend,
      jobs: jobs, useCache: !parsed.flag("--no-cache"))
    var renderer = ReportRenderer(
      checkpoint: checkpoint, selection: selection, analyses: analyses, settings: settings,
      engine: backend.identifier)
    // The demo's own capture joins the table and JSON reports; CSV (one row per tensor and format)
    // has no place for it, so only an explicit --activations is refused there.
    let explicitCapture = parsed.value("--activations")
    if explicitCapture != nil && format == .csv {
      throw .usage("--activations works with --format table or json")
    }
    let capture =
      explicitCapture ?? (paths.isEmpty && format != .csv ? ModelOpener.demoCapturePath : nil)
    if let capture {
      var activations = try ActivationRunner.run(
        capture: capture, weights: checkpoint, settings: settings)
      if parsed.value("--match") != nil {
        // The same selection as the weights: the modules whose weight tensor was selected.
        let selected = Set(selection.map { checkpoint.tensors[$0].name })
        activations.modules = activations.modules.filter {
          selected.contains($0.module + ".weight")
        }
      }
      renderer.activations = activations
    }
    Console.out(renderer.render(format))
    return 0
  }

  /// Indices of the tensors whose names contain a match of `pattern` (all when nil; none is an error).
  static func select(_ checkpoint: Checkpoint, matching pattern: String?) throws(CLIError) -> [Int]
  {
    guard let pattern else { return Array(checkpoint.tensors.indices) }
    let regex: Regex<AnyRegexOutput>
    do {
      regex = try Regex(pattern)
    } catch {
      throw .usage("--match: invalid regular expression '\(pattern)'")
    }
    let selected = checkpoint.tensors.indices.filter { checkpoint.tensors[$0].name.contains(regex) }
    // An empty report would print totals of nothing: almost always a mistyped pattern.
    guard !selected.isEmpty else { throw .failed("--match: no tensor name matches '\(pattern)'") }
    return selected
  }
}
