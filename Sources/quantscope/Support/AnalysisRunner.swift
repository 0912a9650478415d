import Engine
import Explorer
import Safetensors

/// Runs the analysis for the headless commands: cache first, then the engine with a progress line
/// on stderr when stderr is a terminal.
enum AnalysisRunner {
  static func run(
    checkpoint: Checkpoint, selection: [Int], settings: AnalysisSettings, backend: any Backend,
    jobs: Int, useCache: Bool
  ) throws(CLIError) -> [TensorAnalysis?] {
    let wanted = Set(selection)
    if useCache,
      let cached = AnalysisCache().load(
        checkpoint: checkpoint, settings: settings, engine: backend.identifier),
      cached.count == checkpoint.tensors.count,
      selection.allSatisfy({ cached[$0] != nil || !checkpoint.tensors[$0].dtype.isAnalysable })
    {
      return cached
    }
    let progressLine = Console.isTerminal(2) ? ProgressLine(started: SystemInfo.now()) : nil
    let analyzer = Analyzer(
      checkpoint: checkpoint, settings: settings, backend: backend, jobs: jobs)
    let order = selection.filter { checkpoint.tensors[$0].dtype.isAnalysable }
    let results: [TensorAnalysis?]
    do throws(EngineError) {
      results = try analyzer.run(
        order: order, only: true, cancel: nil,
        progress: progressLine.map { line in { @Sendable progress in line.update(progress) } },
        onResult: nil)
    } catch {
      progressLine?.finish()
      throw .failed(error.description)
    }
    progressLine?.finish()
    let complete = results.indices.allSatisfy {
      results[$0] != nil || !checkpoint.tensors[$0].dtype.isAnalysable || !wanted.contains($0)
    }
    if useCache && complete && wanted.count == checkpoint.tensors.count {
      AnalysisCache().store(
        results, checkpoint: checkpoint, settings: settings, engine: backend.identifier)
    }
    return results
  }
}
