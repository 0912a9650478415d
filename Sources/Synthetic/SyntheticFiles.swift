import FileSystem
import Safetensors

/// The file writes of the synthetic checkpoints: `FileSystem`'s calls, each failing with a
/// `SafetensorsWriterError` that names the path and the call.
enum SyntheticFiles {
  /// Creates `path` and its missing parents (mode 0755); an existing directory is fine.
  static func makeDirectories(_ path: String) throws(SafetensorsWriterError) {
    try SafetensorsWriterError.writing { () throws(FileSystemError) in
      try FileSystem.makeDirectories(path)
    }
  }

  /// Writes `text` to `path` (created or truncated).
  static func writeText(_ text: String, to path: String) throws(SafetensorsWriterError) {
    try SafetensorsWriterError.writing { () throws(FileSystemError) in
      try FileSystem.writeFile(Array(text.utf8), to: path)
    }
  }
}
