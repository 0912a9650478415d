import Engine
import FileSystem
import Safetensors
import Synthetic

/// Opens the user's MODEL argument (or the demo when absent) and prints reader warnings.
enum ModelOpener {
  static func open(_ path: String?) throws(CLIError) -> Checkpoint {
    guard let path else { return try openDemo() }
    do throws(SafetensorsError) {
      let checkpoint = try Checkpoint.open(path)
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
