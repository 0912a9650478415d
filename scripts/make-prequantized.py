#!/usr/bin/env python3
"""Writes pre-quantized checkpoints the way transformers saves them, plus bitsandbytes' own
dequantized values, for QuantScope's stored-quantization tests (issue 14).

Needs: bitsandbytes==0.50.2, torch (CPU), transformers, safetensors, in a virtual environment.

    python3 scripts/make-prequantized.py Tests/Fixtures/prequantized
        small fixtures: nf4, nf4-dq, fp4, int8 (bitsandbytes) and fp8-block, fp8-row,
        each a directory with config.json and model.safetensors; expected/<name>.safetensors
        holds bitsandbytes' (or torch's, for FP8) dequantized weight of every stored tensor
        under the logical tensor's name, and for bitsandbytes saves `<name>.code_counts`
        (I64, torch.bincount of the stored codes; int8 code q counted at q + 127).

    python3 scripts/make-prequantized.py --gpt2 Tests/Fixtures/prequantized
        gpt2-nf4-dq and gpt2-int8: a tiny GPT-2 (Conv1D weights stored [in, out]) with one
        planted weight on input feature 37 of h.0.attn.c_attn, loaded by transformers itself
        with a BitsAndBytesConfig and written by its save_pretrained (which stores the Conv1D
        weights transposed, as bitsandbytes quantized them: [out, in]); expected/<name>.safetensors
        holds bitsandbytes' dequantized c_attn, c_fc and both c_proj weights, and
        `planted_input_feature`.

    python3 scripts/make-prequantized.py --model DIR --out OUT [--quant-type nf4] [--double-quant]
        quantizes every Linear weight of a real checkpoint (e.g. all-MiniLM-L6-v2; one file or
        its shards) as transformers would, writing OUT/model.safetensors and OUT/config.json.
        Not for GPT-2-style Conv1D weights, which transformers transposes first: --gpt2 shows
        how such a save is made with transformers itself.

The layout written is the one transformers' save_pretrained produces for a bitsandbytes model:
Linear4bit stores `X.weight` (packed uint8, [ceil(n/2), 1]) followed by
`QuantState.as_dict(packed=True)` under `X.weight.` (absmax, quant_map, nested_absmax,
nested_quant_map, quant_state.bitsandbytes__<type>); Linear8bitLt stores `X.weight` (int8),
`X.SCB` (float32 row statistics) and `X.weight_format` (uint8 0 = row-major).
"""

import argparse
import json
import math
import os
import sys

import torch
import bitsandbytes.functional as F
from safetensors.torch import save_file, load_file

try:
    from transformers import BitsAndBytesConfig
except Exception:  # transformers is only used for the exact quantization_config it writes
    BitsAndBytesConfig = None


def bnb_config(load_in_4bit, quant_type="nf4", double_quant=False, skip=None):
    """config.json's quantization_config as transformers writes it for a bitsandbytes model."""
    if BitsAndBytesConfig is not None:
        config = BitsAndBytesConfig(
            load_in_4bit=load_in_4bit, load_in_8bit=not load_in_4bit,
            bnb_4bit_quant_type=quant_type, bnb_4bit_use_double_quant=double_quant,
            llm_int8_skip_modules=skip)
        return config.to_dict()
    return {
        "quant_method": "bitsandbytes", "load_in_4bit": load_in_4bit, "load_in_8bit": not load_in_4bit,
        "bnb_4bit_quant_type": quant_type, "bnb_4bit_use_double_quant": double_quant,
        "llm_int8_skip_modules": skip,
    }


def store_4bit(state, name, weight, quant_type, double_quant, blocksize=64):
    """Adds `name` quantized as Linear4bit saves it; returns bitsandbytes' dequantized weight."""
    packed, quant_state = F.quantize_4bit(
        weight, blocksize=blocksize, quant_type=quant_type, compress_statistics=double_quant)
    state[name] = packed
    for key, value in quant_state.as_dict(packed=True).items():
        state[f"{name}.{key}"] = value
    return F.dequantize_4bit(packed, quant_state)


