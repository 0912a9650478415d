import Dispatch
import Safetensors
import Synchronization

/// Runs a backend over every analysable tensor of a checkpoint, `jobs` tensors at a time.
///
/// Tensors are taken in priority order (`order` first, then the checkpoint's order); each result is
/// handed to `onResult` from the worker thread that produced it as soon as it is ready. With the CPU
/// backend every tensor is itself split over `CPUBackend.threads` threads, so `jobs` = 1 keeps the
/// machine busy on large tensors; `jobs` = 2 helps on models made of many small tensors.
public final class Analyzer: Sendable {
  public let checkpoint: Checkpoint
  public let settings: AnalysisSettings
  public let backend: any Backend
  /// Worker threads taking tensors: `jobs`, at most the backend's `concurrentTensorLimit`, at
  /// least 1.
  public let jobs: Int

  public init(checkpoint: Checkpoint, settings: AnalysisSettings, backend: any Backend, jobs: Int) {
    self.checkpoint = checkpoint
    self.settings = settings
    self.backend = backend
    self.jobs = max(1, min(jobs, backend.concurrentTensorLimit ?? jobs))
  }

  /// Analyses every tensor whose dtype is analysable.
  ///
  /// - Parameters:
  ///   - order: tensor indices to do first (e.g. the TUI's selection); others follow in order.
  ///   - only: when true, only the tensors of `order` are analysed (`report --match`); the other
  ///     entries of the result stay nil.
  ///   - cancel: checked between segments of a tensor; a cancelled run throws `.cancelled`.
  ///   - progress: tensors and bytes done so far, from worker threads.
  ///   - onResult: (tensor index, analysis) as each tensor finishes, from worker threads.
  /// - Returns: one entry per `checkpoint.tensors` index; nil for non-analysable tensors.
  /// - Throws: the first `EngineError` of any worker (the others stop at their next tensor).
  public func run(
    order: [Int]? = nil, only: Bool = false, cancel: CancellationFlag? = nil,
    progress: (@Sendable (AnalysisProgress) -> Void)? = nil,
    onResult: (@Sendable (Int, TensorAnalysis) -> Void)? = nil
  ) throws(EngineError) -> [TensorAnalysis?] {
    let tensors = checkpoint.tensors
    var queue: [Int] = []
    var queued = [Bool](repeating: false, count: tensors.count)
    for index in (order ?? []) + (only ? [] : Array(tensors.indices))
    where tensors.indices.contains(index) && !queued[index] {
      queued[index] = true
      if tensors[index].dtype.isAnalysable { queue.append(index) }
    }
    let work = queue
    let state = TensorQueue(count: tensors.count)
    let cursor = WorkCursor(count: work.count)
    let totalBytes = work.reduce(UInt64(0)) { $0 + tensors[$1].byteCount }
    let total = work.count
    let checkpoint = self.checkpoint
    let settings = self.settings
    let backend = self.backend
    progress?(
      AnalysisProgress(tensorsDone: 0, tensorsTotal: total, bytesDone: 0, bytesTotal: totalBytes))

    let worker: @Sendable (Int) -> Void = { _ in
      while let position = cursor.claim(cancel: cancel) {
        let index = work[position]
        let tensor = tensors[index]
        do throws(EngineError) {
          let analysis = try backend.analyse(
            tensor, in: checkpoint, settings: settings, cancel: cancel,
            progress: { bytes in
              let done = state.bytes.add(bytes, ordering: .relaxed).newValue
              progress?(
                AnalysisProgress(
                  tensorsDone: state.done.load(ordering: .relaxed), tensorsTotal: total,
                  bytesDone: min(done, totalBytes), bytesTotal: totalBytes))
            })
          state.results.withLock { $0[index] = analysis }
          onResult?(index, analysis)
        } catch {
          cursor.fail(error)
          return
        }
        let doneTensors = state.done.add(1, ordering: .relaxed).newValue
        let doneBytes = state.settled.add(tensor.byteCount, ordering: .relaxed).newValue
        progress?(
          AnalysisProgress(
            tensorsDone: doneTensors, tensorsTotal: total,
            bytesDone: min(max(doneBytes, state.bytes.load(ordering: .relaxed)), totalBytes),
            bytesTotal: totalBytes))
      }
    }
    let workers = min(jobs, max(work.count, 1))
    if workers == 1 {
      worker(0)
    } else {
      DispatchQueue.concurrentPerform(iterations: workers, execute: worker)
    }
    try cursor.throwFailure()
    return state.results.withLock { $0 }
  }
}

/// What the workers of one `Analyzer.run` share besides their `WorkCursor`: progress counters
/// and the results.
private final class TensorQueue: Sendable {
  let done = Atomic<Int>(0)
  /// Bytes reported by the backend while tensors are in flight.
  let bytes = Atomic<UInt64>(0)
  /// Bytes of finished tensors (exact).
  let settled = Atomic<UInt64>(0)
  let results: Mutex<[TensorAnalysis?]>

  init(count: Int) {
    results = Mutex([TensorAnalysis?](repeating: nil, count: count))
  }
}
