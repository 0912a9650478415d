import FoundationEssentials
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The binary on model ids from a Hugging Face cache folder and on every architecture preset.
@Suite struct ArchitectureCommandTests {
  /// Runs quantscope with private folders and `HF_HUB_CACHE` set to `hub`.
  static func quantscope(_ arguments: [String], root: TemporaryDirectory, hub: String) throws
    -> ProcessResult
  {
    let binary = try #require(BuiltBinary.path, "quantscope is built next to the test bundle")
    return try ProcessRunner.run(
      "/usr/bin/env",
      IsolatedEnvironment.assignments(root: root.path) + [
        "NO_COLOR=1", "HF_HUB_CACHE=\(hub)", binary,
      ] + arguments)
  }

  /// Writes preset `name` (small, 2 blocks) and moves it into a hub cache as `org/<name>`:
  /// files in blobs/, the snapshot made of relative symlinks, refs/main naming it.
  static func cachedPreset(_ name: String, root: TemporaryDirectory) throws -> String {
    let hub = root.path + "/hub"
    let written = root.path + "/written-\(name)"
    let synth = try quantscope(
      ["synth", written, "--preset", name, "--size", "small", "--layers", "2"], root: root, hub: hub
    )
    #expect(synth.status == 0, "\(synth.stderr)")
    let repository = hub + "/models--org--\(name)"
    let commit = String(repeating: "c0ffee", count: 7).prefix(40)
    for folder in [
      hub, repository, repository + "/refs", repository + "/blobs", repository + "/snapshots",
      repository + "/snapshots/\(commit)",
    ] {
      mkdir(folder, 0o755)
    }
    try SafetensorsFixture.write(Array(commit.utf8), to: repository + "/refs/main")
    for (number, file) in [
      "model-00001-of-00001.safetensors", "model.safetensors.index.json", "config.json",
    ].enumerated() {
      #expect(rename(written + "/" + file, repository + "/blobs/blob\(number)") == 0, "\(file)")
      #expect(
        symlink("../../blobs/blob\(number)", repository + "/snapshots/\(commit)/" + file) == 0)
    }
    return hub
  }

  @Test func reportOpensAModelIdFromTheCache() throws {
    let root = try TemporaryDirectory("hub-cli")
    let hub = try Self.cachedPreset("gpt2", root: root)
    let report = try Self.quantscope(
      ["report", "org/gpt2", "--no-cache", "--format", "json"], root: root, hub: hub)
    #expect(report.status == 0, "\(report.stderr)")
    #expect(report.stdout.contains("\"model_id\":\"org/gpt2\""))
    let inspect = try Self.quantscope(["inspect", "org/gpt2"], root: root, hub: hub)
    #expect(inspect.stdout.contains("org/gpt2 (Hugging Face cache, revision c0ffeec0ffee"))
    #expect(
      inspect.stdout.contains(
        "architecture: gpt2 (GPT2LMHeadModel); Conv1D weights [in, out] analysed transposed"))
    let export = try Self.quantscope(
      ["export", "org/gpt2", "--no-cache", "-o", "-"], root: root, hub: hub)
    #expect(export.status == 0, "\(export.stderr)")
    #expect(export.stdout.contains("base_model: org/gpt2"))
  }

  @Test func anIdOutsideTheCacheIsOneLineWithTheDownloadCommand() throws {
    let root = try TemporaryDirectory("hub-cli-missing")
    let hub = root.path + "/empty-hub"
    let result = try Self.quantscope(["report", "org/absent"], root: root, hub: hub)
    #expect(result.status == 2)
    #expect(
      result.stderr
        == "quantscope: error: org/absent: no such file or folder, nor a model in the Hugging Face cache (looked in \(hub)/models--org--absent); download it with `huggingface-cli download org/absent`\n"
    )
    let badVersion = try Self.quantscope(["inspect", "--transformers", "3"], root: root, hub: hub)
    #expect(badVersion.status == 2)
  }

  @Test(arguments: ["phi-2", "mixtral", "gpt2", "moe-fused"])
  func everyPresetInspectsReportsAndExports(name: String) throws {
    let root = try TemporaryDirectory("preset-cli-\(name)")
    let directory = root.path + "/model"
    let hub = root.path + "/hub"
    #expect(
      try Self.quantscope(
        ["synth", directory, "--preset", name, "--size", "small", "--layers", "2"], root: root,
        hub: hub
      ).status == 0)
    let inspect = try Self.quantscope(["inspect", directory], root: root, hub: hub)
    #expect(inspect.status == 0)
    #expect(inspect.stdout.contains("architecture: "))
    let report = try Self.quantscope(
      ["report", directory, "--no-cache", "--formats", "nf4"], root: root, hub: hub)
    #expect(report.status == 0, "\(report.stderr)")
    #expect(report.stdout.contains("model totals over "))
    let export = try Self.quantscope(
      ["export", directory, "--no-cache", "-o", "-"], root: root, hub: hub)
    #expect(export.status == 0, "\(export.stderr)")
    #expect(export.stdout.contains("# 16-bit: "))
    let mostly16 = export.stdout.contains("# WARNING: most of this model stays 16-bit")
    #expect(mostly16 == (name == "mixtral" || name == "moe-fused"))
    if name == "mixtral" {
      let v4 = try Self.quantscope(
        ["export", directory, "--no-cache", "--transformers", "4", "-o", "-"], root: root, hub: hub)
      #expect(
        v4.stdout.contains(
          "# Suggested 16-bit: the 2 MoE routers (model.layers.0.block_sparse_moe.gate, …)"))
      #expect(!v4.stdout.contains("WARNING: most"))
    }
  }
}
