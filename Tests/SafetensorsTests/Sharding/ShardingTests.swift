import Safetensors
import TestSupport
import Testing

/// Sharded checkpoints: index files, checks (a)(b)(c), warnings, unsafe paths.
@Suite struct ShardingTests {}

extension ShardingTests {
  static let shard1 = "model-00001-of-00002.safetensors"
  static let shard2 = "model-00002-of-00002.safetensors"

  /// Writes a valid shard holding U8 tensors `names` (each [2], bytes [k, k]).
  static func writeShard(_ name: String, tensors names: [String], in directory: TemporaryDirectory)
    throws
  {
    let entries = names.enumerated().map { index, tensor in
      SafetensorsWriter.Entry(
        name: tensor, dtype: .U8, shape: [2], bytes: [UInt8(index), UInt8(index)])
    }
    try SafetensorsWriter.write(entries, to: directory.file(name))
  }

  /// Writes an index with `weightMap` (tensor → shard) and a raw `metadata` JSON value (nil: absent).
  @discardableResult
  static func writeIndex(
    _ weightMap: [(String, String)], metadata: String? = "{\"total_size\":8}",
    name: String = "model.safetensors.index.json", in directory: TemporaryDirectory
  ) throws -> String {
    let pairs = weightMap.map {
      "\(SafetensorsWriter.jsonString($0.0)): \(SafetensorsWriter.jsonString($0.1))"
    }
    var text = "{\n"
    if let metadata { text += "  \"metadata\": \(metadata),\n" }
    text += "  \"weight_map\": {" + pairs.joined(separator: ", ") + "}\n}\n"
    let path = directory.file(name)
    try SafetensorsFixture.write(Array(text.utf8), to: path)
    return path
  }

  /// A standard valid two-shard set: layers.{1,2,10} split over two shards.
  static func standardSet(in directory: TemporaryDirectory) throws -> String {
    try writeShard(shard1, tensors: ["layers.10.w", "layers.2.w"], in: directory)
    try writeShard(shard2, tensors: ["layers.1.w", "lm_head.w"], in: directory)
    return try writeIndex(
      [
        ("layers.10.w", shard1), ("layers.2.w", shard1), ("layers.1.w", shard2),
        ("lm_head.w", shard2),
      ],
      in: directory)
  }

  /// The error an open of `path` throws.
  static func error(opening path: String) -> SafetensorsError? {
    do {
      _ = try Checkpoint.open(path)
      return nil
    } catch {
      return error
    }
  }

