extension Checkpoint {
  /// Opens the checkpoint at `path` header-only. PLACEHOLDER until the reader lands.
  ///
  /// `path` is a `.safetensors` file, a `*.safetensors.index.json`, or a directory
  /// (spec/SAFETENSORS.md "Resolving the path the user gives").
  public static func open(_ path: String) throws(SafetensorsError) -> Checkpoint {
    throw .io(file: path, reason: "reader not implemented yet")
  }
}
