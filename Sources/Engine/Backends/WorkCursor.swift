import Synchronization

/// The work sharing of one parallel pass: the next item to take and the first failure, which
/// stops the other workers at their next item.
final class WorkCursor: Sendable {
  /// Items in the pass (`0..<count`).
  let count: Int
  private let next = Atomic<Int>(0)
  private let failure = Mutex<EngineError?>(nil)

  init(count: Int) { self.count = count }

  /// The next item to work on; nil when every item is taken, a worker has failed, or `cancel`
  /// is set (which is recorded as the failure `.cancelled`).
  func claim(cancel: CancellationFlag?) -> Int? {
    if failure.withLock({ $0 != nil }) { return nil }
    if cancel?.isCancelled == true {
      fail(.cancelled)
      return nil
    }
    let index = next.add(1, ordering: .relaxed).oldValue
    return index < count ? index : nil
  }

  /// Records `error` unless an earlier failure is recorded.
  func fail(_ error: EngineError) {
    failure.withLock { if $0 == nil { $0 = error } }
  }

  /// Throws the first failure recorded, if any.
  func throwFailure() throws(EngineError) {
    if let error = failure.withLock({ $0 }) { throw error }
  }
}
