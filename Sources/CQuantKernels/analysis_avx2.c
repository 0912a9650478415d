// AVX2 tiers of the statistics and histogram passes (analysis.c). Same results as the scalar
// loops: identical lane-wise float64 sums (non-finite elements add +0 instead of being skipped,
// which leaves a sum unchanged), order-free maxima and counts, and the same float64 bin formulas.
#include "kernels_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>

#define QS_AVX2_FN __attribute__((target("avx2,f16c")))

void qs_stats_segment_ref(const float *w, size_t n, size_t start, size_t blocksize,
                          float *block_absmax, size_t cols, float *col_absmax,
                          uint32_t *row_absmax_bits, qs_stats_acc *acc);
void qs_histogram_segment_ref(const float *w, size_t n, size_t start, size_t blocksize,
                              const float *block_absmax, double lo, double hi, size_t bins,
                              uint64_t *value_counts, uint64_t *normalized_counts, double mean,
                              double *sum_sq_dev);
void qs_atomic_max_float_bits(uint32_t *slot, float value);

QS_AVX2_FN static inline float qs_hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
  return _mm_cvtss_f32(m);
}

QS_AVX2_FN void qs_stats_segment_avx2(const float *w, size_t n, size_t start, size_t blocksize,
                                      float *block_absmax, size_t cols, float *col_absmax,
                                      uint32_t *row_absmax_bits, qs_stats_acc *acc) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 inf = _mm256_set1_ps(INFINITY);
  __m256d sum0 = _mm256_setzero_pd(), sum1 = _mm256_setzero_pd();
  __m256d sq0 = _mm256_setzero_pd(), sq1 = _mm256_setzero_pd();
  const float init_min = acc->min, init_max = acc->max;
  __m256 lo = _mm256_set1_ps(init_min), hi = _mm256_set1_ps(init_max);
  uint64_t zeros = 0, nans = 0, infs = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(w + i);
    __m256 a = _mm256_andnot_ps(sign, v);
    __m256 finite = _mm256_cmp_ps(a, inf, _CMP_LT_OQ);
    __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    int finite_bits = _mm256_movemask_ps(finite);
    int nan_bits = _mm256_movemask_ps(nan);
    nans += (uint64_t)__builtin_popcount(nan_bits);
    infs += (uint64_t)__builtin_popcount(~(finite_bits | nan_bits) & 0xff);
    zeros += (uint64_t)__builtin_popcount(_mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_EQ_OQ)));
    __m256 f = _mm256_and_ps(v, finite);
    __m256d d0 = _mm256_cvtps_pd(_mm256_castps256_ps128(f));
    __m256d d1 = _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1));
    sum0 = _mm256_add_pd(sum0, d0);
    sum1 = _mm256_add_pd(sum1, d1);
    sq0 = _mm256_add_pd(sq0, _mm256_mul_pd(d0, d0));
    sq1 = _mm256_add_pd(sq1, _mm256_mul_pd(d1, d1));
    lo = _mm256_min_ps(lo, _mm256_blendv_ps(inf, v, finite));
    hi = _mm256_max_ps(hi, _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), v, finite));
  }
  double sum[8], sum_sq[8];
  _mm256_storeu_pd(sum, sum0);
  _mm256_storeu_pd(sum + 4, sum1);
  _mm256_storeu_pd(sum_sq, sq0);
  _mm256_storeu_pd(sum_sq + 4, sq1);
  float lo_s = -qs_hmax(_mm256_xor_ps(lo, sign)), hi_s = qs_hmax(hi);
  qs_stats_tail_and_fold(w, i, n, sum, sum_sq, lo_s, hi_s, zeros, nans, infs, acc);
  qs_stats_zero_ties(w, n, init_min, init_max, acc);

  float absmax = acc->absmax;
  if (blocksize > 0 && block_absmax != NULL) {
    for (size_t begin = 0; begin < n; begin += blocksize) {
      size_t end = begin + blocksize < n ? begin + blocksize : n;
      __m256 m = _mm256_setzero_ps();
      size_t j = begin;
      // max_ps(a, m) returns m when a is NaN: NaN never wins, as in the scalar loop.
      for (; j + 8 <= end; j += 8) m = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(w + j)), m);
      float mx = qs_hmax(m);
      for (; j < end; j++) {
        float a = fabsf(w[j]);
        mx = a > mx ? a : mx;
      }
      block_absmax[(start + begin) / blocksize] = mx;
      absmax = mx > absmax ? mx : absmax;
    }
  }
  acc->absmax = absmax;

  if (cols > 0) {
    size_t j = 0;
    while (j < n) {
      size_t row = (start + j) / cols;
      size_t col = (start + j) - row * cols;
      size_t end = (row + 1) * cols - start;
      if (end > n) end = n;
      __m256 m = _mm256_setzero_ps();
      if (col_absmax != NULL) {
        for (; j + 8 <= end; j += 8, col += 8) {
          __m256 a = _mm256_andnot_ps(sign, _mm256_loadu_ps(w + j));
          m = _mm256_max_ps(a, m);
          _mm256_storeu_ps(col_absmax + col, _mm256_max_ps(a, _mm256_loadu_ps(col_absmax + col)));
        }
      } else {
        for (; j + 8 <= end; j += 8, col += 8) m = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(w + j)), m);
      }
      float mx = qs_hmax(m);
      for (; j < end; j++, col++) {
        float a = fabsf(w[j]);
        mx = a > mx ? a : mx;
        if (col_absmax != NULL && a > col_absmax[col]) col_absmax[col] = a;
      }
      if (row_absmax_bits != NULL) qs_atomic_max_float_bits(&row_absmax_bits[row], mx);
    }
  }
}

