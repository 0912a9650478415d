// AVX2 tier of the statistics pass (stats.c). Same results as the scalar loop: identical
// lane-wise float64 sums (non-finite elements add +0 instead of being skipped, which leaves a sum
// unchanged), order-free maxima and counts, and min/max zero ties resolved to the scalar loop's
// choice by `qs_stats_zero_ties`.
#include "avx2_inline.h"
#if defined(__x86_64__)

/// Largest of 8 non-NaN values.
QS_AVX2 float qs_hmax(__m256 v) {
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
      float mx = qs_absmax_from(w, j, end, qs_hmax(m));
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
      size_t end = qs_run_end(row, cols, start, n);
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
      float mx = qs_row_absmax_from(w, j, end, col, col_absmax, qs_hmax(m));
      if (row_absmax_bits != NULL) qs_atomic_max_float_bits(&row_absmax_bits[row], mx);
      j = end;
    }
  }
}
#endif
