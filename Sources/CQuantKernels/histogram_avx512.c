// AVX-512 tier of the histogram pass (histogram.c): the AVX2 tier's arithmetic 16 values at a time.
// Same results as the scalar loop: identical lane-wise float64 sums (lane = i mod 8; a 16-wide
// step adds elements i...i+7, then i+8...i+15; non-finite elements add +0), order-free counts,
// and the same float64 bin formulas.
#include "avx512_inline.h"
#if defined(__x86_64__)

/// Bins of 8 float64 positions t (already scaled): clamp to [0, bins−1] then truncate, as
/// `qs_bin` (t ≤ 0 or NaN → 0: max_pd returns its second operand for NaN).
QS_AVX512 __m256i qs_z_bins8(__m512d t, __m512d top) {
  t = _mm512_max_pd(t, _mm512_setzero_pd());
  t = _mm512_min_pd(t, top);
  return _mm512_cvttpd_epi32(t);
}

QS_AVX512 __m512i qs_z_join(__m256i low, __m256i high) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1);
}

/// 16 increments into 4 interleaved sub-histograms (`stride` apart).
QS_AVX512 void qs_z_count_bins(uint32_t *sub, size_t stride, __m512i index) {
  uint32_t idx[16];
  _mm512_storeu_si512(idx, index);
  for (int k = 0; k < 16; k++) sub[(k & 3) * stride + idx[k]]++;
}

/// The normalised bin trunc(clamp((f64(x) + 1) · h, 0, 2h − 1)) of the float64 formula, for
/// h = bins/2 a power of two, in float32: x·h is exact, so the bin is floor(x·h) + h — except that
/// f64(x) + 1 rounds to 1 for −2⁻⁵⁴ ≤ x < 0 (1 − 2⁻⁵⁴ ties to even), which the formula puts in
/// bin h, not h − 1. Half the work of the float64 route; the same bins.
QS_AVX512 __m512i qs_z_normalized_bin_pow2(__m512 x, __m512 half_ps, __m512i half_i, __m512i last) {
  __m512 t = _mm512_roundscale_ps(_mm512_mul_ps(x, half_ps), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  __m512i bin = _mm512_add_epi32(_mm512_cvtps_epi32(t), half_i);
  __mmask16 rounds_to_one = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ) &
                            _mm512_cmp_ps_mask(x, _mm512_set1_ps(-0x1p-54f), _CMP_GE_OQ);
  bin = _mm512_mask_mov_epi32(bin, rounds_to_one, half_i);
  return _mm512_min_epi32(_mm512_max_epi32(bin, _mm512_setzero_si512()), last);
}

/// Normalised bins of 16 x (non-finite ones zeroed) by the float64 formula (x + 1)·(bins/2).
QS_AVX512 __m512i qs_z_normalized_bins(__m512 fx, __m512d half_bins, __m512d top) {
  const __m512d one = _mm512_set1_pd(1.0);
  __m512d x0 = _mm512_cvtps_pd(_mm512_castps512_ps256(fx));
  __m512d x1 = _mm512_cvtps_pd(_mm512_extractf32x8_ps(fx, 1));
  return qs_z_join(qs_z_bins8(_mm512_mul_pd(_mm512_add_pd(x0, one), half_bins), top),
                   qs_z_bins8(_mm512_mul_pd(_mm512_add_pd(x1, one), half_bins), top));
}

/// The value histogram's rule (`qs_value_bin`) and the deviation's mean, 16 values at a time.
typedef struct {
  __m512d lo, scale, mean, top;
  __m512i middle, skip;
  int flat;
} qs_z_value_rule;

QS_AVX512 qs_z_value_rule qs_z_value_rule_make(double lo, double hi, size_t bins, double mean) {
  qs_z_value_rule rule;
  rule.lo = _mm512_set1_pd(lo);
  rule.scale = _mm512_set1_pd(qs_value_bin_scale(lo, hi, bins));
  rule.mean = _mm512_set1_pd(mean);
  rule.top = _mm512_set1_pd((double)(bins - 1));
  rule.middle = _mm512_set1_epi32((int)(bins / 2));
  rule.skip = _mm512_set1_epi32((int)bins);
  rule.flat = !(hi > lo);
  return rule;
}

