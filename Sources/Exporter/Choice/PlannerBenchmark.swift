import Engine
import Safetensors

/// Synthetic planning instances for `quantscope bench --planner`: a LLaMA-7B-shaped model (291
/// tensors, 224 quantizable) and a 2,000-tensor model of mixed shapes, with deterministic
/// pseudo-random errors per format. Only headers and metrics: nothing is read or analysed.
public enum PlannerBenchmark {
  /// One instance: tensors and their analyses.
  public struct Instance: Sendable {
    public var name: String
    public var tensors: [TensorInfo]
    public var analyses: [TensorAnalysis?]
  }

  /// LLaMA-2-7B's shapes (vocab 32,000, hidden 4,096, intermediate 11,008, 32 layers).
  public static func llama7B() -> Instance {
    var shapes: [(String, [Int])] = [("model.embed_tokens.weight", [32000, 4096])]
    for layer in 0..<32 {
      let block = "model.layers.\(layer)."
      for name in ["q_proj", "k_proj", "v_proj", "o_proj"] {
        shapes.append((block + "self_attn.\(name).weight", [4096, 4096]))
      }
      shapes.append((block + "mlp.gate_proj.weight", [11008, 4096]))
      shapes.append((block + "mlp.up_proj.weight", [11008, 4096]))
      shapes.append((block + "mlp.down_proj.weight", [4096, 11008]))
      shapes.append((block + "input_layernorm.weight", [4096]))
      shapes.append((block + "post_attention_layernorm.weight", [4096]))
    }
    shapes += [("model.norm.weight", [4096]), ("lm_head.weight", [32000, 4096])]
    return instance("llama-7b-shaped", shapes)
  }

  /// `count` quantizable tensors of shapes drawn from 40 sizes (64…8,192), plus an embedding.
  public static func mixed(count: Int) -> Instance {
    var state: UInt64 = 0x5EED
    var shapes: [(String, [Int])] = [("model.embed_tokens.weight", [32000, 1024])]
    for index in 0..<count {
      let rows = 64 * (1 + Int(next(&state) % 128))
      let cols = 64 * (1 + Int(next(&state) % 40))
      shapes.append(("model.layers.\(index / 8).mlp.proj\(index % 8).weight", [rows, cols]))
    }
    return instance("mixed-\(count)", shapes)
  }

  static func next(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  static func instance(_ name: String, _ shapes: [(String, [Int])]) -> Instance {
    var state: UInt64 = 0xB00
    var offset: UInt64 = 0
    var tensors: [TensorInfo] = []
    var analyses: [TensorAnalysis?] = []
    for (tensorName, shape) in shapes {
      let bytes = UInt64(shape.reduce(1, *) * 2)
      let tensor = TensorInfo(
        name: tensorName, dtype: .BF16, shape: shape, fileIndex: 0, fileOffset: offset,
        byteCount: bytes)
      offset += bytes
      tensors.append(tensor)
      let base = 0.06 + Double(next(&state) % 1000) / 20_000
      let spike = next(&state) % 20 == 0 ? 2.5 : 1.0
      var formats: [QuantFormat: FormatMetrics] = [:]
      for (format, scale) in [
        (QuantFormat.nf4, 1.0), (.nf4dq, 1.004), (.fp4, 1.4), (.fp4dq, 1.404), (.int8, 0.08),
      ] {
        let relErr = base * spike * scale
        formats[format] = FormatMetrics(
          mse: 0, rmse: 0, maxAbsErr: 0, relErr: relErr, sqnrDB: -20 * log10(relErr),
          bitsPerParam: 4,
          codeEntropyBits: 0, codeCounts: [], sumSquaredError: 0, sumSquaredWeight: 0)
      }
      let empty = Histogram(lo: 0, hi: 1, counts: [])
      analyses.append(
        TensorAnalysis(
          name: tensorName, dtype: .BF16, shape: shape, params: tensor.elementCount,
          quantizable: Quantizability.isQuantizable(tensor),
          stats: TensorStats(
            min: 0, max: 0, mean: 0, std: 0, absmax: 0, zeros: 0, nans: 0, infinities: 0),
          histogram: empty, normalizedHistogram: empty, outliers: nil,
          formats: shape.count == 2 ? formats : [:]))
    }
    return Instance(name: name, tensors: tensors, analyses: analyses)
  }
}

#if canImport(Glibc)
  import Glibc
#endif
