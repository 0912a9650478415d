// AVX2 tier of the histogram pass (histogram.c). Same results as the scalar loop: identical
// lane-wise float64 sums (non-finite elements add +0 instead of being skipped, which leaves a sum
// unchanged), order-free counts, and the same float64 bin formulas.
#include "avx2_inline.h"
#if defined(__x86_64__)

/// Bins of 4 values' float64 positions t (already scaled): clamp to [0, bins−1] then truncate,
/// as `qs_bin` (t ≤ 0 or NaN → 0).
QS_AVX2 __m128i qs_bins4(__m256d t, __m256d top) {
  t = _mm256_max_pd(t, _mm256_setzero_pd());  // NaN → 0 (second operand)
  t = _mm256_min_pd(t, top);
  return _mm256_cvttpd_epi32(t);
}

QS_AVX2_FN void qs_histogram_segment_avx2(const float *w, size_t n, size_t start, size_t blocksize,
                                          const float *block_absmax, double lo, double hi,
                                          size_t bins, uint64_t *value_counts,
                                          uint64_t *normalized_counts, double mean,
                                          double *sum_sq_dev) {
  qs_sub_histograms sub;
  const size_t stride = qs_sub_histograms_init(&sub, bins);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 inf = _mm256_set1_ps(INFINITY);
  const __m256d top = _mm256_set1_pd((double)(bins - 1));
  const double scale = qs_value_bin_scale(lo, hi, bins);
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
      for (int k = 0; k < 8; k++) sub.value[(k & 3) * stride + idx[k]]++;
    }
  }
  double dev[8];
  _mm256_storeu_pd(dev, dev0);
  _mm256_storeu_pd(dev + 4, dev1);
  // The tail counts straight into value_counts (order-free).
  qs_value_pass(w, i, n, mean, lo, scale, bins, flat, dev, value_counts);
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
        for (int k = 0; k < 8; k++) sub.normalized[(k & 3) * stride + idx[k]]++;
      }
      qs_normalized_pass(w, j, end, inv_s, bins, normalized_counts);
    }
  }
  qs_sub_histograms_add(&sub, bins, value_counts, normalized_counts);
}
#endif