/// The value half of a step over 16 values v: adds (v − mean)² of the finite ones to `dev`
/// (elements 0...7, then 8...15; non-finite ones add +0) and, when `want_bins`, returns their
/// value bins (`skip` for non-finite ones).
QS_AVX512 __m512i qs_z_value_step(const qs_z_value_rule *rule, __m512 v, __m512d *dev,
                                  int want_bins) {
  __mmask16 finite = _mm512_cmp_ps_mask(_mm512_abs_ps(v), _mm512_set1_ps(INFINITY), _CMP_LT_OQ);
  __m512 f = _mm512_maskz_mov_ps(finite, v);
  __m512d d0 = _mm512_cvtps_pd(_mm512_castps512_ps256(f));
  __m512d d1 = _mm512_cvtps_pd(_mm512_extractf32x8_ps(f, 1));
  // Non-finite elements would contribute (0 − mean)² unless c is masked to +0.
  __m512d c0 = _mm512_maskz_sub_pd((__mmask8)finite, d0, rule->mean);
  __m512d c1 = _mm512_maskz_sub_pd((__mmask8)(finite >> 8), d1, rule->mean);
  *dev = _mm512_add_pd(*dev, _mm512_mul_pd(c0, c0));
  *dev = _mm512_add_pd(*dev, _mm512_mul_pd(c1, c1));
  if (!want_bins) return rule->skip;
  __m512i bins = rule->middle;
  if (!rule->flat) {
    bins = qs_z_join(qs_z_bins8(_mm512_mul_pd(_mm512_sub_pd(d0, rule->lo), rule->scale), rule->top),
                     qs_z_bins8(_mm512_mul_pd(_mm512_sub_pd(d1, rule->lo), rule->scale), rule->top));
  }
  return _mm512_mask_blend_epi32(finite, rule->skip, bins);
}

/// Both histograms through one increment per element: for bins ≤ 64 the pair (value bin,
/// normalised bin) indexes a joint table of (bins+1)² counters (slot `bins` = skipped), summed
/// into the two histograms at the end. Two copies of the table (odd lanes count in the second)
/// break the store-to-load chains of repeated pairs (weights crowd the middle bins): −25% time.
/// Needs blocksize % 16 == 0 (16-wide steps stay in a block).
QS_AVX512_FN static void qs_histogram_joint_avx512(const float *w, size_t n, size_t start,
                                                   size_t blocksize, const float *block_absmax,
                                                   double lo, double hi, size_t bins,
                                                   uint64_t *value_counts,
                                                   uint64_t *normalized_counts, double mean,
                                                   double *sum_sq_dev) {
  const size_t stride = bins + 1;
  const size_t table = stride * stride;
  uint32_t joint[2 * 65 * 65];
  memset(joint, 0, 2 * table * sizeof(uint32_t));
  uint32_t *odd = joint + table;
  const qs_z_value_rule rule = qs_z_value_rule_make(lo, hi, bins, mean);
  const __m512i stride_v = _mm512_set1_epi32((int)stride);
  const __m512d half_bins = _mm512_set1_pd((double)bins * 0.5);
  // Power-of-two bins: the normalised bin in float32 (see qs_z_normalized_bin_pow2).
  const int pow2 = bins >= 2 && (bins & (bins - 1)) == 0;
  const __m512 half_ps = _mm512_set1_ps((float)(bins / 2));
  const __m512i half_i = _mm512_set1_epi32((int)(bins / 2)), last = _mm512_set1_epi32((int)bins - 1);
  __m512d dev = _mm512_setzero_pd();
  size_t i = 0;
  while (i + 16 <= n) {
    size_t block_end = (i / blocksize + 1) * blocksize;
    if (block_end > n) block_end = n;
    __m512 inv = _mm512_set1_ps(1.0f / block_absmax[(start + i) / blocksize]);
    for (; i + 16 <= block_end; i += 16) {
      __m512 v = _mm512_loadu_ps(w + i);
      __m512i vb = qs_z_value_step(&rule, v, &dev, 1);
      __m512 x = qs_z_scale(v, inv);
      __mmask16 finite_x = _mm512_cmp_ps_mask(_mm512_abs_ps(x), _mm512_set1_ps(INFINITY), _CMP_LT_OQ);
      __m512 fx = _mm512_maskz_mov_ps(finite_x, x);
      __m512i nb = pow2 ? qs_z_normalized_bin_pow2(fx, half_ps, half_i, last)
                        : qs_z_normalized_bins(fx, half_bins, rule.top);
      nb = _mm512_mask_blend_epi32(finite_x, rule.skip, nb);
      qs_z_increment16(joint, odd, _mm512_add_epi32(_mm512_mullo_epi32(vb, stride_v), nb));
    }
  }
  double lanes[8];
  _mm512_storeu_pd(lanes, dev);
  // Tail (< 16 elements, all in the last block): the scalar rules, counted straight into the
  // histograms (order-free).
  qs_value_pass(w, i, n, mean, lo, qs_value_bin_scale(lo, hi, bins), bins, rule.flat, lanes,
                value_counts);
  if (i < n) {
    qs_normalized_pass(w, i, n, 1.0f / block_absmax[(start + i) / blocksize], bins,
                       normalized_counts);
  }
  for (int k = 0; k < 8; k++) *sum_sq_dev += lanes[k];
  for (size_t a = 0; a < bins; a++) {
    uint64_t value_total = 0, norm_total = 0;
    for (size_t b = 0; b < stride; b++) {
      value_total += joint[a * stride + b] + odd[a * stride + b];
      norm_total += joint[b * stride + a] + odd[b * stride + a];
    }
    value_counts[a] += value_total;
    normalized_counts[a] += norm_total;
  }
}