  @Test func indexedSetMergesShardsInNaturalOrder() throws {
    let directory = try TemporaryDirectory("shards")
    let index = try Self.standardSet(in: directory)
    let checkpoint = try Checkpoint.open(index)
    #expect(checkpoint.indexPath == index)
    #expect(checkpoint.path == index)
    #expect(checkpoint.totalSizeHint == 8)
    #expect(checkpoint.files.map { Checkpoint.baseName($0.path) } == [Self.shard1, Self.shard2])
    #expect(
      checkpoint.tensors.map(\.name) == ["layers.1.w", "layers.2.w", "layers.10.w", "lm_head.w"])
    #expect(checkpoint.tensors.map(\.fileIndex) == [1, 0, 0, 1])
    #expect(checkpoint.warnings.isEmpty)
    let reader = try TensorDataReader(checkpoint: checkpoint)
    var bytes: [UInt8] = [9, 9]
    try bytes.withUnsafeMutableBytes {
      try reader.readBytes(of: checkpoint.tensors[3], at: 0, into: $0)
    }
    #expect(bytes == [1, 1])  // lm_head.w is the second tensor of shard 2
  }

  @Test(
    arguments: [nil, "{}", "{\"total_size\":0}", "{\"total_size\":{}}", "{\"total_size\":1.5e9}"]
      as [String?])
  func indexMetadataIsOnlyAHint(metadata: String?) throws {
    let directory = try TemporaryDirectory("meta")
    try Self.writeShard(Self.shard1, tensors: ["a"], in: directory)
    let index = try Self.writeIndex([("a", Self.shard1)], metadata: metadata, in: directory)
    let checkpoint = try Checkpoint.open(index)
    #expect(checkpoint.totalSizeHint == (metadata == "{\"total_size\":0}" ? 0 : nil))
    #expect(checkpoint.tensors.count == 1)
  }

  @Test func checkAMissingShard() throws {
    let directory = try TemporaryDirectory("missing")
    try Self.writeShard(Self.shard1, tensors: ["a"], in: directory)
    let index = try Self.writeIndex([("a", Self.shard1), ("b", Self.shard2)], in: directory)
    #expect(Self.error(opening: index)?.description == "\(index): shard \(Self.shard2) is missing")
  }

  @Test func checkBDuplicateAcrossShards() throws {
    let directory = try TemporaryDirectory("dup")
    try Self.writeShard(Self.shard1, tensors: ["a", "x"], in: directory)
    try Self.writeShard(Self.shard2, tensors: ["b", "x"], in: directory)
    let index = try Self.writeIndex(
      [("a", Self.shard1), ("b", Self.shard2), ("x", Self.shard1)], in: directory)
    #expect(
      Self.error(opening: index)?.description
        == "\(index): tensor x is in both \(Self.shard1) and \(Self.shard2)")
  }

  @Test func checkCEntryAbsentFromItsShard() throws {
    let directory = try TemporaryDirectory("absent")
    try Self.writeShard(Self.shard1, tensors: ["a"], in: directory)
    try Self.writeShard(Self.shard2, tensors: ["b"], in: directory)
    let index = try Self.writeIndex(
      [("a", Self.shard1), ("b", Self.shard2), ("c", Self.shard1)], in: directory)
    #expect(
      Self.error(opening: index)?.description == "\(index): tensor c is not in \(Self.shard1)")
    let moved = try Self.writeIndex(
      [("a", Self.shard2), ("b", Self.shard2)], name: "moved.safetensors.index.json", in: directory)
    #expect(
      Self.error(opening: moved)?.description == "\(moved): tensor a is not in \(Self.shard2)")
  }

  @Test func unindexedTensorIsListedWithAWarning() throws {
    let directory = try TemporaryDirectory("unindexed")
    try Self.writeShard(Self.shard1, tensors: ["a", "extra"], in: directory)
    let index = try Self.writeIndex([("a", Self.shard1)], in: directory)
    let checkpoint = try Checkpoint.open(index)
    #expect(checkpoint.tensors.map(\.name) == ["a", "extra"])
    #expect(
      checkpoint.warnings == [
        "\(index): 1 tensor is in a shard but not in weight_map, listed anyway: extra (\(Self.shard1))"
      ])
  }

  @Test func shardFilesNoEntryNamesAreIgnoredWithAWarning() throws {
    let directory = try TemporaryDirectory("unnamed")
    try Self.writeShard(Self.shard1, tensors: ["a"], in: directory)
    try Self.writeShard(Self.shard2, tensors: ["a"], in: directory)
    let index = try Self.writeIndex([("a", Self.shard1)], in: directory)
    let checkpoint = try Checkpoint.open(index)
    #expect(checkpoint.files.count == 1)
    #expect(checkpoint.warnings == ["\(index): \(Self.shard2) is not named in weight_map; ignored"])
  }

  @Test(arguments: [
    "/etc/passwd", "../model-00001-of-00002.safetensors", "sub/../../x.safetensors", "..", "",
  ])
  func absoluteAndParentPathsAreRejected(shard: String) throws {
    let directory = try TemporaryDirectory("unsafe")
    try Self.writeShard(Self.shard1, tensors: ["a"], in: directory)
    let index = try Self.writeIndex([("a", Self.shard1), ("b", shard)], in: directory)
    #expect(
      Self.error(opening: index)?.description
        == "\(index): tensor b: shard path \(SafetensorsWriter.jsonString(shard)) must be a relative path inside the index's directory"
    )
  }

  @Test func subdirectoryShardPathsAreAllowed() throws {
    let directory = try TemporaryDirectory("subdir")
    _ = try directory.subdirectory("part")
    try Self.writeShard("part/" + Self.shard1, tensors: ["a"], in: directory)
    let index = try Self.writeIndex([("a", "part/" + Self.shard1)], in: directory)
    #expect(try Checkpoint.open(index).tensors.count == 1)
  }

  @Test func invalidShardErrorsNameTheShard() throws {
    let directory = try TemporaryDirectory("badshard")
    try Self.writeShard(Self.shard1, tensors: ["a"], in: directory)
    try SafetensorsFixture.write(header: "{}", data: [1, 2], to: directory.file(Self.shard2))
    let index = try Self.writeIndex([("a", Self.shard1), ("b", Self.shard2)], in: directory)
    #expect(
      Self.error(opening: index)?.description
        == "\(directory.file(Self.shard2)): 2 bytes follow the last tensor")
  }

  @Test(arguments: [
    ("[]", "invalid index: expected an object, found an array"),
    ("{\"metadata\":{}}", "invalid index: no weight_map"),
    ("{\"weight_map\":[]}", "invalid index: weight_map must be an object, found an array"),
    (
      "{\"weight_map\":{\"a\":1}}",
      "invalid index: weight_map value for a must be a string, found a number"
    ),
    ("{\"weight_map\":{},}", "invalid index: invalid JSON at byte 17: trailing comma in an object"),
  ])
  func malformedIndex(text: String, reason: String) throws {
    let directory = try TemporaryDirectory("badindex")
    let path = directory.file("model.safetensors.index.json")
    try SafetensorsFixture.write(Array(text.utf8), to: path)
    #expect(Self.error(opening: path)?.description == "\(path): \(reason)")
  }
}
