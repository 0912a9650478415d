#!/usr/bin/env python3
"""Compares two `quantscope report --format json` documents number by number.

Usage: gpu_parity_compare.py CPU.json CUDA.json
Float64 sums (whose summation order differs between engines) are compared at 1e-9 relative; every
other number (counts, histograms, code counts, outlier columns, min/max/absmax, max_abs_err,
bits_per_param) must be equal. Strings must be equal, except the "engine" field. Prints the first
differences and a summary; exit status 1 when any differs.
"""
import json, math, sys

TOLERANT = {"mse", "rmse", "rel_err", "sqnr_db", "code_entropy_bits", "mean", "std"}
RELATIVE = 1e-9
IGNORED = {"engine"}


def close(a, b):
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
    if a == b:
        return True
    return abs(a - b) <= RELATIVE * max(abs(a), abs(b))


def walk(a, b, path, key, out, counts):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k in IGNORED:
                continue
            if k not in a or k not in b:
                out.append(f"{path}/{k}: present on one side only")
                continue
            walk(a[k], b[k], f"{path}/{k}", k, out, counts)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: lengths {len(a)} vs {len(b)}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, f"{path}[{i}]", key, out, counts)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        counts["numbers"] += 1
        ok = close(float(a), float(b)) if key in TOLERANT else (a == b or (a != a and b != b))
        if not ok:
            out.append(f"{path}: {a!r} vs {b!r}")
    else:
        counts["other"] += 1
        if a != b:
            out.append(f"{path}: {a!r} vs {b!r}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    a = json.load(open(sys.argv[1]))
    b = json.load(open(sys.argv[2]))
    out, counts = [], {"numbers": 0, "other": 0}
    walk(a, b, "", None, out, counts)
    tensors = len(a.get("tensors", []))
    if out:
        for line in out[:30]:
            print("   DIFF " + line)
        print(f"   {len(out)} differences over {counts['numbers']} numbers ({tensors} tensors)")
        sys.exit(1)
    print(f"   identical within tolerance: {counts['numbers']} numbers, {tensors} tensors")


main()