/// Bins of 4 values' float64 positions t (already scaled): clamp to [0, bins−1] then truncate,
/// as `qs_bin` (t ≤ 0 or NaN → 0).
QS_AVX2_FN static inline __m128i qs_bins4(__m256d t, __m256d top) {
  t = _mm256_max_pd(t, _mm256_setzero_pd());  // NaN → 0 (second operand)
  t = _mm256_min_pd(t, top);
  return _mm256_cvttpd_epi32(t);
}

QS_AVX2_FN void qs_histogram_segment_avx2(const float *w, size_t n, size_t start, size_t blocksize,
                                          const float *block_absmax, double lo, double hi,
                                          size_t bins, uint64_t *value_counts,
                                          uint64_t *normalized_counts, double mean,
                                          double *sum_sq_dev) {
  // 4 interleaved sub-histograms break the store-to-load chains of repeated bins; slot `bins`
  // swallows skipped (non-finite) elements.
  if (bins == 0 || bins > 1024) {
    qs_histogram_segment_ref(w, n, start, blocksize, block_absmax, lo, hi, bins, value_counts,
                             normalized_counts, mean, sum_sq_dev);
    return;
  }
  size_t stride = bins + 1;
  uint32_t value_sub[4 * 1025];
  uint32_t norm_sub[4 * 1025];
  memset(value_sub, 0, 4 * stride * sizeof(uint32_t));
  memset(norm_sub, 0, 4 * stride * sizeof(uint32_t));
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 inf = _mm256_set1_ps(INFINITY);
  const __m256d top = _mm256_set1_pd((double)(bins - 1));
  const double scale = hi > lo ? (double)bins / (hi - lo) : 0.0;
  const int flat = !(hi > lo);
  const __m256d lo_v = _mm256_set1_pd(lo), scale_v = _mm256_set1_pd(scale);
  const __m256d mean_v = _mm256_set1_pd(mean);
  __m256d dev0 = _mm256_setzero_pd(), dev1 = _mm256_setzero_pd();
  uint32_t idx[8];
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(w + i);
    __m256 finite = _mm256_cmp_ps(_mm256_andnot_ps(sign, v), inf, _CMP_LT_OQ);
    __m256 f = _mm256_and_ps(v, finite);
    __m256d d0 = _mm256_cvtps_pd(_mm256_castps256_ps128(f));
    __m256d d1 = _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1));
    // Non-finite elements contribute (0 − mean)² here: remove it by masking c to 0.
    __m256d c0 = _mm256_sub_pd(d0, mean_v), c1 = _mm256_sub_pd(d1, mean_v);
    __m128i fm = _mm256_castsi256_si128(_mm256_castps_si256(finite));
    __m128i fm_hi = _mm256_extractf128_si256(_mm256_castps_si256(finite), 1);
    __m256d m0 = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(fm));
    __m256d m1 = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(fm_hi));
    c0 = _mm256_and_pd(c0, m0);
    c1 = _mm256_and_pd(c1, m1);
    dev0 = _mm256_add_pd(dev0, _mm256_mul_pd(c0, c0));
    dev1 = _mm256_add_pd(dev1, _mm256_mul_pd(c1, c1));
    if (value_counts != NULL) {
      __m256i b;
      if (flat) {
        b = _mm256_set1_epi32((int)(bins / 2));
      } else {
        __m128i b0 = qs_bins4(_mm256_mul_pd(_mm256_sub_pd(d0, lo_v), scale_v), top);
        __m128i b1 = qs_bins4(_mm256_mul_pd(_mm256_sub_pd(d1, lo_v), scale_v), top);
        b = _mm256_set_m128i(b1, b0);
      }
      b = _mm256_blendv_epi8(_mm256_set1_epi32((int)bins), b, _mm256_castps_si256(finite));
      _mm256_storeu_si256((__m256i *)idx, b);
      for (int k = 0; k < 8; k++) value_sub[(k & 3) * stride + idx[k]]++;
    }
  }
  double dev[8];
  _mm256_storeu_pd(dev, dev0);
  _mm256_storeu_pd(dev + 4, dev1);
  for (; i < n; i++) {
    float v = w[i];
    if (!isfinite(v)) continue;
    double d = (double)v;
    double c = d - mean;
    dev[i & 7] += c * c;
    if (value_counts != NULL) {
      size_t b;
      if (flat) b = bins / 2;
      else {
        double t = (d - lo) * scale;
        b = !(t > 0.0) ? 0 : ((size_t)t >= bins ? bins - 1 : (size_t)t);
      }
      value_sub[b]++;
    }
  }
  for (int k = 0; k < 8; k++) *sum_sq_dev += dev[k];

  if (normalized_counts != NULL && blocksize > 0 && block_absmax != NULL) {
    const __m256d half_bins = _mm256_set1_pd((double)bins * 0.5);
    const __m256d one = _mm256_set1_pd(1.0);
    for (size_t begin = 0; begin < n; begin += blocksize) {
      size_t end = begin + blocksize < n ? begin + blocksize : n;
      float inv_s = 1.0f / block_absmax[(start + begin) / blocksize];
      __m256 inv = _mm256_set1_ps(inv_s);
      size_t j = begin;
      for (; j + 8 <= end; j += 8) {
        __m256 v = _mm256_loadu_ps(w + j);
        __m256 x = _mm256_andnot_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_EQ_OQ), _mm256_mul_ps(v, inv));
        __m256 finite = _mm256_cmp_ps(_mm256_andnot_ps(sign, x), inf, _CMP_LT_OQ);
        __m256 f = _mm256_and_ps(x, finite);
        __m256d x0 = _mm256_cvtps_pd(_mm256_castps256_ps128(f));
        __m256d x1 = _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1));
        __m128i b0 = qs_bins4(_mm256_mul_pd(_mm256_add_pd(x0, one), half_bins), top);
        __m128i b1 = qs_bins4(_mm256_mul_pd(_mm256_add_pd(x1, one), half_bins), top);
        __m256i b = _mm256_set_m128i(b1, b0);
        b = _mm256_blendv_epi8(_mm256_set1_epi32((int)bins), b, _mm256_castps_si256(finite));
        _mm256_storeu_si256((__m256i *)idx, b);
        for (int k = 0; k < 8; k++) norm_sub[(k & 3) * stride + idx[k]]++;
      }
      for (; j < end; j++) {
        float x = qs_scale(w[j], inv_s);
        if (!isfinite(x)) continue;
        double t = ((double)x + 1.0) * ((double)bins * 0.5);
        size_t b = !(t > 0.0) ? 0 : ((size_t)t >= bins ? bins - 1 : (size_t)t);
        norm_sub[b]++;
      }
    }
  }
  for (size_t b = 0; b < bins; b++) {
    if (value_counts != NULL) {
      value_counts[b] += (uint64_t)value_sub[b] + value_sub[stride + b] + value_sub[2 * stride + b] +
                         value_sub[3 * stride + b];
    }
    if (normalized_counts != NULL) {
      normalized_counts[b] += (uint64_t)norm_sub[b] + norm_sub[stride + b] + norm_sub[2 * stride + b] +
                              norm_sub[3 * stride + b];
    }
  }
}
#endif
