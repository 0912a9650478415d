import Safetensors

/// The architectures a synthetic checkpoint can take, with their tensor names and config.json as
/// transformers writes them (checked by instantiating tiny configs of transformers 5.25.0 on the
/// CPU and listing `state_dict()` keys; tied weights left out as `save_pretrained` leaves them).
extension SyntheticCheckpoint.Preset {
  /// An architecture family.
  public enum Family: String, Sendable, Hashable, CaseIterable {
    /// `LlamaForCausalLM`.
    case llama
    /// `PhiForCausalLM` (Phi-2): biases everywhere, `dense`, `fc1`/`fc2`, `final_layernorm`.
    case phi
    /// `MixtralForCausalLM` as stored on disk: `block_sparse_moe.gate` and per-expert `w1/w2/w3`.
    case mixtral
    /// `GPT2LMHeadModel`: `Conv1D` weights stored [in, out], learned positions, tied head.
    case gpt2
    /// `GptOssForCausalLM` in BF16: fused 3-D experts stored as such, input features first.
    case gptOss = "gpt_oss"
  }

  private static func sized(
    _ name: String, _ family: Family, hidden: Int, intermediate: Int, layers: Int, heads: Int,
    kvHeads: Int,
    vocab: Int, experts: Int = 0, headDim: Int? = nil
  ) -> Self {
    Self(
      name: name, family: family, hidden: hidden, intermediate: intermediate, layers: layers,
      heads: heads, kvHeads: kvHeads, vocab: vocab, experts: experts, explicitHeadDim: headDim)
  }

  /// microsoft/phi-2: hidden 2560, MLP 10240, 32 layers, 32 heads, vocab 51200 (2.78 B params).
  public static let phi2 = sized(
    "phi-2", .phi, hidden: 2560, intermediate: 10240, layers: 32, heads: 32, kvHeads: 32,
    vocab: 51200)
  /// Mixtral-8x7B: hidden 4096, expert MLP 14336, 32 layers, 32 heads, 8 KV heads, 8 experts.
  public static let mixtral = sized(
    "mixtral", .mixtral, hidden: 4096, intermediate: 14336, layers: 32, heads: 32, kvHeads: 8,
    vocab: 32000,
    experts: 8)
  /// openai-community/gpt2: n_embd 768, 12 layers, 12 heads, vocab 50257, 1024 positions.
  public static let gpt2 = sized(
    "gpt2", .gpt2, hidden: 768, intermediate: 3072, layers: 12, heads: 12, kvHeads: 12, vocab: 50257
  )
  /// gpt-oss-20b in BF16: hidden 2880, 24 layers, 64 heads of 64, 8 KV heads, 32 fused experts.
  public static let moeFused = sized(
    "moe-fused", .gptOss, hidden: 2880, intermediate: 2880, layers: 24, heads: 64, kvHeads: 8,
    vocab: 201088,
    experts: 32, headDim: 64)

  /// The small version of a preset: the same names and structure with sizes for tests and quick
  /// runs (a few MB).
  public var small: Self {
    var copy = self
    copy.name = name + "-small"
    // (hidden, intermediate, layers, heads, kv heads) of each family's small version.
    let sizes: (Int, Int, Int, Int, Int)
    switch family {
    case .llama: sizes = (256, 688, 4, 8, 2)
    case .phi: sizes = (256, 1024, 4, 8, 8)
    case .mixtral: sizes = (256, 384, 4, 8, 2)
    case .gpt2: sizes = (128, 512, 4, 4, 4)
    case .gptOss:
      sizes = (256, 256, 4, 8, 2)
      copy.explicitHeadDim = 32
      copy.experts = 8
    }
    (copy.hidden, copy.intermediate, copy.layers, copy.heads, copy.kvHeads) = sizes
    copy.vocab = 2048
    return copy
  }

  /// Every tensor of the model, in the order they are written (embedding, blocks, norm, head),
  /// as (name, shape): Linear weights [out_features, in_features], Conv1D weights [in, out].
  public var tensors: [(name: String, shape: [Int])] {
    switch family {
    case .llama: llamaTensors
    case .phi: phiTensors
    case .mixtral: mixtralTensors
    case .gpt2: gpt2Tensors
    case .gptOss: gptOssTensors
    }
  }

  /// The LLaMA-style attention projections of `block` (`model.layers.N.`), without biases;
  /// k and v have `kvHeads · headDim` rows (grouped-query attention).
  private func llamaAttention(_ block: String) -> [(name: String, shape: [Int])] {
    let kv = kvHeads * headDim
    return [
      (block + "self_attn.q_proj.weight", [hidden, hidden]),
      (block + "self_attn.k_proj.weight", [kv, hidden]),
      (block + "self_attn.v_proj.weight", [kv, hidden]),
      (block + "self_attn.o_proj.weight", [hidden, hidden]),
    ]
  }

