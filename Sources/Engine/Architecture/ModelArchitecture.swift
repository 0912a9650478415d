import Safetensors

/// How transformers builds a checkpoint's modules, and so what bitsandbytes does to each tensor:
/// the one place that decides it.
///
/// Facts come from `config.json` when present (`model_type`, `architectures`,
/// `tie_word_embeddings`, the expert count) and from tensor names otherwise. Sources checked
/// (transformers 5.25.0, pip):
/// - `integrations/bitsandbytes.py`, `replace_with_bnb_linear`: only modules that are exactly
///   `nn.Linear`, or GPT-2's `Conv1D`, become `Linear4bit`/`Linear8bitLt`; a `Conv1D` weight is
///   stored `[in, out]` and is transposed before it is quantized. Any other parameter — a 3-D
///   fused expert tensor, a router held as a plain `nn.Parameter` — is left in 16-bit.
/// - `conversion_mapping.py`: for `mixtral`, `qwen2_moe` and the model types mapped to them
///   (`fusedExpertModelTypes`), per-expert `experts.K.w1/w3` (or `gate_proj/up_proj`) and `w2`
///   (`down_proj`) are merged at load time into `experts.gate_up_proj` `[E, 2I, H]` and
///   `experts.down_proj` `[E, H, I]`;
/// - `models/mixtral/modeling_mixtral.py`: `MixtralExperts` holds those as `nn.Parameter`s and
///   `MixtralTopKRouter` holds `weight` `[E, H]` as an `nn.Parameter`.
/// - transformers 4.x built Mixtral's experts as `nn.Linear` `w1/w2/w3` and the router `gate` as
///   `nn.Linear`: all quantized unless skipped.
public struct ModelArchitecture: Sendable {
  /// The config facts, when the checkpoint has a usable `config.json`.
  public let config: CheckpointConfig?
  /// 4 or 5: the transformers major version assumed to load the model.
  public let transformersMajor: Int
  /// Every tensor name of the checkpoint (for the tied output head).
  private let hasOutputHead: Bool

  public init(config: CheckpointConfig?, transformersMajor: Int = 5, tensorNames: [String]) {
    self.config = config
    self.transformersMajor = transformersMajor
    hasOutputHead = tensorNames.contains { name in
      (name.containsBytes("lm_head") || name.containsBytes("embed_out") || name == "output.weight")
        && ModelArchitecture.pathComponents(name).contains(
          where: ModelArchitecture.outputHeads.contains)
        || name == "output.weight"
    }
  }

  /// The architecture of `checkpoint` under its `transformersMajor`.
  public init(_ checkpoint: Checkpoint) {
    self.init(
      config: checkpoint.config, transformersMajor: checkpoint.transformersMajor,
      tensorNames: checkpoint.tensors.map(\.name))
  }

  /// `model_type`, or nil.
  public var modelType: String? { config?.modelType }

  /// True when the input embedding doubles as the output head: `tie_word_embeddings` and no
  /// output head stored (the head is then the embedding, counted once).
  public var hasTiedEmbeddings: Bool { (config?.tieWordEmbeddings ?? false) && !hasOutputHead }

  /// True when transformers 5 merges this model's per-expert Linear weights into fused 3-D
  /// parameters at load time.
  public var fusesExpertsOnLoad: Bool {
    guard transformersMajor >= 5 else { return false }
    guard let type = modelType else { return true }
    return Self.fusedExpertModelTypes.contains(type)
  }

  /// One line on the architecture for inspect: `mixtral (MixtralForCausalLM), 8 experts per
  /// block; transformers 5 fuses them at load: 16-bit`; nil without config.json.
  public var summary: String? {
    guard let config else { return nil }
    var parts: [String] = []
    var head = config.modelType ?? "unknown model_type"
    if let name = config.architectures.first { head += " (\(name))" }
    parts.append(head)
    if let experts = config.expertCount, experts > 1 {
      if let type = modelType, Self.storedFusedModelTypes.contains(type) {
        parts.append("\(experts) experts stored fused (3-D): 16-bit under bitsandbytes")
      } else if fusesExpertsOnLoad {
        parts.append(
          "\(experts) experts per block: transformers 5 fuses them at load, so they stay 16-bit")
      } else {
        parts.append(
          "\(experts) experts per block: nn.Linear under transformers \(transformersMajor), quantized"
        )
      }
    }
    if let type = modelType, Self.conv1DModelTypes.contains(type) {
      parts.append("Conv1D weights [in, out] analysed transposed")
    }
    if hasTiedEmbeddings { parts.append("output head tied to the input embedding") }
    return parts.joined(separator: "; ")
  }

