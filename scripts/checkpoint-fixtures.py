#!/usr/bin/env python3
"""Fixtures for the architecture tests (Tests/Fixtures/checkpoints), made by transformers and
bitsandbytes themselves, never by QuantScope.

  python3 -m venv VENV && VENV/bin/pip install "torch==2.13.0+cpu" transformers accelerate \
      bitsandbytes==0.50.2 safetensors
  VENV/bin/python scripts/checkpoint-fixtures.py Tests/Fixtures/checkpoints

architectures.json: for each architecture of the synthetic presets, at the presets' small sizes
with 2 blocks, the tensors `save_pretrained` writes (name -> shape) and, for each of them, whether
loading that folder with `BitsAndBytesConfig(load_in_4bit=True)` on the CPU leaves it as a
bitsandbytes `Params4bit` (per-expert tensors that transformers 5 merges at load are looked up under
the merged name); plus the parameter count of the full-size model (meta device, tied weights once).

conv1d/: a GPT-2 `c_fc` weight [128, 512] (BF16, stored [in, out] as Conv1D stores it) whose input
feature 37 (row 37) carries values of magnitude 7-8, with its config.json; expected.json holds the
planted feature and bitsandbytes' NF4 MSE of the transpose (what transformers quantizes) and of the
tensor as stored.
"""
import json, os, sys, tempfile
import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM, BitsAndBytesConfig
from safetensors import safe_open
from safetensors.torch import save_file
import bitsandbytes.functional as F

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

small = {
    "phi": dict(hidden_size=256, intermediate_size=1024, num_hidden_layers=2, num_attention_heads=8,
                num_key_value_heads=8, vocab_size=2048, tie_word_embeddings=False),
    "mixtral": dict(hidden_size=256, intermediate_size=384, num_hidden_layers=2, num_attention_heads=8,
                    num_key_value_heads=2, num_local_experts=8, vocab_size=2048, tie_word_embeddings=False),
    "gpt2": dict(n_embd=128, n_layer=2, n_head=4, vocab_size=2048, n_positions=256, bos_token_id=0, eos_token_id=0),
    "gpt_oss": dict(hidden_size=256, intermediate_size=256, num_hidden_layers=2, num_attention_heads=8,
                    num_key_value_heads=2, head_dim=32, num_local_experts=8, vocab_size=2048,
                    tie_word_embeddings=False),
}
full = {
    "phi": dict(hidden_size=2560, intermediate_size=10240, num_hidden_layers=32, num_attention_heads=32,
                vocab_size=51200, tie_word_embeddings=False),
    "mixtral": dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                    num_key_value_heads=8, num_local_experts=8, vocab_size=32000, tie_word_embeddings=False),
    "gpt2": dict(n_embd=768, n_layer=12, n_head=12, vocab_size=50257, n_positions=1024),
    "gpt_oss": dict(hidden_size=2880, intermediate_size=2880, num_hidden_layers=24, num_attention_heads=64,
                    num_key_value_heads=8, head_dim=64, num_local_experts=32, vocab_size=201088,
                    tie_word_embeddings=False),
}


def merged_name(name):
    """Where transformers 5 puts an on-disk per-expert Mixtral tensor after its load-time merge."""
    name = name.replace(".block_sparse_moe.", ".mlp.")
    parts = name.split(".")
    if "experts" in parts:
        at = parts.index("experts")
        if at + 2 < len(parts) and parts[at + 1].isdigit():
            target = {"w1": "gate_up_proj", "w3": "gate_up_proj", "w2": "down_proj"}[parts[at + 2]]
            return ".".join(parts[:at + 1] + [target])
    return name


result = {"transformers": transformers.__version__, "architectures": {}}
for model_type, kwargs in small.items():
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(AutoConfig.for_model(model_type, **kwargs))
    folder = tempfile.mkdtemp()
    model.save_pretrained(folder)
    saved = {}
    with safe_open(os.path.join(folder, "model.safetensors"), "pt") as f:
        for key in f.keys():
            saved[key] = list(f.get_slice(key).get_shape())
    loaded = AutoModelForCausalLM.from_pretrained(
        folder, quantization_config=BitsAndBytesConfig(load_in_4bit=True), device_map="cpu")
    kinds = {name: type(p).__name__ for name, p in loaded.named_parameters(remove_duplicate=False)}
    quantized = {}
    for key in saved:
        target = key if key in kinds else merged_name(key)
        assert target in kinds, (model_type, key, target)
        quantized[key] = kinds[target] == "Params4bit"
    with torch.device("meta"):
        big = AutoModelForCausalLM.from_config(AutoConfig.for_model(model_type, **full[model_type]))
    count = sum(p.numel() for p in big.parameters())
    result["architectures"][model_type] = {
        "class": type(model).__name__, "saved": saved, "quantized_4bit": quantized, "full_params": count}

with open(os.path.join(out, "architectures.json"), "w") as f:
    json.dump(result, f, indent=1, sort_keys=True)
    f.write("\n")

# Conv1D: a planted outlier input feature.
generator = torch.Generator().manual_seed(13)
w = (torch.randn(128, 512, generator=generator) * 0.02)
feature = 37
w[feature, ::16] = 7.0 + torch.rand(32, generator=generator)
w = w.to(torch.bfloat16)
folder = os.path.join(out, "conv1d")
os.makedirs(folder, exist_ok=True)
save_file({"transformer.h.0.mlp.c_fc.weight": w.contiguous()}, os.path.join(folder, "model.safetensors"),
          metadata={"format": "pt"})
with open(os.path.join(folder, "config.json"), "w") as f:
    json.dump({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 128, "n_layer": 1,
               "n_head": 4, "tie_word_embeddings": True}, f, indent=1)
    f.write("\n")


def nf4_mse(matrix):
    packed, state = F.quantize_4bit(matrix.contiguous(), blocksize=64, quant_type="nf4", compress_statistics=False)
    restored = F.dequantize_4bit(packed, state)  # the input's dtype, as the tool's ŵ
    return float(((restored.double() - matrix.double()) ** 2).mean())


expected = {"tensor": "transformer.h.0.mlp.c_fc.weight", "outlier_input_feature": feature,
            "nf4_mse_transposed": nf4_mse(w.t()), "nf4_mse_as_stored": nf4_mse(w)}
with open(os.path.join(folder, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
    f.write("\n")
print(json.dumps(expected))