  private var llamaTensors: [(name: String, shape: [Int])] {
    var list: [(name: String, shape: [Int])] = [("model.embed_tokens.weight", [vocab, hidden])]
    for layer in 0..<layers {
      let block = "model.layers.\(layer)."
      list += llamaAttention(block)
      list += [
        (block + "mlp.gate_proj.weight", [intermediate, hidden]),
        (block + "mlp.up_proj.weight", [intermediate, hidden]),
        (block + "mlp.down_proj.weight", [hidden, intermediate]),
        (block + "input_layernorm.weight", [hidden]),
        (block + "post_attention_layernorm.weight", [hidden]),
      ]
    }
    list += [("model.norm.weight", [hidden]), ("lm_head.weight", [vocab, hidden])]
    return list
  }

  private var phiTensors: [(name: String, shape: [Int])] {
    var list: [(name: String, shape: [Int])] = [("model.embed_tokens.weight", [vocab, hidden])]
    func linear(_ name: String, _ out: Int, _ input: Int) -> [(name: String, shape: [Int])] {
      [(name + ".weight", [out, input]), (name + ".bias", [out])]
    }
    for layer in 0..<layers {
      let block = "model.layers.\(layer)."
      list += linear(block + "self_attn.q_proj", hidden, hidden)
      list += linear(block + "self_attn.k_proj", hidden, hidden)
      list += linear(block + "self_attn.v_proj", hidden, hidden)
      list += linear(block + "self_attn.dense", hidden, hidden)
      list += linear(block + "mlp.fc1", intermediate, hidden)
      list += linear(block + "mlp.fc2", hidden, intermediate)
      list += [
        (block + "input_layernorm.weight", [hidden]), (block + "input_layernorm.bias", [hidden]),
      ]
    }
    list += [("model.final_layernorm.weight", [hidden]), ("model.final_layernorm.bias", [hidden])]
    list += linear("lm_head", vocab, hidden)
    return list
  }

  private var mixtralTensors: [(name: String, shape: [Int])] {
    var list: [(name: String, shape: [Int])] = [("model.embed_tokens.weight", [vocab, hidden])]
    for layer in 0..<layers {
      let block = "model.layers.\(layer)."
      list += llamaAttention(block)
      list += [(block + "block_sparse_moe.gate.weight", [experts, hidden])]
      for expert in 0..<experts {
        let prefix = block + "block_sparse_moe.experts.\(expert)."
        list += [
          (prefix + "w1.weight", [intermediate, hidden]),
          (prefix + "w2.weight", [hidden, intermediate]),
          (prefix + "w3.weight", [intermediate, hidden]),
        ]
      }
      list += [
        (block + "input_layernorm.weight", [hidden]),
        (block + "post_attention_layernorm.weight", [hidden]),
      ]
    }
    list += [("model.norm.weight", [hidden]), ("lm_head.weight", [vocab, hidden])]
    return list
  }

  private var gpt2Tensors: [(name: String, shape: [Int])] {
    var list: [(name: String, shape: [Int])] = [
      ("transformer.wte.weight", [vocab, hidden]),
      ("transformer.wpe.weight", [Self.gpt2Positions(self), hidden]),
    ]
    for layer in 0..<layers {
      let block = "transformer.h.\(layer)."
      list += [
        (block + "ln_1.weight", [hidden]), (block + "ln_1.bias", [hidden]),
        (block + "attn.c_attn.weight", [hidden, 3 * hidden]),
        (block + "attn.c_attn.bias", [3 * hidden]),
        (block + "attn.c_proj.weight", [hidden, hidden]), (block + "attn.c_proj.bias", [hidden]),
        (block + "ln_2.weight", [hidden]), (block + "ln_2.bias", [hidden]),
        (block + "mlp.c_fc.weight", [hidden, intermediate]),
        (block + "mlp.c_fc.bias", [intermediate]),
        (block + "mlp.c_proj.weight", [intermediate, hidden]),
        (block + "mlp.c_proj.bias", [hidden]),
      ]
    }
    list += [("transformer.ln_f.weight", [hidden]), ("transformer.ln_f.bias", [hidden])]
    return list
  }

