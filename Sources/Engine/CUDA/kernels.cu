// QuantScope CUDA kernels: the GPU twins of the C reference functions in
// Sources/CQuantKernels (include/quant_kernels.h). Compiled at run time by NVRTC with one
// header, quant_tables.h (next to this file; no CUDA or system headers). CUDABackend passes
// --fmad=false --ftz=false --prec-div=true --prec-sqrt=true --std=c++17, and every
// rounding-sensitive operation is spelled with an explicit round-to-nearest intrinsic (__fmul_rn,
// __fadd_rn, __frcp_rn, __dadd_rn ...), so each binary32 / binary64 operation rounds once, as in
// the C code compiled with -ffp-contract=off.
//
// Rules: docs/FORMATS.md. Tables: quant_tables.h, the file the C kernels include too.
// Naming: `qs_<format>_<verb>_kernel` mirrors `qs_<format>_<verb>_ref`; each kernel opens with a
// comment naming its C twin.
//
// Data layout: every kernel reads the tensor's raw little-endian bytes (F32, F16 or BF16) of one
// chunk, `count` elements starting at flat index `first` (a multiple of 4096, so of every block
// size); per-block arrays are passed already offset to the chunk's first block. Launches use
// 256 threads per block and a fixed grid (grid-stride loops). Float64 sums go to per-block slots
// `sums[blockIdx.x * QS_SUM_SLOTS + slot]` (each slot written by one block of one stream only),
// which the host adds in float64; maxima go through atomicMax on order-preserving 64-bit keys;
// counts through integer atomics. All of that is independent of scheduling order.

typedef unsigned char u8;
typedef signed char i8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;

// MARK: - Tables and numbering

// The codebooks, thresholds, literals, dyn8 map and midpoints, the int8 factor, qs_dtype and
// qs_block_format: the C code's own header, handed to NVRTC by name (CUDACompiler), under NVRTC
// as __constant__ arrays. No copy here.
#include "quant_tables.h"

// MARK: - Slots (values shared with CUDABackend)

/// Float64 sum slots per thread block (CUDABackend reads the same layout).
#define QS_SUM_W 0
#define QS_SUM_W2 1
#define QS_SUM_DEV2 2
#define QS_SUM_ERR_NF4 3
#define QS_SUM_ERR_NF4DQ 4
#define QS_SUM_ERR_FP4 5
#define QS_SUM_ERR_INT8 6
#define QS_SUM_ERR_DYN8 7
#define QS_SUM_ERR_INT4 8
#define QS_SUM_ERR_FP4DQ 9
#define QS_SUM_SLOTS 10

/// Order-preserving 64-bit max keys (`qs_double_key`), all starting at 0.
#define QS_KEY_MAX 0
#define QS_KEY_NEG_MIN 1
#define QS_KEY_ABSMAX 2
#define QS_KEY_ERR_NF4 3
#define QS_KEY_ERR_NF4DQ 4
#define QS_KEY_ERR_FP4 5
#define QS_KEY_ERR_INT8 6
#define QS_KEY_ERR_DYN8 7
#define QS_KEY_ERR_INT4 8
#define QS_KEY_ERR_FP4DQ 9
#define QS_KEY_SLOTS 10

/// Integer counters.
#define QS_COUNT_ZEROS 0
#define QS_COUNT_NANS 1
#define QS_COUNT_INFS 2
#define QS_COUNT_SLOTS 3

/// ±infinity without math headers.
#define QS_INFINITY __longlong_as_double(0x7ff0000000000000ll)

#define QS_THREADS 256
#define QS_WARPS (QS_THREADS / 32)

// MARK: - Bits and conversions (mirror dtype_convert.c and kernels_internal.h)

__device__ __forceinline__ u32 qs_bits(float x) { return __float_as_uint(x); }
__device__ __forceinline__ float qs_from_bits(u32 u) { return __uint_as_float(u); }

