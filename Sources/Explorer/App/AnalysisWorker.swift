import Dispatch
import Engine
import Safetensors
import Synchronization

/// Runs the analysis sweep on background threads and hands results to the UI loop through a
/// lock-protected inbox; the UI never waits on it.
///
/// Unlike `Analyzer.run`, the order can change while the sweep runs: `prioritise` moves the
/// tensor the user is looking at to the front of the queue.
final class AnalysisWorker: Sendable {
  /// What arrived since the last `drain`.
  struct Delivery: Sendable {
    var results: [(Int, TensorAnalysis)] = []
    var failures: [(Int, String)] = []
    var backendName: String?
    var progress: AnalysisProgress?
  }

  private struct State {
    var queue: [Int]
    var inbox = Delivery()
    var done = 0
    var failed = false
    var runningWorkers = 0
    /// Every result so far, for the analysis cache.
    var results: [TensorAnalysis?]
  }

  private let checkpoint: Checkpoint
  private let settings: AnalysisSettings
  private let makeBackend: @Sendable () -> any Backend
  private let jobs: Int
  private let state: Mutex<State>
  private let bytesDone = Atomic<UInt64>(0)
  private let cancel = CancellationFlag()
  private let total: Int
  private let bytesTotal: UInt64

  init(
    checkpoint: Checkpoint, settings: AnalysisSettings,
    makeBackend: @escaping @Sendable () -> any Backend, jobs: Int
  ) {
    self.checkpoint = checkpoint
    self.settings = settings
    self.makeBackend = makeBackend
    self.jobs = max(1, jobs)
    let work = checkpoint.tensors.indices.filter { checkpoint.tensors[$0].dtype.isAnalysable }
    total = work.count
    bytesTotal = work.reduce(0) { $0 + checkpoint.tensors[$1].byteCount }
    state = Mutex(
      State(queue: work, results: Array(repeating: nil, count: checkpoint.tensors.count)))
  }

  /// At most this many tensors at once: the CPU backend already splits each tensor over every
  /// core, so more workers would only multiply threads and buffers.
  static let maximumWorkers = 2

  /// Starts the sweep on a background thread: makes the backend, answers from the analysis cache
  /// when it holds this checkpoint (same files, settings and engine), else starts the workers.
  func start() {
    DispatchQueue.global(qos: .userInitiated).async { [self] in
      let backend = makeBackend()
      if let cached = AnalysisCache().load(
        checkpoint: checkpoint, settings: settings, engine: backend.identifier)
      {
        state.withLock {
          for (index, analysis) in cached.enumerated() {
            if let analysis { $0.inbox.results.append((index, analysis)) }
          }
          $0.queue = []
          $0.done = total
          $0.inbox.backendName = backend.displayName + " (cached)"
        }
        bytesDone.store(bytesTotal, ordering: .relaxed)
        return
      }
      let workers = min(jobs, Self.maximumWorkers, backend.concurrentTensorLimit ?? jobs)
      state.withLock {
        $0.inbox.backendName = backend.displayName
        $0.runningWorkers = workers
      }
      for _ in 0..<workers {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
          work(backend)
          finishWorker(backend)
        }
      }
    }
  }

  /// The last worker to finish a complete, failure-free sweep stores the results in the cache.
  private func finishWorker(_ backend: any Backend) {
    let results: [TensorAnalysis?]? = state.withLock { state in
      state.runningWorkers -= 1
      guard state.runningWorkers == 0 && !state.failed && state.done == total && !cancel.isCancelled
      else { return nil }
      return state.results
    }
    if let results {
      AnalysisCache().store(
        results, checkpoint: checkpoint, settings: settings, engine: backend.identifier)
    }
  }

  /// Moves `tensor` to the front of the queue (no effect once it is taken).
  func prioritise(_ tensor: Int) {
    state.withLock { state in
      guard let position = state.queue.firstIndex(of: tensor), position > 0 else { return }
      state.queue.remove(at: position)
      state.queue.insert(tensor, at: 0)
    }
  }

  /// Takes everything delivered since the last call.
  func drain() -> Delivery {
    state.withLock { state in
      let delivery = state.inbox
      state.inbox = Delivery()
      return delivery
    }
  }

  /// Progress now (tensors finished, bytes read so far).
  func progress() -> AnalysisProgress {
    currentProgress(done: state.withLock { $0.done })
  }

  /// Stops the workers at their next segment.
  func stop() { cancel.cancel() }

  private func currentProgress(done: Int) -> AnalysisProgress {
    AnalysisProgress(
      tensorsDone: done, tensorsTotal: total,
      bytesDone: min(bytesTotal, bytesDone.load(ordering: .relaxed)), bytesTotal: bytesTotal)
  }

  private func work(_ backend: any Backend) {
    while !cancel.isCancelled {
      guard let index = state.withLock({ $0.queue.isEmpty ? nil : $0.queue.removeFirst() }) else {
        return
      }
      let tensor = checkpoint.tensors[index]
      do throws(EngineError) {
        let analysis = try backend.analyse(
          tensor, in: checkpoint, settings: settings, cancel: cancel,
          progress: { [self] bytes in self.bytesDone.add(bytes, ordering: .relaxed) })
        state.withLock {
          $0.inbox.results.append((index, analysis))
          $0.results[index] = analysis
          $0.done += 1
        }
      } catch {
        if case .cancelled = error { return }
        state.withLock {
          $0.inbox.failures.append((index, error.description))
          $0.failed = true
          $0.done += 1
        }
      }
    }
  }
}
