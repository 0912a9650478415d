#!/usr/bin/env python3
"""Builds QuantScope's golden fixtures (Tests/Fixtures/golden) and cross-checks them with bitsandbytes.

The rules are those of docs/FORMATS.md: bitsandbytes 0.50.2 as its CUDA kernels behave, with the few
rules marked [ours] there. Generation needs numpy and safetensors only, and is deterministic: running
it again must give the committed files byte for byte.

    python3 scripts/make-golden.py                # rewrite Tests/Fixtures/golden/*
    python3 scripts/make-golden.py --out DIR      # write the files into DIR instead
    python3 scripts/make-golden.py --check        # also run bitsandbytes on CPU and classify every
                                                  # difference; exit 1 on any unexplained one
    python3 scripts/make-golden.py --verify-doc docs/FORMATS.md   # recompute the doc's worked examples

Files written: inputs.safetensors, expected.safetensors, metrics.json (the original set) and
expected_fp4dq.safetensors, metrics_fp4dq.json (fp4 with double-quantized block scales).
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import safetensors

F32 = np.float32
F64 = np.float64
U8 = np.uint8

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "Tests", "Fixtures", "golden")
SEED = 20261129
BLOCK = 64               # nf4, fp4, int4 (and the first level of the -dq formats)
DYN8_BLOCK = 4096        # dyn8
GROUP = 256              # second level of double quantization
THRESHOLD = F32(6.0)     # weight outlier columns: |w| >= 6.0

# The original three files carry the generator line they were first written with; it is kept so that
# they stay byte-identical. The fp4-dq files name this script.
LEGACY_METADATA = {"generator": "golden/make_golden.py (seed 20261129; rules: spec/QUANTIZATION.md)"}
FP4DQ_METADATA = {"generator": "scripts/make-golden.py (seed 20261129; rules: docs/FORMATS.md)"}


def f32(values):
    """Anything -> float32 array (each conversion rounds to nearest even)."""
    return np.asarray(values, dtype=F32)


def from_hex(words):
    return np.array([int(w, 16) for w in words.split()], dtype=np.uint32).view(F32)


# ---------------------------------------------------------------------------------------------------
# Tables (docs/FORMATS.md §2, §3, §5, §8)
# ---------------------------------------------------------------------------------------------------

# nf4 codebook by code (bitsandbytes get_4bit_type("nf4"), also CUDA's nf4 lookup table).
NF4_LEVELS = from_hex("bf800000 bf3239b1 bf066b30 beca32a0 be91a24d be3d353f bdba7871 00000000"
                      " 3da2faff 3e24cae3 3e7c04dd 3ead033a 3ee1a4b8 3f1007ab 3f3913b3 3f800000")
# Decision thresholds between neighbouring nf4 codes: float32 midpoints (= CUDA's decimal literals).
NF4_CUTS = ((NF4_LEVELS[:-1] + NF4_LEVELS[1:]) * F32(0.5)).astype(F32)

# fp4 by code: bit 3 is the sign, the low three bits select one of these magnitudes (x 1/12).
FP4_MAGNITUDE_TWELFTHS = [0.0, 0.0625, 8.0, 12.0, 4.0, 6.0, 2.0, 3.0]
FP4_LEVELS = (f32(FP4_MAGNITUDE_TWELFTHS + [-v for v in FP4_MAGNITUDE_TWELFTHS]) / F32(12)).astype(F32)
# CUDA dQuantizeFP4's seven float32 literals, from small to large; each splits two magnitude codes
# (lower code, upper code). An |x| exactly on a literal takes the lower one.
FP4_CUDA_LITERALS = [(F32(0.00260417), 0, 1), (F32(0.0859375), 1, 6), (F32(0.20833333), 6, 7),
                     (F32(0.29166667), 7, 4), (F32(0.4166667), 4, 5), (F32(0.583333), 5, 2),
                     (F32(0.8333333), 2, 3)]

# int4 (ours): level of code c is (c - 7) / 7, c = 0...14.
INT4_LEVELS = (np.arange(-7, 8, dtype=F32) / F32(7)).astype(F32)

# dyn8: create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8) as bitsandbytes 0.50.2
# returns it (checked again by --check).
DYN8_LEVELS = from_hex("""
bf7e3333 bf7a999a bf770000 bf736666 bf6fcccd bf6c3333 bf68999a bf650000 bf616666 bf5dcccd bf5a3333 bf56999a bf530000 bf4f6666 bf4bcccd bf483333
bf44999a bf410000 bf3d6666 bf39cccd bf363334 bf32999a bf2f0000 bf2b6666 bf27cccd bf243334 bf20999a bf1d0000 bf196666 bf15cccd bf123334 bf0e999a
bf0b0000 bf076666 bf03cccc bf003333 bef93332 bef20000 beeacccc bee3999a bedc6666 bed53333 bece0000 bec6cccc bebf999a beb86666 beb13333 beaa0000
bea2cccc be9b999a be946666 be8d3334 be860000 be7d9999 be6f3333 be60cccd be526666 be440000 be35999a be273333 be18cccd be0a6666 bdf80000 bddb3334
bdc9eb85 bdc428f7 bdbe6667 bdb8a3d7 bdb2e148 bdad1eb8 bda75c2a bda1999a bd9bd70a bd96147b bd9051eb bd8a8f5d bd84cccd bd7e147b bd728f5d bd670a3d
bd5b851f bd500000 bd447ae1 bd38f5c3 bd2d70a3 bd21eb85 bd166667 bd0ae148 bcfeb852 bce7ae15 bcd0a3d7 bcb9999a bca28f5d bc8b851f bc68f5c3 bc3ae148
bc1f3b64 bc160418 bc0ccccd bc039581 bbf4bc6a bbe24dd3 bbcfdf3b bbbd70a4 bbab020d bb989374 bb8624dd bb676c8a bb428f5c bb1db22d baf1a9fc baa7ef9d
ba7765ff ba59e83e ba3c6a80 ba1eecc1 ba016f01 b9c7e283 b98ce705 b923d70b b8ba1f4b b88aefb3 b8378034 b7b24206 b70205ff b65a1a94 b513a3b7 00000000
3513a3b7 365a1a94 370205ff 37b24206 38378034 388aefb3 38ba1f4b 3923d70b 398ce705 39c7e283 3a016f01 3a1eecc1 3a3c6a80 3a59e83e 3a7765ff 3aa7ef9d
3af1a9fc 3b1db22d 3b428f5c 3b676c8a 3b8624dd 3b989374 3bab020d 3bbd70a4 3bcfdf3b 3be24dd3 3bf4bc6a 3c039581 3c0ccccd 3c160418 3c1f3b64 3c3ae148
3c68f5c3 3c8b851f 3ca28f5d 3cb9999a 3cd0a3d7 3ce7ae15 3cfeb852 3d0ae148 3d166667 3d21eb85 3d2d70a3 3d38f5c3 3d447ae1 3d500000 3d5b851f 3d670a3d
3d728f5d 3d7e147b 3d84cccd 3d8a8f5d 3d9051eb 3d96147b 3d9bd70a 3da1999a 3da75c2a 3dad1eb8 3db2e148 3db8a3d7 3dbe6667 3dc428f7 3dc9eb85 3ddb3334
3df80000 3e0a6666 3e18cccd 3e273333 3e35999a 3e440000 3e526666 3e60cccd 3e6f3333 3e7d9999 3e860000 3e8d3334 3e946666 3e9b999a 3ea2cccc 3eaa0000
3eb13333 3eb86666 3ebf999a 3ec6cccc 3ece0000 3ed53333 3edc6666 3ee3999a 3eeacccc 3ef20000 3ef93332 3f003333 3f03cccc 3f076666 3f0b0000 3f0e999a
3f123334 3f15cccd 3f196666 3f1d0000 3f20999a 3f243334 3f27cccd 3f2b6666 3f2f0000 3f32999a 3f363334 3f39cccd 3f3d6666 3f410000 3f44999a 3f483333
3f4bcccd 3f4f6666 3f530000 3f56999a 3f5a3333 3f5dcccd 3f616666 3f650000 3f68999a 3f6c3333 3f6fcccd 3f736666 3f770000 3f7a999a 3f7e3333 3f800000
""")
# m_i = f32(f32(dyn[i] + dyn[i+1]) * 0.5), i = 0...254
DYN8_MIDPOINTS = ((DYN8_LEVELS[:-1] + DYN8_LEVELS[1:]) * F32(0.5)).astype(F32)


# ---------------------------------------------------------------------------------------------------
# Storage dtypes
# ---------------------------------------------------------------------------------------------------
def bfloat16_bits(values):
    """float32 -> bfloat16 bit patterns (uint16), round to nearest even (no NaN in our data)."""
    u = f32(values).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def widen_bfloat16(bits):
    return (bits.astype(np.uint32) << 16).view(F32)


def to_dtype(values, dtype):
    """Rounds float32 values to the storage dtype ("F32", "F16", "BF16") and returns them as float32."""
    values = f32(values)
    if dtype == "F16":
        return values.astype(np.float16).astype(F32)
    if dtype == "BF16":
        return widen_bfloat16(bfloat16_bits(values))
    return values


def stored_array(values, dtype):
    """The array written into inputs.safetensors (BF16 as its uint16 bit patterns)."""
    if dtype == "F16":
        return f32(values).astype(np.float16)
    if dtype == "BF16":
        return bfloat16_bits(values)
    return f32(values)


# ---------------------------------------------------------------------------------------------------
# Encoders: scaled value x (float32 array) -> code (uint8 array)
# ---------------------------------------------------------------------------------------------------
def encode_nf4(x):
    """Number of thresholds strictly below x: the nearest code, a tie going to the lower code."""
    return np.searchsorted(NF4_CUTS, x, side="left").astype(U8)


def encode_fp4(x):
    """CUDA's decision tree: the magnitude by the literals (ties down), sign bit 8 for x < 0."""
    a = np.abs(x)
    magnitude = np.zeros(a.shape, dtype=U8)
    for literal, _, upper in FP4_CUDA_LITERALS:
        magnitude = np.where(a > literal, U8(upper), magnitude)
    return (magnitude + np.where(x < 0, U8(8), U8(0))).astype(U8)


