/// Errors of the analysis engine, each rendered as one line.
public enum EngineError: Error, Sendable, CustomStringConvertible {
  /// Reading tensor data failed (I/O error, short read, file changed).
  case read(file: String, tensor: String, reason: String)
  /// The run was cancelled.
  case cancelled
  /// Settings out of range (block size, bins, threshold ...).
  case invalidSettings(String)
  /// The requested backend cannot run here.
  case backendUnavailable(String)

  public var description: String {
    switch self {
    case .read(let file, let tensor, let reason): "\(file): tensor \(tensor): \(reason)"
    case .cancelled: "cancelled"
    case .invalidSettings(let reason): reason
    case .backendUnavailable(let reason): reason
    }
  }
}
