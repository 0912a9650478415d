import Engine
import Safetensors

/// The optimizers a QLoRA estimate knows.
public enum TrainingOptimizer: String, Sendable, Hashable, CaseIterable {
  /// Two float32 states per trainable parameter.
  case adamw
  /// bitsandbytes' 8-bit Adam: two uint8 states per parameter and a float32 scale per block of 256
  /// (tensors under 4,096 elements keep float32 states, bitsandbytes' `min_8bit_size`).
  case adamw8bit = "adamw-8bit"
  /// The same states in paged memory, which CUDA may move to the CPU under pressure.
  case pagedAdamw8bit = "paged-adamw-8bit"
}

/// The knobs of a QLoRA run that change its memory.
public struct TrainingSettings: Sendable, Hashable {
  public var loraR = 16
  public var sequenceLength = 2048
  public var microBatchSize = 1
  public var gradientCheckpointing = true
  public var optimizer = TrainingOptimizer.adamw
  public init() {}
}

/// The model dimensions the activation estimate needs: from `config.json`, else read off the
/// tensor shapes.
public struct ModelDimensions: Sendable, Hashable {
  public var hidden: Int
  public var layers: Int
  public var intermediate: Int
  public var heads: Int
  public var vocab: Int
  /// True when the model ends in a language-model head (its logits are kept for the loss): an
  /// output-embedding tensor, or a config whose architecture is a causal/LM-head model.
  public var hasLanguageModelHead: Bool
  /// "config.json" or "tensor shapes".
  public var source: String
}

/// QLoRA training memory, itemised: the quantized base weights, LoRA adapters on every quantizable
/// Linear (`lora_target_linear`), their gradients and optimizer states, activations, and an
/// allowance for the CUDA context. The activations are an estimate (see `activationBytes`).
public struct TrainingMemory: Sendable {
  /// One line of the breakdown.
  public struct Item: Sendable, Hashable {
    public var name: String
    public var bytes: UInt64
    public var note: String
  }

  /// The CUDA context and cuBLAS workspaces: typically 300–900 MiB, taken as 512 MiB.
  public static let cudaContextBytes: UInt64 = 512 << 20

  public let settings: TrainingSettings
  public let dimensions: ModelDimensions
  /// Trainable parameters: r·(in + out) for every adapted Linear (PEFT's count).
  public let adapterParams: Int
  /// The adapted Linear layers.
  public let adapterModules: Int
  /// Everything but the base weights.
  public let items: [Item]

  /// - Parameter config: the checkpoint's `config.json` (`Checkpoint.config`), when it has one.
  public init(tensors: [TensorInfo], config: CheckpointConfig?, settings: TrainingSettings) {
    self.settings = settings
    dimensions = Self.dimensions(tensors: tensors, config: config)
    // Each adapted Linear of weight [out, in] gets A [r, in] and B [out, r].
    var params = 0
    var modules = 0
    var optimizerBytes: UInt64 = 0
    let r = settings.loraR
    for tensor in tensors where Quantizability.isQuantizable(tensor) && tensor.shape.count == 2 {
      modules += 1
      for count in [r * tensor.shape[1], tensor.shape[0] * r] {
        params += count
        optimizerBytes += Self.optimizerBytes(count, settings.optimizer)
      }
    }
    adapterParams = params
    adapterModules = modules
    let optimizerNote: String
    switch settings.optimizer {
    case .adamw: optimizerNote = "AdamW: 2 float32 states per parameter"
    case .adamw8bit: optimizerNote = "8-bit AdamW: 2 bytes per parameter + block scales"
    case .pagedAdamw8bit: optimizerNote = "paged 8-bit AdamW: as adamw-8bit, may page to CPU RAM"
    }
    items = [
      Item(
        name: "LoRA adapters", bytes: UInt64(params) * 4,
        note: "\(params) params (r=\(r), \(modules) Linear layers), float32"),
      Item(name: "adapter gradients", bytes: UInt64(params) * 4, note: "float32"),
      Item(name: "optimizer states", bytes: optimizerBytes, note: optimizerNote),
      Item(
        name: "activations",
        bytes: Self.activationBytes(
          dimensions, settings: settings,
          adaptersPerLayer: Double(modules) / Double(max(dimensions.layers, 1))),
        note:
          "estimate: seq \(settings.sequenceLength) × batch \(settings.microBatchSize), checkpointing \(settings.gradientCheckpointing ? "on" : "off")"
      ),
      Item(name: "CUDA context", bytes: Self.cudaContextBytes, note: "allowance"),
    ]
  }

