import Reports
import Safetensors

/// `quantscope inspect MODEL [--json]`: the tensors of a checkpoint, header only.
enum InspectCommand {
  static let usage = """
    usage: quantscope inspect [MODEL] [--json]

    Lists the tensors of MODEL (name, dtype, shape, parameters, bytes, shard) in natural order,
    with totals by dtype. Reads only the headers. Without MODEL, lists the demo checkpoint.
      --json    one JSON document instead of the table
    \(ModelOpener.optionsHelp)
    """

  static func run(_ arguments: [String]) throws(CLIError) -> Int32 {
    let parsed = try Arguments(arguments, options: ModelOpener.valueOptions, flags: ["--json"])
    let paths = try parsed.positionals(atMost: 1)
    let checkpoint = try ModelOpener.open(paths.first, parsed)
    Console.out(
      parsed.flag("--json") ? InspectRenderer.json(checkpoint) : InspectRenderer.table(checkpoint))
    return 0
  }
}