def encode_int4(x):
    """k = clamp(RNE(f32(7 x)), -7, 7); code = k + 7."""
    k = np.rint((x * F32(7)).astype(F32))
    return (np.clip(k, -7, 7) + 7).astype(U8)


def encode_dyn8(x):
    """Nearest map index measured by the float32 midpoints; x exactly on a midpoint takes the even index."""
    below = np.searchsorted(DYN8_MIDPOINTS, x, side="left")   # midpoints strictly below x
    on_midpoint = np.zeros(x.shape, dtype=bool)
    inside = below < DYN8_MIDPOINTS.size
    on_midpoint[inside] = DYN8_MIDPOINTS[below[inside]] == x[inside]
    # on m_i the candidates are i (= below) and i + 1: pick the even one
    return np.where(on_midpoint & (below % 2 == 1), below + 1, below).astype(U8)


def dyn8_binary_search(x):
    """One value through a transcription of CUDA's dQuantize (7 halvings from index 127, then a
    midpoint test). Used only to test encode_dyn8."""
    x = F32(x)
    pivot, lower_index, upper_index = 127, 0, 255
    lower, upper = F32(-1.0), F32(1.0)
    value = DYN8_LEVELS[pivot]
    step = 64
    while step > 0:
        if x > value:
            lower_index, lower = pivot, value
            pivot += step
        else:
            upper_index, upper = pivot, value
            pivot -= step
        value = DYN8_LEVELS[pivot]
        step //= 2
    if upper_index == 255:
        upper = DYN8_LEVELS[255]
    if lower_index == 0:
        lower = DYN8_LEVELS[0]
    if x > value:
        return upper_index if x > F32((upper + value) * F32(0.5)) else pivot
    return lower_index if x < F32((lower + value) * F32(0.5)) else pivot


