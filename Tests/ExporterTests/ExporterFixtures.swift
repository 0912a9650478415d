import Engine
import FoundationEssentials
import Safetensors
import TestSupport
import Testing

@testable import Exporter

#if canImport(Glibc)
  import Glibc
#endif

/// Hand-made inputs for the exporter: a small LLaMA-shaped checkpoint (headers only) and
/// analyses with chosen numbers, so snapshots do not depend on the engine.
enum ExporterFixtures {
  static let date = "2026-11-29"
  static let layers = 3
  static let hidden = 64
  static let intermediate = 172
  static let vocab = 256

  /// The checkpoint at `path` (a path that need not exist: only headers are used).
  static func checkpoint(path: String = "/nonexistent/models/Llama-Tiny/model.safetensors")
    -> Checkpoint
  {
    var shapes: [(String, [Int])] = [("model.embed_tokens.weight", [vocab, hidden])]
    for layer in 0..<layers {
      let block = "model.layers.\(layer)."
      shapes += [
        (block + "input_layernorm.weight", [hidden]),
        (block + "mlp.down_proj.weight", [hidden, intermediate]),
        (block + "mlp.gate_proj.weight", [intermediate, hidden]),
        (block + "mlp.up_proj.weight", [intermediate, hidden]),
        (block + "post_attention_layernorm.weight", [hidden]),
        (block + "self_attn.k_proj.weight", [hidden / 2, hidden]),
        (block + "self_attn.o_proj.weight", [hidden, hidden]),
        (block + "self_attn.q_proj.weight", [hidden, hidden]),
        (block + "self_attn.v_proj.weight", [hidden / 2, hidden]),
      ]
    }
    shapes += [("model.norm.weight", [hidden]), ("lm_head.weight", [vocab, hidden])]
    return checkpoint(shapes, path: path)
  }

  /// A one-file BF16 checkpoint of the given (name, shape) tensors, laid out back to back.
  static func checkpoint(_ shapes: [(String, [Int])], path: String) -> Checkpoint {
    var offset: UInt64 = 256
    let tensors = shapes.map { name, shape in
      let bytes = UInt64(shape.reduce(1, *) * 2)
      defer { offset += bytes }
      return TensorInfo(
        name: name, dtype: .BF16, shape: shape, fileIndex: 0, fileOffset: offset, byteCount: bytes)
    }
    let file = SafetensorsFile(
      path: path, size: offset, modificationTime: 0, headerLength: 248, metadata: ["format": "pt"])
    return Checkpoint(
      path: path, indexPath: nil, totalSizeHint: nil, files: [file], tensors: tensors, warnings: [])
  }

  /// Analyses with fixed errors: a typical nf4 rel_err of ~0.09, fp4 ~0.12 (their -dq twins a
  /// little more), int8 ~0.007;
  /// `model.layers.2.mlp.down_proj` and `model.layers.0.self_attn.o_proj` are the bad ones.
  static func analyses(for checkpoint: Checkpoint) -> [TensorAnalysis?] {
    checkpoint.tensors.enumerated().map { index, tensor in
      let quantizable = Quantizability.isQuantizable(name: tensor.name, shape: tensor.shape)
      let bad =
        tensor.name.hasPrefix("model.layers.2.mlp.down_proj")
        ? 3.4
        : tensor.name.hasPrefix("model.layers.0.self_attn.o_proj") ? 2.1 : 1.0
      let spread = 1 + 0.01 * Double(index % 5)
      let rel: [QuantFormat: Double] = [
        .nf4: 0.0912 * bad * spread, .nf4dq: 0.0913 * bad * spread, .fp4: 0.1248 * bad * spread,
        .fp4dq: 0.1249 * bad * spread, .int8: 0.0071 * bad * spread,
      ]
      return analysis(
        tensor, quantizable: quantizable, rel: tensor.shape.count == 2 ? rel : [:],
        absmax: bad > 1 ? 9.25 / bad * 2 : 0.31)
    }
  }

