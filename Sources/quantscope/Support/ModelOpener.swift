import Engine
import FileSystem
import Safetensors
import Synthetic

/// Opens the user's MODEL argument (or the demo when absent) and prints reader warnings.
enum ModelOpener {
  /// The options every command that takes MODEL accepts.
  static let valueOptions: Set<String> = ["--revision", "--transformers"]

  /// Help lines of `valueOptions`, for the commands' usage texts.
  static let optionsHelp = """
      --revision REF   with a model id: the branch, tag or commit of the Hugging Face cache
                       snapshot (default main)
      --transformers N the transformers major version that will load the model, 4 or 5
                       (default 5): decides which MoE expert weights bitsandbytes quantizes
    """

  /// MODEL (a path, or a model id found in the local Hugging Face cache) with `--revision` and
  /// `--transformers` applied; the demo when MODEL is absent.
  ///
  /// - Parameter expandingExperts: fused 3-D expert tensors become one slice per expert
  ///   (`name[k]`), analysed and listed on their own (report and explorer).
  static func open(_ path: String?, _ parsed: Arguments, expandingExperts: Bool = false)
    throws(CLIError)
    -> Checkpoint
  {
    let major: Int
    switch parsed.value("--transformers") ?? "5" {
    case "4": major = 4
    case "5": major = 5
    case let other: throw .usage("--transformers must be 4 or 5, got '\(other)'")
    }
    var checkpoint = try open(path, revision: parsed.value("--revision"))
    checkpoint.transformersMajor = major
    return expandingExperts
      ? ModelArchitecture(checkpoint).expandingFusedExperts(checkpoint) : checkpoint
  }

  static func open(_ path: String?, revision: String? = nil) throws(CLIError) -> Checkpoint {
    guard let path else {
      if revision != nil { throw .usage("--revision needs a model id") }
      return try openDemo()
    }
    do throws(SafetensorsError) {
      let cache = HubCache.fromEnvironment(HubCache.processEnvironment())
      let checkpoint = try Checkpoint.open(model: path, revision: revision, cache: cache)
      for warning in checkpoint.warnings { Console.warning(warning) }
      return checkpoint
    } catch {
      throw .failed(error.description)
    }
  }

  /// The demo's synthetic activation capture, when the demo directory holds one.
  static var demoCapturePath: String? {
    guard let directory = try? DemoCheckpoint.ensure() else { return nil }
    let path = DemoActivations.path(in: directory)
    return FileSystem.isReadable(path) ? path : nil
  }

  /// The built-in synthetic demo checkpoint, generated on first use into the cache directory.
  static func openDemo() throws(CLIError) -> Checkpoint {
    let path: String
    do {
      path = try DemoCheckpoint.ensure()
    } catch {
      throw .failed("cannot write the demo checkpoint: \(error)")
    }
    return try open(path)
  }
}