# ---------------------------------------------------------------------------------------------------
# Block formats (docs/FORMATS.md §1)
# ---------------------------------------------------------------------------------------------------
def block_scales(flat, blocksize):
    """(x, absmax): absmax per block of `blocksize` consecutive values (the last may be partial);
    x = f32(w * f32(1 / absmax)), and +0 wherever w is +-0 (our zero rule)."""
    n = flat.size
    blocks = -(-n // blocksize)
    padded = np.zeros(blocks * blocksize, dtype=F32)
    padded[:n] = flat
    absmax = np.abs(padded.reshape(blocks, blocksize)).max(axis=1).astype(F32)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        inverse = (F32(1) / absmax).astype(F32)
        x = (flat * np.repeat(inverse, blocksize)[:n]).astype(F32)
    x[flat == 0] = 0
    return x, absmax


def per_element(scales, blocksize, n):
    return np.repeat(scales, blocksize)[:n]


def block_format(flat, dtype, blocksize, levels, encoder):
    x, absmax = block_scales(flat, blocksize)
    codes = encoder(x)
    dequant32 = (levels[codes] * per_element(absmax, blocksize, flat.size)).astype(F32)
    return {"codes": codes, "absmax": absmax, "what": to_dtype(dequant32, dtype)}


def second_level(absmax):
    """Double quantization of first-level block scales (docs/FORMATS.md §4 steps 2-4)."""
    offset = F32(math.fsum(absmax.astype(F64).tolist()) / absmax.size)   # exactly rounded mean
    centred = (absmax - offset).astype(F32)
    x, absmax2 = block_scales(centred, GROUP)
    qabsmax = encode_dyn8(x)
    scale2 = per_element(absmax2, GROUP, absmax.size)
    absmax_hat = ((DYN8_LEVELS[qabsmax] * scale2).astype(F32) + offset).astype(F32)
    return {"offset": np.array([offset], dtype=F32), "qabsmax": qabsmax, "absmax2": absmax2,
            "absmax_hat": absmax_hat}


def double_quantized(flat, dtype, levels, first):
    """A 4-bit format whose codes stay those of `first` and whose scales go through second_level."""
    result = second_level(first["absmax"])
    dequant32 = (levels[first["codes"]] * per_element(result["absmax_hat"], BLOCK, flat.size)).astype(F32)
    result["what"] = to_dtype(dequant32, dtype)
    return result


def as_rows(flat, shape):
    return flat.reshape(shape[0], -1)


def int8_rows(flat, shape):
    """LLM.int8() weight quantization (docs/FORMATS.md §6), on the fp16-converted weight."""
    h = as_rows(flat, shape).astype(np.float16).astype(F32)
    rowmax = np.abs(h).max(axis=1).astype(F32)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        scale = ((F32(1) / rowmax).astype(F32) * F32(127)).astype(F32)
        q = np.rint((h * scale[:, None]).astype(F32))
    q = np.where(rowmax[:, None] == 0, 0, q).astype(np.int8)
    what = ((q.astype(F32) * rowmax[:, None]).astype(F32) * F32(1 / 127)).astype(F32)
    return {"codes": q, "rowmax": rowmax, "what": what}


def outlier_columns(flat, shape):
    """Columns with any |w| >= 6.0 on the stored values (docs/FORMATS.md §7)."""
    hit = (np.abs(as_rows(flat, shape)) >= THRESHOLD).any(axis=0)
    return np.flatnonzero(hit).astype(np.int64)


# ---------------------------------------------------------------------------------------------------
# Metrics (docs/FORMATS.md §9), float64
# ---------------------------------------------------------------------------------------------------
def _lanes_then_tail(v):
    """Sum of squares in the order of OpenBLAS's AVX2 ddot kernel: 16 running lane sums over the
    largest multiple of 16 elements, folded (high half onto low half of each 4-lane register, then
    registers 4+5, 6+7, their sum, then the two lanes), then the remaining elements one by one."""
    whole = v.size & -16
    total = 0.0
    if whole:
        lanes = np.zeros(16, dtype=F64)
        for row in v[:whole].reshape(-1, 16):
            lanes = lanes + row * row
        registers = lanes.reshape(4, 4)
        halves = registers[:, :2] + registers[:, 2:]
        folded = (halves[0] + halves[1]) + (halves[2] + halves[3])
        total = float(folded[0] + folded[1])
    for value in v[whole:]:
        total = total + float(value * value)
    return total


def sum_of_squares(values):
    """Sum of squares of float64 values, in a fixed order.

    The committed metrics.json was first computed with numpy's dot on a two-core machine whose
    OpenBLAS ran its AVX2 kernel: above 10,000 elements the vector is split into two halves (the
    first ceil(n/2) long), each summed as _lanes_then_tail, and the two partial sums added. This
    reproduces that order without depending on the BLAS at hand; any order agrees to about 1e-15.
    """
    v = np.ascontiguousarray(values, dtype=F64).reshape(-1)
    if v.size <= 10000:
        return _lanes_then_tail(v)
    half = (v.size + 1) // 2
    return _lanes_then_tail(v[:half]) + _lanes_then_tail(v[half:])


def round_trip_metrics(original, what, codes, bins, bits_per_param):
    w = original.astype(F64).reshape(-1)
    error = what.astype(F64).reshape(-1) - w
    squared_error = sum_of_squares(error)
    squared_weight = sum_of_squares(w)
    n = w.size
    counts = np.bincount(codes.reshape(-1).astype(np.int64), minlength=bins).astype(F64)
    share = counts[counts > 0] / n
    entropy = float(-(share * np.log2(share)).sum()) + 0.0      # + 0.0 turns -0.0 into 0.0
    if squared_error == 0:
        rel_err, sqnr_db = 0.0, "inf"
    elif squared_weight == 0:
        rel_err, sqnr_db = "inf", "-inf"
    else:
        rel_err = math.sqrt(squared_error) / math.sqrt(squared_weight)
        sqnr_db = 10 * math.log10(squared_weight / squared_error)
    return {"mse": squared_error / n, "rmse": math.sqrt(squared_error / n),
            "max_abs_err": float(np.abs(error).max()), "rel_err": rel_err, "sqnr_db": sqnr_db,
            "bits_per_param": bits_per_param, "code_entropy_bits": entropy}


BITS_4 = 4 + 32 / BLOCK
BITS_4_DQ = 4 + 8 / BLOCK + 32 / (GROUP * BLOCK)
BITS_DYN8 = 8 + 32 / DYN8_BLOCK


# ---------------------------------------------------------------------------------------------------
# Inputs (the random draws and their order define the fixtures: do not reorder)
# ---------------------------------------------------------------------------------------------------
def boundary_values():
    """Values on every decision boundary, meant for blocks whose absmax is exactly 1."""
    above = lambda v: np.nextafter(v, F32(np.inf))
    below = lambda v: np.nextafter(v, F32(-np.inf))
    literals = f32([literal for literal, _, _ in FP4_CUDA_LITERALS])
    magnitudes = np.sort(np.unique(np.abs(FP4_LEVELS)))
    true_midpoints = ((magnitudes[:-1] + magnitudes[1:]) * F32(0.5)).astype(F32)
    groups = [NF4_CUTS, above(NF4_CUTS), below(NF4_CUTS),
              literals, -literals, above(literals), -above(literals), true_midpoints, -true_midpoints,
              DYN8_MIDPOINTS,
              f32([0.5, -0.5]),
              NF4_LEVELS, FP4_LEVELS]
    return np.concatenate(groups).astype(F32)


def make_inputs():
    """name -> (dtype, float32 array already rounded to dtype, in its shape)."""
    rng = np.random.default_rng(SEED)
    raw = {}
    raw["odd_1001_f32"] = ("F32", rng.normal(0, 0.05, 1001))
    raw["square_64x64_f16"] = ("F16", rng.normal(0, 0.02, (64, 64)))
    raw["straddle_96x200_bf16"] = ("BF16", rng.standard_t(4, (96, 200)) * 0.02)
    raw["wide_3x4097_f32"] = ("F32", rng.normal(0, 1, (3, 4097)))
    zeros = rng.normal(0, 0.02, (72, 64))
    zeros[2:4] = 0                  # two zero rows = two zero 64-blocks
    zeros[64:] = 0                  # elements 4096... : an all-zero partial dyn8 block
    raw["zero_blocks_72x64_f16"] = ("F16", zeros)
    special = boundary_values()
    per_row = 63                    # column 63 holds 1.0 so that each row's absmax is exactly 1
    rows = -(-special.size // per_row)
    body = np.zeros(rows * per_row, dtype=F32)
    body[:special.size] = special
    ties = np.zeros((rows, 64), dtype=F32)
    ties[:, :per_row] = body.reshape(rows, per_row)
    ties[:, per_row] = 1.0
    raw["ties_12x64_f32"] = ("F32", np.concatenate([ties, ties * F32(0.25)]))
    heavy = np.clip(rng.standard_t(3, (64, 128)) * 0.5, -5.9, 5.9)
    heavy[10, 5] = 6.0
    heavy[40, 17] = -6.0
    heavy[:, 31] = np.abs(heavy[:, 31]) + 6.5
    heavy[3, 77] = -9.25
    heavy[20, 100] = float(np.nextafter(F32(6.0), F32(0)))
    raw["outliers_64x128_f32"] = ("F32", heavy)
    raw["tiny_16x128_f32"] = ("F32", rng.normal(0, 1e-6, (16, 128)))
    raw["gauss_256x512_bf16"] = ("BF16", rng.normal(0, 0.02, (256, 512)))
    raw["ramp_4x300_f16"] = ("F16", np.linspace(-2, 2, 1200).reshape(4, 300))
    raw["small_5_f16"] = ("F16", np.array([0.5, -0.25, 0.125, 3.0, -7.0]))
    edge = np.zeros((4, 64))
    edge[0] = 0.75
    edge[1] = rng.normal(0, 0.3, 64)
    edge[1, 7] = -3.0
    edge[2, 33] = 1e-3
    edge[3, [1, 5, 9]] = [1e-40, -6e-41, 3e-42]
    raw["edge_blocks_4x64_f32"] = ("F32", edge)
    raw["const_2x64_f16"] = ("F16", np.full((2, 64), 0.75))
    inputs = {}
    for name, (dtype, values) in raw.items():
        single = np.asarray(values, dtype=F64).astype(F32)
        inputs[name] = (dtype, to_dtype(single, dtype).reshape(np.shape(values)))
    return inputs


# Inputs whose per-element .dequant tensors are not stored (they would dominate the file size).
WITHOUT_DEQUANT = {"gauss_256x512_bf16"}


def quantize_all(dtype, w):
    flat = w.reshape(-1)
    out = {"nf4": block_format(flat, dtype, BLOCK, NF4_LEVELS, encode_nf4),
           "fp4": block_format(flat, dtype, BLOCK, FP4_LEVELS, encode_fp4),
           "int4": block_format(flat, dtype, BLOCK, INT4_LEVELS, encode_int4),
           "dyn8": block_format(flat, dtype, DYN8_BLOCK, DYN8_LEVELS, encode_dyn8)}
    out["nf4dq"] = double_quantized(flat, dtype, NF4_LEVELS, out["nf4"])
    out["fp4dq"] = double_quantized(flat, dtype, FP4_LEVELS, out["fp4"])
    if w.ndim >= 2:
        out["int8"] = int8_rows(flat, w.shape)
        out["outlier_cols"] = outlier_columns(flat, w.shape)
    return out


def expected_entries(name, result):
    """Tensors of expected.safetensors for one input."""
    keep_dequant = name not in WITHOUT_DEQUANT
    entries = {}
    for fmt in ("nf4", "fp4", "int4", "dyn8"):
        entries[f"{name}.{fmt}.codes"] = result[fmt]["codes"]
        entries[f"{name}.{fmt}.absmax"] = result[fmt]["absmax"]
        if keep_dequant:
            entries[f"{name}.{fmt}.dequant"] = result[fmt]["what"]
    entries.update(second_level_entries(name, "nf4dq", result["nf4dq"], keep_dequant))
    if "int8" in result:
        entries[f"{name}.int8.codes"] = result["int8"]["codes"]
        entries[f"{name}.int8.rowmax"] = result["int8"]["rowmax"]
        if keep_dequant:
            entries[f"{name}.int8.dequant"] = result["int8"]["what"]
        entries[f"{name}.outlier_cols"] = result["outlier_cols"]
    return entries


def second_level_entries(name, key, dq, keep_dequant):
    entries = {f"{name}.{key}.{field}": dq[field] for field in ("offset", "qabsmax", "absmax2", "absmax_hat")}
    if keep_dequant:
        entries[f"{name}.{key}.dequant"] = dq["what"]
    return entries


def metric_entries(w, result):
    m = {"nf4": round_trip_metrics(w, result["nf4"]["what"], result["nf4"]["codes"], 16, BITS_4),
         "nf4-dq": round_trip_metrics(w, result["nf4dq"]["what"], result["nf4"]["codes"], 16, BITS_4_DQ),
         "fp4": round_trip_metrics(w, result["fp4"]["what"], result["fp4"]["codes"], 16, BITS_4),
         "int4": round_trip_metrics(w, result["int4"]["what"], result["int4"]["codes"], 16, BITS_4),
         "dyn8": round_trip_metrics(w, result["dyn8"]["what"], result["dyn8"]["codes"], 256, BITS_DYN8)}
    if "int8" in result:
        cols = w.size // w.shape[0]
        bins = result["int8"]["codes"].astype(np.int16) + 127
        m["int8"] = round_trip_metrics(w, result["int8"]["what"], bins, 255, 8 + 32 / cols)
    return m


# ---------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------
SAFETENSORS_DTYPE = {np.dtype(F32): "float32", np.dtype(np.float16): "float16", np.dtype(U8): "uint8",
                     np.dtype(np.int8): "int8", np.dtype(np.int64): "int64", np.dtype(np.uint16): "bfloat16"}


def write_safetensors(path, tensors, metadata):
    """name -> array; uint16 arrays are BF16 bit patterns. safetensors orders the tensors itself."""
    assert sys.byteorder == "little"
    arrays = {name: np.ascontiguousarray(array) for name, array in tensors.items()}
    if hasattr(safetensors, "TensorSpec"):          # safetensors >= 0.8 wants pointers
        specs = {name: safetensors.TensorSpec(dtype=SAFETENSORS_DTYPE[a.dtype], shape=list(a.shape),
                                              data_ptr=a.ctypes.data, data_len=a.nbytes)
                 for name, a in arrays.items()}
    else:                                           # older releases take the bytes
        specs = {name: {"dtype": SAFETENSORS_DTYPE[a.dtype], "shape": list(a.shape), "data": a.tobytes()}
                 for name, a in arrays.items()}
    safetensors.serialize_file(specs, path, metadata=metadata)
    os.chmod(path, 0o644)


def write_json(path, value):
    with open(path, "w") as handle:
        json.dump(value, handle, indent=1, sort_keys=True)
        handle.write("\n")


def self_test():
    """The vectorised encoders against their definitions; returns how many dyn8 values were compared."""
    rng = np.random.default_rng(7)
    probes = np.concatenate([
        rng.uniform(-1, 1, 20000), rng.normal(0, 1e-4, 20000), DYN8_LEVELS, DYN8_MIDPOINTS,
        np.nextafter(DYN8_MIDPOINTS, F32(2)), np.nextafter(DYN8_MIDPOINTS, F32(-2)),
        [-1.0, 1.0, 0.0, 1.5, -1.5]]).astype(F32)
    searched = np.array([dyn8_binary_search(x) for x in probes], dtype=U8)
    assert (encode_dyn8(probes) == searched).all(), "encode_dyn8 differs from CUDA's binary search"
    assert (encode_dyn8(DYN8_LEVELS) == np.arange(256)).all()
    assert (encode_nf4(NF4_LEVELS) == np.arange(16)).all()
    assert (encode_int4(INT4_LEVELS) == np.arange(15)).all()
    assert (FP4_LEVELS[encode_fp4(FP4_LEVELS)] == FP4_LEVELS).all()
    nf4_literals = f32([-0.8480964004993439, -0.6106329262256622, -0.4599952697753906, -0.33967943489551544,
                        -0.23460740596055984, -0.13791173323988914, -0.045525018125772476, 0.03979014977812767,
                        0.1202552504837513, 0.2035212516784668, 0.2920137718319893, 0.3893125355243683,
                        0.5016634166240692, 0.6427869200706482, 0.8614784181118011])
    assert (nf4_literals.view(np.uint32) == NF4_CUTS.view(np.uint32)).all(), "CUDA's nf4 literals"
    return probes.size


def generate(out_dir):
    inputs = make_inputs()
    results, stored, expected, metrics, fp4dq_expected, fp4dq_metrics = {}, {}, {}, {}, {}, {}
    for name, (dtype, w) in inputs.items():
        result = quantize_all(dtype, w)
        results[name] = result
        stored[name] = stored_array(w, dtype)
        expected.update(expected_entries(name, result))
        metrics[name] = metric_entries(w, result)
        fp4dq_expected.update(second_level_entries(name, "fp4dq", result["fp4dq"], name not in WITHOUT_DEQUANT))
        fp4dq_metrics[name] = {"fp4-dq": round_trip_metrics(w, result["fp4dq"]["what"], result["fp4"]["codes"],
                                                            16, BITS_4_DQ)}
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, "inputs.safetensors"), stored, LEGACY_METADATA)
    write_safetensors(os.path.join(out_dir, "expected.safetensors"), expected, LEGACY_METADATA)
    write_json(os.path.join(out_dir, "metrics.json"), metrics)
    write_safetensors(os.path.join(out_dir, "expected_fp4dq.safetensors"), fp4dq_expected, FP4DQ_METADATA)
    write_json(os.path.join(out_dir, "metrics_fp4dq.json"), fp4dq_metrics)
    for file in ("inputs.safetensors", "expected.safetensors", "metrics.json", "expected_fp4dq.safetensors",
                 "metrics_fp4dq.json"):
        print(f"wrote {file}: {os.path.getsize(os.path.join(out_dir, file))} bytes")
    return inputs, results


