// Private to CQuantKernels: the per-value spec functions shared by the reference loops and the
// scalar tails of the fast tiers. Each is the rule of shared/spec/QUANTIZATION.md, nothing more.
#ifndef QUANTSCOPE_KERNELS_INTERNAL_H
#define QUANTSCOPE_KERNELS_INTERNAL_H
#include "quant_kernels.h"
#include <math.h>
#include <string.h>

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

/// int4 (ours, spec §8): code = clamp(RNE(f32(x · 7)), −7, 7) + 7. NaN → 0 (fmaxf drops it).
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

/// Tier selection shared by the dispatchers: 1 when AVX2+F16C may be used.
int qs_use_avx2(void);
/// 1 when the AVX-512 tiers may be used (CPU support and the thread's tier cap).
int qs_use_avx512(void);

/// Gives a fast tier's statistics the scalar loop's zero of min/max: lane-wise min/max may return
/// either of +0/−0 on a tie, the scalar loop keeps the first (the initial value, else the first
/// zero of `w`).
void qs_stats_zero_ties(const float *w, size_t n, float init_min, float init_max,
                        qs_stats_acc *acc);

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

#endif
