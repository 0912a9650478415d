// Private to CQuantKernels: every rule the reference loops and the scalar parts of the fast tiers
// share, written once. Per-value functions are the rules of docs/FORMATS.md, nothing
// more; the vector tiers mirror them lane by lane (avx2_inline.h, avx512_inline.h) and kernels.cu
// mirrors them on the GPU. The tables they read live in quant_tables.h (shared with CUDA).
#ifndef QUANTSCOPE_KERNELS_INTERNAL_H
#define QUANTSCOPE_KERNELS_INTERNAL_H
#include "quant_kernels.h"
#include <math.h>
#include <string.h>

// MARK: - Bits and dtype rounding

static inline uint32_t qs_bits(float x) {
  uint32_t u;
  memcpy(&u, &x, 4);
  return u;
}

static inline float qs_from_bits(uint32_t u) {
  float x;
  memcpy(&x, &u, 4);
  return x;
}

/// Nearest binary16 value of x, as float (RNE, overflow → ±inf, subnormals kept).
static inline float qs_round_f16(float x) {
  uint32_t u = qs_bits(x);
  uint32_t sign = u & 0x80000000u;
  uint32_t a = u ^ sign;
  if (a >= 0x7f800000u) return x;                       // inf, NaN
  if (a >= 0x477ff000u) return qs_from_bits(sign | 0x7f800000u);  // ≥ 65520 rounds to inf
  if (a >= 0x38800000u) {                               // ≥ 2^-14: normal binary16
    a = (a + 0xfffu + ((a >> 13) & 1u)) & ~0x1fffu;
  } else {                                              // binary16 subnormal range: quantum 2^-24
    const float big = 0.5f;  // ulp(0.5) = 2^-24: one RNE addition, an exact subtraction
    float f = qs_from_bits(a);
    f = (f + big) - big;
    a = qs_bits(f);
  }
  return qs_from_bits(a | sign);
}

/// Nearest bfloat16 value of x, as float (RNE; NaN unchanged).
static inline float qs_round_bf16(float x) {
  uint32_t u = qs_bits(x);
  if ((u & 0x7fffffffu) > 0x7f800000u) return x;
  u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
  return qs_from_bits(u);
}

static inline float qs_round_dtype(float x, qs_dtype dtype) {
  switch (dtype) {
  case QS_DTYPE_F16: return qs_round_f16(x);
  case QS_DTYPE_BF16: return qs_round_bf16(x);
  default: return x;
  }
}

// MARK: - Block formats: scale, encoders, decoders

/// Spec §1: x = f32(w · inv), except x = +0 for w = ±0.
static inline float qs_scale(float w, float inv) { return w == 0.0f ? 0.0f : w * inv; }

/// nf4 (csrc/kernels.cu `dQuantizeNF4`): code = #{k : x > t_k}.
static inline uint8_t qs_nf4_value(float x) {
  uint8_t code = 0;
  for (int k = 0; k < 15; k++) code += (x > QS_NF4_THRESHOLDS[k]);
  return code;
}

