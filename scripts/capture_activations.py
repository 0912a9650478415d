#!/usr/bin/env python3
"""Capture the inputs of every nn.Linear of a PyTorch model into a safetensors file for
`quantscope report MODEL --activations FILE`.

LLM.int8()'s outlier threshold (6.0) applies to the activations entering each Linear layer, so
QuantScope needs them: one tensor per Linear module, named after the module
(`model.layers.3.mlp.down_proj`), either
  --mode full  [tokens, in_features]: the inputs themselves (all calls concatenated, at most
               --max-tokens rows, in the input's dtype), which lets QuantScope simulate the layer
               output under LLM.int8(), NF4 and FP4;
  --mode max   [in_features] float32: the per-feature max |x| over every token (small; outlier
               features only).

Usage:
  python3 capture_activations.py --model DIR --text "some text" OUT.safetensors   (needs transformers)
  python3 capture_activations.py --tiny DIR    (a tiny self-contained model: writes
               DIR/model.safetensors and DIR/activations.safetensors; used by the tests)
In your own code: `captured = capture(model, lambda: model(**inputs))`, then `save(captured, path)`.
"""
import argparse
import json
import os
import struct
import sys

import torch
from torch import nn

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64"}


def capture(model, run, mode="full", max_tokens=4096):
    """Runs `run()` with a forward pre-hook on every nn.Linear of `model`; returns {name: tensor}."""
    captured, hooks = {}, []

    def hook_for(name):
        def hook(module, args):
            x = args[0].detach().reshape(-1, module.in_features)
            if mode == "max":
                m = x.abs().float().amax(dim=0)
                captured[name] = m if name not in captured else torch.maximum(captured[name], m)
            else:
                have = captured.get(name)
                room = max_tokens - (0 if have is None else have.shape[0])
                if room > 0:
                    x = x[:room].cpu().clone()
                    captured[name] = x if have is None else torch.cat([have, x])
        return hook

    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            hooks.append(module.register_forward_pre_hook(hook_for(name)))
    try:
        with torch.no_grad():
            run()
    finally:
        for h in hooks:
            h.remove()
    return captured


def save(tensors, path, metadata=None):
    """Writes a safetensors file: 8-byte little-endian header length, JSON header, raw data."""
    header, blobs, offset = {"__metadata__": metadata or {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        data = bytes(t.detach().cpu().contiguous().clone().untyped_storage())
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for data in blobs:
            f.write(data)


# A tiny model with Llama-like module names, for the tests and as an example.
class TinyBlock(nn.Module):
    def __init__(self, hidden, inner):
        super().__init__()
        self.self_attn = nn.Module()
        for p in ("q_proj", "k_proj", "v_proj", "o_proj"):
            setattr(self.self_attn, p, nn.Linear(hidden, hidden, bias=False))
        self.mlp = nn.Module()
        self.mlp.gate_proj = nn.Linear(hidden, inner, bias=False)
        self.mlp.up_proj = nn.Linear(hidden, inner, bias=False)
        self.mlp.down_proj = nn.Linear(inner, hidden, bias=False)

    def forward(self, x):
        a = self.self_attn
        attn = torch.softmax(a.q_proj(x) @ a.k_proj(x).transpose(-1, -2) / x.shape[-1] ** 0.5, -1)
        x = x + a.o_proj(attn @ a.v_proj(x))
        m = self.mlp
        return x + m.down_proj(nn.functional.silu(m.gate_proj(x)) * m.up_proj(x))


class TinyModel(nn.Module):
    def __init__(self, layers=2, hidden=32, inner=64):
        super().__init__()
        self.model = nn.Module()
        self.model.layers = nn.ModuleList(TinyBlock(hidden, inner) for _ in range(layers))

    def forward(self, x):
        for block in self.model.layers:
            x = block(x)
        return x


def tiny(directory, mode):
    torch.manual_seed(0)
    model = TinyModel()
    x = torch.randn(2, 8, 32)
    x[..., 3] = 20.0  # a systematic outlier feature, well above the 6.0 threshold
    os.makedirs(directory, exist_ok=True)
    save({k: v for k, v in model.state_dict().items()}, os.path.join(directory, "model.safetensors"))
    captured = capture(model, lambda: model(x), mode=mode)
    save(captured, os.path.join(directory, "activations.safetensors"))
    return captured


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", nargs="?", help="output .safetensors (with --model)")
    parser.add_argument("--model", help="a transformers model directory or name")
    parser.add_argument("--text", default="The quick brown fox jumps over the lazy dog.", help="prompt")
    parser.add_argument("--tiny", metavar="DIR", help="capture the built-in tiny model into DIR")
    parser.add_argument("--mode", choices=("full", "max"), default="full")
    parser.add_argument("--max-tokens", type=int, default=4096)
    args = parser.parse_args()
    if args.tiny:
        for name, t in tiny(args.tiny, args.mode).items():
            print(name, list(t.shape))
        return 0
    if not args.model or not args.output:
        parser.error("give --tiny DIR, or --model and an output file")
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    # Load the class the checkpoint was saved from, so module names match its tensor names:
    # a causal LM (model.layers.N...) or a bare encoder such as BertModel (encoder.layer.N...).
    architectures = AutoConfig.from_pretrained(args.model).architectures or []
    loader = AutoModelForCausalLM if any(a.endswith("ForCausalLM") for a in architectures) else AutoModel
    model = loader.from_pretrained(args.model, torch_dtype="auto").eval()
    inputs = tokenizer(args.text, return_tensors="pt")
    captured = capture(model, lambda: model(**inputs), mode=args.mode, max_tokens=args.max_tokens)
    save(captured, args.output, {"format": "pt", "model": args.model, "mode": args.mode})
    print(f"{len(captured)} Linear inputs -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
