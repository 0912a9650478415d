import Safetensors
import Synchronization

/// One `TensorDataReader` per checkpoint, reused across the tensors of a run (by the CPU and the
/// CUDA backend alike).
final class ReaderCache: Sendable {
  private let cached = Mutex<(key: String, reader: TensorDataReader)?>(nil)

  func reader(for checkpoint: Checkpoint) throws(EngineError) -> TensorDataReader {
    let key = checkpoint.files.map { "\($0.path)|\($0.size)|\($0.modificationTime)" }
      .joined(separator: "\n")
    if let hit = cached.withLock({ $0?.key == key ? $0?.reader : nil }) { return hit }
    let reader: TensorDataReader
    do {
      reader = try TensorDataReader(checkpoint: checkpoint)
    } catch {
      throw .read(file: checkpoint.path, tensor: "", reason: error.description)
    }
    cached.withLock { $0 = (key, reader) }
    return reader
  }
}