def code_counts_4bit(state, name, elements):
    """Usage of the 16 codes in a packed weight (high nibble first), counted by torch."""
    packed = state[name].reshape(-1)
    codes = torch.stack([packed >> 4, packed & 15], dim=1).reshape(-1)[:elements]
    return torch.bincount(codes.to(torch.int64), minlength=16)


def store_int8(state, prefix, weight):
    """Adds `prefix.weight` as Linear8bitLt saves it; returns int8_vectorwise_dequant's values."""
    codes, row_stats, _ = F.int8_vectorwise_quant(weight.to(torch.float16))
    state[f"{prefix}.weight"] = codes
    state[f"{prefix}.SCB"] = row_stats
    state[f"{prefix}.weight_format"] = torch.tensor(0, dtype=torch.uint8)
    return F.int8_vectorwise_dequant(codes, row_stats)


def store_fp8_block(state, prefix, weight, block, fp8=torch.float8_e4m3fn):
    """Block-scaled FP8 (DeepSeek-V3 / Qwen3 FP8): weight_scale_inv[ceil(r/B), ceil(c/B)], float32."""
    rows, cols = weight.shape
    brows, bcols = math.ceil(rows / block[0]), math.ceil(cols / block[1])
    limit = torch.finfo(fp8).max
    scale = torch.empty(brows, bcols, dtype=torch.float32)
    codes = torch.empty(rows, cols, dtype=fp8)
    w = weight.to(torch.float32)
    for i in range(brows):
        for j in range(bcols):
            tile = w[i * block[0]:(i + 1) * block[0], j * block[1]:(j + 1) * block[1]]
            s = tile.abs().max().clamp(min=1e-12) / limit
            scale[i, j] = s
            codes[i * block[0]:(i + 1) * block[0], j * block[1]:(j + 1) * block[1]] = (tile / s).to(fp8)
    state[f"{prefix}.weight"] = codes
    state[f"{prefix}.weight_scale_inv"] = scale
    expanded = scale.repeat_interleave(block[0], 0)[:rows].repeat_interleave(block[1], 1)[:, :cols]
    return codes.to(torch.float32) * expanded


def store_fp8_row(state, prefix, weight, fp8=torch.float8_e4m3fn):
    """Per-row FP8 with a multiplying weight_scale of shape [rows, 1], float32."""
    w = weight.to(torch.float32)
    scale = (w.abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / torch.finfo(fp8).max).to(torch.float32)
    codes = (w / scale).to(fp8)
    state[f"{prefix}.weight"] = codes
    state[f"{prefix}.weight_scale"] = scale
    return codes.to(torch.float32) * scale


def write(directory, state, config):
    os.makedirs(directory, exist_ok=True)
    save_file({k: v.contiguous() for k, v in state.items()}, os.path.join(directory, "model.safetensors"))
    with open(os.path.join(directory, "config.json"), "w") as handle:
        json.dump(config, handle, indent=2, sort_keys=True)
        handle.write("\n")


