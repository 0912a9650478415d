import FileSystem

/// Writes a text file so that readers see either the old file or the complete new one.
public enum AtomicFile {
  /// Writes `text` to `path` via a temporary file in the same directory: write, `fsync`, then
  /// `link` (no overwrite: fails if `path` exists, atomically) or `rename` (overwrite); see
  /// `FileSystem.writeAtomically`.
  ///
  /// - Throws: `.fileExists` when `path` exists and `overwrite` is false; `.write` naming the
  ///   path and the failing call otherwise. The temporary file never outlives the call.
  public static func write(_ text: String, to path: String, overwrite: Bool) throws(ExportError) {
    do throws(FileSystemError) {
      try FileSystem.writeAtomically(Array(text.utf8), to: path, overwrite: overwrite)
    } catch {
      switch error {
      case .exists(let path): throw .fileExists(path: path)
      case .failed(let path, let reason, _): throw .write(path: path, reason: reason)
      }
    }
  }
}