  private var gptOssTensors: [(name: String, shape: [Int])] {
    let q = heads * headDim
    let kv = kvHeads * headDim
    var list: [(name: String, shape: [Int])] = [("model.embed_tokens.weight", [vocab, hidden])]
    for layer in 0..<layers {
      let block = "model.layers.\(layer)."
      list += [
        (block + "self_attn.sinks", [heads]),
        (block + "self_attn.q_proj.weight", [q, hidden]), (block + "self_attn.q_proj.bias", [q]),
        (block + "self_attn.k_proj.weight", [kv, hidden]), (block + "self_attn.k_proj.bias", [kv]),
        (block + "self_attn.v_proj.weight", [kv, hidden]), (block + "self_attn.v_proj.bias", [kv]),
        (block + "self_attn.o_proj.weight", [hidden, q]),
        (block + "self_attn.o_proj.bias", [hidden]),
        (block + "mlp.router.weight", [experts, hidden]), (block + "mlp.router.bias", [experts]),
        (block + "mlp.experts.gate_up_proj", [experts, hidden, 2 * intermediate]),
        (block + "mlp.experts.gate_up_proj_bias", [experts, 2 * intermediate]),
        (block + "mlp.experts.down_proj", [experts, intermediate, hidden]),
        (block + "mlp.experts.down_proj_bias", [experts, hidden]),
        (block + "input_layernorm.weight", [hidden]),
        (block + "post_attention_layernorm.weight", [hidden]),
      ]
    }
    list += [("model.norm.weight", [hidden]), ("lm_head.weight", [vocab, hidden])]
    return list
  }

  private static func gpt2Positions(_ preset: Self) -> Int { preset.hidden >= 768 ? 1024 : 256 }

  /// A Hugging Face `config.json` for this shape, named `nameOrPath`.
  public func configJSON(nameOrPath: String) -> String {
    var members = [("_name_or_path", SafetensorsWriter.jsonString(nameOrPath))]
    let vocabulary = ("vocab_size", "\(vocab)")
    let silu = [("rms_norm_eps", "1e-05"), ("hidden_act", "\"silu\"")]
    switch family {
    case .llama:
      members += named("LlamaForCausalLM", "llama") + sizes + [vocabulary, positions(2048)] + silu
    case .phi:
      members += named("PhiForCausalLM", "phi") + sizes + [vocabulary, positions(2048)]
      members += [("partial_rotary_factor", "0.4"), ("layer_norm_eps", "1e-05")]
      members.append(("hidden_act", "\"gelu_new\""))
    case .mixtral:
      members += named("MixtralForCausalLM", "mixtral") + sizes + routing(perToken: 2)
      members += [vocabulary, positions(32768)] + silu + [("router_aux_loss_coef", "0.02")]
    case .gpt2:
      // GPT2Config's own names: n_embd, n_layer, n_head; n_inner null means 4 × n_embd.
      members += named("GPT2LMHeadModel", "gpt2")
      members += [("n_embd", "\(hidden)"), ("n_inner", "null"), ("n_layer", "\(layers)")]
      members += [
        ("n_head", "\(heads)"), ("n_positions", "\(Self.gpt2Positions(self))"), vocabulary,
      ]
      members += [("activation_function", "\"gelu_new\""), ("layer_norm_epsilon", "1e-05")]
    case .gptOss:
      members += named("GptOssForCausalLM", "gpt_oss") + sizes + [("head_dim", "\(headDim)")]
      members += routing(perToken: 4) + [vocabulary, positions(131072)] + silu
    }
    members += [("tie_word_embeddings", family == .gpt2 ? "true" : "false")]
    members += [("torch_dtype", "\"bfloat16\"")]
    let lines = members.map { key, value in "  \"\(key)\": \(value)" }
    return "{\n" + lines.joined(separator: ",\n") + "\n}\n"
  }

  /// The `architectures` and `model_type` members.
  private func named(_ architecture: String, _ modelType: String) -> [(String, String)] {
    [("architectures", "[\"\(architecture)\"]"), ("model_type", "\"\(modelType)\"")]
  }

  /// `max_position_embeddings`.
  private func positions(_ count: Int) -> (String, String) {
    ("max_position_embeddings", "\(count)")
  }

  /// The experts of an MoE config and how many route each token.
  private func routing(perToken: Int) -> [(String, String)] {
    [("num_local_experts", "\(experts)"), ("num_experts_per_tok", "\(perToken)")]
  }

  /// The size members LLaMA-like configs share, in the order transformers writes them.
  private var sizes: [(String, String)] {
    [
      ("hidden_size", "\(hidden)"), ("intermediate_size", "\(intermediate)"),
      ("num_hidden_layers", "\(layers)"), ("num_attention_heads", "\(heads)"),
      ("num_key_value_heads", "\(kvHeads)"),
    ]
  }
}