  // MARK: - The decision

  /// What bitsandbytes (through transformers) does to `tensor`, which module it belongs to, which
  /// way its input features run, and why.
  public func role(of tensor: TensorInfo) -> TensorRole {
    guard tensor.dtype.isAnalysable else {
      return TensorRole(
        quantizable: false, module: .other,
        reason: "dtype \(tensor.dtype.rawValue): a buffer, not a weight")
    }
    var role = role(name: tensor.name, shape: tensor.shape)
    if role.transposed, tensor.stored?.isBitsandbytes == true {
      // transformers transposed the Conv1D weight before bitsandbytes quantized it, and the save
      // keeps that layout: the logical shape is already [out, in] (checked on GPT-2 saves made
      // with transformers 5 and bitsandbytes 0.50.2, 4-bit and 8-bit).
      role.transposed = false
      role.reason =
        "GPT-2 Conv1D weight saved by bitsandbytes as [out, in]: transformers transposed it before quantizing"
    }
    return role
  }

  /// `role(of:)` for a floating tensor with this name and shape.
  public func role(name: String, shape: [Int]) -> TensorRole {
    if let slice = Self.expertSlice(name), shape.count == 2 {
      let fused = role(name: slice.fusedName, shape: [0] + shape)
      return TensorRole(
        quantizable: false, transposed: fused.transposed, module: .expert(slice.expert),
        reason:
          "expert \(slice.expert)'s slice of a fused 3-D tensor: bitsandbytes leaves it 16-bit; its errors show what quantizing it would cost"
      )
    }
    let components = Self.pathComponents(name)
    let module = moduleKind(components, shape: shape)
    let last = components.last ?? ""
    if last == "bias" || last.hasSuffix("_bias") {
      return TensorRole(quantizable: false, module: module, reason: "bias: not quantized")
    }
    if module == .positionTable {
      return TensorRole(
        quantizable: false, module: module,
        reason: "position table (learned or sinusoidal): not a Linear weight")
    }
    if shape.count > 2 {
      if case .expert = module {
        let experts = shape[0]
        return TensorRole(
          quantizable: false, transposed: fusedStoredInputFirst(components), module: .expert(nil),
          fusedExperts: experts,
          reason:
            "fused \(shape.count)-D tensor of \(experts) experts: an nn.Parameter, not nn.Linear — bitsandbytes leaves it 16-bit"
        )
      }
      return TensorRole(
        quantizable: false, module: module, reason: "\(shape.count)-D tensor: not a Linear weight")
    }
    guard shape.count == 2 else {
      return TensorRole(
        quantizable: false, module: module,
        reason: "\(shape.count)-D tensor (norm, bias or scalar): not a Linear weight")
    }
    switch module {
    case .head:
      return TensorRole(
        quantizable: false, module: module,
        reason: "output embedding: transformers keeps it in 16-bit by default")
    case .embedding:
      if hasTiedEmbeddings && isInputEmbedding(components) {
        var role = TensorRole(
          quantizable: false, module: module,
          reason:
            "embedding, tied to the output head (tie_word_embeddings): nn.Embedding is not converted; counted once"
        )
        role.isTiedToHead = true
        return role
      }
      return TensorRole(
        quantizable: false, module: module, reason: "embedding: nn.Embedding is not converted")
    case .norm:
      return TensorRole(quantizable: false, module: module, reason: "norm weight: not quantized")
    case .router:
      // A router stays 16-bit when it is a bare parameter, whatever the loader does to Linears.
      let isParameter = isFusedExpertModel || fusesExpertsOnLoad
      let reason =
        isParameter
        ? "router: an nn.Parameter in transformers \(transformersMajor), not nn.Linear — stays 16-bit"
        : "router Linear (transformers 4): quantized by bitsandbytes; worth keeping in 16-bit (it picks the experts)"
      return TensorRole(quantizable: !isParameter, module: module, reason: reason)
    case .expert(let index):
      let which = index.map { "expert \($0)" } ?? "expert"
      let reason =
        fusesExpertsOnLoad
        ? "\(which) Linear: transformers 5 merges it into a fused 3-D parameter at load — bitsandbytes leaves it 16-bit"
        : "\(which) Linear (transformers \(transformersMajor) loads it as nn.Linear): quantized by bitsandbytes"
      return TensorRole(quantizable: !fusesExpertsOnLoad, module: module, reason: reason)
    default:
      if isConv1D(components) {
        return TensorRole(
          quantizable: true, transposed: true, module: module,
          reason:
            "GPT-2 Conv1D weight stored [in, out]: transformers transposes it, bitsandbytes quantizes the transpose"
        )
      }
      return TensorRole(
        quantizable: true, module: module, reason: "2-D Linear weight: quantized by bitsandbytes")
    }
  }

