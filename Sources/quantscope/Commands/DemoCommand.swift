import Safetensors
import Synthetic

/// `quantscope demo --write DIR`: the built-in synthetic demo checkpoint, as files.
enum DemoCommand {
  static let usage = """
    usage: quantscope demo [--write DIR] [--force]

    The built-in synthetic demo: a deterministic LLaMA-shaped BF16 checkpoint (4 blocks, hidden 512,
    MLP 1408, vocab 2048) with heavy-tailed weights, systematic outlier input dimensions and one layer
    whose spikes make 4-bit error clearly worse, plus a matching activation capture. It is what
    `quantscope` opens when no MODEL is given (cached under $XDG_CACHE_HOME/quantscope).
      --write DIR   write model.safetensors, config.json and activations.safetensors into DIR
      --force       write into DIR even when it already holds files
    Without --write, prints the path of the cached demo directory.
    """

  static func run(_ arguments: [String]) throws(CLIError) -> Int32 {
    let parsed = try Arguments(arguments, options: ["--write"], flags: ["--force"])
    _ = try parsed.positionals(atMost: 0)
    guard let directory = parsed.value("--write") else {
      do {
        Console.out(try DemoCheckpoint.ensure() + "\n")
      } catch {
        throw .failed("cannot write the demo checkpoint: \(error)")
      }
      return 0
    }
    if !parsed.flag("--force") && FileChecks.isNonEmptyDirectory(directory) {
      throw .failed("\(directory): directory is not empty (use --force to write into it)")
    }
    do {
      try DemoCheckpoint.write(to: directory)
      _ = try DemoActivations.write(to: directory)
    } catch let error as SafetensorsWriterError {
      throw .failed(error.description)  // already "PATH: reason"
    } catch {
      throw .failed("\(directory): \(error)")
    }
    Console.out("\(directory)\n")
    return 0
  }
}
