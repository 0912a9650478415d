import Safetensors

/// Opens the user's MODEL argument (or the demo when absent) and prints reader warnings.
enum ModelOpener {
  static func open(_ path: String?) throws(CLIError) -> Checkpoint {
    guard let path else { throw .failed("demo checkpoint not available yet") }
    do throws(SafetensorsError) {
      let checkpoint = try Checkpoint.open(path)
      for warning in checkpoint.warnings { Console.warning(warning) }
      return checkpoint
    } catch {
      throw .failed(error.description)
    }
  }
}