  /// in_features of a 2-D weight as bitsandbytes sees it: the columns of `[out, in]`, the rows
  /// of a Conv1D `[in, out]`; nil for other ranks.
  public func inputFeatures(of tensor: TensorInfo) -> Int? {
    guard tensor.shape.count == 2 else { return nil }
    return role(of: tensor).transposed ? tensor.shape[0] : tensor.shape[1]
  }

  // MARK: - Module kinds

  static let outputHeads: Set<String> = ["lm_head", "embed_out"]
  private static let embeddingMarkers = [
    "embed", "wte", "word_embeddings", "token_type_embeddings",
  ]
  private static let positionMarkers = [
    "wpe", "position_embeddings", "position_embedding", "pos_embed", "position_encodings",
    "positional",
    "sinusoid", "encodings", "rotary", "inv_freq", "embed_positions", "relative_attention_bias",
  ]
  private static let visionMarkers = [
    "vision_tower", "vision_model", "visual", "vision_encoder", "image_encoder",
  ]
  private static let attentionMarkers = [
    "attn", "attention", "self_attn", "q_proj", "k_proj", "v_proj", "o_proj", "query", "key",
    "value",
    "qkv_proj", "wq", "wk", "wv", "wo",
  ]
  private static let mlpMarkers = [
    "mlp", "ffn", "feed_forward", "fc1", "fc2", "c_fc", "gate_proj", "up_proj", "down_proj",
    "dense_h_to_4h", "dense_4h_to_h",
  ]

  /// The module family of a tensor from its name components.
  func moduleKind(_ components: [String], shape: [Int]) -> TensorRole.Module {
    if components.contains(where: { Self.outputHeads.contains($0) })
      || components == ["output", "weight"]
    {
      return .head
    }
    if components.contains(where: { component in
      Self.positionMarkers.contains { component.containsBytes($0) }
    }) {
      return .positionTable
    }
    if components.contains(where: { component in
      Self.embeddingMarkers.contains { component.containsBytes($0) }
    })
      || components == ["shared", "weight"]
    {
      return .embedding
    }
    if components.contains(where: { $0.containsBytes("norm") })
      || components.contains(where: { $0.hasPrefix("ln_") })
      || components.contains("ln_f")
    {
      return .norm
    }
    if let position = components.firstIndex(where: { $0 == "experts" }) {
      if position + 1 < components.count, let index = Int(components[position + 1]) {
        return .expert(index)
      }
      return .expert(nil)
    }
    if isRouter(components, shape: shape) { return .router }
    if components.contains(where: { component in
      Self.visionMarkers.contains { component.containsBytes($0) }
    }) {
      return .visionTower
    }
    if components.contains(where: { component in Self.attentionMarkers.contains(component) })
      || components.contains(where: { $0.containsBytes("attn") || $0.containsBytes("attention") })
    {
      return .attention
    }
    if components.contains(where: { component in Self.mlpMarkers.contains(component) }) {
      return .mlp
    }
    return .other
  }

