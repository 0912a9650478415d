import Engine
import Safetensors

/// Runs the activation-capture analysis for `--activations`, with reader and engine errors turned
/// into one-line CLI errors naming the capture file.
enum ActivationRunner {
  static func run(capture: String, weights: Checkpoint, settings: AnalysisSettings)
    throws(CLIError) -> ActivationAnalysis
  {
    do {
      let analysis = try ActivationAnalysis.run(
        capturePath: capture, weights: weights, settings: ActivationSettings(settings))
      for problem in analysis.problems { Console.warning("\(capture): \(problem)") }
      return analysis
    } catch let error as SafetensorsError {
      throw .failed(error.description)
    } catch let error as EngineError {
      throw .failed("\(capture): \(error)")
    } catch {
      throw .failed("\(capture): \(error)")
    }
  }
}
