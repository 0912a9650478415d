import Dispatch
import Engine
import Safetensors
import Synchronization

/// Analyses an activation capture on a background thread; the UI loop polls `drain()`.
final class ActivationWorker: Sendable {
  /// What the UI loop takes from the worker.
  struct Delivery: Sendable {
    var progress: ActivationProgress?
    var analysis: ActivationAnalysis?
    var failure: String?
  }

  private let path: String
  private let weights: Checkpoint
  private let settings: ActivationSettings
  private let cancel = CancellationFlag()
  private let inbox = Mutex(Delivery())

  init(path: String, weights: Checkpoint, settings: ActivationSettings) {
    self.path = path
    self.weights = weights
    self.settings = settings
  }

  /// Starts the analysis on a background thread.
  func start() {
    DispatchQueue.global(qos: .utility).async { [self] in
      do {
        let analysis = try ActivationAnalysis.run(
          capturePath: path, weights: weights, settings: settings, cancel: cancel,
          progress: { [self] done, total, _ in
            inbox.withLock { $0.progress = ActivationProgress(done: done, total: total) }
          })
        inbox.withLock { $0.analysis = analysis }
      } catch let error as EngineError {
        if case .cancelled = error { return }
        inbox.withLock { $0.failure = "\(path): \(error.description)" }
      } catch let error as SafetensorsError {
        inbox.withLock { $0.failure = error.description }
      } catch {
        inbox.withLock { $0.failure = "\(path): \(error)" }
      }
    }
  }

  /// Takes everything delivered since the last call.
  func drain() -> Delivery {
    inbox.withLock {
      let delivery = $0
      $0 = Delivery()
      return delivery
    }
  }

  /// Stops the analysis at its next module.
  func stop() { cancel.cancel() }
}

/// Modules of a capture analysed so far.
public struct ActivationProgress: Sendable, Hashable {
  public var done: Int
  public var total: Int
}
