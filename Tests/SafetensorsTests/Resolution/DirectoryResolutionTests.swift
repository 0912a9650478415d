import Safetensors
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Directory rules 1–5 of docs/SAFETENSORS.md ("Resolving the path the user gives").
@Suite struct DirectoryResolutionTests {}

private typealias S = ShardingTests

extension DirectoryResolutionTests {
  @Test func rule1ModelSafetensorsWinsOverAnIndexWithAWarning() throws {
    let directory = try TemporaryDirectory("rule1")
    _ = try S.standardSet(in: directory)
    try S.writeShard("model.safetensors", tensors: ["single"], in: directory)
    let checkpoint = try Checkpoint.open(directory.path)
    #expect(checkpoint.path == directory.path)
    #expect(checkpoint.indexPath == nil)
    #expect(checkpoint.tensors.map(\.name) == ["single"])
    #expect(
      checkpoint.warnings == [
        "\(directory.path): both model.safetensors and model.safetensors.index.json are present; opening model.safetensors, as transformers does"
      ])
  }

  @Test func rule2StandardIndex() throws {
    let directory = try TemporaryDirectory("rule2")
    let index = try S.standardSet(in: directory)
    try S.writeIndex([("x", "y.safetensors")], name: "other.safetensors.index.json", in: directory)
    let checkpoint = try Checkpoint.open(directory.path + "/")
    #expect(checkpoint.indexPath == directory.path + "/model.safetensors.index.json")
    #expect(Checkpoint.baseName(index) == "model.safetensors.index.json")
    #expect(checkpoint.tensors.count == 4)
  }

  @Test func rule2ExactlyOneOtherIndex() throws {
    let directory = try TemporaryDirectory("rule2b")
    let shard = "diffusion_pytorch_model-00001-of-00001.safetensors"
    try S.writeShard(shard, tensors: ["unet.w"], in: directory)
    let index = try S.writeIndex(
      [("unet.w", shard)], name: "diffusion_pytorch_model.safetensors.index.json", in: directory)
    let checkpoint = try Checkpoint.open(directory.path)
    #expect(checkpoint.indexPath == index)
    #expect(checkpoint.tensors.map(\.name) == ["unet.w"])
  }

  @Test func rule3ExactlyOneSafetensorsFile() throws {
    let directory = try TemporaryDirectory("rule3")
    try S.writeShard("adapter_model.safetensors", tensors: ["lora_A"], in: directory)
    try SafetensorsFixture.write(Array("{}".utf8), to: directory.file("config.json"))
    let checkpoint = try Checkpoint.open(directory.path)
    #expect(checkpoint.files.map { Checkpoint.baseName($0.path) } == ["adapter_model.safetensors"])
  }

  @Test(arguments: ["model-", "model_"])
  func rule4CompleteShardSetWithoutIndex(prefix: String) throws {
    let directory = try TemporaryDirectory("rule4")
    try S.writeShard("\(prefix)00002-of-00003.safetensors", tensors: ["b"], in: directory)
    try S.writeShard("\(prefix)00001-of-00003.safetensors", tensors: ["a"], in: directory)
    try S.writeShard("\(prefix)00003-of-00003.safetensors", tensors: ["c"], in: directory)
    let checkpoint = try Checkpoint.open(directory.path)
    #expect(checkpoint.indexPath == nil)
    #expect(
      checkpoint.files.map { Checkpoint.baseName($0.path) }
        == (1...3).map { "\(prefix)0000\($0)-of-00003.safetensors" })
    #expect(checkpoint.tensors.map(\.name) == ["a", "b", "c"])
    #expect(checkpoint.tensors.map(\.fileIndex) == [0, 1, 2])
  }

  @Test func rule4AppliesCheckB() throws {
    let directory = try TemporaryDirectory("rule4b")
    try S.writeShard(S.shard1, tensors: ["a", "x"], in: directory)
    try S.writeShard(S.shard2, tensors: ["x"], in: directory)
    #expect(
      S.error(opening: directory.path)?.description
        == "\(directory.path): tensor x is in both \(S.shard1) and \(S.shard2)")
  }

  @Test func rule5ListsWhatWasFound() throws {
    let directory = try TemporaryDirectory("rule5")
    for name in ["b.safetensors", "a.safetensors"] {
      try S.writeShard(name, tensors: ["t"], in: directory)
    }
    #expect(
      S.error(opening: directory.path)?.description
        == "\(directory.path): no safetensors checkpoint (found: a.safetensors, b.safetensors)")
    for index in [1, 2, 4] {
      try S.writeShard("model-0000\(index)-of-00005.safetensors", tensors: ["t"], in: directory)
    }
    #expect(
      S.error(opening: directory.path)?.description
        == "\(directory.path): no safetensors checkpoint (found: a.safetensors, b.safetensors; shards 1,2,4 of 5)"
    )
  }

  @Test func rule5IncompleteShardSetAlone() throws {
    let directory = try TemporaryDirectory("rule5b")
    for index in [1, 3] {
      try S.writeShard(
        "model-0000\(index)-of-00003.safetensors", tensors: ["t\(index)"], in: directory)
    }
    #expect(
      S.error(opening: directory.path)?.description
        == "\(directory.path): no safetensors checkpoint (found: shards 1,3 of 3)")
  }

  @Test func rule5NoSafetensorsFiles() throws {
    let directory = try TemporaryDirectory("rule5c")
    #expect(
      S.error(opening: directory.path)?.description == "\(directory.path): no .safetensors files")
    try SafetensorsFixture.write(Array("x".utf8), to: directory.file("README.md"))
    _ = try directory.subdirectory("model.safetensors")  // a directory, not a file
    #expect(
      S.error(opening: directory.path)?.description == "\(directory.path): no .safetensors files")
  }

  @Test func missingPathAndSpecialFiles() throws {
    let missing = "/tmp/quantscope-tests-does-not-exist/model.safetensors"
    #expect(
      S.error(opening: missing)?.description == "\(missing): cannot open: No such file or directory"
    )
    #expect(
      S.error(opening: "/dev/null")?.description
        == "/dev/null: not a .safetensors file, a .safetensors.index.json file or a directory")
  }
}

extension DirectoryResolutionTests {
  @Test func twoNonStandardIndexesFallThroughToTheFileRules() throws {
    let directory = try TemporaryDirectory("rule2c")
    try S.writeIndex([("a", "a.safetensors")], name: "a.safetensors.index.json", in: directory)
    try S.writeIndex([("b", "b.safetensors")], name: "b.safetensors.index.json", in: directory)
    #expect(
      S.error(opening: directory.path)?.description
        == "\(directory.path): no safetensors checkpoint (found: a.safetensors.index.json, b.safetensors.index.json)"
    )
    // Rule 3 then applies to a lone .safetensors file.
    try S.writeShard("weights.safetensors", tensors: ["w"], in: directory)
    #expect(try Checkpoint.open(directory.path).tensors.map(\.name) == ["w"])
  }

  @Test func symlinkedFilesAreFollowed() throws {
    // Hugging Face caches hold symlinks to blobs.
    let directory = try TemporaryDirectory("links")
    let blobs = try directory.subdirectory("blobs")
    let snapshot = try directory.subdirectory("snapshot")
    try S.writeShard("blobs/abc123", tensors: ["w"], in: directory)
    #expect(symlink(blobs + "/abc123", snapshot + "/model.safetensors") == 0)
    #expect(try Checkpoint.open(snapshot).tensors.map(\.name) == ["w"])
  }
}
