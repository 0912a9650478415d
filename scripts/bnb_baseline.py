#!/usr/bin/env python3
"""Time bitsandbytes' own CPU round trips computing QuantScope's metrics, for the speed comparison.

    python scripts/bnb_baseline.py MODEL.safetensors [--limit N]

Needs torch (CPU) and bitsandbytes 0.50.2 (`pip install "torch==2.13.0+cpu" bitsandbytes==0.50.2`).
For every 2-D floating tensor it runs, as a user would with bitsandbytes: quantize_4bit/dequantize_4bit
(nf4, fp4, nf4 with compress_statistics), quantize_blockwise/dequantize_blockwise (dyn8) and
int8_vectorwise_quant/dequant (int8), then the float64 metrics (mse, max error, rel_err, sqnr, code
entropy). int4 has no bitsandbytes kernel and is left out, which favours bitsandbytes.
Prints the total seconds, params and params/s on one line each.
"""
import json
import struct
import sys
import time

import numpy as np
import torch
import bitsandbytes.functional as F


def tensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        header.pop("__metadata__", None)
        for name, entry in header.items():
            if len(entry["shape"]) < 2 or entry["dtype"] not in ("F32", "F16", "BF16"):
                continue
            begin, end = entry["data_offsets"]
            f.seek(base + begin)
            raw = f.read(end - begin)
            if entry["dtype"] == "F32":
                t = torch.from_numpy(np.frombuffer(raw, dtype=np.float32).copy())
            elif entry["dtype"] == "F16":
                t = torch.from_numpy(np.frombuffer(raw, dtype=np.float16).copy())
            else:
                t = torch.from_numpy(np.frombuffer(raw, dtype=np.int16).copy()).view(torch.bfloat16)
            yield name, t.reshape(entry["shape"])


def metrics(w, w_hat, codes, bins):
    w = w.double().flatten()
    e = w_hat.double().flatten() - w
    se, sw = float((e * e).sum()), float((w * w).sum())
    counts = torch.bincount(codes.flatten().long(), minlength=bins).double()
    p = counts[counts > 0] / counts.sum()
    return (se / w.numel(), float(e.abs().max()), (se / sw) ** 0.5 if sw else 0.0,
            10 * np.log10(sw / se) if se else float("inf"), float(-(p * p.log2()).sum()))


def main():
    path = sys.argv[1]
    limit = int(sys.argv[sys.argv.index("--limit") + 1]) if "--limit" in sys.argv else None
    torch.set_num_threads(torch.get_num_threads())
    params = 0
    start = time.perf_counter()
    for count, (name, w) in enumerate(tensors(path)):
        if limit is not None and count >= limit:
            break
        params += w.numel()
        for quant_type, compress in (("nf4", False), ("fp4", False), ("nf4", True)):
            packed, state = F.quantize_4bit(w, blocksize=64, quant_type=quant_type, compress_statistics=compress)
            w_hat = F.dequantize_4bit(packed, state)
            codes = torch.stack([packed.flatten() >> 4, packed.flatten() & 15], 1).flatten()[: w.numel()]
            metrics(w, w_hat, codes, 16)
        codes, state = F.quantize_blockwise(w, blocksize=4096)
        metrics(w, F.dequantize_blockwise(codes, state), codes, 256)
        q, rowmax, _ = F.int8_vectorwise_quant(w.half())
        metrics(w, F.int8_vectorwise_dequant(q, rowmax), q.long() + 127, 255)
    seconds = time.perf_counter() - start
    print(f"bitsandbytes {seconds:.3f} s")
    print(f"params {params}")
    print(f"params/s {params / seconds:.1f}")


if __name__ == "__main__":
    main()
