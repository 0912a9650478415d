import Safetensors
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Model ids resolved in a Hugging Face hub cache laid out as huggingface_hub lays it out:
/// `models--org--name/{refs,snapshots,blobs}`, snapshot files as relative symlinks into blobs/.
@Suite struct HubCacheTests {
  static let mainCommit = String(repeating: "a1", count: 20)
  static let oldCommit = String(repeating: "0b", count: 20)

  /// A cache with `org/tiny` at two revisions: main (tensors a, b) and tag v1 (tensor a only).
  static func makeCache(_ directory: TemporaryDirectory) throws -> HubCache {
    _ = try directory.subdirectory("hub")
    let repository = try directory.subdirectory("hub/models--org--tiny")
    for sub in ["refs", "blobs", "snapshots", "snapshots/\(mainCommit)", "snapshots/\(oldCommit)"] {
      mkdir(repository + "/" + sub, 0o755)
    }
    try SafetensorsFixture.write(Array("\(mainCommit)".utf8), to: repository + "/refs/main")
    try SafetensorsFixture.write(Array("\(oldCommit)\n".utf8), to: repository + "/refs/v1")
    let value = [UInt8](repeating: 0, count: 8)
    let newBlob = SafetensorsFixture.valid([("a", .F32, [2], value), ("b", .F32, [2], value)])
    let oldBlob = SafetensorsFixture.valid([("a", .F32, [2], value)])
    try SafetensorsFixture.write(newBlob, to: repository + "/blobs/1111")
    try SafetensorsFixture.write(oldBlob, to: repository + "/blobs/2222")
    try SafetensorsFixture.write(
      Array(#"{"model_type": "gpt2", "tie_word_embeddings": true}"#.utf8),
      to: repository + "/blobs/3333")
    #expect(
      symlink("../../blobs/1111", repository + "/snapshots/\(mainCommit)/model.safetensors") == 0)
    #expect(symlink("../../blobs/3333", repository + "/snapshots/\(mainCommit)/config.json") == 0)
    #expect(
      symlink("../../blobs/2222", repository + "/snapshots/\(oldCommit)/model.safetensors") == 0)
    return HubCache(directory: directory.path + "/hub")
  }

  @Test func mainRevisionFollowsTheRefAndTheBlobSymlinks() throws {
    let directory = try TemporaryDirectory("hub-main")
    let cache = try Self.makeCache(directory)
    let checkpoint = try Checkpoint.open(model: "org/tiny", cache: cache)
    #expect(checkpoint.tensors.map(\.name) == ["a", "b"])
    #expect(checkpoint.modelID == "org/tiny")
    #expect(checkpoint.displayPath == "org/tiny")
    #expect(checkpoint.revision == Self.mainCommit)
    #expect(
      checkpoint.path == directory.path + "/hub/models--org--tiny/snapshots/\(Self.mainCommit)")
    #expect(checkpoint.config?.modelType == "gpt2")
  }

  @Test func aTagAndACommitHashNameOtherSnapshots() throws {
    let directory = try TemporaryDirectory("hub-rev")
    let cache = try Self.makeCache(directory)
    let tagged = try Checkpoint.open(model: "org/tiny", revision: "v1", cache: cache)
    #expect(tagged.tensors.map(\.name) == ["a"])
    #expect(tagged.revision == Self.oldCommit)
    #expect(tagged.config == nil)
    let byHash = try Checkpoint.open(model: "org/tiny", revision: Self.mainCommit, cache: cache)
    #expect(byHash.tensors.map(\.name) == ["a", "b"])
  }

  @Test func anIdNotInTheCacheNamesTheFolderAndTheDownloadCommand() throws {
    let directory = try TemporaryDirectory("hub-missing")
    let cache = try Self.makeCache(directory)
    #expect(throws: SafetensorsError.self) {
      try Checkpoint.open(model: "org/absent", cache: cache)
    }
    do {
      _ = try Checkpoint.open(model: "org/absent", cache: cache)
    } catch {
      #expect(
        error.description
          == "org/absent: no such file or folder, nor a model in the Hugging Face cache (looked in \(directory.path)/hub/models--org--absent); download it with `huggingface-cli download org/absent`"
      )
    }
    do {
      _ = try Checkpoint.open(model: "org/tiny", revision: "v9", cache: cache)
    } catch {
      #expect(
        error.description
          == "org/tiny: revision 'v9' is not in the Hugging Face cache (looked in \(directory.path)/hub/models--org--tiny/refs); download it with `huggingface-cli download org/tiny --revision v9`"
      )
    }
  }

  @Test func anExistingPathWinsOverTheCacheAndFileNamesAreNeverIds() throws {
    let directory = try TemporaryDirectory("hub-path")
    let cache = try Self.makeCache(directory)
    #expect(HubCache.isModelID("org/tiny"))
    #expect(HubCache.isModelID("gpt2"))
    #expect(!HubCache.isModelID("model.safetensors"))
    #expect(!HubCache.isModelID("./org/tiny"))
    #expect(!HubCache.isModelID("/abs/path"))
    #expect(!HubCache.isModelID("a/b/c"))
    #expect(!HubCache.isModelID("org/../x"))
    let value = [UInt8](repeating: 0, count: 4)
    try SafetensorsFixture.write(
      SafetensorsFixture.valid([("local", .F32, [1], value)]), to: directory.file("x.safetensors"))
    let local = try Checkpoint.open(model: directory.file("x.safetensors"), cache: cache)
    #expect(local.modelID == nil)
    #expect(local.tensors.map(\.name) == ["local"])
  }

  @Test func theCacheFolderFollowsHuggingFaceHubsEnvironmentRules() {
    #expect(
      HubCache.fromEnvironment(["HF_HUB_CACHE": "/c", "HF_HOME": "/h", "HOME": "/u"]).directory
        == "/c")
    #expect(
      HubCache.fromEnvironment(["HUGGINGFACE_HUB_CACHE": "/old", "HF_HOME": "/h"]).directory
        == "/old")
    #expect(HubCache.fromEnvironment(["HF_HOME": "/h", "HOME": "/u"]).directory == "/h/hub")
    #expect(
      HubCache.fromEnvironment(["XDG_CACHE_HOME": "/x", "HOME": "/u"]).directory
        == "/x/huggingface/hub")
    #expect(HubCache.fromEnvironment(["HOME": "/u"]).directory == "/u/.cache/huggingface/hub")
  }
}
