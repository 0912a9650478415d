import Engine
import Safetensors
import TestSupport
import Testing

@testable import Synthetic

#if canImport(Glibc)
  import Glibc
#endif

/// The demo and benchmark checkpoints: determinism, layout, atomic caching, and the features
/// (outlier columns, one hard module) the views rely on.
@Suite struct SyntheticCheckpointTests {}

/// The demo's outlier values are drawn from [6.5, 9.25) before BF16 rounding, so every outlier
/// column's absmax must clear the LLM.int8() threshold of 6.0.
private let outlierThreshold: Float = 6.0
/// "Clearly worse": the hard module's nf4 rel_err must exceed the median of the other quantizable
/// tensors by at least this factor (measured 1.46× at v1: 0.152 vs 0.104; 1.3 leaves margin).
private let hardModuleFactor = 1.3
/// std of the benchmark values is 0.02; over ≥ 10⁵ samples of a 65,536-entry table the sample
/// std stays within 2 %.
private let syntheticStdTolerance = 0.02 * 0.02

private func readAll(_ path: String) throws -> [UInt8] {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { throw FixtureError("open \(path)") }
  defer { close(fd) }
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 20)
  while true {
    let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if n < 0 { throw FixtureError("read \(path)") }
    if n == 0 { break }
    bytes += chunk[0..<n]
  }
  return bytes
}

private func entries(of directory: String) -> [String] {
  guard let handle = opendir(directory) else { return [] }
  defer { closedir(handle) }
  var names: [String] = []
  while let entry = readdir(handle) {
    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
    if name != "." && name != ".." { names.append(name) }
  }
  return names.sorted()
}

private func floats(_ reader: TensorDataReader, _ tensor: TensorInfo) throws -> [Float] {
  var values = [Float](repeating: 0, count: tensor.elementCount)
  try values.withUnsafeMutableBufferPointer { buffer in
    guard let base = buffer.baseAddress else { return }
    try reader.readFloats(of: tensor, from: 0, count: tensor.elementCount, into: base)
  }
  return values
}

// MARK: - Demo

extension SyntheticCheckpointTests {
  @Test func demoIsDeterministic() throws {
    let first = try TemporaryDirectory("demo-a")
    let second = try TemporaryDirectory("demo-b")
    try DemoCheckpoint.write(to: first.path)
    try DemoCheckpoint.write(to: second.path)
    let a = try readAll(first.file("model.safetensors"))
    let b = try readAll(second.file("model.safetensors"))
    #expect(a.count == Int(DemoCheckpoint.expectedFileSize))
    #expect(a == b)
    #expect(try readAll(first.file("config.json")) == readAll(second.file("config.json")))
  }

  @Test func demoHasExpectedNamesShapesAndDType() throws {
    let directory = try TemporaryDirectory("demo-layout")
    try DemoCheckpoint.write(to: directory.path)
    let checkpoint = try Checkpoint.open(directory.path)
    #expect(checkpoint.files.count == 1)
    #expect(checkpoint.files.first?.metadata == ["format": "pt", "quantscope": "synthetic demo"])
    #expect(checkpoint.tensors.count == 4 * 9 + 3)
    #expect(checkpoint.tensors.allSatisfy { $0.dtype == .BF16 })
    let shapes = Dictionary(uniqueKeysWithValues: checkpoint.tensors.map { ($0.name, $0.shape) })
    #expect(shapes["model.embed_tokens.weight"] == [2048, 512])
    #expect(shapes["lm_head.weight"] == [2048, 512])
    #expect(shapes["model.norm.weight"] == [512])
    for layer in 0..<4 {
      let block = "model.layers.\(layer)."
      #expect(shapes[block + "self_attn.q_proj.weight"] == [512, 512])
      #expect(shapes[block + "self_attn.k_proj.weight"] == [256, 512])
      #expect(shapes[block + "self_attn.v_proj.weight"] == [256, 512])
      #expect(shapes[block + "self_attn.o_proj.weight"] == [512, 512])
      #expect(shapes[block + "mlp.gate_proj.weight"] == [1408, 512])
      #expect(shapes[block + "mlp.up_proj.weight"] == [1408, 512])
      #expect(shapes[block + "mlp.down_proj.weight"] == [512, 1408])
      #expect(shapes[block + "input_layernorm.weight"] == [512])
      #expect(shapes[block + "post_attention_layernorm.weight"] == [512])
    }
    let config = String(decoding: try readAll(directory.file("config.json")), as: UTF8.self)
    #expect(config.contains("\"_name_or_path\": \"quantscope/synthetic-demo\""))
    #expect(config.contains("\"model_type\": \"llama\""))
    #expect(config.contains("\"hidden_size\": 512"))
  }

