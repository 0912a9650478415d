import Engine

/// The subcommands, their one-line summaries and help texts, and dispatch.
enum Command {
  static let version = "0.1.0"

  /// A subcommand: name, summary for `--help`, full usage for `help NAME`, and its entry point.
  struct Entry: Sendable {
    let name: String
    let summary: String
    let usage: String
    let run: @Sendable ([String]) throws(CLIError) -> Int32
  }

  static let entries: [Entry] = [
    Entry(
      name: "inspect", summary: "list the tensors of a checkpoint (header only)",
      usage: InspectCommand.usage, run: InspectCommand.run),
    Entry(
      name: "report",
      summary: "analyse every tensor: errors per data type, outliers (table|json|csv)",
      usage: ReportCommand.usage, run: ReportCommand.run),
    Entry(
      name: "export",
      summary: "write the quantization choice as an Axolotl config (QLoRA or 8-bit LoRA)",
      usage: ExportCommand.usage, run: ExportCommand.run),
    Entry(
      name: "plan",
      summary: "the choice that fits a memory budget with the least error, and the frontier",
      usage: PlanCommand.usage, run: PlanCommand.run),
    Entry(
      name: "bench", summary: "time the analysis against a plain read pass over the same bytes",
      usage: BenchCommand.usage, run: BenchCommand.run),
    Entry(
      name: "demo", summary: "write the built-in synthetic demo checkpoint: demo --write DIR",
      usage: DemoCommand.usage, run: DemoCommand.run),
    Entry(
      name: "synth", summary: "write a large synthetic LLaMA-shaped checkpoint for benchmarks",
      usage: SynthCommand.usage, run: SynthCommand.run),
    Entry(
      name: "doctor", summary: "show which engines (CPU, CUDA) can run here and why not",
      usage: DoctorCommand.usage, run: DoctorCommand.run),
  ]

  static var generalHelp: String {
    var text = """
      quantscope \(version): look inside a safetensors checkpoint before quantizing it.

      usage: quantscope [MODEL] [--theme NAME|PATH] [--engine auto|cpu|cuda] [--jobs N]
                        [--formats LIST] [--blocksize N] [--threshold X] [--bins N]
                        [--range LO,HI] [--activations FILE] [--no-mouse] [--fresh]
                        [--revision REF] [--transformers 4|5]
             quantscope COMMAND [ARGS...]

      With no command, opens the explorer on MODEL (a .safetensors file, an index.json, a
      directory, or a model id such as org/name already in the local Hugging Face cache, with
      --revision REF), or on the built-in synthetic demo checkpoint when MODEL is omitted.
      --transformers 4|5 says which transformers major version will load the model (default 5).
      --activations FILE adds the outliers of a capture of each Linear layer's inputs (the demo
      loads its own capture); `a` on the outlier map switches between weights and activations.
      The mouse selects, opens and scrolls (--no-mouse turns it off). The kept tensors, format,
      threshold, sort and theme are remembered per model in $XDG_STATE_HOME/quantscope/ (else
      ~/.local/state/quantscope/); --fresh starts without them.

      commands:

      """
    for entry in entries {
      text += "  " + entry.name.padding(12) + entry.summary + "\n"
    }
    text += """
        help        show help for a command: quantscope help COMMAND

      options: --help, --version
      """
    return text + "\n"
  }

  /// Runs the command line; returns the process exit status.
  static func main(_ arguments: [String]) -> Int32 {
    do throws(CLIError) {
      let status = try dispatch(arguments)
      // QUANTSCOPE_CUDA_TRACE=1: the CUDA stages of the whole run (bench prints its own per round).
      if CUDATrace.isEnabled && arguments.first != "bench" {
        let lines = CUDATrace.lines()
        if !lines.isEmpty { Console.err("cuda stages:\n" + lines.joined(separator: "\n") + "\n") }
      }
      return status
    } catch {
      switch error {
      case .usage(let text):
        Console.error("\(text) (see 'quantscope --help')")
      case .failed(let text):
        Console.error(text)
      }
      return 2
    }
  }

  private static func dispatch(_ arguments: [String]) throws(CLIError) -> Int32 {
    guard let first = arguments.first else { return try runExplorer([]) }
    switch first {
    case "--help", "-h":
      Console.out(generalHelp)
      return 0
    case "--version", "-V":
      Console.out("quantscope \(version)\n")
      return 0
    case "help":
      guard arguments.count > 1 else {
        Console.out(generalHelp)
        return 0
      }
      guard let entry = entries.first(where: { $0.name == arguments[1] }) else {
        throw .usage("unknown command '\(arguments[1])'")
      }
      Console.out(entry.usage + "\n")
      return 0
    default:
      if let entry = entries.first(where: { $0.name == first }) {
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
          Console.out(entry.usage + "\n")
          return 0
        }
        return try entry.run(rest)
      }
      // A bare word that is no path here is a mistyped command more often than a model.
      if !first.hasPrefix("-") && !first.contains("/") && !first.contains(".")
        && !FileChecks.exists(first)
      {
        throw .usage(
          "'\(first)' is neither a command (\(entries.map(\.name).joined(separator: ", "))) nor a file or directory"
        )
      }
      return try runExplorer(arguments)
    }
  }

  /// The explorer (TUI) on MODEL or the demo.
  private static func runExplorer(_ arguments: [String]) throws(CLIError) -> Int32 {
    try ExplorerCommand.run(arguments)
  }
}

extension String {
  /// Left-aligned in a field of `width` characters (never truncated).
  func padding(_ width: Int) -> String {
    count >= width ? self + " " : self + String(repeating: " ", count: width - count)
  }
}