# ---------------------------------------------------------------------------------------------------
# --check: bitsandbytes 0.50.2 on CPU as the oracle, every difference classified
# ---------------------------------------------------------------------------------------------------
class Tally:
    """Differences of one comparison, by class; a class named 'UNEXPLAINED' fails the check."""

    def __init__(self, name, what, n):
        self.name, self.what, self.n = name, what, n
        self.classes = {}
        self.notes = []

    def add(self, label, count):
        if count:
            self.classes[label] = self.classes.get(label, 0) + int(count)

    @property
    def unexplained(self):
        return self.classes.get("UNEXPLAINED", 0)

    def line(self):
        body = ", ".join(f"{label} {count}" for label, count in self.classes.items()) or "identical"
        notes = "".join(f"; {note}" for note in self.notes)
        return f"{self.name:22s} {self.what:26s} n={self.n:<7d} {body}{notes}"


def bits_differ(a, b):
    a = np.ascontiguousarray(np.asarray(a, dtype=F32).reshape(-1))
    b = np.ascontiguousarray(np.asarray(b, dtype=F32).reshape(-1))
    return a.view(np.uint32) != b.view(np.uint32)


def overflowing_blocks(absmax, blocksize, n):
    """Elements whose block scale has no finite float32 inverse (subnormal absmax)."""
    with np.errstate(divide="ignore", over="ignore"):
        inverse = (F32(1) / absmax).astype(F32)
    return per_element(np.isinf(inverse) & (absmax > 0), blocksize, n)