  @Test func demoOutlierColumnsAreLargeInEveryLayer() throws {
    let directory = try TemporaryDirectory("demo-outliers")
    try DemoCheckpoint.write(to: directory.path)
    let checkpoint = try Checkpoint.open(directory.path)
    let reader = try TensorDataReader(checkpoint: checkpoint)
    for layer in 0..<4 {
      for module in DemoCheckpoint.outlierModules {
        let name = "model.layers.\(layer).\(module).weight"
        let tensor = try #require(checkpoint.tensors.first { $0.name == name })
        let values = try floats(reader, tensor)
        let cols = tensor.shape[1]
        var columnAbsmax = [Float](repeating: 0, count: cols)
        for (i, value) in values.enumerated() {
          columnAbsmax[i % cols] = max(columnAbsmax[i % cols], abs(value))
        }
        let outliers = columnAbsmax.indices.filter { columnAbsmax[$0] >= outlierThreshold }
        #expect(outliers == DemoCheckpoint.outlierColumns, "\(name)")
      }
    }
    // Ordinary weights: std ≈ 0.02, far from the threshold.
    let o = try #require(
      checkpoint.tensors.first { $0.name == "model.layers.1.self_attn.o_proj.weight" })
    let values = try floats(reader, o).map(Double.init)
    let mean = values.reduce(0, +) / Double(values.count)
    let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count))
      .squareRoot()
    #expect(abs(std - 0.02) < 0.002)
    #expect(values.allSatisfy { abs($0) < Double(outlierThreshold) })
  }

  @Test func demoHardModuleIsClearlyWorseAt4Bit() throws {
    let directory = try TemporaryDirectory("demo-hard")
    try DemoCheckpoint.write(to: directory.path)
    let checkpoint = try Checkpoint.open(directory.path)
    let settings = AnalysisSettings(formats: [.nf4])
    let backend = CPUBackend(threads: 2)
    var relErr: [String: Double] = [:]
    for tensor in checkpoint.tensors
    where Quantizability.isQuantizable(name: tensor.name, shape: tensor.shape)
      && tensor.name.contains("mlp.down_proj")
    {
      let analysis = try backend.analyse(
        tensor, in: checkpoint, settings: settings, cancel: nil, progress: nil)
      relErr[tensor.name] = try #require(analysis.formats[.nf4]).relErr
    }
    let hard = try #require(relErr[DemoCheckpoint.hardModule + ".weight"])
    let others = relErr.filter { $0.key != DemoCheckpoint.hardModule + ".weight" }.values.sorted()
    let median = others[others.count / 2]
    #expect(hard > hardModuleFactor * median, "hard \(hard) vs median \(median)")
  }

  @Test func ensureWritesAtomicallyAndRegeneratesInvalidCache() throws {
    let root = try TemporaryDirectory("demo-cache")
    let directory = try DemoCheckpoint.ensure(cacheRoot: root.path)
    #expect(directory == root.file("demo-v\(DemoCheckpoint.version)"))
    // Only the final directory remains: the temporary one was renamed into place.
    #expect(entries(of: root.path) == ["demo-v\(DemoCheckpoint.version)"])
    #expect(
      entries(of: directory) == ["activations.safetensors", "config.json", "model.safetensors"])
    #expect(DemoCheckpoint.isValid(directory))
    let original = try readAll(directory + "/model.safetensors")

    // A valid cache is reused as is.
    #expect(try DemoCheckpoint.ensure(cacheRoot: root.path) == directory)

    // A truncated file is detected and the demo regenerated, identical to the original.
    #expect(truncate(directory + "/model.safetensors", 1000) == 0)
    #expect(!DemoCheckpoint.isValid(directory))
    #expect(try DemoCheckpoint.ensure(cacheRoot: root.path) == directory)
    #expect(try readAll(directory + "/model.safetensors") == original)
    #expect(entries(of: root.path) == ["demo-v\(DemoCheckpoint.version)"])
  }
}

// MARK: - Benchmark checkpoints

extension SyntheticCheckpointTests {
  @Test func presetsHaveRealLlamaShapes() {
    let tiny = SyntheticCheckpoint.Preset.llama1B
    #expect(tiny.tensors.count == 22 * 9 + 3)
    #expect(
      tiny.tensors.first { $0.name == "model.layers.0.self_attn.k_proj.weight" }?.shape == [
        256, 2048,
      ])
    #expect(
      tiny.tensors.first { $0.name == "model.layers.21.mlp.down_proj.weight" }?.shape == [
        2048, 5632,
      ])
    #expect(tiny.parameterCount == 1_100_048_384)  // TinyLlama-1.1B's published count
    let seven = SyntheticCheckpoint.Preset.llama7B
    #expect(seven.parameterCount == 6_738_415_616)  // LLaMA-2-7B's published count
    #expect(seven.layers(2).tensors.count == 2 * 9 + 3)
  }

  @Test func shardedWriteOpensAsOneCheckpoint() throws {
    let directory = try TemporaryDirectory("synthetic")
    let preset = SyntheticCheckpoint.Preset(
      name: "test", hidden: 128, intermediate: 352, layers: 2, heads: 4, kvHeads: 2, vocab: 512)
    var lastProgress: (UInt64, UInt64) = (0, 0)
    try SyntheticCheckpoint.write(
      shape: preset, to: directory.path, shardBytes: 200_000, progress: { lastProgress = ($0, $1) })
    let totalBytes = UInt64(preset.parameterCount * 2)
    #expect(lastProgress == (totalBytes, totalBytes))
    let names = entries(of: directory.path)
    let shards = names.filter { $0.hasSuffix(".safetensors") }
    #expect(shards.count > 2)
    #expect(shards.first == "model-00001-of-0000\(shards.count).safetensors")
    #expect(names.contains("model.safetensors.index.json") && names.contains("config.json"))

    let checkpoint = try Checkpoint.open(directory.path)
    #expect(checkpoint.files.count == shards.count)
    #expect(checkpoint.totalSizeHint == totalBytes)
    #expect(checkpoint.tensors.count == preset.tensors.count)
    #expect(checkpoint.tensors.allSatisfy { $0.dtype == .BF16 })
    #expect(checkpoint.warnings.isEmpty)
    // Gaussian-ish values with std 0.02.
    let reader = try TensorDataReader(checkpoint: checkpoint)
    let up = try #require(
      checkpoint.tensors.first { $0.name == "model.layers.1.mlp.up_proj.weight" })
    #expect(up.shape == [352, 128])
    let values = try floats(reader, up).map(Double.init)
    let mean = values.reduce(0, +) / Double(values.count)
    let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count))
      .squareRoot()
    #expect(abs(std - 0.02) < syntheticStdTolerance)
    #expect(abs(mean) < 0.001)
  }
}
