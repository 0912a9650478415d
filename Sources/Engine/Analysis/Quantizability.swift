import Safetensors

/// Which tensors bitsandbytes quantizes when a model is loaded through transformers with
/// `load_in_4bit` / `load_in_8bit`, and why.
///
/// The decision itself lives in `ModelArchitecture.role(of:)` (config.json, names, the
/// transformers major version); these are its short forms. The forms without a checkpoint judge
/// a tensor by name and shape alone (no config.json, transformers 5).
public enum Quantizability {
  /// True for the tensors bitsandbytes would quantize through transformers.
  public static func isQuantizable(_ tensor: TensorInfo, in checkpoint: Checkpoint) -> Bool {
    ModelArchitecture(checkpoint).role(of: tensor).quantizable
  }

  /// A one-line reason: why a tensor is or is not quantized.
  public static func reason(_ tensor: TensorInfo, in checkpoint: Checkpoint) -> String {
    ModelArchitecture(checkpoint).role(of: tensor).reason
  }

  /// `isQuantizable` by name, shape and dtype alone.
  public static func isQuantizable(_ tensor: TensorInfo) -> Bool {
    nameOnly.role(of: tensor).quantizable
  }

  /// `reason` by name, shape and dtype alone.
  public static func reason(_ tensor: TensorInfo) -> String {
    nameOnly.role(of: tensor).reason
  }

  /// The name-and-shape part of the rule (for a floating tensor).
  public static func isQuantizable(name: String, shape: [Int]) -> Bool {
    nameOnly.role(name: name, shape: shape).quantizable
  }

  /// `reason` of a floating tensor with this name and shape.
  public static func reason(name: String, shape: [Int]) -> String {
    nameOnly.role(name: name, shape: shape).reason
  }

  private static let nameOnly = ModelArchitecture(config: nil, tensorNames: [])
}