/// binary16 bits → float, exactly (mirrors `qs_convert_f16_ref`).
__device__ __forceinline__ float qs_f16_to_f32(u16 h) {
  u32 sign = ((u32)h & 0x8000u) << 16;
  u32 exponent = ((u32)h >> 10) & 0x1fu;
  u32 mantissa = (u32)h & 0x3ffu;
  if (exponent == 0x1fu) return qs_from_bits(sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0) {
    // Subnormal or zero: mantissa · 2^-24, exact (an integer ≤ 1023 times a power of two).
    float magnitude = __fmul_rn((float)mantissa, 0x1p-24f);
    return qs_from_bits(sign | qs_bits(magnitude));
  }
  return qs_from_bits(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

/// bfloat16 bits → float (a 16-bit shift; mirrors `qs_convert_bf16`).
__device__ __forceinline__ float qs_bf16_to_f32(u16 b) { return qs_from_bits((u32)b << 16); }

/// A kernel's `dtype` argument holds two `qs_dtype` codes: bits 0–1 say how the chunk's bytes are
/// read (`qs_load`), bits 2–3 which dtype a round trip is rounded to (`qs_round_dtype`: the
/// tensor's logical dtype). They are equal for a tensor read from its own bytes (F16: 1 | 1 << 2);
/// a stored-quantized tensor is dequantized to float32 and analysed as its logical dtype
/// (F32 | BF16 << 2). CUDATensorPipeline.kernelDType builds the value.
#define QS_LOAD_DTYPE(dtype) ((dtype) & 3)
#define QS_ROUND_DTYPE(dtype) (((dtype) >> 2) & 3)

/// Element `i` of a raw chunk, converted exactly to float.
__device__ __forceinline__ float qs_load(const u8* raw, int dtype, u64 i) {
  int load = QS_LOAD_DTYPE(dtype);
  if (load == QS_DTYPE_F32) return ((const float*)raw)[i];
  u16 h = ((const u16*)raw)[i];
  return load == QS_DTYPE_F16 ? qs_f16_to_f32(h) : qs_bf16_to_f32(h);
}

/// Nearest binary16 value of x, as float (mirrors `qs_round_f16` in kernels_internal.h).
__device__ __forceinline__ float qs_round_f16(float x) {
  u32 u = qs_bits(x);
  u32 sign = u & 0x80000000u;
  u32 a = u ^ sign;
  if (a >= 0x7f800000u) return x;
  if (a >= 0x477ff000u) return qs_from_bits(sign | 0x7f800000u);
  if (a >= 0x38800000u) {
    a = (a + 0xfffu + ((a >> 13) & 1u)) & ~0x1fffu;
  } else {
    // ulp(0.5) = 2^-24, the binary16 subnormal quantum: one RNE addition, an exact subtraction.
    const float big = 0.5f;
    float f = qs_from_bits(a);
    f = __fsub_rn(__fadd_rn(f, big), big);
    a = qs_bits(f);
  }
  return qs_from_bits(a | sign);
}

/// Nearest bfloat16 value of x, as float (mirrors `qs_round_bf16`).
__device__ __forceinline__ float qs_round_bf16(float x) {
  u32 u = qs_bits(x);
  if ((u & 0x7fffffffu) > 0x7f800000u) return x;
  u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
  return qs_from_bits(u);
}

/// ŵ = d rounded to the tensor's dtype (mirrors `qs_round_to_dtype_ref`); `dtype` is a kernel's
/// packed argument, of which the round bits count.
__device__ __forceinline__ float qs_round_dtype(float x, int dtype) {
  int round = QS_ROUND_DTYPE(dtype);
  if (round == QS_DTYPE_F16) return qs_round_f16(x);
  if (round == QS_DTYPE_BF16) return qs_round_bf16(x);
  return x;
}

// MARK: - Per-value rules (mirror kernels_internal.h)

/// Spec §1: x = f32(w · inv), except x = +0 for w = ±0 (mirrors `qs_scale`).
__device__ __forceinline__ float qs_scale(float w, float inv) {
  return w == 0.0f ? 0.0f : __fmul_rn(w, inv);
}

/// nf4: code = #{k : x > t_k}, strict (mirrors `qs_nf4_value`; bitsandbytes `dQuantizeNF4`).
__device__ __forceinline__ u32 qs_nf4_encode_value(float x) {
  u32 code = 0;
#pragma unroll
  for (int k = 0; k < 15; k++) code += (x > QS_NF4_THRESHOLDS[k]) ? 1u : 0u;
  return code;
}

/// fp4: sign 8 for x < 0; magnitude by the literals L1...L7, strict > (mirrors `qs_fp4_value`;
/// bitsandbytes `dQuantizeFP4`).
__device__ __forceinline__ u32 qs_fp4_encode_value(float x) {
  u32 sign = x < 0.0f ? 8u : 0u;
  float a = fabsf(x);
  u32 m;
  if (a > QS_FP4_LITERALS[6]) m = 3;
  else if (a > QS_FP4_LITERALS[5]) m = 2;
  else if (a > QS_FP4_LITERALS[4]) m = 5;
  else if (a > QS_FP4_LITERALS[3]) m = 4;
  else if (a > QS_FP4_LITERALS[2]) m = 7;
  else if (a > QS_FP4_LITERALS[1]) m = 6;
  else if (a > QS_FP4_LITERALS[0]) m = 1;
  else m = 0;
  return sign + m;
}

/// int4: clamp(RNE(f32(x · 7)), −7, 7) + 7 (mirrors `qs_int4_value`; rintf is RNE).
__device__ __forceinline__ u32 qs_int4_encode_value(float x) {
  float k = rintf(__fmul_rn(x, 7.0f));
  k = fminf(fmaxf(k, -7.0f), 7.0f);
  return (u32)((int)k + 7);
}

/// dyn8: code = #{i : x > m_i}; x exactly on m_i gives the even one of i, i+1 (mirrors
/// `qs_dyn8_value`; bitsandbytes `dQuantize`, whose binary search ends on an even index).
/// `midpoints`: QS_DYN8_MIDPOINTS, or a copy of it in shared memory (the lanes of a warp search
/// at different indices, which constant memory serves one address at a time).
__device__ __forceinline__ u32 qs_dyn8_search(const float* midpoints, float x) {
  int lo = 0, hi = 255;
  while (lo < hi) {
    int mid = (lo + hi) >> 1;
    if (midpoints[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo < 255 && x == midpoints[lo]) return (u32)((lo & 1) ? lo + 1 : lo);
  return (u32)lo;
}

__device__ __forceinline__ u32 qs_dyn8_encode_value(float x) {
  return qs_dyn8_search(QS_DYN8_MIDPOINTS, x);
}

/// fp4 code → value (mirrors `qs_fp4_decode`; code 8 is −0).
__device__ __forceinline__ float qs_fp4_decode_value(u32 code) {
  float m = QS_FP4_MAGNITUDES[code & 7u];
  return (code & 8u) ? -m : m;
}

__device__ __forceinline__ u32 qs_block_encode_value(int format, float x) {
  switch (format) {
  case QS_BLOCK_NF4: return qs_nf4_encode_value(x);
  case QS_BLOCK_FP4: return qs_fp4_encode_value(x);
  case QS_BLOCK_INT4: return qs_int4_encode_value(x);
  default: return qs_dyn8_encode_value(x);
  }
}

__device__ __forceinline__ float qs_block_decode_value(int format, u32 code) {
  switch (format) {
  case QS_BLOCK_NF4: return QS_NF4_CODEBOOK[code];
  case QS_BLOCK_FP4: return qs_fp4_decode_value(code);
  case QS_BLOCK_INT4: return QS_INT4_LEVELS[code];
  default: return QS_DYN8_MAP[code];
  }
}

// MARK: - Reductions

/// Order-preserving key of a double: a < b ⇔ key(a) < key(b) (NaN excluded); key(-inf) > 0.
__device__ __forceinline__ u64 qs_double_key(double v) {
  u64 u = (u64)__double_as_longlong(v);
  return (u >> 63) ? ~u : (u | 0x8000000000000000ull);
}

__device__ __forceinline__ double qs_warp_sum(double v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1)
    v = __dadd_rn(v, __shfl_down_sync(0xffffffffu, v, offset));
  return v;
}

__device__ __forceinline__ double qs_warp_max(double v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1)
    v = fmax(v, __shfl_down_sync(0xffffffffu, v, offset));
  return v;
}

__device__ __forceinline__ float qs_warp_max_f(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1)
    v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, offset));
  return v;
}