def fixtures(out):
    torch.manual_seed(14)
    expected_dir = os.path.join(out, "expected")
    os.makedirs(expected_dir, exist_ok=True)
    base = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "torch_dtype": "bfloat16"}
    # Heavy-tailed weights with one outlier column, so histograms and outliers have something to show.
    up = (torch.randn(128, 256) * 0.02)
    up[:, 7] *= 40
    down = torch.randn(24, 40) * 0.05
    norm = torch.ones(40, dtype=torch.bfloat16)
    # The output embedding stays 16-bit, as llm_int8_skip_modules=["lm_head"] keeps it.
    head = (torch.randn(16, 40) * 0.02).to(torch.bfloat16)
    for name, quant_type, dq in [("nf4", "nf4", False), ("nf4-dq", "nf4", True), ("fp4", "fp4", False)]:
        state, expected = {}, {}
        expected["model.layers.0.mlp.up_proj.weight"] = store_4bit(
            state, "model.layers.0.mlp.up_proj.weight", up.to(torch.bfloat16), quant_type, dq)
        expected["model.layers.0.mlp.down_proj.weight"] = store_4bit(
            state, "model.layers.0.mlp.down_proj.weight", down.to(torch.float16), quant_type, dq, blocksize=128)
        for tensor in ["up_proj", "down_proj"]:
            key = f"model.layers.0.mlp.{tensor}.weight"
            expected[key + ".code_counts"] = code_counts_4bit(state, key, expected[key].numel())
        state["model.layers.0.input_layernorm.weight"] = norm
        state["lm_head.weight"] = head
        config = dict(base, quantization_config=bnb_config(True, quant_type, dq, skip=["lm_head"]))
        write(os.path.join(out, name), state, config)
        save_file(expected, os.path.join(expected_dir, f"{name}.safetensors"))
    state, expected = {}, {}
    expected["model.layers.0.mlp.up_proj.weight"] = store_int8(state, "model.layers.0.mlp.up_proj", up)
    expected["model.layers.0.mlp.down_proj.weight"] = store_int8(state, "model.layers.0.mlp.down_proj", down)
    for tensor in ["up_proj", "down_proj"]:
        codes = state[f"model.layers.0.mlp.{tensor}.weight"].reshape(-1).to(torch.int64) + 127
        expected[f"model.layers.0.mlp.{tensor}.weight.code_counts"] = torch.bincount(codes.clamp(min=0), minlength=255)
    state["model.layers.0.input_layernorm.weight"] = norm
    write(os.path.join(out, "int8"), state, dict(base, quantization_config=bnb_config(False)))
    save_file(expected, os.path.join(expected_dir, "int8.safetensors"))
    # FP8, block-scaled: 200×300 does not divide into 128×128 blocks, so edge blocks are partial.
    state, expected = {}, {}
    big = torch.randn(200, 300) * 0.03
    expected["model.layers.0.mlp.up_proj.weight"] = store_fp8_block(state, "model.layers.0.mlp.up_proj", big, (128, 128))
    expected["model.layers.0.mlp.down_proj.weight"] = store_fp8_block(state, "model.layers.0.mlp.down_proj", down, (128, 128))
    state["model.layers.0.input_layernorm.weight"] = norm
    fp8_config = {"quant_method": "fp8", "fmt": "e4m3", "activation_scheme": "dynamic", "weight_block_size": [128, 128]}
    write(os.path.join(out, "fp8-block"), state, dict(base, quantization_config=fp8_config))
    save_file(expected, os.path.join(expected_dir, "fp8-block.safetensors"))
    # FP8, per-row weight_scale; one e5m2 tensor.
    state, expected = {}, {}
    expected["model.layers.0.mlp.up_proj.weight"] = store_fp8_row(state, "model.layers.0.mlp.up_proj", big)
    expected["model.layers.0.mlp.down_proj.weight"] = store_fp8_row(
        state, "model.layers.0.mlp.down_proj", down, fp8=torch.float8_e5m2)
    state["model.layers.0.input_layernorm.weight"] = norm
    write(os.path.join(out, "fp8-row"), state,
          dict(base, quantization_config={"quant_method": "fp8", "activation_scheme": "dynamic"}))
    save_file(expected, os.path.join(expected_dir, "fp8-row.safetensors"))