  /// The router of an MoE block: `gate` or `router` directly in a block that has experts
  /// (`block_sparse_moe.gate`, `mlp.gate`, `mlp.router`), `[E, H]`.
  private func isRouter(_ components: [String], shape: [Int]) -> Bool {
    guard let module = components.dropLast().last, module == "gate" || module == "router" else {
      return false
    }
    if let experts = config?.expertCount, experts > 1 {
      return shape.first == experts || shape.count < 2
    }
    return components.contains("block_sparse_moe") || module == "router"
  }

  private func isInputEmbedding(_ components: [String]) -> Bool {
    components.contains { ["embed_tokens", "wte", "word_embeddings", "embed_in"].contains($0) }
      || components == ["shared", "weight"]
  }

  /// GPT-2-family `Conv1D` modules: `c_attn`, `c_proj`, `c_fc`, `q_attn` in a model type that
  /// builds them (or, without config.json, names in GPT-2's layout).
  private func isConv1D(_ components: [String]) -> Bool {
    guard components.contains(where: { Self.conv1DModules.contains($0) }) else { return false }
    if let type = modelType { return Self.conv1DModelTypes.contains(type) }
    return components.first == "transformer" || components.first == "h"
  }

  /// True when the model stores its experts fused (gpt-oss): the router is a plain parameter in
  /// every transformers version.
  private var isFusedExpertModel: Bool {
    modelType.map(Self.storedFusedModelTypes.contains) ?? false
  }

  /// gpt-oss stores `gate_up_proj` `[E, H, 2I]` and `down_proj` `[E, I, H]`: input features first.
  private func fusedStoredInputFirst(_ components: [String]) -> Bool {
    modelType.map(Self.storedFusedModelTypes.contains) ?? false
  }

  static let conv1DModules: Set<String> = ["c_attn", "c_proj", "c_fc", "q_attn"]
  /// Model types whose modeling file uses `pytorch_utils.Conv1D`.
  static let conv1DModelTypes: Set<String> = [
    "gpt2", "openai-gpt", "imagegpt", "decision_transformer",
  ]
  /// Model types that store fused 3-D experts on disk with input features first.
  static let storedFusedModelTypes: Set<String> = ["gpt_oss"]

  /// Model types whose per-expert weights transformers 5 fuses at load (`conversion_mapping.py`:
  /// `mixtral`, `qwen2_moe`, the types mapped to them, and the others with an expert merge).
  static let fusedExpertModelTypes: Set<String> = [
    "mixtral", "minimax", "minimax_m2", "qwen2_moe", "qwen3_moe", "qwen3_next", "qwen3_omni_moe",
    "qwen3_omni_moe_text", "qwen3_omni_moe_thinker", "qwen3_vl_moe", "qwen3_5_moe_text",
    "deepseek_v2",
    "deepseek_v3", "deepseek_v32", "dots1", "ernie4_5_moe", "ernie4_5_vl_moe", "glm4_moe",
    "glm4_moe_lite",
    "glm4v_moe", "glm_moe_dsa", "hunyuan_v1_moe", "longcat_flash", "solar_open", "mellum", "beam",
    "flex_olmo", "olmoe", "sarvam_mla", "sarvam_moe", "exaone_moe", "cohere2_moe", "afmoe",
    "phimoe",
    "granitemoe", "granitemoehybrid", "granitemoeshared", "jamba", "lfm2_moe", "aria_text",
    "kimi_linear",
    "minicpm5_moe", "nemotron_h", "param2moe",
  ]

  // MARK: - Fused expert slices

  /// `name[k]`, the name of expert k's slice of the fused tensor `name`.
  public static func sliceName(_ fusedName: String, expert: Int) -> String {
    "\(fusedName)[\(expert)]"
  }