/// Adds the block's total of `v` to `*slot` (thread 0; one writer per slot per stream).
/// All threads of the block must call it.
__device__ void qs_block_add(double v, double* slot) {
  __shared__ double partial[QS_WARPS];
  v = qs_warp_sum(v);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    double total = 0.0;
    for (int i = 0; i < QS_WARPS; i++) total = __dadd_rn(total, partial[i]);
    *slot = __dadd_rn(*slot, total);
  }
}

/// atomicMax of the block's maximum of `v` into `*key` (order-preserving key). All threads call it.
__device__ void qs_block_max(double v, u64* key) {
  __shared__ double partial[QS_WARPS];
  v = qs_warp_max(v);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    double best = partial[0];
    for (int i = 1; i < QS_WARPS; i++) best = fmax(best, partial[i]);
    atomicMax(key, qs_double_key(best));
  }
}

/// Adds the block's total of `v` to `*counter`. All threads call it.
__device__ void qs_block_count(u64 v, u64* counter) {
  __shared__ u64 partial[QS_WARPS];
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    u64 total = 0;
    for (int i = 0; i < QS_WARPS; i++) total += partial[i];
    if (total) atomicAdd(counter, total);
  }
}

/// atomicMax for non-negative floats through their bits (the bit order is the value order).
__device__ __forceinline__ void qs_atomic_max_nonnegative(float* address, float v) {
  if (v > 0.0f) atomicMax((u32*)address, qs_bits(v));
}

// MARK: - Statistics (mirror qs_stats_segment)

/// Mirrors the statistics part of `qs_stats_segment`: Σw, Σw² (float64), finite min/max, absmax,
/// zero/NaN/inf counts of the chunk.
extern "C" __global__ void qs_stats_segment_kernel(
    const u8* raw, int dtype, u64 count, double* sums, u64* keys, u64* counters) {
  double sum = 0.0, sumSquares = 0.0;
  double maxValue = -QS_INFINITY, negMin = -QS_INFINITY, absmax = 0.0;
  u64 zeros = 0, nans = 0, infs = 0;
  u64 stride = (u64)gridDim.x * blockDim.x;
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
    float w = qs_load(raw, dtype, i);
    if (isnan(w)) { nans++; continue; }
    if (isinf(w)) { infs++; continue; }
    if (w == 0.0f) zeros++;
    double v = (double)w;
    sum = __dadd_rn(sum, v);
    sumSquares = __dadd_rn(sumSquares, __dmul_rn(v, v));
    maxValue = fmax(maxValue, v);
    negMin = fmax(negMin, -v);
    absmax = fmax(absmax, fabs(v));
  }
  double* slots = sums + (u64)blockIdx.x * QS_SUM_SLOTS;
  qs_block_add(sum, slots + QS_SUM_W);
  qs_block_add(sumSquares, slots + QS_SUM_W2);
  qs_block_max(maxValue, keys + QS_KEY_MAX);
  qs_block_max(negMin, keys + QS_KEY_NEG_MIN);
  qs_block_max(absmax, keys + QS_KEY_ABSMAX);
  qs_block_count(zeros, counters + QS_COUNT_ZEROS);
  qs_block_count(nans, counters + QS_COUNT_NANS);
  qs_block_count(infs, counters + QS_COUNT_INFS);
}

