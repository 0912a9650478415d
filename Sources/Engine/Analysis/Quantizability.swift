import Safetensors

/// Which tensors bitsandbytes quantizes when a model is loaded through transformers with
/// `load_in_4bit` / `load_in_8bit`: the one place this heuristic lives.
///
/// transformers replaces `nn.Linear` modules by `Linear4bit` / `Linear8bitLt`, except the modules of
/// `get_modules_to_not_convert` (tied weights, the output embedding, the last module — `lm_head` in
/// practice). Only a checkpoint's tensor names and shapes are known here, so:
/// - a Linear weight is a 2-D tensor whose name ends in `.weight` (or has no suffix);
/// - embeddings are `nn.Embedding`, never converted: names containing `embed`, `wte`, `wpe`,
///   `word_embeddings`, `position_embeddings`, `token_type_embeddings`, `shared.weight`;
/// - the output embedding stays 16-bit by default: `lm_head`, `embed_out`, `output.weight`;
/// - 1-D tensors are norms and biases; ≥ 3-D tensors are convolutions or stacked experts;
/// - integer and other non-floating tensors (position ids, masks) are buffers, never weights.
public enum Quantizability {
  /// True for the tensors bitsandbytes would quantize through transformers.
  public static func isQuantizable(_ tensor: TensorInfo) -> Bool {
    exclusion(tensor) == nil
  }

  /// A one-line reason: why a tensor is or is not quantized.
  public static func reason(_ tensor: TensorInfo) -> String {
    exclusion(tensor) ?? "2-D Linear weight: quantized by bitsandbytes"
  }

  private static func exclusion(_ tensor: TensorInfo) -> String? {
    guard tensor.dtype.isAnalysable else { return "dtype \(tensor.dtype.rawValue): a buffer, not a weight" }
    return exclusion(name: tensor.name, shape: tensor.shape)
  }

  /// The name-and-shape part of the rule (for a floating tensor).
  public static func isQuantizable(name: String, shape: [Int]) -> Bool {
    exclusion(name: name, shape: shape) == nil
  }

  /// `reason` of a floating tensor with this name and shape.
  public static func reason(name: String, shape: [Int]) -> String {
    exclusion(name: name, shape: shape) ?? "2-D Linear weight: quantized by bitsandbytes"
  }

  private static let embeddingMarkers = [
    "embed", "wte", "wpe", "word_embeddings", "position_embeddings", "token_type_embeddings",
  ]
  private static let outputEmbeddings = ["lm_head", "embed_out"]

  private static func exclusion(name: String, shape: [Int]) -> String? {
    guard shape.count == 2 else {
      return shape.count < 2
        ? "\(shape.count)-D tensor (norm, bias or scalar): not a Linear weight"
        : "\(shape.count)-D tensor: not a Linear weight"
    }
    if name.hasSuffix(".bias") { return "bias: not quantized" }
    let components = name.split(separator: ".").map(String.init)
    if components.contains(where: outputEmbeddings.contains) || name == "output.weight" {
      return "output embedding: transformers keeps it in 16-bit by default"
    }
    if components.contains(where: { component in
      embeddingMarkers.contains(where: { component.contains($0) })
    }) || name == "shared.weight" {
      return "embedding: nn.Embedding is not converted"
    }
    if components.contains(where: { $0.contains("norm") }) { return "norm weight: not quantized" }
    return nil
  }
}