def divided_last_block(flat, blocksize, encoder):
    """Codes of the last block when x is computed as w / absmax (the CPU build's partial block)."""
    n = flat.size
    start = (n // blocksize) * blocksize
    codes = np.full(n, -1, dtype=np.int64)
    if start < n:
        tail = flat[start:]
        scale = np.abs(tail).max()
        if scale > 0:
            x = (tail / scale).astype(F32)
            x[tail == 0] = 0
            codes[start:] = encoder(x)
    return codes


def classify_fp4(tally, x, ours, theirs, in_tiny_block, divided):
    """fp4 code differences between our (CUDA) encoder and bitsandbytes' CPU build."""
    diff = ours != theirs
    m_ours, m_theirs = ours & 7, theirs & 7
    zero_sign = diff & (m_ours == 0) & (m_theirs == 0)
    magnitudes = np.abs(FP4_LEVELS[:8])
    near_boundary = np.zeros(x.shape, dtype=bool)
    for literal, lower, upper in FP4_CUDA_LITERALS:
        midpoint = F32((magnitudes[lower] + magnitudes[upper]) * F32(0.5))
        lo, hi = min(literal, midpoint), max(literal, midpoint)
        pair = ((m_ours == lower) & (m_theirs == upper)) | ((m_ours == upper) & (m_theirs == lower))
        near_boundary |= pair & (np.abs(x) >= lo) & (np.abs(x) <= hi)
    near_boundary &= diff & ~zero_sign
    tiny = diff & in_tiny_block & ~zero_sign & ~near_boundary
    by_division = diff & (divided == theirs) & ~zero_sign & ~near_boundary & ~tiny
    tally.add("sign of zero (CPU: code 8 for tiny x > 0, 0 for x <= 0)", zero_sign.sum())
    tally.add("between true midpoint and CUDA literal, or on the midpoint", near_boundary.sum())
    tally.add("subnormal block scale (CPU clamps it)", tiny.sum())
    tally.add("partial block (CPU divides)", by_division.sum())
    tally.add("UNEXPLAINED", (diff & ~zero_sign & ~near_boundary & ~tiny & ~by_division).sum())


def classify_dequant(tally, ours, theirs, explained_elements, label):
    differ = bits_differ(ours, theirs)
    equal_value = f32(ours).reshape(-1) == f32(theirs).reshape(-1)        # +0 == -0
    tally.add("dequant: only the sign of zero", (differ & equal_value).sum())
    tally.add(f"dequant: {label}", (differ & ~equal_value & explained_elements).sum())
    tally.add("UNEXPLAINED", (differ & ~equal_value & ~explained_elements).sum())


def cross_check(inputs, results, doc_path=None):
    import torch
    import bitsandbytes
    import bitsandbytes.functional as bnbf

    torch_dtype = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
    dynamic = bnbf.create_dynamic_map()
    print(f"\nbitsandbytes {bitsandbytes.__version__}, torch {torch.__version__} (CPU)")
    tables_ok = True
    for label, theirs, ours in (("create_dynamic_map()", dynamic, DYN8_LEVELS),
                                ("get_4bit_type('nf4')", bnbf.get_4bit_type("nf4", device="cpu"), NF4_LEVELS),
                                ("get_4bit_type('fp4')", bnbf.get_4bit_type("fp4", device="cpu"), FP4_LEVELS)):
        theirs = theirs.float().numpy()
        same_bits = not bits_differ(theirs, ours).any()
        same_values = bool((theirs == ours).all())
        tables_ok &= same_values
        verdict = "bit for bit" if same_bits else ("equal values, zeros signed differently" if same_values
                                                  else "DIFFERENT")
        print(f"{label:22s} vs ours: {verdict}")
    composite = torch._C.DispatchKeySet(torch._C.DispatchKey.CompositeExplicitAutograd)

    def torch_path_8bit(values, blocksize):
        # bitsandbytes' pure-torch 8-bit quantizer (exact nearest, ties to the lower index); the CPU
        # build normally routes around it to a lookup table
        return torch.ops.bitsandbytes.quantize_blockwise.default.redispatch(composite, values, dynamic, blocksize)

    def unpack(packed, n):
        p = packed.reshape(-1).numpy()
        codes = np.empty(p.size * 2, dtype=U8)
        codes[0::2], codes[1::2] = p >> 4, p & 15
        return codes[:n]

    def second_level_vs_cpu(tally, state, first_absmax, ours):
        """Differences of a double-quantized state made by the CPU build; returns bnb's absmax_hat."""
        offset = F32(state.offset.item())
        codes = state.absmax.numpy().astype(U8)
        absmax2 = state.state2.absmax.numpy().astype(F32)
        theirs_hat = (bnbf.dequantize_blockwise(state.absmax, state.state2) + state.offset).float().numpy()
        torch_mean = F32(torch.from_numpy(first_absmax).mean().item())
        if offset != ours["offset"][0]:
            label = "offset: torch float32 mean" if offset == torch_mean else "UNEXPLAINED"
            tally.add(label, 1)
            tally.notes.append(f"offset {float(offset)!r} vs ours {float(ours['offset'][0])!r}")
        # our encoder on the CPU build's own centred scales: what remains is its lookup table
        x, _ = block_scales((first_absmax - offset).astype(F32), GROUP)
        model = encode_dyn8(x)
        differ = codes != model
        distance_ours = np.abs(x.astype(F64) - DYN8_LEVELS[model].astype(F64))
        distance_theirs = np.abs(x.astype(F64) - DYN8_LEVELS[codes].astype(F64))
        group_zero = per_element(np.array([np.abs((first_absmax - offset).astype(F32))[j:j + GROUP].max() == 0
                                           for j in range(0, codes.size, GROUP)]), GROUP, codes.size)
        zero = differ & group_zero
        lookup = differ & ~group_zero & (distance_theirs >= distance_ours)
        tally.add("scale codes: all-zero group (CPU code 0)", zero.sum())
        tally.add("scale codes: CPU lookup table, no nearer than ours", lookup.sum())
        tally.add("UNEXPLAINED", (differ & ~zero & ~lookup).sum())
        tally.add("scale codes: follow from the offset", ((codes != ours["qabsmax"]) & ~differ).sum())
        rebuilt = ((DYN8_LEVELS[codes] * per_element(absmax2, GROUP, codes.size)).astype(F32) + offset).astype(F32)
        tally.add("UNEXPLAINED", bits_differ(rebuilt, theirs_hat).sum())      # our decoder on their state
        return theirs_hat

    tallies, all_ok = [], tables_ok
    for name, (dtype, w) in inputs.items():
        result = results[name]
        flat = w.reshape(-1)
        n = flat.size
        tensor = torch.from_numpy(np.ascontiguousarray(w, dtype=F32)).to(torch_dtype[dtype])   # exact

        for fmt, levels, encoder in (("nf4", NF4_LEVELS, encode_nf4), ("fp4", FP4_LEVELS, encode_fp4)):
            ours = result[fmt]
            packed, state = bnbf.quantize_4bit(tensor.clone(), blocksize=BLOCK, quant_type=fmt)
            codes = unpack(packed, n)
            dequant = bnbf.dequantize_4bit(packed, state).float().numpy()
            tally = Tally(name, f"{fmt} vs bnb CPU", n)
            tiny = overflowing_blocks(ours["absmax"], BLOCK, n)
            tally.add("UNEXPLAINED", bits_differ(state.absmax.numpy(), ours["absmax"]).sum())
            x, _ = block_scales(flat, BLOCK)
            divided = divided_last_block(flat, BLOCK, encoder)
            if fmt == "fp4":
                classify_fp4(tally, x, ours["codes"], codes, tiny, divided)
            else:
                diff = ours["codes"] != codes
                tally.add("subnormal block scale (CPU clamps it)", (diff & tiny).sum())
                tally.add("partial block (CPU divides)", (diff & ~tiny & (divided == codes)).sum())
                tally.add("UNEXPLAINED", (diff & ~tiny & (divided != codes)).sum())
            classify_dequant(tally, ours["what"], dequant, (ours["codes"] != codes) | tiny, "follows from the code")
            tallies.append(tally)

            # double quantization, as the CPU build runs it (bnb_4bit_use_double_quant)
            key = fmt + "dq"
            packed, state = bnbf.quantize_4bit(tensor.clone(), blocksize=BLOCK, quant_type=fmt,
                                               compress_statistics=True)
            tally = Tally(name, f"{fmt}-dq vs bnb CPU", n)
            theirs_hat = second_level_vs_cpu(tally, state, ours["absmax"], result[key])
            dequant = bnbf.dequantize_4bit(packed, state).float().numpy()
            their_codes = unpack(packed, n)
            their_levels = bnbf.get_4bit_type(fmt, device="cpu").float().numpy()   # fp4: code 8 is +0 there
            rebuilt = to_dtype((their_levels[their_codes] * per_element(theirs_hat, BLOCK, n)).astype(F32), dtype)
            # our decoder on their codes and scales must give their values (zeros may be signed either way)
            tally.add("UNEXPLAINED", (rebuilt.reshape(-1) != dequant.reshape(-1)).sum())
            scale_moved = per_element(bits_differ(theirs_hat, result[key]["absmax_hat"]), BLOCK, n)
            classify_dequant(tally, result[key]["what"], dequant, scale_moved | (their_codes != ours["codes"]),
                             "follows from the scale or the code")
            tallies.append(tally)

            # the same second level through bitsandbytes' exact torch 8-bit path, on OUR centred scales
            dq = result[key]
            centred = (ours["absmax"] - dq["offset"][0]).astype(F32)
            q2, absmax2 = torch_path_8bit(torch.from_numpy(centred), GROUP)
            q2 = q2.numpy()
            x2, _ = block_scales(centred, GROUP)
            tally = Tally(name, f"{fmt}-dq scales vs bnb torch", centred.size)
            diff = q2 != dq["qabsmax"]
            on_midpoint = np.isin(x2, DYN8_MIDPOINTS)
            tally.add("tie: torch takes the lower index", (diff & on_midpoint).sum())
            tally.add("UNEXPLAINED", (diff & ~on_midpoint).sum())
            scale_diff = bits_differ(absmax2.numpy(), dq["absmax2"])
            zero_groups = dq["absmax2"] == 0
            tally.add("absmax2: all-zero group (torch stores its clamp 1e-38)", (scale_diff & zero_groups).sum())
            tally.add("UNEXPLAINED", (scale_diff & ~zero_groups).sum())
            tallies.append(tally)

        # dyn8: the CPU build (lookup table) and the exact torch path
        ours = result["dyn8"]
        x, _ = block_scales(flat, DYN8_BLOCK)
        codes, state = bnbf.quantize_blockwise(tensor.clone(), blocksize=DYN8_BLOCK)
        codes = codes.numpy().reshape(-1)
        tally = Tally(name, "dyn8 vs bnb CPU", n)
        tally.add("UNEXPLAINED", bits_differ(state.absmax.numpy(), ours["absmax"]).sum())
        diff = codes != ours["codes"]
        zero_block = per_element(ours["absmax"] == 0, DYN8_BLOCK, n)
        no_nearer = (np.abs(x.astype(F64) - DYN8_LEVELS[codes].astype(F64))
                     >= np.abs(x.astype(F64) - DYN8_LEVELS[ours["codes"]].astype(F64)))
        on_midpoint = np.isin(x, DYN8_MIDPOINTS) & (np.abs(codes.astype(np.int64) - ours["codes"]) == 1)
        tally.add("all-zero block (CPU code 0)", (diff & zero_block).sum())
        tally.add("on a float32 midpoint (ours: the even index)", (diff & ~zero_block & on_midpoint).sum())
        tally.add("CPU lookup table, no nearer than ours", (diff & ~zero_block & ~on_midpoint & no_nearer).sum())
        tally.add("UNEXPLAINED", (diff & ~zero_block & ~on_midpoint & ~no_nearer).sum())
        decoder_state = bnbf.QuantState(absmax=torch.from_numpy(ours["absmax"]), code=dynamic,
                                        blocksize=DYN8_BLOCK, dtype=torch_dtype[dtype])
        decoded = bnbf.dequantize_blockwise(torch.from_numpy(ours["codes"].reshape(w.shape)),
                                            quant_state=decoder_state).float().numpy()
        tally.add("UNEXPLAINED", bits_differ(decoded, ours["what"]).sum())    # their decoder on our codes
        tallies.append(tally)
        exact, _ = torch_path_8bit(tensor.clone(), DYN8_BLOCK)
        exact = exact.numpy().reshape(-1)
        tally = Tally(name, "dyn8 vs bnb torch", n)
        diff = exact != ours["codes"]
        on_midpoint = np.isin(x, DYN8_MIDPOINTS)
        tally.add("tie: torch takes the lower index", (diff & on_midpoint).sum())
        tally.add("all-zero block", (diff & ~on_midpoint & zero_block).sum())
        tally.add("UNEXPLAINED", (diff & ~on_midpoint & ~zero_block).sum())
        tallies.append(tally)

        if "int8" in result:
            ours = result["int8"]
            rows = tensor.reshape(w.shape[0], -1)
            q, rowmax, _ = bnbf.int8_vectorwise_quant(rows.to(torch.float16).clone(), threshold=0.0)
            dequant = bnbf.int8_vectorwise_dequant(q, rowmax).numpy()
            tally = Tally(name, "int8 vs bnb", n)
            tally.add("UNEXPLAINED", (q.numpy() != ours["codes"]).sum())
            tally.add("UNEXPLAINED", bits_differ(rowmax.numpy(), ours["rowmax"]).sum())
            tally.add("UNEXPLAINED", bits_differ(dequant, ours["what"]).sum())
            tallies.append(tally)
            _, _, columns = bnbf.int8_vectorwise_quant(rows.float().clone(), threshold=float(THRESHOLD))
            columns = np.zeros(0, np.int64) if columns is None else columns.numpy().astype(np.int64)
            tally = Tally(name, "outlier columns vs bnb", rows.shape[1])
            if not np.array_equal(columns, result["outlier_cols"]):
                tally.add("UNEXPLAINED", 1)
            tally.notes.append(f"columns {result['outlier_cols'].tolist()}")
            tallies.append(tally)

    for tally in tallies:
        print(tally.line())
    if doc_path and os.path.exists(doc_path):
        examples_against_bitsandbytes(doc_path, bnbf, torch, torch_dtype, torch_path_8bit, unpack)
    unexplained = sum(t.unexplained for t in tallies)
    totals = {}
    for tally in tallies:
        for label, count in tally.classes.items():
            totals[label] = totals.get(label, 0) + count
    print("\nall differences by class:")
    for label, count in sorted(totals.items()):
        print(f"  {count:7d}  {label}")
    all_ok &= unexplained == 0
    print(f"\ncheck {'passed' if all_ok else 'FAILED'}: {unexplained} unexplained differences"
          + ("" if tables_ok else ", tables differ"))
    return all_ok


# ---------------------------------------------------------------------------------------------------
# --verify-doc: the worked examples of docs/FORMATS.md §10 against this generator
# ---------------------------------------------------------------------------------------------------
def parse_numbers(field, kind):
    """A field of an examples line: decimals or 0x bit patterns, V*K repeats, '-' for unchecked."""
    field = field.strip()
    if field == "-":
        return None
    values = []
    for token in field.split():
        text, _, repeat = token.partition("*")
        if kind == "int":
            value = int(text)
        elif text.lower().startswith(("0x", "-0x")):
            sign = -1 if text.startswith("-") else 1
            value = np.array([int(text.lstrip("-"), 16)], dtype=np.uint32).view(F32)[0] * F32(sign)
        else:
            value = F32(text)
        values.extend([value] * (int(repeat) if repeat else 1))
    return np.array(values, dtype=F32 if kind == "float" else np.int64)


def example_lines(path):
    inside = False
    with open(path) as handle:
        for number, line in enumerate(handle, 1):
            stripped = line.strip()
            if stripped.startswith("```"):
                inside = stripped == "```examples"
                continue
            if inside and stripped and not stripped.startswith("#"):
                yield number, stripped


def verify_doc(path):
    """Recomputes every example line with this script's rules; returns the number of failures."""
    formats = {"nf4": (NF4_LEVELS, encode_nf4, BLOCK), "fp4": (FP4_LEVELS, encode_fp4, BLOCK),
               "int4": (INT4_LEVELS, encode_int4, BLOCK), "dyn8": (DYN8_LEVELS, encode_dyn8, DYN8_BLOCK)}
    failures = checked = 0
    for number, line in example_lines(path):
        fields = [f.strip() for f in line.split("|")]
        head = fields[0]
        checked += 1
        if head == "dq-scales":
            got = second_level(parse_numbers(fields[1], "float"))
            pairs = [(got["offset"], parse_numbers(fields[2], "float")), (got["absmax2"], parse_numbers(fields[3], "float")),
                     (got["qabsmax"].astype(np.int64), parse_numbers(fields[4], "int")),
                     (got["absmax_hat"], parse_numbers(fields[5], "float"))]
        else:
            name, _, shape = head.partition("@")
            name, _, dtype = name.partition("/")
            dtype = dtype or "F32"
            w = to_dtype(parse_numbers(fields[1], "float"), dtype)
            if name == "int8":
                rows, cols = (int(v) for v in shape.split("x"))
                got = int8_rows(w, (rows, cols))
                codes, scales, what = got["codes"].reshape(-1).astype(np.int64), got["rowmax"], got["what"].reshape(-1)
            else:
                double = name.endswith("-dq")               # nf4-dq, fp4-dq: scales are the first level
                levels, encoder, blocksize = formats[name[:-3] if double else name]
                got = block_format(w, dtype, blocksize, levels, encoder)
                codes, scales, what = got["codes"].astype(np.int64), got["absmax"], got["what"]
                if double:
                    what = double_quantized(w, dtype, levels, got)["what"]
            pairs = [(scales, parse_numbers(fields[2], "float")), (codes, parse_numbers(fields[3], "int")),
                     (what, parse_numbers(fields[4], "float"))]
        for got_values, expected in pairs:
            if expected is None:
                continue
            got_values = np.asarray(got_values).reshape(-1)
            same = got_values.shape == expected.shape and (
                (got_values == expected).all() if expected.dtype == np.int64
                else not bits_differ(got_values, expected).any())
            if not same:
                failures += 1
                print(f"{path}:{number}: expected {expected.tolist()}, the rules give {got_values.tolist()}")
    print(f"verify-doc: {checked} example lines, {failures} mismatches")
    return failures


def examples_against_bitsandbytes(doc_path, bnbf, torch, torch_dtype, torch_path_8bit, unpack):
    """Prints, for each worked example of the doc, what bitsandbytes itself gives (information: the
    doc marks the examples where its CPU build departs by design)."""
    print(f"\nworked examples of {os.path.relpath(doc_path, ROOT)} through bitsandbytes:")
    for number, line in example_lines(doc_path):
        fields = [f.strip() for f in line.split("|")]
        head = fields[0]
        if head == "dq-scales":
            centred = (parse_numbers(fields[1], "float") - parse_numbers(fields[2], "float")[0]).astype(F32)
            codes, _ = torch_path_8bit(torch.from_numpy(centred), GROUP)
            answers = [("torch 8-bit codes", codes.numpy().astype(np.int64), parse_numbers(fields[4], "int"))]
        else:
            name, _, shape = head.partition("@")
            name, _, dtype = name.partition("/")
            dtype = dtype or "F32"
            w = to_dtype(parse_numbers(fields[1], "float"), dtype)
            tensor = torch.from_numpy(w).to(torch_dtype[dtype])
            codes_expected, what_expected = parse_numbers(fields[3], "int"), parse_numbers(fields[4], "float")
            if name in ("nf4", "fp4", "nf4-dq", "fp4-dq"):
                packed, state = bnbf.quantize_4bit(tensor.clone(), blocksize=BLOCK, quant_type=name[:3],
                                                   compress_statistics=name.endswith("-dq"))
                what = bnbf.dequantize_4bit(packed, state).float().numpy().reshape(-1)
                answers = [("CPU codes", unpack(packed, w.size).astype(np.int64), codes_expected),
                           ("CPU values", what, what_expected)]
            elif name == "dyn8":
                codes, _ = bnbf.quantize_blockwise(tensor.clone(), blocksize=DYN8_BLOCK)
                exact, _ = torch_path_8bit(tensor.clone(), DYN8_BLOCK)
                answers = [("CPU codes", codes.numpy().astype(np.int64), codes_expected),
                           ("torch codes", exact.numpy().astype(np.int64), codes_expected)]
            elif name == "int8":
                rows, cols = (int(v) for v in shape.split("x"))
                matrix = tensor.reshape(rows, cols).to(torch.float16)
                q, rowmax, _ = bnbf.int8_vectorwise_quant(matrix.clone(), threshold=0.0)
                what = bnbf.int8_vectorwise_dequant(q, rowmax).numpy().reshape(-1)
                answers = [("codes", q.numpy().reshape(-1).astype(np.int64), codes_expected),
                           ("values", what, what_expected)]
            else:
                answers = []                        # int4 is not a bitsandbytes format
        verdicts = []
        for label, got, expected in answers:
            if expected is None:
                continue
            got = np.asarray(got).reshape(-1)
            if expected.dtype == np.int64:
                same = np.array_equal(got, expected)
            else:
                same = got.shape == expected.shape and bool((got == expected).all())   # +0 == -0
            verdicts.append(f"{label} {'agree' if same else 'differ: ' + str(got.tolist()[:12])}")
        if verdicts:
            print(f"  FORMATS.md:{number:<4d} {head:10s} " + "; ".join(verdicts))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="folder to write into (default: %(default)s)")
    parser.add_argument("--check", action="store_true",
                        help="cross-check against bitsandbytes (needs torch and bitsandbytes 0.50.2)")
    parser.add_argument("--verify-doc", metavar="FORMATS_MD",
                        help="check the worked examples of docs/FORMATS.md against these rules, then exit")
    args = parser.parse_args()
    if args.verify_doc:
        sys.exit(1 if verify_doc(args.verify_doc) else 0)
    print(f"self-test: encode_dyn8 agrees with CUDA's binary search on {self_test()} values")
    inputs, results = generate(args.out)
    if args.check:
        sys.exit(0 if cross_check(inputs, results, os.path.join(ROOT, "docs", "FORMATS.md")) else 1)


if __name__ == "__main__":
    main()