/// Mirrors the block-absmax part of `qs_stats_segment` (and of `qs_nf4_encode_ref` etc.):
/// absmax[b] = max |w| over block b of the chunk (one warp per block; partial last block).
extern "C" __global__ void qs_block_absmax_kernel(
    const u8* raw, int dtype, u64 count, u64 blocksize, float* absmax) {
  int lane = threadIdx.x & 31;
  u64 warp = ((u64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  u64 warps = ((u64)gridDim.x * blockDim.x) >> 5;
  u64 blocks = (count + blocksize - 1) / blocksize;
  for (u64 b = warp; b < blocks; b += warps) {
    u64 begin = b * blocksize, end = min(begin + blocksize, count);
    float m = 0.0f;
    for (u64 i = begin + lane; i < end; i += 32) m = fmaxf(m, fabsf(qs_load(raw, dtype, i)));
    m = qs_warp_max_f(m);
    if (lane == 0) absmax[b] = m;
  }
}

/// Mirrors the row part of `qs_stats_segment`: atomic max of |w| per row of W[rows, cols] into
/// rowAbsmax (float bits), r = (first + i) / cols. The caller rounds it to fp16 for int8
/// (max |fp16(w)| = fp16(max |w|), fp16 rounding being monotonic).
/// Each warp walks a run of 1024 consecutive elements, coalesced; a lane flushes its running
/// maximum when its row changes.
extern "C" __global__ void qs_row_absmax_kernel(
    const u8* raw, int dtype, u64 first, u64 count, u64 cols, float* rowAbsmax) {
  int lane = threadIdx.x & 31;
  u64 warp = ((u64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  u64 warps = ((u64)gridDim.x * blockDim.x) >> 5;
  u64 runs = (count + 1023) / 1024;
  for (u64 run = warp; run < runs; run += warps) {
    u64 i = run * 1024 + lane;
    u64 end = min(run * 1024 + 1024, count);
    if (i >= end) continue;
    u64 row = (first + i) / cols, col = (first + i) % cols;
    float m = 0.0f;
    for (; i < end; i += 32) {
      m = fmaxf(m, fabsf(qs_load(raw, dtype, i)));
      col += 32;
      if (col >= cols && i + 32 < end) {
        qs_atomic_max_nonnegative(rowAbsmax + row, m);
        m = 0.0f;
        while (col >= cols) { col -= cols; row++; }
      }
    }
    qs_atomic_max_nonnegative(rowAbsmax + row, m);
  }
}

/// Mirrors the column part of `qs_stats_segment`: colAbsmax[c] = max |w| over the rows of the
/// chunk (outlier columns, FORMATS.md §7). Threads own columns (x), rows are split over blockIdx.y.
extern "C" __global__ void qs_column_absmax_kernel(
    const u8* raw, int dtype, u64 first, u64 count, u64 cols, float* colAbsmax) {
  u64 end = first + count;
  u64 rowBegin = first / cols, rowEnd = (end + cols - 1) / cols;
  for (u64 col = (u64)blockIdx.x * blockDim.x + threadIdx.x; col < cols;
       col += (u64)gridDim.x * blockDim.x) {
    float m = 0.0f;
    for (u64 row = rowBegin + blockIdx.y; row < rowEnd; row += gridDim.y) {
      u64 g = row * cols + col;
      if (g >= first && g < end) m = fmaxf(m, fabsf(qs_load(raw, dtype, g - first)));
    }
    qs_atomic_max_nonnegative(colAbsmax + col, m);
  }
}

// MARK: - Block formats: codes (mirror qs_nf4_encode_ref, qs_fp4_encode_ref, ...)

/// Codes of a block format for a chunk, given its block absmax (one warp per block).
__device__ void qs_block_encode(
    int format, const u8* raw, int dtype, u64 count, u64 blocksize, const float* absmax,
    u8* codes) {
  int lane = threadIdx.x & 31;
  u64 warp = ((u64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  u64 warps = ((u64)gridDim.x * blockDim.x) >> 5;
  u64 blocks = (count + blocksize - 1) / blocksize;
  for (u64 b = warp; b < blocks; b += warps) {
    float inv = __frcp_rn(absmax[b]);
    u64 begin = b * blocksize, end = min(begin + blocksize, count);
    for (u64 i = begin + lane; i < end; i += 32)
      codes[i] = (u8)qs_block_encode_value(format, qs_scale(qs_load(raw, dtype, i), inv));
  }
}

/// Mirrors `qs_nf4_encode_ref` (codes; the absmax comes from qs_block_absmax_kernel).
extern "C" __global__ void qs_nf4_encode_kernel(
    const u8* raw, int dtype, u64 count, u64 blocksize, const float* absmax, u8* codes) {
  qs_block_encode(QS_BLOCK_NF4, raw, dtype, count, blocksize, absmax, codes);
}

/// Mirrors `qs_fp4_encode_ref`.
extern "C" __global__ void qs_fp4_encode_kernel(
    const u8* raw, int dtype, u64 count, u64 blocksize, const float* absmax, u8* codes) {
  qs_block_encode(QS_BLOCK_FP4, raw, dtype, count, blocksize, absmax, codes);
}

/// Mirrors `qs_int4_encode_ref`.
extern "C" __global__ void qs_int4_encode_kernel(
    const u8* raw, int dtype, u64 count, u64 blocksize, const float* absmax, u8* codes) {
  qs_block_encode(QS_BLOCK_INT4, raw, dtype, count, blocksize, absmax, codes);
}

/// Mirrors `qs_dyn8_encode_ref`.
extern "C" __global__ void qs_dyn8_encode_kernel(
    const u8* raw, int dtype, u64 count, u64 blocksize, const float* absmax, u8* codes) {
  qs_block_encode(QS_BLOCK_DYN8, raw, dtype, count, blocksize, absmax, codes);
}

// MARK: - Block formats: round trip and error (mirror qs_block_error_ref, qs_nf4_error_ref,
// qs_fp4_error_ref)

/// Flushes a block-shared code histogram into the global counts (256 bins).
__device__ void qs_flush_counts(const u32* local, u64* counts, int bins) {
  __syncthreads();
  for (int c = threadIdx.x; c < bins; c += blockDim.x)
    if (local[c]) atomicAdd(counts + c, (u64)local[c]);
}

/// Mirrors `qs_block_error_ref`: encode → decode d = f32(table[code]·absmax) → ŵ rounded to the
/// dtype → e = ŵ − w in float64: Σe² into sums[slot], max|e| into keys[slot], code counts.
/// One warp per block; `errorSlot` is the QS_SUM_ERR_* / QS_KEY_ERR_* index of the format.
extern "C" __global__ void qs_block_error_kernel(
    int format, const u8* raw, int dtype, u64 count, u64 blocksize, const float* absmax,
    int errorSlot, double* sums, u64* keys, u64* codeCounts) {
  __shared__ u32 local[256];
  // The code → value table and the dyn8 midpoints in shared memory: each lane looks up its own
  // index, which constant memory would serve one address at a time (measured on an H200: dyn8
  // took 5× as long as fp4 with the tables in constant memory).
  __shared__ float decode[256];
  __shared__ float midpoints[255];
  for (int c = threadIdx.x; c < 256; c += blockDim.x) {
    local[c] = 0;
    decode[c] = (format == QS_BLOCK_DYN8 || c < 16) ? qs_block_decode_value(format, (u32)c) : 0.0f;
    if (c < 255) midpoints[c] = QS_DYN8_MIDPOINTS[c];
  }
  __syncthreads();
  int lane = threadIdx.x & 31;
  u64 warp = ((u64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  u64 warps = ((u64)gridDim.x * blockDim.x) >> 5;
  u64 blocks = (count + blocksize - 1) / blocksize;
  double sumSquares = 0.0, maxError = 0.0;
  for (u64 b = warp; b < blocks; b += warps) {
    float scale = absmax[b];
    float inv = __frcp_rn(scale);
    u64 begin = b * blocksize, end = min(begin + blocksize, count);
    for (u64 i = begin + lane; i < end; i += 32) {
      float w = qs_load(raw, dtype, i);
      float x = qs_scale(w, inv);
      u32 code = format == QS_BLOCK_DYN8 ? qs_dyn8_search(midpoints, x)
                                         : qs_block_encode_value(format, x);
      float d = __fmul_rn(decode[code], scale);
      double e = __dsub_rn((double)qs_round_dtype(d, dtype), (double)w);
      sumSquares = __dadd_rn(sumSquares, __dmul_rn(e, e));
      maxError = fmax(maxError, fabs(e));
      atomicAdd(local + code, 1u);
    }
  }
  qs_block_add(sumSquares, sums + (u64)blockIdx.x * QS_SUM_SLOTS + errorSlot);
  qs_block_max(maxError, keys + errorSlot);
  qs_flush_counts(local, codeCounts, 256);
}

/// A 4-bit format (`format`: NF4 or FP4) and its double-quantized twin in one sweep, the body of
/// `qs_nf4_error_kernel` and `qs_fp4_error_kernel`. Codes from `absmax`; ŵ from absmax into the
/// slots `slot`, from `absmaxHat` (may be null: the plain format only) into `slotDQ`; the twin's
/// counts are the same codes. `local` and `levels` are the kernel's shared arrays (16 entries).
__device__ __forceinline__ void qs_dq_error(
    int format, const u8* raw, int dtype, u64 count, u64 blocksize, const float* absmax,
    const float* absmaxHat, double* sums, u64* keys, u64* codeCounts, u64* codeCountsDQ,
    int slot, int slotDQ, u32* local, float* levels) {
  for (int c = threadIdx.x; c < 16; c += blockDim.x) {
    local[c] = 0;
    levels[c] = qs_block_decode_value(format, (u32)c);
  }
  __syncthreads();
  int lane = threadIdx.x & 31;
  u64 warp = ((u64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  u64 warps = ((u64)gridDim.x * blockDim.x) >> 5;
  u64 blocks = (count + blocksize - 1) / blocksize;
  double sumSquares = 0.0, maxError = 0.0, sumSquaresDQ = 0.0, maxErrorDQ = 0.0;
  for (u64 b = warp; b < blocks; b += warps) {
    float scale = absmax[b];
    float scaleDQ = absmaxHat ? absmaxHat[b] : 0.0f;
    float inv = __frcp_rn(scale);
    u64 begin = b * blocksize, end = min(begin + blocksize, count);
    for (u64 i = begin + lane; i < end; i += 32) {
      float w = qs_load(raw, dtype, i);
      u32 code = qs_block_encode_value(format, qs_scale(w, inv));
      float value = levels[code];
      double e = __dsub_rn((double)qs_round_dtype(__fmul_rn(value, scale), dtype), (double)w);
      sumSquares = __dadd_rn(sumSquares, __dmul_rn(e, e));
      maxError = fmax(maxError, fabs(e));
      if (absmaxHat) {
        double eDQ =
            __dsub_rn((double)qs_round_dtype(__fmul_rn(value, scaleDQ), dtype), (double)w);
        sumSquaresDQ = __dadd_rn(sumSquaresDQ, __dmul_rn(eDQ, eDQ));
        maxErrorDQ = fmax(maxErrorDQ, fabs(eDQ));
      }
      atomicAdd(local + code, 1u);
    }
  }
  double* slots = sums + (u64)blockIdx.x * QS_SUM_SLOTS;
  qs_block_add(sumSquares, slots + slot);
  qs_block_max(maxError, keys + slot);
  if (absmaxHat) {
    qs_block_add(sumSquaresDQ, slots + slotDQ);
    qs_block_max(maxErrorDQ, keys + slotDQ);
  }
  qs_flush_counts(local, codeCounts, 16);
  if (codeCountsDQ) qs_flush_counts(local, codeCountsDQ, 16);
}

/// Mirrors `qs_nf4_error_ref`: nf4 and nf4-dq in one sweep. Codes from `absmax`; nf4 ŵ from
/// absmax, nf4-dq ŵ from `absmaxHat` (may be null: nf4 only). nf4-dq counts are the nf4 codes.
extern "C" __global__ void qs_nf4_error_kernel(
    const u8* raw, int dtype, u64 count, u64 blocksize, const float* absmax,
    const float* absmaxHat, double* sums, u64* keys, u64* codeCounts, u64* codeCountsDQ) {
  __shared__ u32 local[16];
  __shared__ float codebook[16];  // per-lane lookups: see qs_block_error_kernel
  qs_dq_error(QS_BLOCK_NF4, raw, dtype, count, blocksize, absmax, absmaxHat, sums, keys,
              codeCounts, codeCountsDQ, QS_SUM_ERR_NF4, QS_SUM_ERR_NF4DQ, local, codebook);
}

/// Mirrors `qs_fp4_error_ref`: fp4 and fp4-dq in one sweep, as `qs_nf4_error_kernel` does nf4 and
/// nf4-dq (`absmaxHat`: the same second level, `qs_nf4dq_scales_kernel` of the same maxima).
extern "C" __global__ void qs_fp4_error_kernel(
    const u8* raw, int dtype, u64 count, u64 blocksize, const float* absmax,
    const float* absmaxHat, double* sums, u64* keys, u64* codeCounts, u64* codeCountsDQ) {
  __shared__ u32 local[16];
  __shared__ float levels[16];  // per-lane lookups: see qs_block_error_kernel
  qs_dq_error(QS_BLOCK_FP4, raw, dtype, count, blocksize, absmax, absmaxHat, sums, keys,
              codeCounts, codeCountsDQ, QS_SUM_ERR_FP4, QS_SUM_ERR_FP4DQ, local, levels);
}

// MARK: - Double-quant second level of nf4-dq and fp4-dq (mirror qs_nf4dq_scales_ref)

/// Step 2 of `qs_nf4dq_scales_ref`: per-block float64 partial sums of the first-level scales
/// (partials[blockIdx.x]); the host adds them and forms offset = f32(S / N).
extern "C" __global__ void qs_absmax_sum_kernel(const float* absmax, u64 blocks, double* partials) {
  double sum = 0.0;
  for (u64 b = (u64)blockIdx.x * blockDim.x + threadIdx.x; b < blocks;
       b += (u64)gridDim.x * blockDim.x)
    sum = __dadd_rn(sum, (double)absmax[b]);
  partials[blockIdx.x] = 0.0;
  qs_block_add(sum, partials + blockIdx.x);
}

/// Steps 3–4 of `qs_nf4dq_scales_ref`: c = f32(absmax − offset), groups of 256 quantized with
/// dyn8 (absmax2 = max |c|, x = c·f32(1/absmax2), zero rule), absmax_hat = f32(f32(dyn[q]·absmax2)
/// + offset). One warp per group; qabsmax and absmax2 may be null.
extern "C" __global__ void qs_nf4dq_scales_kernel(
    const float* absmax, u64 blocks, float offset, u8* qabsmax, float* absmax2,
    float* absmaxHat) {
  int lane = threadIdx.x & 31;
  u64 warp = ((u64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  u64 warps = ((u64)gridDim.x * blockDim.x) >> 5;
  u64 groups = (blocks + 255) / 256;
  for (u64 g = warp; g < groups; g += warps) {
    u64 begin = g * 256, end = min(begin + 256, blocks);
    float m = 0.0f;
    for (u64 b = begin + lane; b < end; b += 32) m = fmaxf(m, fabsf(__fsub_rn(absmax[b], offset)));
    m = qs_warp_max_f(m);
    m = __shfl_sync(0xffffffffu, m, 0);
    if (lane == 0 && absmax2) absmax2[g] = m;
    float inv = __frcp_rn(m);
    for (u64 b = begin + lane; b < end; b += 32) {
      float c = __fsub_rn(absmax[b], offset);
      u32 q = qs_dyn8_encode_value(qs_scale(c, inv));
      if (qabsmax) qabsmax[b] = (u8)q;
      absmaxHat[b] = __fadd_rn(__fmul_rn(QS_DYN8_MAP[q], m), offset);
    }
  }
}

// MARK: - int8 (mirror qs_int8_rows_ref, qs_int8_error_ref)

/// q = RNE(f32(h · scale)) clamped to ±127; h = ±0 gives 0 even for a zero row, where scale is
/// +inf (mirrors `qs_int8_value` of kernels_internal.h).
__device__ __forceinline__ int qs_int8_value(float h, float scale) {
  if (h == 0.0f) return 0;
  float q = rintf(__fmul_rn(h, scale));
  q = fminf(fmaxf(q, -127.0f), 127.0f);
  return (int)q;
}

/// scale = f32(f32(1 / rowmax) · 127) (mirrors `qs_int8_scale`).
__device__ __forceinline__ float qs_int8_scale(float rowmax) {
  return __fmul_rn(__frcp_rn(rowmax), 127.0f);
}

/// ŵ = f32(f32(q · rowmax) · f32(1/127)) (mirrors `qs_int8_decode`).
__device__ __forceinline__ float qs_int8_decode(int q, float rowmax) {
  return __fmul_rn(__fmul_rn((float)q, rowmax), QS_INT8_INV127);
}

/// Mirrors `qs_int8_rows_ref` (codes; rowmax from qs_row_absmax_kernel rounded to fp16).
extern "C" __global__ void qs_int8_rows_kernel(
    const u8* raw, int dtype, u64 first, u64 count, u64 cols, const float* rowmax, i8* codes) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < count;
       i += (u64)gridDim.x * blockDim.x)
    codes[i] = (i8)qs_int8_value(
        qs_round_f16(qs_load(raw, dtype, i)), qs_int8_scale(rowmax[(first + i) / cols]));
}

/// Mirrors `qs_int8_error_ref`: ŵ = f32(f32(q·rowmax)·f32(1/127)) (float32, not rounded),
/// e = ŵ − w in float64; code counts in bin q + 127. Same warp runs as qs_row_absmax_kernel.
extern "C" __global__ void qs_int8_error_kernel(
    const u8* raw, int dtype, u64 first, u64 count, u64 cols, const float* rowmax, double* sums,
    u64* keys, u64* codeCounts) {
  __shared__ u32 local[256];
  for (int c = threadIdx.x; c < 256; c += blockDim.x) local[c] = 0;
  __syncthreads();
  int lane = threadIdx.x & 31;
  u64 warp = ((u64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  u64 warps = ((u64)gridDim.x * blockDim.x) >> 5;
  u64 runs = (count + 1023) / 1024;
  double sumSquares = 0.0, maxError = 0.0;
  for (u64 run = warp; run < runs; run += warps) {
    u64 i = run * 1024 + lane;
    u64 end = min(run * 1024 + 1024, count);
    if (i >= end) continue;
    u64 row = (first + i) / cols, col = (first + i) % cols;
    for (; i < end; i += 32) {
      float w = qs_load(raw, dtype, i);
      float m = rowmax[row];
      int q = qs_int8_value(qs_round_f16(w), qs_int8_scale(m));
      double e = __dsub_rn((double)qs_int8_decode(q, m), (double)w);
      sumSquares = __dadd_rn(sumSquares, __dmul_rn(e, e));
      maxError = fmax(maxError, fabs(e));
      atomicAdd(local + (q + 127), 1u);
      col += 32;
      while (col >= cols) { col -= cols; row++; }
    }
  }
  qs_block_add(sumSquares, sums + (u64)blockIdx.x * QS_SUM_SLOTS + QS_SUM_ERR_INT8);
  qs_block_max(maxError, keys + QS_KEY_ERR_INT8);
  qs_flush_counts(local, codeCounts, 255);
}

/// Mirrors `qs_round_to_dtype_ref` with QS_DTYPE_F16, applied in place to the row maxima
/// (rowmax = max |fp16(w)| = fp16(max |w|), FORMATS.md §6); overflow → +inf: int8 undefined.
extern "C" __global__ void qs_round_f16_kernel(float* values, u64 count) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < count;
       i += (u64)gridDim.x * blockDim.x)
    values[i] = qs_round_f16(values[i]);
}

// MARK: - Histograms (mirror qs_histogram_segment)

/// `qs_bin` of kernels_internal.h: bin of a scaled position t (NaN or t ≤ 0 → 0,
/// t ≥ bins → bins − 1).
__device__ __forceinline__ u32 qs_bin(double t, u32 bins) {
  if (!(t > 0.0)) return 0;
  if (t >= (double)bins) return bins - 1;
  return (u32)t;
}

/// Mirrors `qs_histogram_segment`: value histogram over [lo, hi] (bin = qs_bin((v − lo)·scale),
/// scale = bins / (hi − lo) computed by the host as the C code does, 0 when hi ≤ lo: every value
/// in bin bins/2), block-normalised histogram of x = w·f32(1/absmax_block) (x = 0 for w = ±0),
/// bin = qs_bin((x + 1)·halfBins) with halfBins = bins·0.5, and Σ(w − mean)² (float64 slot
/// QS_SUM_DEV2). Non-finite values and non-finite x are skipped. `normalizedCounts` may be null.
/// Dynamic shared memory: 2·bins u32 counters when `useShared` (else global atomics).
extern "C" __global__ void qs_histogram_segment_kernel(
    const u8* raw, int dtype, u64 count, u64 blocksize, const float* absmax, double lo,
    double scale, double halfBins, u32 bins, u64* valueCounts, u64* normalizedCounts,
    double mean, double* sums, int useShared) {
  extern __shared__ u32 shared[];
  u32* localValue = shared;
  u32* localNormalized = shared + bins;
  if (useShared) {
    for (u32 c = threadIdx.x; c < 2 * bins; c += blockDim.x) shared[c] = 0;
    __syncthreads();
  }
  double deviation = 0.0;
  u64 stride = (u64)gridDim.x * blockDim.x;
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
    float w = qs_load(raw, dtype, i);
    if (isnan(w) || isinf(w)) continue;
    double v = (double)w;
    double d = __dsub_rn(v, mean);
    deviation = __dadd_rn(deviation, __dmul_rn(d, d));
    u32 bin = scale > 0.0 ? qs_bin(__dmul_rn(__dsub_rn(v, lo), scale), bins) : bins / 2;
    if (useShared) atomicAdd(localValue + bin, 1u);
    else atomicAdd(valueCounts + bin, 1ull);
    if (normalizedCounts) {
      float x = qs_scale(w, __frcp_rn(absmax[i / blocksize]));
      if (!isnan(x) && !isinf(x)) {
        u32 nbin = qs_bin(__dmul_rn(__dadd_rn((double)x, 1.0), halfBins), bins);
        if (useShared) atomicAdd(localNormalized + nbin, 1u);
        else atomicAdd(normalizedCounts + nbin, 1ull);
      }
    }
  }
  qs_block_add(deviation, sums + (u64)blockIdx.x * QS_SUM_SLOTS + QS_SUM_DEV2);
  if (useShared) {
    __syncthreads();
    for (u32 c = threadIdx.x; c < bins; c += blockDim.x) {
      if (localValue[c]) atomicAdd(valueCounts + c, (u64)localValue[c]);
      if (normalizedCounts && localNormalized[c])
        atomicAdd(normalizedCounts + c, (u64)localNormalized[c]);
    }
  }
}

// MARK: - Conversion (mirror qs_convert_f32 / qs_convert_f16 / qs_convert_bf16)

/// Mirrors `qs_convert_f32`, `qs_convert_f16` and `qs_convert_bf16`: a raw chunk to float32
/// (exact).
extern "C" __global__ void qs_convert_kernel(const u8* raw, int dtype, u64 count, float* out) {
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < count;
       i += (u64)gridDim.x * blockDim.x)
    out[i] = qs_load(raw, dtype, i);
}

// MARK: - Stored-quantized tensors (mirror Safetensors/Stored/TensorDataReader+Stored.swift)
//
// These kernels' twins are Swift, not C: the host reader's dequantization, which the CPU backend
// uses. A checkpoint that is already quantized (bitsandbytes 4-bit / 8-bit saves, FP8 weights) is
// analysed through its dequantized weights. These kernels turn one chunk of stored codes into
// float32 values in the chunk's slot of the store, exactly as the host reader does (the CPU
// backend's path), so every analysis kernel then runs on them unchanged (load dtype F32, round
// dtype the logical one). Scales and code books are uploaded whole per tensor, as float32; the
// element index is global (`first` + i), so no block, row or tile needs to align with a chunk.
// With `codeCounts` non-null each kernel also counts the stored codes (StoredCodeUsage: 16 bins
// for 4-bit, 255 for int8 with −128 counted as −127, 256 for FP8 bytes).

/// Mirrors `TensorDataReader.blockScales`: double quant's float32 block scales of a 4-bit
/// tensor, scale[b] = f32(f32(nestedMap[code[b]] · nestedAbsmax[b / nestedBlocksize]) + offset)
/// (bitsandbytes' `dequantize_blockwise`, then `absmax += offset`).
extern "C" __global__ void qs_stored_dq_scales_kernel(
    const u8* absmaxCodes, u64 blocks, const float* nestedMap, const float* nestedAbsmax,
    u64 nestedBlocksize, float offset, float* scales) {
  for (u64 b = (u64)blockIdx.x * blockDim.x + threadIdx.x; b < blocks;
       b += (u64)gridDim.x * blockDim.x)
    scales[b] = __fadd_rn(
        __fmul_rn(nestedMap[absmaxCodes[b]], nestedAbsmax[b / nestedBlocksize]), offset);
}

/// Mirrors `TensorDataReader.dequantizeFourBit` (bitsandbytes' `dequantize_4bit`): element first + i is the high nibble of packed byte i / 2 when even, the low
/// one when odd (`first` is even); value = f32(map[code] · scale[(first + i) / blocksize]) rounded
/// to the logical dtype (the packed `dtype`'s round bits). `signMagnitude` (fp4 written as
/// float16): codes 8...15 are −(map[code − 8] · scale), so code 8 is −0.
extern "C" __global__ void qs_stored_4bit_kernel(
    const u8* packed, u64 first, u64 count, const float* map, const float* scales,
    u64 blocksize, int signMagnitude, int dtype, float* out, u64* codeCounts) {
  __shared__ u32 local[16];
  __shared__ float levels[16];
  if (threadIdx.x < 16) {
    local[threadIdx.x] = 0;
    levels[threadIdx.x] = map[threadIdx.x];
  }
  __syncthreads();
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < count;
       i += (u64)gridDim.x * blockDim.x) {
    u8 byte = packed[i >> 1];
    u32 code = (i & 1) == 0 ? (u32)(byte >> 4) : (u32)(byte & 15);
    float scale = scales[(first + i) / blocksize];
    float value = signMagnitude && code >= 8 ? -__fmul_rn(levels[code - 8], scale)
                                             : __fmul_rn(levels[code], scale);
    out[i] = qs_round_dtype(value, dtype);
    if (codeCounts) atomicAdd(local + code, 1u);
  }
  if (codeCounts) qs_flush_counts(local, codeCounts, 16);
}

/// Mirrors `TensorDataReader.dequantizeInt8` (bitsandbytes' `int8_vectorwise_dequant`): value =
/// f32(f32(q · SCB[row]) · QS_INT8_INV127), float32, row = (first + i) / cols. bitsandbytes'
/// literal 7.874015718698502e-3 is f32(1/127), the same float as QS_INT8_INV127.
extern "C" __global__ void qs_stored_int8_kernel(
    const i8* codes, u64 first, u64 count, u64 cols, const float* rowScale, float* out,
    u64* codeCounts) {
  __shared__ u32 local[256];
  for (int c = threadIdx.x; c < 256; c += blockDim.x) local[c] = 0;
  __syncthreads();
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < count;
       i += (u64)gridDim.x * blockDim.x) {
    int q = (int)codes[i];
    out[i] = __fmul_rn(__fmul_rn((float)q, rowScale[(first + i) / cols]), QS_INT8_INV127);
    if (codeCounts) atomicAdd(local + (q < -127 ? 0 : q + 127), 1u);
  }
  if (codeCounts) qs_flush_counts(local, codeCounts, 255);
}

/// OCP F8 E4M3 "fn" bits → float, exactly (bias 7, no infinities, S.1111.111 is NaN; mirrors
/// `FloatDecoding.float8E4M3`).
__device__ __forceinline__ float qs_e4m3_to_f32(u8 bits) {
  u32 sign = ((u32)bits & 0x80u) << 24;
  u32 exponent = ((u32)bits >> 3) & 15u;
  u32 mantissa = (u32)bits & 7u;
  if (exponent == 15u && mantissa == 7u) return qs_from_bits(sign | 0x7fc00000u);
  if (exponent == 0) return qs_from_bits(sign | qs_bits(__fmul_rn((float)mantissa, 0x1p-9f)));
  return qs_from_bits(sign | ((exponent + 120u) << 23) | (mantissa << 20));
}

/// Mirrors `TensorDataReader.dequantizeFP8`: FP8 × scale in float32. `e5m2`: the byte is the top of a
/// binary16, else E4M3. `scaleMode` 0: no scale; 1: scales[0]; 2: scales[row]; 3: block tiles of
/// `blockRows` × `blockCols`, scales[(row / blockRows) · scaleCols + col / blockCols]; with
/// row = (first + i) / cols and col = (first + i) % cols.
extern "C" __global__ void qs_stored_fp8_kernel(
    const u8* codes, int e5m2, u64 first, u64 count, u64 cols, int scaleMode,
    const float* scales, u64 blockRows, u64 blockCols, u64 scaleCols, float* out,
    u64* codeCounts) {
  __shared__ u32 local[256];
  for (int c = threadIdx.x; c < 256; c += blockDim.x) local[c] = 0;
  __syncthreads();
  for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < count;
       i += (u64)gridDim.x * blockDim.x) {
    u8 byte = codes[i];
    float value = e5m2 ? qs_f16_to_f32((u16)((u32)byte << 8)) : qs_e4m3_to_f32(byte);
    u64 index = first + i;
    if (scaleMode == 1) {
      value = __fmul_rn(value, scales[0]);
    } else if (scaleMode == 2) {
      value = __fmul_rn(value, scales[index / cols]);
    } else if (scaleMode == 3) {
      u64 row = index / cols, col = index % cols;
      value = __fmul_rn(value, scales[(row / blockRows) * scaleCols + col / blockCols]);
    }
    out[i] = value;
    if (codeCounts) atomicAdd(local + byte, 1u);
  }
  if (codeCounts) qs_flush_counts(local, codeCounts, 256);
}