/// fp4 (csrc/kernels.cu `dQuantizeFP4`): sign bit 8 for x < 0; magnitude by the literals.
static inline uint8_t qs_fp4_value(float x) {
  uint8_t sign = x < 0.0f ? 8 : 0;
  float a = fabsf(x);
  uint8_t m;
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

/// `qs_fp4_value`'s magnitude code by rank, the count of literals below |x| (0...7): the vector
/// tiers count the literals, then look the code up here.
static const int QS_FP4_CODE_BY_RANK[8] = {0, 1, 6, 7, 4, 5, 2, 3};

/// int4 (ours, FORMATS.md §8): code = clamp(RNE(f32(x · 7)), −7, 7) + 7. NaN → 0 (fmaxf drops it).
static inline uint8_t qs_int4_value(float x) {
  float k = rintf(x * 7.0f);
  k = fminf(fmaxf(k, -7.0f), 7.0f);
  return (uint8_t)((int)k + 7);
}

/// dyn8 (csrc/kernels.cu `dQuantize`): code = #{i : x > m_i}; x exactly on m_i → the even of
/// i, i+1 (CUDA's binary search always ends on an even index).
static inline uint8_t qs_dyn8_value(float x) {
  int lo = 0, hi = 255;  // count of midpoints < x lies in [lo, hi]
  while (lo < hi) {
    int mid = (lo + hi) >> 1;
    if (QS_DYN8_MIDPOINTS[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo < 255 && x == QS_DYN8_MIDPOINTS[lo]) return (uint8_t)((lo & 1) ? lo + 1 : lo);
  return (uint8_t)lo;
}

/// `qs_dyn8_value` without data-dependent branches in the search (binary lifting over the 255
/// sorted midpoints: the same count of midpoints < x, NaN → 0), then the same tie rule.
static inline uint8_t qs_dyn8_value_branchless(float x) {
  int lo = 0;
  for (int step = 128; step > 0; step >>= 1) {
    lo = QS_DYN8_MIDPOINTS[lo + step - 1] < x ? lo + step : lo;
  }
  if (lo < 255 && x == QS_DYN8_MIDPOINTS[lo]) return (uint8_t)((lo & 1) ? lo + 1 : lo);
  return (uint8_t)lo;
}

static inline float qs_fp4_decode(uint8_t code) {
  float m = QS_FP4_MAGNITUDES[code & 7];
  return (code & 8) ? -m : m;
}

static inline uint8_t qs_encode(qs_block_format format, float x) {
  switch (format) {
  case QS_BLOCK_NF4: return qs_nf4_value(x);
  case QS_BLOCK_FP4: return qs_fp4_value(x);
  case QS_BLOCK_INT4: return qs_int4_value(x);
  default: return qs_dyn8_value(x);
  }
}

static inline float qs_decode(qs_block_format format, uint8_t code) {
  switch (format) {
  case QS_BLOCK_NF4: return QS_NF4_CODEBOOK[code & 15];
  case QS_BLOCK_FP4: return qs_fp4_decode(code);
  case QS_BLOCK_INT4: return code < 15 ? QS_INT4_LEVELS[code] : 0.0f;
  default: return QS_DYN8_MAP[code];
  }
}

/// max |w| over w[begin..end), starting from `m`: NaN never wins a comparison, so a NaN keeps the
/// finite max.
static inline float qs_absmax_from(const float *w, size_t begin, size_t end, float m) {
  for (size_t i = begin; i < end; i++) {
    float a = fabsf(w[i]);
    m = a > m ? a : m;
  }
  return m;
}

/// End (relative to `start`, at most `n`) of run `index` of `unit` elements: the block of a block
/// format, the row of int8.
static inline size_t qs_run_end(size_t index, size_t unit, size_t start, size_t n) {
  size_t end = (index + 1) * unit - start;
  return end < n ? end : n;
}

/// The round-trip kernels walk w[0..n) (flat index `start` + i) run by run, one scale per run:
/// the block of a block format, the row of int8.
typedef struct {
  size_t index;  ///< block or row number, counted from the tensor's start
  size_t end;    ///< end of the run relative to `start`, at most n
  float scale;   ///< absmax[index] (block) or rowmax[index] (row)
  float inv;     ///< f32(1/absmax) (block) or `qs_int8_scale(rowmax)` (row)
} qs_run;

/// The block holding element i.
static inline qs_run qs_block_run(const float *absmax, size_t start, size_t i, size_t blocksize,
                                  size_t n) {
  qs_run run;
  run.index = (start + i) / blocksize;
  run.end = qs_run_end(run.index, blocksize, start, n);
  run.scale = absmax[run.index];
  run.inv = 1.0f / run.scale;
  return run;
}

// MARK: - int8 (FORMATS.md §6)

/// scale = f32(f32(1 / rowmax) · 127): torch's evaluation of `127 / rowmax`.
static inline float qs_int8_scale(float rowmax) { return (1.0f / rowmax) * 127.0f; }

/// q = RNE(f32(h · scale)), clamped to ±127 (never reached, kept so no float→int conversion can
/// see NaN); h = ±0 gives 0 even for a zero row, where scale is +inf.
static inline int qs_int8_value(float h, float scale) {
  if (h == 0.0f) return 0;
  float q = rintf(h * scale);
  q = fminf(fmaxf(q, -127.0f), 127.0f);
  return (int)q;
}

static inline float qs_int8_decode(int q, float rowmax) {
  return ((float)q * rowmax) * QS_INT8_INV127;
}

/// The row (of `cols` elements) holding element i, with its int8 scale.
static inline qs_run qs_row_run(const float *rowmax, size_t start, size_t i, size_t cols, size_t n) {
  qs_run run;
  run.index = (start + i) / cols;
  run.end = qs_run_end(run.index, cols, start, n);
  run.scale = rowmax[run.index];
  run.inv = qs_int8_scale(run.scale);
  return run;
}

// MARK: - Error accumulation order (shared by every tier)

/// Σe² is accumulated in 8 lanes by element position within one call (lane = i mod 8), the lanes
/// combined at the end as ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)) and added to the accumulator: the
/// order an 8-wide SIMD loop uses, so every tier gives the same bits. max |e| is order-free.
typedef struct {
  double sum[8];
  double max_abs;
} qs_lanes;

static inline void qs_lanes_init(qs_lanes *lanes) {
  for (int k = 0; k < 8; k++) lanes->sum[k] = 0.0;
  lanes->max_abs = 0.0;
}

static inline void qs_lanes_add(qs_lanes *lanes, size_t i, float w_hat, float w) {
  double e = (double)w_hat - (double)w;
  lanes->sum[i & 7] += e * e;
  double a = fabs(e);
  if (a > lanes->max_abs || a != a) lanes->max_abs = a;
}

static inline void qs_lanes_finish(const qs_lanes *lanes, qs_error_acc *acc) {
  const double *s = lanes->sum;
  double total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  acc->sum_sq_err += total;
  double m = lanes->max_abs;
  if (m > acc->max_abs_err || m != m) acc->max_abs_err = m;
}

/// Code counts in 4 interleaved sub-histograms: the SIMD tiers count lane k into sub-histogram
/// k mod 4, which breaks the store-to-load chains of repeated codes.
typedef struct {
  uint64_t sub[4][256];
} qs_counts4;

/// Adds the 4 sub-histograms to `out` (256 codes).
static inline void qs_counts4_flush(const qs_counts4 *counts, uint64_t *out) {
  for (int c = 0; c < 256; c++) {
    out[c] += counts->sub[0][c] + counts->sub[1][c] + counts->sub[2][c] + counts->sub[3][c];
  }
}

// MARK: - One element of a round trip (references, and the heads and tails of the tiers)

/// Element i of a block format: code of x (= w·f32(1/a), already scaled), counted, and the error
/// of ŵ = round_dtype(f32(level · a)).
static inline void qs_block_element(qs_block_format format, float x, float w, size_t i, float a,
                                    qs_dtype dtype, qs_lanes *lanes, qs_error_acc *acc) {
  uint8_t code = qs_encode(format, x);
  acc->counts[code]++;
  qs_lanes_add(lanes, i, qs_round_dtype(qs_decode(format, code) * a, dtype), w);
}

/// Element i of a 4-bit format and its double-quantized twin (nf4 and nf4-dq, fp4 and fp4-dq):
/// one code of x, ŵ from the block scale `a` (into `acc`) and from the double-quantized scale
/// `a_hat` (into `acc_dq`). Either accumulator may be NULL (skipped). `format` is NF4 or FP4.
static inline void qs_dq_element(qs_block_format format, float x, float w, size_t i, float a,
                                 float a_hat, qs_dtype dtype, qs_lanes *lanes, qs_error_acc *acc,
                                 qs_lanes *lanes_dq, qs_error_acc *acc_dq) {
  uint8_t code = qs_encode(format, x);
  float level = qs_decode(format, code);
  if (acc != NULL) {
    acc->counts[code]++;
    qs_lanes_add(lanes, i, qs_round_dtype(level * a, dtype), w);
  }
  if (acc_dq != NULL) {
    acc_dq->counts[code]++;
    qs_lanes_add(lanes_dq, i, qs_round_dtype(level * a_hat, dtype), w);
  }
}

/// Element i of int8 (row maximum `m`, its `qs_int8_scale`): h = fp16(w), q counted in bin
/// q + 127, error of ŵ = f32(f32(q·m)·f32(1/127)).
static inline void qs_int8_element(float w, size_t i, float m, float scale, qs_lanes *lanes,
                                   qs_error_acc *acc) {
  int q = qs_int8_value(qs_round_f16(w), scale);
  acc->counts[q + 127]++;
  qs_lanes_add(lanes, i, qs_int8_decode(q, m), w);
}

// MARK: - The 4-bit formats one after another

/// `qs_nf4_error` / `qs_fp4_error` (or their `_ref`): a format with its double-quantized twin.
typedef void (*qs_dq_error_fn)(const float *w, size_t n, size_t start, size_t blocksize,
                               const float *absmax, const float *absmax_hat, qs_dtype dtype,
                               qs_error_acc *acc, qs_error_acc *acc_dq);
typedef void (*qs_block_error_fn)(qs_block_format format, const float *w, size_t n, size_t start,
                                  size_t blocksize, const float *absmax, qs_dtype dtype,
                                  qs_error_acc *acc);

/// One format and its double-quantized twin through `dq_error`, skipped when both accumulators
/// are NULL (the plain one then goes to a scratch accumulator).
static inline void qs_dq_pair(qs_dq_error_fn dq_error, const float *w, size_t n, size_t start,
                              size_t blocksize, const float *absmax, const float *absmax_hat,
                              qs_dtype dtype, qs_error_acc *acc, qs_error_acc *acc_dq) {
  if (acc == NULL && acc_dq == NULL) return;
  qs_error_acc scratch;
  memset(&scratch, 0, sizeof scratch);
  dq_error(w, n, start, blocksize, absmax, acc_dq != NULL ? absmax_hat : NULL, dtype,
           acc != NULL ? acc : &scratch, acc_dq);
}

/// `qs_block4_error` format by format: nf4 (+ nf4-dq) through `nf4_error`, fp4 (+ fp4-dq) through
/// `fp4_error`, int4 through `block_error`, each skipped when its accumulators are NULL. The
/// reference passes the `_ref` functions, the dispatcher (below AVX-512) the dispatchers.
static inline void qs_block4_one_by_one(qs_dq_error_fn nf4_error, qs_dq_error_fn fp4_error,
                                        qs_block_error_fn block_error, const float *w, size_t n,
                                        size_t start, size_t blocksize, const float *absmax,
                                        const float *absmax_hat, qs_dtype dtype,
                                        qs_error_acc *acc_nf4, qs_error_acc *acc_nf4dq,
                                        qs_error_acc *acc_fp4, qs_error_acc *acc_fp4dq,
                                        qs_error_acc *acc_int4) {
  qs_dq_pair(nf4_error, w, n, start, blocksize, absmax, absmax_hat, dtype, acc_nf4, acc_nf4dq);
  qs_dq_pair(fp4_error, w, n, start, blocksize, absmax, absmax_hat, dtype, acc_fp4, acc_fp4dq);
  if (acc_int4 != NULL) block_error(QS_BLOCK_INT4, w, n, start, blocksize, absmax, dtype, acc_int4);
}

// MARK: - The double-quant second level of nf4-dq and fp4-dq (FORMATS.md §4)

/// The second level with either dyn8 encoder (`branchless`: the fast one, same codes); the
/// reference and the dispatcher each pass a constant.
static inline void qs_nf4dq_second_level(const float *absmax, size_t nblocks, float *offset,
                                         uint8_t *qabsmax, float *absmax2, float *absmax_hat,
                                         int branchless) {
  if (nblocks == 0) {
    *offset = 0.0f;
    return;
  }
  double sum = 0.0;
  for (size_t b = 0; b < nblocks; b++) sum += (double)absmax[b];
  float off = (float)(sum / (double)nblocks);
  *offset = off;
  for (size_t begin = 0, group = 0; begin < nblocks; begin += 256, group++) {
    size_t end = begin + 256 < nblocks ? begin + 256 : nblocks;
    float a2 = 0.0f;
    for (size_t b = begin; b < end; b++) {
      float c = fabsf(absmax[b] - off);
      if (c > a2) a2 = c;
    }
    absmax2[group] = a2;
    float inv = 1.0f / a2;
    for (size_t b = begin; b < end; b++) {
      float c = absmax[b] - off;
      float x = qs_scale(c, inv);
      uint8_t q = branchless ? qs_dyn8_value_branchless(x) : qs_dyn8_value(x);
      qabsmax[b] = q;
      absmax_hat[b] = QS_DYN8_MAP[q] * a2 + off;
    }
  }
}

// MARK: - dyn8 bucket tables (dyn8_buckets.c, built once, read by the AVX2 and AVX-512 tiers)

/// dyn8's fast encoders split the floats into 32,768 buckets by their top 15 bits (sign, exponent,
/// 6 mantissa bits); the map's spacing leaves at most one midpoint in a bucket, so a bucket's
/// first code and one comparison give the code. A bucket where that fails is marked slow and its
/// elements take the scalar search (none is, with the bitsandbytes map).
#define QS_DYN8_BUCKETS 32768
#define QS_DYN8_BUCKET_SLOW 0xffu
#define QS_DYN8_PACKED_SLOW 0x80000000u

/// base[b] = #{i : m_i < the bucket's smallest value} (base 255 stored as 254), or
/// `QS_DYN8_BUCKET_SLOW`; 4 readable bytes past the end (32-bit gathers). `*slow_any` tells
/// whether any bucket is slow.
const uint8_t *qs_dyn8_bucket_table(int *slow_any);

/// One entry per bucket: code | has << 8 | m_low << 9, where `has` says the bucket holds
/// midpoint m_code (code = base + (x > m), with the even-index tie rule, x > m decided on the low
/// 17 bits) and m_low its low 17 bits; without a midpoint the whole bucket has one code.
/// `QS_DYN8_PACKED_SLOW` marks buckets left to the scalar search.
const uint32_t *qs_dyn8_packed_table(void);

// MARK: - Statistics and histograms

/// Atomic max of a non-negative float stored as bits (bit order = value order for |w|).
static inline void qs_atomic_max_float_bits(uint32_t *slot, float value) {
  uint32_t bits = qs_bits(value);
  uint32_t seen = __atomic_load_n(slot, __ATOMIC_RELAXED);
  while (bits > seen &&
         !__atomic_compare_exchange_n(slot, &seen, bits, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

/// The scalar part of the statistics pass, shared by `qs_stats_segment_ref` and the tails of its
/// SIMD tiers: adds w[i..<n) to the 8 lanes of sums (lane = index & 7, the reference's order) and
/// to the counts, then folds lanes, counts, min and max into `acc`.
static inline void qs_stats_tail_and_fold(const float *w, size_t i, size_t n, double sum[8],
                                          double sum_sq[8], float lo, float hi, uint64_t zeros,
                                          uint64_t nans, uint64_t infs, qs_stats_acc *acc) {
  for (; i < n; i++) {
    float v = w[i];
    if (v != v) {
      nans++;
      continue;
    }
    if (isinf(v)) {
      infs++;
      continue;
    }
    double d = (double)v;
    sum[i & 7] += d;
    sum_sq[i & 7] += d * d;
    zeros += (v == 0.0f);
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  for (int k = 0; k < 8; k++) {
    acc->sum += sum[k];
    acc->sum_sq += sum_sq[k];
  }
  acc->zeros += zeros;
  acc->nans += nans;
  acc->infs += infs;
  acc->min = lo;
  acc->max = hi;
}

/// Gives a fast tier's statistics the scalar loop's zero of min/max: lane-wise min/max may return
/// either of +0/−0 on a tie, the scalar loop keeps the first (the initial value, else the first
/// zero of `w`).
static inline void qs_stats_zero_ties(const float *w, size_t n, float init_min, float init_max,
                                      qs_stats_acc *acc) {
  if (acc->min != 0.0f && acc->max != 0.0f) return;
  float first = 0.0f;
  for (size_t i = 0; i < n; i++) {
    if (w[i] == 0.0f) {
      first = w[i];
      break;
    }
  }
  // A zero result means no element was smaller (min) / larger (max) than zero, so the scalar
  // loop took the first zero it met and kept it.
  if (acc->min == 0.0f) acc->min = init_min == 0.0f ? init_min : first;
  if (acc->max == 0.0f) acc->max = init_max == 0.0f ? init_max : first;
}

/// The row maxima of w[j..end) (one row, columns from `col`) the scalar way: returns
/// max(m, |w|) and raises col_absmax[c] (may be NULL) to |w|.
static inline float qs_row_absmax_from(const float *w, size_t j, size_t end, size_t col,
                                       float *col_absmax, float m) {
  for (; j < end; j++, col++) {
    float a = fabsf(w[j]);
    m = a > m ? a : m;
    if (col_absmax != NULL && a > col_absmax[col]) col_absmax[col] = a;
  }
  return m;
}

/// The histogram bin of a position t (float64, already scaled to bins): trunc(clamp(t, 0,
/// bins − 1)), with t ≤ 0 and NaN in bin 0. The vector tiers clamp then truncate the same way.
static inline size_t qs_bin(double t, size_t bins) {
  if (!(t > 0.0)) return 0;
  size_t b = (size_t)t;
  return b >= bins ? bins - 1 : b;
}

/// Scale of the value histogram: bins/(hi − lo), 0 for an empty range (`flat`: every finite value
/// in the middle bin).
static inline double qs_value_bin_scale(double lo, double hi, size_t bins) {
  return hi > lo ? (double)bins / (hi - lo) : 0.0;
}

/// Value-histogram bin of a finite d.
static inline size_t qs_value_bin(double d, double lo, double scale, size_t bins, int flat) {
  return flat ? bins / 2 : qs_bin((d - lo) * scale, bins);
}

/// Normalised-histogram bin of a finite x = w·f32(1/absmax) ∈ [−1, 1]: (x + 1)·(bins/2).
static inline size_t qs_normalized_bin(float x, size_t bins) {
  return qs_bin(((double)x + 1.0) * ((double)bins * 0.5), bins);
}

/// The value part of the histogram pass over w[i..n), the scalar way: (w − mean)² of the finite
/// values into the 8 lanes `dev` (lane = index & 7) and their bins into `value_counts` (may be
/// NULL). The reference runs it over a whole segment, the SIMD tiers over their tails.
static inline void qs_value_pass(const float *w, size_t i, size_t n, double mean, double lo,
                                 double scale, size_t bins, int flat, double dev[8],
                                 uint64_t *value_counts) {
  for (; i < n; i++) {
    float v = w[i];
    if (!isfinite(v)) continue;
    double d = (double)v;
    double c = d - mean;
    dev[i & 7] += c * c;
    if (value_counts != NULL) value_counts[qs_value_bin(d, lo, scale, bins, flat)]++;
  }
}

/// The normalised part over w[i..end) of one block (inv = f32(1/absmax)), the scalar way:
/// non-finite x skipped.
static inline void qs_normalized_pass(const float *w, size_t i, size_t end, float inv, size_t bins,
                                      uint64_t *normalized_counts) {
  for (; i < end; i++) {
    float x = qs_scale(w[i], inv);
    if (isfinite(x)) normalized_counts[qs_normalized_bin(x, bins)]++;
  }
}

/// The most bins the SIMD histogram tiers count in sub-histograms (more: they run the reference).
#define QS_SUB_HISTOGRAM_BINS 1024

/// The SIMD histogram tiers' counters: value and normalised bins, each in 4 interleaved
/// sub-histograms `stride` = bins + 1 apart (lane k counts into sub-histogram k mod 4, which breaks
/// the store-to-load chains of repeated bins; slot `bins` swallows skipped, non-finite, elements).
typedef struct {
  uint32_t value[4 * (QS_SUB_HISTOGRAM_BINS + 1)];
  uint32_t normalized[4 * (QS_SUB_HISTOGRAM_BINS + 1)];
} qs_sub_histograms;

/// Zeroes the counters of `bins` bins (≤ QS_SUB_HISTOGRAM_BINS) and returns the stride.
static inline size_t qs_sub_histograms_init(qs_sub_histograms *sub, size_t bins) {
  size_t stride = bins + 1;
  memset(sub->value, 0, 4 * stride * sizeof(uint32_t));
  memset(sub->normalized, 0, 4 * stride * sizeof(uint32_t));
  return stride;
}

/// Adds the sub-histograms to the histograms (either may be NULL: not counted).
static inline void qs_sub_histograms_add(const qs_sub_histograms *sub, size_t bins,
                                         uint64_t *value_counts, uint64_t *normalized_counts) {
  size_t stride = bins + 1;
  for (size_t b = 0; b < bins; b++) {
    if (value_counts != NULL) {
      value_counts[b] += (uint64_t)sub->value[b] + sub->value[stride + b] +
                         sub->value[2 * stride + b] + sub->value[3 * stride + b];
    }
    if (normalized_counts != NULL) {
      normalized_counts[b] += (uint64_t)sub->normalized[b] + sub->normalized[stride + b] +
                              sub->normalized[2 * stride + b] + sub->normalized[3 * stride + b];
    }
  }
}

#endif
