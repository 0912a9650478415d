// Private to CQuantKernels: AVX2 pieces shared by the AVX2 tier files (8 floats per operation).
// Each mirrors a rule of kernels_internal.h lane by lane.
#ifndef QUANTSCOPE_AVX2_INLINE_H
#define QUANTSCOPE_AVX2_INLINE_H
#if defined(__x86_64__)
#include "kernels_internal.h"
#include "tiers.h"
#include <immintrin.h>

#define QS_AVX2 __attribute__((target(QS_AVX2_TARGET), always_inline)) static inline
#define QS_AVX2_FN __attribute__((target(QS_AVX2_TARGET)))

// MARK: - Error lanes

/// Lane sums as in `qs_lanes`: low 4 elements into sum0, high 4 into sum1; max |e| into max.
QS_AVX2 void qs_v_accumulate(__m256 w_hat, __m256 w, __m256d *sum0, __m256d *sum1,
                             __m256d *max) {
  __m256d e0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(w_hat)),
                             _mm256_cvtps_pd(_mm256_castps256_ps128(w)));
  __m256d e1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(w_hat, 1)),
                             _mm256_cvtps_pd(_mm256_extractf128_ps(w, 1)));
  *sum0 = _mm256_add_pd(*sum0, _mm256_mul_pd(e0, e0));
  *sum1 = _mm256_add_pd(*sum1, _mm256_mul_pd(e1, e1));
  __m256d sign = _mm256_set1_pd(-0.0);
  *max = _mm256_max_pd(*max, _mm256_andnot_pd(sign, e0));
  *max = _mm256_max_pd(*max, _mm256_andnot_pd(sign, e1));
}

/// The lane sums live in `lanes` between vector runs, so scalar heads/tails and vector bodies add
/// to each lane in exactly the element order of the reference loop.
QS_AVX2 void qs_v_load_lanes(const qs_lanes *lanes, __m256d *sum0, __m256d *sum1) {
  *sum0 = _mm256_loadu_pd(lanes->sum);
  *sum1 = _mm256_loadu_pd(lanes->sum + 4);
}

QS_AVX2 void qs_v_store_lanes(__m256d sum0, __m256d sum1, qs_lanes *lanes) {
  _mm256_storeu_pd(lanes->sum, sum0);
  _mm256_storeu_pd(lanes->sum + 4, sum1);
}

/// max |e| is order-free: merged once at the end.
QS_AVX2 void qs_v_merge_max(__m256d max, qs_lanes *lanes) {
  double m[4];
  _mm256_storeu_pd(m, max);
  for (int k = 0; k < 4; k++) {
    if (m[k] > lanes->max_abs) lanes->max_abs = m[k];
  }
}

// MARK: - Code counts

/// 8 code counts into the 4 sub-histograms (lane k → k mod 4).
QS_AVX2 void qs_v_count(__m256i code, qs_counts4 *counts) {
  uint32_t c[8];
  _mm256_storeu_si256((__m256i *)c, code);
  for (int k = 0; k < 8; k++) counts->sub[k & 3][c[k]]++;
}

#endif
#endif