  /// The fused tensor and expert of a slice name `name[k]`; nil for any other name.
  static func expertSlice(_ name: String) -> (fusedName: String, expert: Int)? {
    guard name.hasSuffix("]"), let open = name.lastIndex(of: "["),
      let expert = Int(name[name.index(after: open)..<name.index(before: name.endIndex)])
    else { return nil }
    return (String(name[..<open]), expert)
  }

  /// The checkpoint with every fused 3-D expert tensor `[E, A, B]` replaced by its E slices
  /// `name[k]` `[A, B]` (contiguous runs of the same file), so each expert is analysed and shown
  /// on its own. Parameters and bytes are unchanged; the slices stay 16-bit like the tensor.
  public func expandingFusedExperts(_ checkpoint: Checkpoint) -> Checkpoint {
    var expanded = checkpoint
    var tensors: [TensorInfo] = []
    var changed = false
    for tensor in checkpoint.tensors {
      let role = role(of: tensor)
      guard let experts = role.fusedExperts, tensor.shape.count == 3, experts > 0,
        tensor.byteCount % UInt64(experts) == 0
      else {
        tensors.append(tensor)
        continue
      }
      changed = true
      let sliceBytes = tensor.byteCount / UInt64(experts)
      for expert in 0..<experts {
        tensors.append(
          TensorInfo(
            name: Self.sliceName(tensor.name, expert: expert), dtype: tensor.dtype,
            shape: Array(tensor.shape.dropFirst()),
            fileIndex: tensor.fileIndex,
            fileOffset: tensor.fileOffset + UInt64(expert) * sliceBytes,
            byteCount: sliceBytes))
      }
    }
    if changed { expanded.tensors = tensors }
    return expanded
  }

  // MARK: - Names

  /// The structural components of a tensor name: split on `.` and `/`, a TensorFlow `:0` suffix
  /// dropped, and in `/`-separated names a numbered component such as `layer_3` split into
  /// `layer`, `3` — so `encoder/layer_0/ffn/kernel` groups like `encoder.layer.0.ffn.kernel`.
  public static func pathComponents(_ name: String) -> [String] {
    var trimmed = Substring(name)
    if let colon = trimmed.lastIndex(of: ":"),
      trimmed[trimmed.index(after: colon)...].allSatisfy(\.isNumber),
      colon != trimmed.startIndex
    {
      trimmed = trimmed[..<colon]
    }
    let slashed = trimmed.contains("/")
    var components: [String] = []
    var slice: String?
    if let (fused, expert) = expertSlice(String(trimmed)) {
      trimmed = Substring(fused)
      slice = String(expert)
    }
    for piece in trimmed.split(
      omittingEmptySubsequences: false, whereSeparator: { $0 == "." || $0 == "/" })
    {
      if slashed, let underscore = piece.lastIndex(of: "_"), underscore != piece.startIndex,
        piece[piece.index(after: underscore)...].allSatisfy({ $0.isASCII && $0.isNumber }),
        piece.index(after: underscore) != piece.endIndex,
        piece[..<underscore].allSatisfy({ $0.isASCII && $0.isLetter })
      {
        components.append(String(piece[..<underscore]))
        components.append(String(piece[piece.index(after: underscore)...]))
      } else {
        components.append(String(piece))
      }
    }
    if let slice { components.append(slice) }
    return components
  }
}

extension String {
  /// Whether `needle` occurs in the string, compared byte for byte in UTF-8: the same answer as
  /// `contains(_:)` for the ASCII markers of tensor names, without the Unicode-aware search, which
  /// took half of a cached `plan` on a 291-tensor model (run for every tensor, several times).
  func containsBytes(_ needle: String) -> Bool {
    var haystack = self
    var needle = needle
    return haystack.withUTF8 { text in
      needle.withUTF8 { pattern in
        guard !pattern.isEmpty else { return true }
        guard pattern.count <= text.count else { return false }
        let first = pattern[0]
        for start in 0...(text.count - pattern.count) where text[start] == first {
          var index = 1
          while index < pattern.count && text[start + index] == pattern[index] { index += 1 }
          if index == pattern.count { return true }
        }
        return false
      }
    }
  }
}
