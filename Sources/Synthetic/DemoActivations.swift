import Safetensors

#if canImport(Glibc)
  import Glibc
#endif

/// A synthetic activation capture matching the demo checkpoint (`DemoCheckpoint`): the inputs of
/// every Linear module of 4 blocks (hidden 512, MLP 1408) for 64 tokens, as F16 `[tokens, in]`.
///
/// Mostly Gaussian, with a few fixed hidden dims carrying the large-magnitude, sign-consistent
/// values LLM.int8() was designed around (6–60, growing with depth; one is exactly 6.0 in layer 0,
/// the threshold itself), a late-layer outlier in the attention output, and rare spikes in the
/// MLP's intermediate activations. q/k/v share one input, as gate/up do, as in a real model.
public enum DemoActivations {
  /// Written next to the demo's `model.safetensors`.
  public static let fileName = "activations.safetensors"
  public static let layers = 4
  public static let hidden = 512
  public static let intermediate = 1408
  public static let tokens = 64
  /// Hidden dims that are outliers in (almost) every layer: the systematic dims.
  public static let systematicHiddenDims = [37, 129, 266, 401]

  /// One captured tensor: module name, [tokens, in_features], row-major values.
  package struct Capture {
    package var module: String
    package var features: Int
    package var values: [Float]
  }

  // MARK: - Writing

  /// The capture's path in a demo directory (`DemoCheckpoint.ensure()` writes it there).
  public static func path(in demoDirectory: String) -> String {
    demoDirectory.hasSuffix("/") ? demoDirectory + fileName : demoDirectory + "/" + fileName
  }

  /// Writes `directory/activations.safetensors` and returns its path.
  ///
  /// - Throws: `SafetensorsWriterError` naming the path.
  @discardableResult
  public static func write(to directory: String) throws -> String {
    let path = path(in: directory)
    let entries = captures().map { capture in
      var bytes = [UInt8]()
      bytes.reserveCapacity(capture.values.count * 2)
      for value in capture.values {
        let bits = float16Bits(value)
        bytes.append(UInt8(truncatingIfNeeded: bits))
        bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
      }
      return SafetensorsWriter.Entry(
        name: capture.module, dtype: .F16, shape: [tokens, capture.features], bytes: bytes)
    }
    try SafetensorsWriter.write(
      entries, metadata: ["format": "pt", "quantscope": "demo activations"], to: path)
    return path
  }

  // MARK: - Values

  /// Every module's capture, in layer then module order (deterministic).
  package static func captures() -> [Capture] {
    var random = SplitMix64(seed: 0x5EED_AC71)
    var result: [Capture] = []
    for layer in 0..<layers {
      // The values are drawn in module order: the random stream fixes the order of the calls.
      let block = "model.layers.\(layer)."
      let add = { (modules: [String], features: Int, values: [Float]) in
        for module in modules {
          result.append(Capture(module: block + module, features: features, values: values))
        }
      }
      let attention = hiddenInput(layer: layer, random: &random)
      add(["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"], hidden, attention)
      add(["self_attn.o_proj"], hidden, attentionOutput(layer: layer, random: &random))
      let mlp = hiddenInput(layer: layer, random: &random)
      add(["mlp.gate_proj", "mlp.up_proj"], hidden, mlp)
      add(["mlp.down_proj"], intermediate, intermediateInput(layer: layer, random: &random))
    }
    // The file stores F16: keep the in-memory values identical to what is written.
    for i in result.indices { result[i].values = result[i].values.map { Float(Float16($0)) } }
    return result
  }

  /// Normalized hidden state: N(0, 0.8²) plus the systematic dims.
  private static func hiddenInput(layer: Int, random: inout SplitMix64) -> [Float] {
    var x = gaussian(tokens * hidden, sigma: 0.8, random: &random)
    // (dim, sign, magnitude in this layer or 0, every `stride`-th token)
    let outliers: [(dim: Int, sign: Float, magnitude: Float, stride: Int)] = [
      (37, -1, 8 + 12 * Float(layer), 1),
      (129, 1, layer >= 1 ? 15 * Float(layer) : 0, 2),
      (266, 1, 6 + 18 * Float(layer), 4),
      (401, -1, layer >= 2 ? 25 * Float(layer) - 20 : 0, 3),
    ]
    for o in outliers where o.magnitude > 0 {
      for t in stride(from: (o.dim + layer) % o.stride, to: tokens, by: o.stride) {
        // Layer 0's dim 266 sits exactly on the threshold; the others are 90–100% of magnitude.
        let jitter: Float = o.magnitude == 6 ? 1 : 0.9 + 0.1 * random.unitFloat()
        x[t * hidden + o.dim] = o.sign * o.magnitude * jitter
      }
    }
    return x
  }

  /// Attention context: N(0, 0.5²), with one outlier dim in the last layer on a few tokens.
  private static func attentionOutput(layer: Int, random: inout SplitMix64) -> [Float] {
    var x = gaussian(tokens * hidden, sigma: 0.5, random: &random)
    if layer == 3 {
      for t in stride(from: 5, to: tokens, by: 9) {
        x[t * hidden + 77] = 7 + 4 * random.unitFloat()
      }
    }
    return x
  }

  /// MLP intermediate (act(gate)·up): N(0, 0.3²), rare large spikes in layers 1 and 3.
  private static func intermediateInput(layer: Int, random: inout SplitMix64) -> [Float] {
    var x = gaussian(tokens * intermediate, sigma: 0.3, random: &random)
    if layer == 1 || layer == 3 {
      for t in [3, 17, 40, 58] { x[t * intermediate + 990] = 7 + Float(layer) * 2 }
    }
    if layer == 3 {
      for t in [0, 31] { x[t * intermediate + 211] = -40 }
    }
    return x
  }

  private static func gaussian(_ count: Int, sigma: Float, random: inout SplitMix64) -> [Float] {
    var values = [Float](repeating: 0, count: count)
    var i = 0
    while i < count {
      // Box–Muller: two independent N(0, 1) from two uniforms in (0, 1].
      let u1 = 1 - random.unit()
      let u2 = random.unit()
      let radius = (-2 * log(u1)).squareRoot()
      values[i] = sigma * Float(radius * cos(2 * Double.pi * u2))
      if i + 1 < count { values[i + 1] = sigma * Float(radius * sin(2 * Double.pi * u2)) }
      i += 2
    }
    return values
  }
}
