import Safetensors
import Synchronization

/// Progress of an analysis run, reported from worker threads.
public struct AnalysisProgress: Sendable, Hashable {
  public var tensorsDone: Int
  public var tensorsTotal: Int
  public var bytesDone: UInt64
  public var bytesTotal: UInt64

  public init(tensorsDone: Int, tensorsTotal: Int, bytesDone: UInt64, bytesTotal: UInt64) {
    self.tensorsDone = tensorsDone
    self.tensorsTotal = tensorsTotal
    self.bytesDone = bytesDone
    self.bytesTotal = bytesTotal
  }
}

/// Why a backend cannot run here: a reason to display, not an error.
public struct BackendUnavailable: Sendable, Hashable, CustomStringConvertible {
  public var reason: String
  public init(_ reason: String) { self.reason = reason }
  public var description: String { reason }
}

/// A cancellation flag shared between the UI and the workers.
public final class CancellationFlag: Sendable {
  private let cancelled = Atomic<Bool>(false)
  public init() {}
  public var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
  public func cancel() { cancelled.store(true, ordering: .relaxed) }
}

/// An engine that analyses tensors: the CPU backend (reference) or the CUDA backend.
///
/// Implementations must produce identical codes and metrics within 1e-9 relative.
public protocol Backend: Sendable {
  /// Short name shown to the user: "cpu ×2", "cuda H200".
  var displayName: String { get }
  /// Identifier used in JSON and the cache key: "cpu" or "cuda".
  var identifier: String { get }

  /// Analyses one tensor of `checkpoint`, streaming its data in bounded chunks.
  ///
  /// - Parameters:
  ///   - progress: called with the number of bytes of this tensor processed since the last call.
  /// - Throws: `EngineError` (I/O failure, cancellation).
  func analyse(
    _ tensor: TensorInfo, in checkpoint: Checkpoint, settings: AnalysisSettings,
    cancel: CancellationFlag?, progress: (@Sendable (UInt64) -> Void)?
  ) throws(EngineError) -> TensorAnalysis

  /// The most tensors worth analysing at once, or nil for no limit (the caller's `jobs`).
  var concurrentTensorLimit: Int? { get }
}

extension Backend {
  public var concurrentTensorLimit: Int? { nil }
}