QS_AVX512_FN void qs_histogram_segment_avx512(const float *w, size_t n, size_t start,
                                              size_t blocksize, const float *block_absmax, double lo,
                                              double hi, size_t bins, uint64_t *value_counts,
                                              uint64_t *normalized_counts, double mean,
                                              double *sum_sq_dev) {
  if (bins <= 64 && blocksize > 0 && blocksize % 16 == 0 && value_counts != NULL &&
      normalized_counts != NULL && block_absmax != NULL) {
    qs_histogram_joint_avx512(w, n, start, blocksize, block_absmax, lo, hi, bins, value_counts,
                              normalized_counts, mean, sum_sq_dev);
    return;
  }
  qs_sub_histograms sub;
  const size_t stride = qs_sub_histograms_init(&sub, bins);
  const qs_z_value_rule rule = qs_z_value_rule_make(lo, hi, bins, mean);
  __m512d dev = _mm512_setzero_pd();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512i b = qs_z_value_step(&rule, _mm512_loadu_ps(w + i), &dev, value_counts != NULL);
    if (value_counts != NULL) qs_z_count_bins(sub.value, stride, b);
  }
  double lanes[8];
  _mm512_storeu_pd(lanes, dev);
  // The tail counts straight into value_counts (order-free).
  qs_value_pass(w, i, n, mean, lo, qs_value_bin_scale(lo, hi, bins), bins, rule.flat, lanes,
                value_counts);
  for (int k = 0; k < 8; k++) *sum_sq_dev += lanes[k];

  if (normalized_counts != NULL && blocksize > 0 && block_absmax != NULL) {
    const __m512d half_bins = _mm512_set1_pd((double)bins * 0.5);
    for (size_t begin = 0; begin < n; begin += blocksize) {
      size_t end = begin + blocksize < n ? begin + blocksize : n;
      float inv_s = 1.0f / block_absmax[(start + begin) / blocksize];
      __m512 inv = _mm512_set1_ps(inv_s);
      size_t j = begin;
      for (; j + 16 <= end; j += 16) {
        __m512 x = qs_z_scale(_mm512_loadu_ps(w + j), inv);
        __mmask16 finite = _mm512_cmp_ps_mask(_mm512_abs_ps(x), _mm512_set1_ps(INFINITY), _CMP_LT_OQ);
        __m512i b = qs_z_normalized_bins(_mm512_maskz_mov_ps(finite, x), half_bins, rule.top);
        qs_z_count_bins(sub.normalized, stride, _mm512_mask_blend_epi32(finite, rule.skip, b));
      }
      qs_normalized_pass(w, j, end, inv_s, bins, normalized_counts);
    }
  }
  qs_sub_histograms_add(&sub, bins, value_counts, normalized_counts);
}
#endif
