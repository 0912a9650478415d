/// What one tensor of a checkpoint is to transformers and bitsandbytes: the answer of
/// `ModelArchitecture.role(of:)`.
public struct TensorRole: Sendable, Hashable {
  /// The module family a tensor belongs to, as the tree and the reason strings name it.
  public enum Module: Sendable, Hashable {
    case attention
    case mlp
    /// One routed expert's weight (per-expert storage) or a fused tensor of every expert.
    case expert(Int?)
    /// The MoE router (gate) that scores the experts.
    case router
    case embedding
    /// A learned or sinusoidal position table.
    case positionTable
    /// The output head (`lm_head`).
    case head
    case norm
    case visionTower
    case other

    /// True for an expert's tensor (one expert or a fused tensor of all).
    public var isExpert: Bool {
      if case .expert = self { return true }
      return false
    }

    /// A short word for listings: `attention`, `expert 3`, `router`.
    public var label: String {
      switch self {
      case .attention: "attention"
      case .mlp: "MLP"
      case .expert(let index): index.map { "expert \($0)" } ?? "experts"
      case .router: "router"
      case .embedding: "embedding"
      case .positionTable: "position table"
      case .head: "head"
      case .norm: "norm"
      case .visionTower: "vision tower"
      case .other: "other"
      }
    }
  }

  /// True when transformers turns the tensor's module into a bitsandbytes `Linear4bit` /
  /// `Linear8bitLt` (so the format's errors apply to it).
  public var quantizable: Bool
  /// True when the stored tensor is `[in_features, out_features]` (GPT-2 `Conv1D`, input-first
  /// fused experts): bitsandbytes sees its transpose, so the analysis reads it transposed.
  public var transposed = false
  public var module: Module
  /// Experts of a fused 3-D expert tensor (its first dimension); nil otherwise.
  public var fusedExperts: Int?
  /// Why: one line, as the tensor screen and the reports show it.
  public var reason: String
  /// True for an input embedding that is also the output head (`tie_word_embeddings`, no head
  /// stored): one tensor, counted once.
  public var isTiedToHead = false

  /// True for a Linear weight, quantized or kept by the loader's own choice (tied, head,
  /// router under transformers 4): the tensors a 4-bit what-if applies to.
  public var isLinearShaped: Bool { quantizable || module == .head }
}