  /// Everything but the base weights.
  public var overheadBytes: UInt64 { items.reduce(0) { $0 + $1.bytes } }

  /// Optimizer state bytes of one adapter matrix of `count` parameters.
  static func optimizerBytes(_ count: Int, _ optimizer: TrainingOptimizer) -> UInt64 {
    let n = UInt64(count)
    switch optimizer {
    case .adamw: return 8 * n
    case .adamw8bit, .pagedAdamw8bit:
      return count < 4096 ? 8 * n : 2 * (n + 4 * ((n + 255) / 256))
    }
  }

  /// Activations kept for the backward pass, in bytes (16-bit values, s tokens × b sequences):
  /// - per layer and token: the inputs of the two norms and their outputs (4h), q, k, v and the
  ///   attention output (4h), the MLP's gate, up, activation and product (4i), the LoRA A outputs
  ///   (r per adapted Linear) — 2 bytes each — and the attention's float32 log-sum-exp per head
  ///   (4 bytes × heads; fused attention keeps no s×s scores);
  /// - with gradient checkpointing only each layer's input (h) is kept, plus one layer recomputed;
  /// - the logits of a language-model head: bf16 logits, their float32 copy for the loss and its
  ///   gradient (10 bytes × vocab); none for an encoder without a head.
  public static func activationBytes(
    _ d: ModelDimensions, settings: TrainingSettings, adaptersPerLayer: Double
  ) -> UInt64 {
    let tokens = Double(settings.sequenceLength) * Double(settings.microBatchSize)
    let perLayer =
      2
      * (8 * Double(d.hidden) + 4 * Double(d.intermediate) + adaptersPerLayer
        * Double(settings.loraR))
      + 4 * Double(d.heads)
    let layers = Double(d.layers)
    let stored =
      settings.gradientCheckpointing ? layers * 2 * Double(d.hidden) + perLayer : layers * perLayer
    let logits = d.hasLanguageModelHead ? 10 * Double(d.vocab) : 0
    return UInt64((tokens * (stored + logits)).rounded(.up))
  }

  static func dimensions(tensors: [TensorInfo], config: CheckpointConfig?) -> ModelDimensions {
    let config = config?.declared
    let head =
      tensors.contains { tensor in
        let parts = tensor.name.split(separator: ".")
        return parts.contains("lm_head") || parts.contains("embed_out")
          || tensor.name == "output.weight"
      }
      || (config?.architectures ?? []).contains {
        $0.hasSuffix("ForCausalLM") || $0.hasSuffix("LMHeadModel")
      }
    if let config, let hidden = config.hiddenSize, let layers = config.layers,
      let vocab = config.vocabSize
    {
      return ModelDimensions(
        hidden: hidden, layers: layers, intermediate: config.intermediateSize ?? 4 * hidden,
        heads: config.attentionHeads ?? max(1, hidden / 64), vocab: vocab,
        hasLanguageModelHead: head,
        source: "config.json")
    }
    // The embedding [vocab, hidden]: the largest 2-D tensor with an embedding name.
    let embedding = tensors.filter {
      $0.shape.count == 2
        && ($0.name.contains("embed") || $0.name.contains("wte")
          || $0.name.contains("word_embeddings"))
    }.max { $0.elementCount < $1.elementCount }
    let hidden =
      embedding?.shape[1] ?? tensors.filter { $0.shape.count == 2 }.map { $0.shape.min() ?? 0 }
      .max() ?? 0
    var layerIndices: Set<Int> = []
    for tensor in tensors {
      let parts = tensor.name.split(separator: ".")
      for (offset, part) in parts.enumerated()
      where ["layers", "layer", "h", "blocks"].contains(part) {
        if offset + 1 < parts.count, let index = Int(parts[offset + 1]) {
          layerIndices.insert(index)
        }
      }
    }
    let intermediate =
      tensors.filter { Quantizability.isQuantizable($0) }
      .flatMap(\.shape).filter { $0 != hidden }.max() ?? 4 * hidden
    return ModelDimensions(
      hidden: hidden, layers: max(layerIndices.count, 1), intermediate: intermediate,
      heads: max(1, hidden / 64), vocab: embedding?.shape[0] ?? 0, hasLanguageModelHead: head,
      source: "tensor shapes")
  }
}
