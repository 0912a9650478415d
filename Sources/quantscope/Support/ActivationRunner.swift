import Engine
import Safetensors

/// Runs the activation-capture analysis for `--activations`, with reader and engine errors turned
/// into one-line CLI errors naming the capture file.
enum ActivationRunner {
  /// Problems printed one per line; the rest are counted in one more line.
  static let shownProblems = 5

  static func run(capture: String, weights: Checkpoint, settings: AnalysisSettings)
    throws(CLIError) -> ActivationAnalysis
  {
    do {
      let analysis = try ActivationAnalysis.run(
        capturePath: capture, weights: weights, settings: ActivationSettings(settings))
      if analysis.modules.isEmpty, let first = analysis.problems.first {
        // Nothing matched: almost always a capture of another model.
        throw CLIError.failed(
          "\(capture): no captured module matches a Linear weight of \(weights.path) (\(first)"
            + (analysis.problems.count > 1 ? "; \(analysis.problems.count - 1) more)" : ")"))
      }
      for problem in analysis.problems.prefix(shownProblems) {
        Console.warning("\(capture): \(problem)")
      }
      if analysis.problems.count > shownProblems {
        Console.warning(
          "\(capture): \(analysis.problems.count - shownProblems) more captured modules skipped")
      }
      return analysis
    } catch let error as CLIError {
      throw error
    } catch let error as SafetensorsError {
      throw .failed(error.description)
    } catch let error as EngineError {
      throw .failed("\(capture): \(error)")
    } catch {
      throw .failed("\(capture): \(error)")
    }
  }
}
