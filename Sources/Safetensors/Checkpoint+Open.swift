/// Opening a checkpoint: path resolution, single files, sharded sets with and without an index.
extension Checkpoint {
  /// Opens the checkpoint at `path` header-only.
  ///
  /// `path` is a `.safetensors` file, a `*.safetensors.index.json`, or a directory
  /// (docs/SAFETENSORS.md "Resolving the path the user gives"). Any other regular file is opened
  /// as a single safetensors file, and any other `*.json` file as an index.
  ///
  /// - Throws: the first `SafetensorsError` found: a validation rule of a file (naming the file or
  ///   shard), a sharding check, or a resolution error listing what a directory holds.
  /// Pre-quantized tensors (bitsandbytes saves, FP8 weights with scales) are folded into one
  /// logical tensor each (`recognisingStoredQuantization`).
  ///
  /// - Complexity: reads 8 + N bytes of each file (plus the index); of the tensor data, only a
  ///   pre-quantized checkpoint's small quant-state parts, and its config.json.
  public static func open(_ path: String) throws(SafetensorsError) -> Checkpoint {
    var checkpoint = try openResolved(path)
    let directory = FileAccess.status(ofPath: path)?.isDirectory == true ? path : parent(of: path)
    checkpoint.config = CheckpointConfig.load(directory: directory)
    // Pre-quantized tensors (bitsandbytes saves, FP8 with scales) become one logical tensor each;
    // an FP8 block size comes from the config just read.
    return try checkpoint.recognisingStoredQuantization()
  }

  /// Opens what the user named: an existing path as `open(_:)` does, else a hub model id
  /// (`org/name`) from the local Hugging Face cache at `revision` (default `main`).
  ///
  /// - Throws: `.notInHubCache` for an id the cache does not hold; otherwise as `open(_:)`. A
  ///   name that is neither an existing path nor shaped like a model id fails as a path.
  public static func open(
    model: String, revision: String? = nil, cache: HubCache
  ) throws(SafetensorsError) -> Checkpoint {
    if FileAccess.status(ofPath: model) != nil || !HubCache.isModelID(model) {
      guard revision == nil else {
        throw .io(
          file: model,
          reason: "--revision applies to a model id from the Hugging Face cache, not a path")
      }
      return try open(model)
    }
    let snapshot = try cache.snapshot(of: model, revision: revision ?? "main")
    var checkpoint = try open(snapshot.directory)
    checkpoint.modelID = model
    checkpoint.revision = snapshot.commit
    return checkpoint
  }

  /// `open` before stored quantization is recognised: the files' tensors as their headers list them.
  private static func openResolved(_ path: String) throws(SafetensorsError) -> Checkpoint {
    guard let status = FileAccess.status(ofPath: path) else {
      // Let open(2) produce the precise reason (ENOENT, EACCES, ...).
      let fd = try FileAccess.openReadOnly(path)
      FileAccess.closeDescriptor(fd)
      throw .io(file: path, reason: "cannot examine the path")
    }
    if status.isDirectory { return try openDirectory(path) }
    guard status.isRegularFile else { throw .unsupportedPath(file: path) }
    if path.hasSuffix(".json") { return try openIndex(path, userPath: path, warnings: []) }
    return try openSingle(path, userPath: path, warnings: [])
  }

  // MARK: - Single file

  private static func openSingle(
    _ filePath: String, userPath: String, warnings: [String]
  ) throws(SafetensorsError) -> Checkpoint {
    let contents = try SafetensorsFile.load(filePath)
    return Checkpoint(
      path: userPath, indexPath: nil, totalSizeHint: nil, files: [contents.file],
      tensors: contents.tensors, warnings: warnings + contents.warnings)
  }

  // MARK: - Directory

  /// Directory rules 1–5, first match wins.
  private static func openDirectory(_ directory: String) throws(SafetensorsError) -> Checkpoint {
    let names = try FileAccess.directoryEntries(directory).filter { name in
      FileAccess.status(ofPath: join(directory, name))?.isRegularFile ?? false
    }.sorted(by: NaturalOrder.less)
    let indexes = names.filter { $0.hasSuffix(".safetensors.index.json") }
    let files = names.filter { $0.hasSuffix(".safetensors") }
    let mainFile = "model.safetensors"
    let mainIndex = "model.safetensors.index.json"
    // 1. model.safetensors, preferred over an index as transformers prefers it.
    if files.contains(mainFile) {
      var warnings: [String] = []
      if indexes.contains(mainIndex) {
        warnings.append(
          "\(directory): both \(mainFile) and \(mainIndex) are present; opening \(mainFile), as transformers does"
        )
      }
      return try openSingle(join(directory, mainFile), userPath: directory, warnings: warnings)
    }
    // 2. The standard index, or else exactly one other index.
    if indexes.contains(mainIndex) {
      return try openIndex(join(directory, mainIndex), userPath: directory, warnings: [])
    }
    if indexes.count == 1 {
      return try openIndex(join(directory, indexes[0]), userPath: directory, warnings: [])
    }
    // 3. Exactly one .safetensors file.
    if files.count == 1 {
      return try openSingle(join(directory, files[0]), userPath: directory, warnings: [])
    }
    // 4. One complete shard set without an index.
    let shards = files.map { ($0, ShardName($0)) }
    if files.count > 1, let first = shards[0].1,
      shards.allSatisfy({ $0.1?.group == first.group }), first.total == files.count,
      Set(shards.compactMap { $0.1?.index }) == Set(1...first.total)
    {
      let ordered = shards.sorted { ($0.1?.index ?? 0) < ($1.1?.index ?? 0) }.map {
        join(directory, $0.0)
      }
      return try openShardSet(
        ordered, userPath: directory, indexPath: nil, totalSizeHint: nil, reportAs: directory,
        warnings: [])
    }
    // 5. Nothing usable: say what is there.
    throw .noCheckpoint(directory: directory, found: foundSummary(files: files, indexes: indexes))
  }

