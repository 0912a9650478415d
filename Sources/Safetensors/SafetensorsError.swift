/// Errors of the safetensors reader. PLACEHOLDER: the reader helper replaces this file with the
/// full set of cases (one per validation rule of spec/SAFETENSORS.md), each rendered as
/// `FILE: reason` by `description`.
public enum SafetensorsError: Error, Sendable, CustomStringConvertible {
  case io(file: String, reason: String)

  public var description: String {
    switch self {
    case .io(let file, let reason): "\(file): \(reason)"
    }
  }
}
