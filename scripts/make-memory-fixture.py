#!/usr/bin/env python3
"""Measure how many bytes bitsandbytes stores for quantized weights of a few shapes.

Writes Tests/Fixtures/memory/bitsandbytes_storage.json: for each shape and each bitsandbytes
configuration (nf4, fp4, each with and without double quantization, and LLM.int8()), the
bytes of every tensor bitsandbytes keeps for the weight: the packed codes, the block scales
(absmax), and for double quantization the quantized scales' own scales and offset. The
lookup tables (the 16-entry 4-bit code and the 256-entry dynamic map) are constants shared by
every layer and are listed apart, not counted.

Needs: pip install "torch==2.13.0+cpu" bitsandbytes==0.50.2   (CPU is enough)
Usage: python3 scripts/make-memory-fixture.py [OUT.json]
"""
import json
import os
import sys

import torch
import bitsandbytes as bnb
import bitsandbytes.functional as F

SHAPES = [(64, 64), (128, 96), (100, 37), (3, 5), (300, 257), (1024, 4096), (11008, 64), (257, 1000)]


def nbytes(t):
    return t.numel() * t.element_size() if t is not None else 0


def four_bit(weight, quant_type, double_quant):
    packed, state = F.quantize_4bit(
        weight, blocksize=64, quant_type=quant_type, compress_statistics=double_quant)
    parts = {"codes": nbytes(packed), "absmax": nbytes(state.absmax)}
    shared = {"code": nbytes(state.code)}
    if double_quant:
        parts["nested_absmax"] = nbytes(state.state2.absmax)
        parts["offset"] = nbytes(state.offset) if state.offset is not None else 0
        shared["nested_code"] = nbytes(state.state2.code)
    return parts, shared


def int8(weight):
    codes, row_scales, _ = F.int8_vectorwise_quant(weight.to(torch.float16))
    return {"codes": nbytes(codes), "row_scales": nbytes(row_scales)}, {}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "Tests", "Fixtures", "memory", "bitsandbytes_storage.json")
    torch.manual_seed(0)
    cases = []
    for rows, cols in SHAPES:
        weight = torch.randn(rows, cols, dtype=torch.float32).to(torch.bfloat16)
        configs = [("nf4", False), ("nf4", True), ("fp4", False), ("fp4", True)]
        for quant_type, double_quant in configs:
            parts, shared = four_bit(weight, quant_type, double_quant)
            cases.append({"shape": [rows, cols], "quant": quant_type, "double_quant": double_quant,
                          "parts": parts, "bytes": sum(parts.values()), "shared_tables": shared})
        parts, shared = int8(weight)
        cases.append({"shape": [rows, cols], "quant": "int8", "double_quant": False,
                      "parts": parts, "bytes": sum(parts.values()), "shared_tables": shared})
    document = {"made_by": "scripts/make-memory-fixture.py", "torch": torch.__version__,
                "bitsandbytes": bnb.__version__, "blocksize": 64, "cases": cases}
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump(document, f, indent=1)
        f.write("\n")
    print(f"wrote {out}: {len(cases)} cases")


if __name__ == "__main__":
    main()
