import Reports
import Synthetic

/// `quantscope synth`: writes a large synthetic LLaMA-shaped checkpoint for benchmarks.
enum SynthCommand {
  static let usage = """
    usage: quantscope synth DIR [--preset NAME] [--size full|small] [--layers N]
                                [--shard-size BYTES] [--force]

    Writes a sharded BF16 checkpoint with the tensor names and shapes of a real model and
    Gaussian weights (std 0.02), with model-0000K-of-0000N.safetensors shards, an index and a
    config.json of that architecture. Memory stays bounded; use it to benchmark on several GB
    (`quantscope bench DIR`) or to see how an architecture is quantized.
      --preset P        7b (default; LLaMA-2-7B: hidden 4096, MLP 11008, 32 layers),
                        1b (TinyLlama: hidden 2048, MLP 5632, 22 layers),
                        phi-2 (PhiForCausalLM, biases, fc1/fc2, dense, final_layernorm),
                        mixtral (8 experts w1/w2/w3 and a router per block),
                        gpt2 (Conv1D weights stored [in, out], tied lm_head),
                        moe-fused (gpt-oss layout: fused 3-D expert tensors)
      --size S          full (default: the real model's sizes) or small (same names, a few MB)
      --layers N        fewer transformer blocks (e.g. 4 layers of 7b ≈ 1.9 GB)
      --shard-size B    maximum shard size in bytes (default 2000000000)
      --force           write into DIR even when it already holds files
    """

  static func run(_ arguments: [String]) throws(CLIError) -> Int32 {
    let parsed = try Arguments(
      arguments, options: ["--preset", "--size", "--layers", "--shard-size"], flags: ["--force"])
    let paths = try parsed.positionals(atMost: 1)
    guard let directory = paths.first else { throw .usage("synth needs a target directory") }
    var preset: SyntheticCheckpoint.Preset
    switch parsed.value("--preset") ?? "7b" {
    case "1b": preset = .llama1B
    case "7b": preset = .llama7B
    case "phi-2": preset = .phi2
    case "mixtral": preset = .mixtral
    case "gpt2": preset = .gpt2
    case "moe-fused": preset = .moeFused
    case let other:
      throw .usage("--preset must be 1b, 7b, phi-2, mixtral, gpt2 or moe-fused, got '\(other)'")
    }
    switch parsed.value("--size") ?? "full" {
    case "full": break
    case "small": preset = preset.small
    case let other: throw .usage("--size must be full or small, got '\(other)'")
    }
    if let layers = try parsed.integer("--layers", in: 1...512) { preset = preset.layers(layers) }
    let shardBytes = try parsed.integer("--shard-size", in: 1_000_000...Int.max) ?? 2_000_000_000
    if !parsed.flag("--force") && FileChecks.isNonEmptyDirectory(directory) {
      throw .failed("\(directory): directory is not empty (use --force to write into it)")
    }
    let total = UInt64(preset.parameterCount) * 2
    Console.err(
      "writing \(preset.name): \(NumberText.groupedDigits(preset.parameterCount)) params, \(NumberText.bytes(total))\n"
    )
    let showProgress = Console.isTerminal(2)
    do {
      try SyntheticCheckpoint.write(
        shape: preset, to: directory, shardBytes: UInt64(shardBytes),
        progress: showProgress
          ? { written, all in
            Console.err("\r\u{1B}[K\(NumberText.bytes(written)) / \(NumberText.bytes(all))")
          } : nil)
    } catch {
      throw .failed("\(error)")
    }
    if showProgress { Console.err("\r\u{1B}[K") }
    Console.out("\(directory)\n")
    return 0
  }
}