  /// Rule 5's listing: plain files and indexes, then each shard group as `shards 1,2,4 of 5`.
  private static func foundSummary(files: [String], indexes: [String]) -> [String] {
    var plain: [String] = indexes
    var groups: [String: (total: Int, indices: [Int])] = [:]
    var groupOrder: [String] = []
    for file in files {
      if let shard = ShardName(file) {
        let key = "\(shard.group)-of-\(shard.total)"
        if groups[key] == nil {
          groups[key] = (shard.total, [])
          groupOrder.append(key)
        }
        groups[key]?.indices.append(shard.index)
      } else {
        plain.append(file)
      }
    }
    var parts: [String] = []
    if !plain.isEmpty { parts.append(plain.sorted(by: NaturalOrder.less).joined(separator: ", ")) }
    for key in groupOrder {
      guard let group = groups[key] else { continue }
      let list = group.indices.sorted().map(String.init).joined(separator: ",")
      let prefix = groupOrder.count > 1 ? "\(key.split(separator: "-of-").first ?? "") " : ""
      parts.append("\(prefix)shards \(list) of \(group.total)")
    }
    return parts
  }

  // MARK: - Index

  private static func openIndex(
    _ indexPath: String, userPath: String, warnings: [String]
  ) throws(SafetensorsError) -> Checkpoint {
    let index = try ShardIndex.load(indexPath)
    let directory = parent(of: indexPath)
    // (a) every named shard exists.
    for shard in index.shardNames
    where !(FileAccess.status(ofPath: join(directory, shard))?.isRegularFile ?? false) {
      throw .missingShard(file: indexPath, shard: shard)
    }
    var allWarnings = warnings
    // Shard files that no entry names are ignored, with a warning.
    let named = Set(index.shardNames)
    if let entries = try? FileAccess.directoryEntries(directory) {
      for name in entries.sorted(by: NaturalOrder.less)
      where name.hasSuffix(".safetensors") && !named.contains(name) {
        allWarnings.append("\(indexPath): \(name) is not named in weight_map; ignored")
      }
    }
    var checkpoint = try openShardSet(
      index.shardNames.map { join(directory, $0) }, userPath: userPath, indexPath: indexPath,
      totalSizeHint: index.totalSize, reportAs: indexPath, warnings: allWarnings)
    // (c) every weight_map entry is in the shard it points to; unindexed tensors warn.
    var fileIndexOfShard: [String: Int] = [:]
    for (position, shard) in index.shardNames.enumerated() { fileIndexOfShard[shard] = position }
    var whereIs: [String: Int] = [:]
    for tensor in checkpoint.tensors { whereIs[tensor.name] = tensor.fileIndex }
    for entry in index.entries {
      if whereIs[entry.tensor] != fileIndexOfShard[entry.shard] {
        throw .notInShard(file: indexPath, tensor: entry.tensor, shard: entry.shard)
      }
    }
    let indexed = Set(index.entries.map(\.tensor))
    let unindexed = checkpoint.tensors.filter { !indexed.contains($0.name) }
    if !unindexed.isEmpty {
      let shown = unindexed.prefix(3).map {
        "\($0.displayName) (\(baseName(checkpoint.files[$0.fileIndex].path)))"
      }
      let more = unindexed.count > 3 ? " and \(unindexed.count - 3) more" : ""
      let noun = unindexed.count == 1 ? "tensor is" : "tensors are"
      checkpoint.warnings.append(
        "\(indexPath): \(unindexed.count) \(noun) in a shard but not in weight_map, listed anyway: \(shown.joined(separator: ", "))\(more)"
      )
    }
    return checkpoint
  }

  // MARK: - Shard sets

  /// Loads each shard, merges their tensors in natural name order, and applies check (b).
  private static func openShardSet(
    _ paths: [String], userPath: String, indexPath: String?, totalSizeHint: UInt64?,
    reportAs: String,
    warnings: [String]
  ) throws(SafetensorsError) -> Checkpoint {
    var files: [SafetensorsFile] = []
    var tensors: [TensorInfo] = []
    var allWarnings = warnings
    var owner: [String: Int] = [:]
    for (fileIndex, path) in paths.enumerated() {
      let contents = try SafetensorsFile.load(path)
      files.append(contents.file)
      allWarnings.append(contentsOf: contents.warnings)
      for var tensor in contents.tensors {
        if let first = owner[tensor.name] {
          // (b) a tensor name appears in only one shard.
          throw .duplicateAcrossShards(
            file: reportAs, tensor: tensor.name, first: baseName(paths[first]),
            second: baseName(path))
        }
        owner[tensor.name] = fileIndex
        tensor.fileIndex = fileIndex
        tensors.append(tensor)
      }
    }
    tensors.sort { NaturalOrder.less($0.name, $1.name) }
    return Checkpoint(
      path: userPath, indexPath: indexPath, totalSizeHint: totalSizeHint, files: files,
      tensors: tensors,
      warnings: allWarnings)
  }

  // MARK: - Paths

  package static func join(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }

  static func parent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
  }

  package static func baseName(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }
}