  static func analysis(
    _ tensor: TensorInfo, quantizable: Bool, rel: [QuantFormat: Double], absmax: Double
  ) -> TensorAnalysis {
    let params = tensor.elementCount
    let sumWeight = Double(params) * 0.0004
    var formats: [QuantFormat: FormatMetrics] = [:]
    for (format, relErr) in rel {
      let sumError = relErr * relErr * sumWeight
      formats[format] = FormatMetrics(
        mse: sumError / Double(params), rmse: (sumError / Double(params)).squareRoot(),
        maxAbsErr: absmax / 10, relErr: relErr, sqnrDB: -20 * log10(relErr),
        bitsPerParam: format.bitsPerParam(blocksize: 64, cols: tensor.shape.last ?? 1),
        codeEntropyBits: 3.9, codeCounts: [], sumSquaredError: sumError, sumSquaredWeight: sumWeight
      )
    }
    let stats = TensorStats(
      min: -absmax, max: absmax, mean: 0, std: 0.02, absmax: absmax, zeros: 0, nans: 0,
      infinities: 0)
    let histogram = Histogram(lo: -absmax, hi: absmax, counts: [])
    return TensorAnalysis(
      name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, params: params,
      quantizable: quantizable, stats: stats, histogram: histogram, normalizedHistogram: histogram,
      outliers: nil, formats: formats)
  }

  static func module(_ name: String) throws -> ModuleName { try ModuleName(name) }
}

// MARK: - PyYAML

/// PyYAML's reading of a document, flattened: "path" → (Python type name, JSON of the value).
struct PyYAMLDocument {
  var entries: [String: (type: String, json: String)] = [:]

  subscript(path: String) -> (type: String, json: String)? { entries[path] }

  /// Walks the loaded document; containers report their length, scalars their JSON.
  private static let script = """
    import sys, json, yaml
    def walk(p, v):
        if isinstance(v, dict):
            print(p + "\\tdict\\t" + str(len(v)))
            for k, x in v.items(): walk((p + "." if p else "") + str(k), x)
        elif isinstance(v, list):
            print(p + "\\tlist\\t" + str(len(v)))
            for i, x in enumerate(v): walk(p + "[" + str(i) + "]", x)
        else:
            print(p + "\\t" + type(v).__name__ + "\\t" + json.dumps(v, ensure_ascii=True))
    walk("", yaml.safe_load(sys.stdin.read()))
    """

  /// Loads `yaml` with `yaml.safe_load` in python3.
  static func load(_ yaml: String) throws -> PyYAMLDocument {
    let result = try ProcessRunner.run("python3", ["-c", script], input: yaml)
    guard result.status == 0 else { throw FixtureError("PyYAML failed: \(result.stderr)") }
    var document = PyYAMLDocument()
    for line in result.stdout.split(separator: "\n") {
      let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(
        String.init)
      guard parts.count == 3 else { continue }
      document.entries[parts[0]] = (parts[1], parts[2])
    }
    return document
  }

  /// Decodes a JSON string value.
  static func string(_ json: String) -> String? {
    try? JSONDecoder().decode([String].self, from: Data(("[" + json + "]").utf8)).first
  }
}

// MARK: - Snapshots

enum Snapshot {
  static var directory: String {
    FixturePaths.packageRoot + "/Tests/ExporterTests/Snapshots"
  }

  /// Compares `text` with `Snapshots/<name>.yaml`; `QUANTSCOPE_UPDATE_SNAPSHOTS=1` rewrites it.
  static func expectMatches(
    _ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let path = directory + "/" + name + ".yaml"
    if getenv("QUANTSCOPE_UPDATE_SNAPSHOTS") != nil {
      try SafetensorsFixture.write(Array(text.utf8), to: path)
      return
    }
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
      Issue.record(
        "missing snapshot \(path); run with QUANTSCOPE_UPDATE_SNAPSHOTS=1",
        sourceLocation: sourceLocation)
      return
    }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n <= 0 { break }
      bytes += chunk[0..<n]
    }
    let expected = String(decoding: bytes, as: UTF8.self)
    #expect(text == expected, "snapshot \(name) differs", sourceLocation: sourceLocation)
  }
}