def gpt2_fixtures(out):
    """GPT-2 saves made by transformers and bitsandbytes themselves (see the module docstring)."""
    import tempfile
    import bitsandbytes as bnb
    from transformers import GPT2Config, GPT2LMHeadModel

    planted = 37
    torch.manual_seed(1437)
    config = GPT2Config(n_embd=64, n_layer=1, n_head=2, n_positions=32, vocab_size=128,
                        bos_token_id=0, eos_token_id=0)
    model = GPT2LMHeadModel(config).to(torch.float16)
    with torch.no_grad():
        # Conv1D weight [in, out]: row 37 is input feature 37.
        model.transformer.h[0].attn.c_attn.weight[planted, 100] = 9.5
    expected_dir = os.path.join(out, "expected")
    os.makedirs(expected_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as source:
        model.save_pretrained(source)
        for name, quantization in [
            ("gpt2-nf4-dq", BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                               bnb_4bit_use_double_quant=True,
                                               bnb_4bit_compute_dtype=torch.float16)),
            ("gpt2-int8", BitsAndBytesConfig(load_in_8bit=True)),
        ]:
            quantized = GPT2LMHeadModel.from_pretrained(
                source, quantization_config=quantization, device_map="cpu", dtype=torch.float16)
            target = os.path.join(out, name)
            quantized.save_pretrained(target)
            expected = {"planted_input_feature": torch.tensor([planted], dtype=torch.int64)}
            for module_name, module in quantized.named_modules():
                if isinstance(module, bnb.nn.Linear4bit):
                    weight = F.dequantize_4bit(module.weight.data, module.weight.quant_state)
                elif isinstance(module, bnb.nn.Linear8bitLt):
                    weight = F.int8_vectorwise_dequant(module.weight.data, module.weight.SCB)
                else:
                    continue
                expected[module_name + ".weight"] = weight.contiguous()
            save_file(expected, os.path.join(expected_dir, f"{name}.safetensors"))
            print(f"{target}: {len(expected) - 1} Conv1D weights quantized by bitsandbytes")


def quantize_model(model_dir, out, quant_type, double_quant):
    """Quantizes every Linear weight (2-D `.weight` outside embeddings and norms), as transformers does."""
    tensors = {}
    for file in sorted(os.listdir(model_dir)):  # model.safetensors, or the shards of one
        if file.endswith(".safetensors"):
            tensors.update(load_file(os.path.join(model_dir, file)))
    with open(os.path.join(model_dir, "config.json")) as handle:
        config = json.load(handle)
    state = {}
    for name, tensor in tensors.items():
        # Embeddings (BERT's `embeddings`, LLaMA's `embed_tokens`), norms and the output head stay
        # as they are, as transformers leaves them (its default skip list holds the head).
        kept = ("embeddings", "embed_tokens", "LayerNorm", "norm", "lm_head")
        linear = tensor.dim() == 2 and name.endswith(".weight") and not any(k in name for k in kept)
        if linear:
            weight = tensor if tensor.dtype in (torch.float16, torch.bfloat16, torch.float32) else tensor.float()
            store_4bit(state, name, weight, quant_type, double_quant)
        else:
            state[name] = tensor
    config["quantization_config"] = bnb_config(True, quant_type, double_quant)
    write(out, state, config)
    print(f"{out}: {sum(1 for n in state if n.endswith('.absmax'))} tensors quantized ({quant_type}{'+dq' if double_quant else ''})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", help="fixture directory (Tests/Fixtures/prequantized)")
    parser.add_argument("--model", help="a checkpoint directory to quantize (model.safetensors + config.json)")
    parser.add_argument("--out", dest="model_out", help="where --model's quantized save goes")
    parser.add_argument("--quant-type", default="nf4", choices=["nf4", "fp4"])
    parser.add_argument("--double-quant", action="store_true")
    parser.add_argument("--gpt2", action="store_true", help="write only the GPT-2 fixtures into OUT")
    args = parser.parse_args()
    if args.gpt2:
        if not args.out:
            parser.error("--gpt2 needs the fixture directory")
        gpt2_fixtures(args.out)
    elif args.model:
        if not args.model_out:
            sys.exit("--model needs --out")
        quantize_model(args.model, args.model_out, args.quant_type, args.double_quant)
    elif args.out:
        fixtures(args.out)
    else:
        parser.error("give a fixture directory or --model DIR --out OUT")


if __name__ == "__main__":
    main()
