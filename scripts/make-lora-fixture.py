#!/usr/bin/env python3
"""PEFT's trainable-parameter count for LoRA on every Linear layer of a few tiny models.

Writes Tests/Fixtures/lora/peft_trainable.json: for each model (a tiny LLaMA with grouped-query
attention, a tiny BERT), the tensors of its saved checkpoint (name, shape, dtype) and, for a few
ranks r, the trainable parameters PEFT reports with target_modules="all-linear" (what Axolotl's
lora_target_linear asks for). QuantScope's estimate must count the same adapters.

Needs: pip install "torch==2.13.0+cpu" transformers peft safetensors
Usage: python3 scripts/make-lora-fixture.py [OUT.json]
"""
import copy
import json
import os
import sys
import tempfile

import torch
import peft
import transformers
from safetensors import safe_open

RANKS = [4, 8, 16]


def models():
    yield "llama", transformers.LlamaForCausalLM(transformers.LlamaConfig(
        hidden_size=64, intermediate_size=176, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, vocab_size=128, max_position_embeddings=64))
    yield "bert", transformers.BertModel(transformers.BertConfig(
        hidden_size=48, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
        vocab_size=96, max_position_embeddings=32))


def tensors_of(model):
    with tempfile.TemporaryDirectory() as directory:
        model.save_pretrained(directory, safe_serialization=True)
        path = os.path.join(directory, "model.safetensors")
        with safe_open(path, framework="pt") as f:
            names = list(f.keys())
            return [{"name": n, "shape": list(f.get_slice(n).get_shape()),
                     "dtype": f.get_slice(n).get_dtype()} for n in names]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "Tests", "Fixtures", "lora", "peft_trainable.json")
    torch.manual_seed(0)
    entries = []
    for name, model in models():
        counts = {}
        for r in RANKS:
            adapted = peft.get_peft_model(copy.deepcopy(model), peft.LoraConfig(r=r, target_modules="all-linear"))
            trainable, _ = adapted.get_nb_trainable_parameters()
            counts[str(r)] = trainable
        entries.append({"model": name, "tensors": tensors_of(model), "trainable": counts})
    document = {"made_by": "scripts/make-lora-fixture.py", "torch": torch.__version__,
                "transformers": transformers.__version__, "peft": peft.__version__,
                "target_modules": "all-linear", "models": entries}
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump(document, f, indent=1)
        f.write("\n")
    print(f"wrote {out}: " + ", ".join(f"{e['model']} {e['trainable']}" for e in entries))


if __name__ == "__main__":
    main()
