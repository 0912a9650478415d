import Engine
import Safetensors

@testable import Explorer

#if canImport(Glibc)
  import Glibc
#endif

/// A small LLaMA-like checkpoint (3 layers, hidden 64) with hand-made analyses: errors grow with
/// the layer, dims 7 and 40 are outliers in every layer, dim 20 only in layer 1.
enum Fixture {
  static let hidden = 64
  static let intermediate = 128
  static let layers = 3

  static var tensorList: [(String, [Int])] {
    var list: [(String, [Int])] = [("model.embed_tokens.weight", [256, hidden])]
    for layer in 0..<layers {
      let prefix = "model.layers.\(layer)."
      list.append((prefix + "input_layernorm.weight", [hidden]))
      list += ["q_proj", "k_proj", "v_proj", "o_proj"].map {
        (prefix + "self_attn.\($0).weight", [hidden, hidden])
      }
      list.append((prefix + "mlp.gate_proj.weight", [intermediate, hidden]))
      list.append((prefix + "mlp.up_proj.weight", [intermediate, hidden]))
      list.append((prefix + "mlp.down_proj.weight", [hidden, intermediate]))
      list.append((prefix + "post_attention_layernorm.weight", [hidden]))
    }
    list.append(("model.norm.weight", [hidden]))
    list.append(("lm_head.weight", [256, hidden]))
    return list
  }

  static func checkpoint() -> Checkpoint {
    var offset: UInt64 = 0
    let tensors = tensorList.map { name, shape in
      let bytes = UInt64(shape.reduce(1, *) * 2)
      defer { offset += bytes }
      return TensorInfo(
        name: name, dtype: .BF16, shape: shape, fileIndex: 0, fileOffset: 8 + 128 + offset,
        byteCount: bytes)
    }
    let file = SafetensorsFile(
      path: "/models/tiny-llama/model.safetensors", size: offset + 136, modificationTime: 0,
      headerLength: 128, metadata: nil)
    return Checkpoint(
      path: "/models/tiny-llama", indexPath: nil, totalSizeHint: nil, files: [file],
      tensors: tensors, warnings: [])
  }

  /// The analysis of tensor `index`.
  static func analysis(_ info: TensorInfo, settings: AnalysisSettings) -> TensorAnalysis {
    let components = info.name.split(separator: ".")
    let layer = components.count > 2 ? Int(components[2]) ?? 0 : 0
    let kinds = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    let kind = kinds.firstIndex { info.name.contains($0) } ?? 0
    let base = 0.09 + 0.01 * Double(layer) + 0.002 * Double(kind)
    let factors: [QuantFormat: Double] = [
      .nf4: 1, .nf4dq: 1.001, .fp4: 1.35, .fp4dq: 1.351, .int8: 0.08, .dyn8: 0.15, .int4: 1.2,
    ]
    let counts = (0..<settings.bins).map { bin in
      UInt64((5000 * exp(-pow(Double(bin - settings.bins / 2) / 6, 2) / 2)).rounded())
    }
    let normalised = (0..<settings.bins).map { bin in
      UInt64((800 * exp(-pow(Double(bin - settings.bins / 2) / 14, 2) / 2)).rounded())
    }
    var formats: [QuantFormat: FormatMetrics] = [:]
    var outliers: OutlierColumns?
    if info.shape.count == 2 {
      for format in settings.formats {
        let rel = base * (factors[format] ?? 1)
        let codes = (0..<format.codeBinCount).map {
          UInt64((100 * exp(-pow(Double($0 - format.codeBinCount / 2) / 4, 2) / 2)).rounded())
        }
        formats[format] = FormatMetrics(
          mse: rel * rel * 1e-3, rmse: rel * 0.03, maxAbsErr: rel * 0.8, relErr: rel,
          sqnrDB: -20 * log10(rel),
          bitsPerParam: format.bitsPerParam(blocksize: settings.blocksize, cols: info.shape[1]),
          codeEntropyBits: 3.5 + 0.1 * Double(kind), codeCounts: codes,
          sumSquaredError: rel * rel * Double(info.elementCount),
          sumSquaredWeight: Double(info.elementCount))
      }
      var absmax = (0..<info.shape[1]).map {
        Float(0.4 + 0.3 * sin(Double($0) * 0.7 + Double(layer)))
      }
      if info.shape[1] == hidden && info.name.contains("layers") {
        absmax[7] = 6.5 + Float(layer) * 0.5
        absmax[40] = 7.25
        if layer == 1 { absmax[20] = 6.1 }
      } else if info.shape[1] == intermediate {
        absmax[100] = 9.0
      }
      outliers = OutlierColumns(
        threshold: settings.threshold, columnAbsmax: absmax,
        indices: absmax.indices.filter { absmax[$0] >= settings.threshold })
    }
    return TensorAnalysis(
      name: info.name, dtype: info.dtype, shape: info.shape, params: info.elementCount,
      quantizable: Quantizability.isQuantizable(name: info.name, shape: info.shape),
      stats: TensorStats(
        min: -0.21 - 0.1 * Double(layer), max: 0.19 + 0.1 * Double(layer), mean: 0.0004, std: 0.021,
        absmax: 0.21 + 0.1 * Double(layer), zeros: 3, nans: 0, infinities: 0),
      histogram: Histogram(
        lo: -0.21 - 0.1 * Double(layer), hi: 0.19 + 0.1 * Double(layer), counts: counts),
      normalizedHistogram: Histogram(lo: -1, hi: 1, counts: normalised),
      outliers: outliers, formats: formats)
  }

  /// An explorer state with every tensor analysed (or the first `analysed` ones).
  static func state(analysed: Int? = nil) -> AppState {
    let checkpoint = checkpoint()
    let settings = AnalysisSettings()
    var state = AppState(
      checkpoint: checkpoint, isDemo: false, settings: settings, engineLabel: "cpu ×2")
    for (index, info) in checkpoint.tensors.enumerated().prefix(
      analysed ?? checkpoint.tensors.count)
    {
      state.receive(analysis(info, settings: settings), at: index)
    }
    let done = analysed ?? checkpoint.tensors.count
    state.progress = AnalysisProgress(
      tensorsDone: done, tensorsTotal: checkpoint.tensors.count,
      bytesDone: UInt64(done) * 8192, bytesTotal: UInt64(checkpoint.tensors.count) * 8192)
    state.elapsedSeconds = 2
    return state
  }

  static func index(_ name: String) -> Int {
    checkpoint().tensors.firstIndex { $0.name == name } ?? -1
  }
}
