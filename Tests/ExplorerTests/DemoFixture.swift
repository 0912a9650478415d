import Engine
import Safetensors
import Synthetic
import TestSupport

@testable import Explorer

/// The synthetic demo checkpoint and its activation capture, analysed once per test process:
/// the capture fully, the weights only for the tensors a test opens.
enum DemoFixture {
  struct Loaded: Sendable {
    var checkpoint: Checkpoint
    var capturePath: String
    var activations: ActivationAnalysis
  }

  /// A temporary folder for the test process's copy of the demo (never the user's cache).
  private static let scratch = Result { try TemporaryDirectory("demo") }

  /// The demo, generated into a temporary folder, with its capture analysed.
  static let loaded: Result<Loaded, DemoFixtureError> = {
    do {
      let directory = try DemoCheckpoint.ensure(cacheRoot: try scratch.get().path)
      let checkpoint = try Checkpoint.open(directory)
      let capture = DemoActivations.path(in: directory)
      let activations = try ActivationAnalysis.run(
        capturePath: capture, weights: checkpoint, settings: ActivationSettings(AnalysisSettings()))
      return .success(
        Loaded(checkpoint: checkpoint, capturePath: capture, activations: activations))
    } catch {
      return .failure(DemoFixtureError(description: "\(error)"))
    }
  }()

  /// An explorer state on the demo with the capture received and `open` (tensor names) analysed.
  static func state(analysing open: [String] = []) throws -> AppState {
    let demo = try loaded.get()
    let settings = AnalysisSettings()
    var state = AppState(
      checkpoint: demo.checkpoint, isDemo: true, settings: settings, engineLabel: "cpu ×2")
    state.activationsPath = demo.capturePath
    state.activationProgress = ActivationProgress(
      done: demo.activations.modules.count, total: demo.activations.modules.count)
    state.receiveActivations(demo.activations)
    let backend = CPUBackend(threads: 2)
    for name in open {
      guard let index = demo.checkpoint.tensors.firstIndex(where: { $0.name == name }) else {
        throw DemoFixtureError(description: "no tensor \(name) in the demo")
      }
      let analysis = try backend.analyse(
        demo.checkpoint.tensors[index], in: demo.checkpoint, settings: settings, cancel: nil,
        progress: nil)
      state.receive(analysis, at: index)
    }
    return state
  }
}

/// The demo could not be prepared (cache not writable, reader error).
struct DemoFixtureError: Error, CustomStringConvertible {
  var description: String
}
