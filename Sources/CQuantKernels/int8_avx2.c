// AVX2 tier of the int8 round-trip error kernel (int8.c), 8 floats per operation. Equals
// `qs_int8_error_ref` bit for bit: the same per-element arithmetic (h = fp16(w) by F16C), the
// same lane-wise summation order, heads and tails through `qs_int8_element`.
#include "avx2_inline.h"
#if defined(__x86_64__)

QS_AVX2_FN void qs_int8_error_avx2(const float *w, size_t n, size_t start, size_t cols,
                                   const float *rowmax, qs_error_acc *acc) {
  if (cols == 0) return;
  qs_lanes lanes;
  qs_lanes_init(&lanes);
  qs_counts4 counts;
  memset(&counts, 0, sizeof counts);
  __m256d sum0 = _mm256_setzero_pd(), sum1 = _mm256_setzero_pd(), max = _mm256_setzero_pd();
  size_t i = 0;
  while (i < n) {
    qs_run run = qs_row_run(rowmax, start, i, cols, n);
    __m256 scale = _mm256_set1_ps(run.inv);
    __m256 rm = _mm256_set1_ps(run.scale);
    // Scalar head until i is a multiple of 8, so vector lanes match i mod 8.
    for (; i < run.end && (i & 7) != 0; i++) qs_int8_element(w[i], i, run.scale, run.inv, &lanes, acc);
    qs_v_load_lanes(&lanes, &sum0, &sum1);
    for (; i + 8 <= run.end; i += 8) {
      __m256 wv = _mm256_loadu_ps(w + i);
      __m256 h = _mm256_cvtph_ps(_mm256_cvtps_ph(wv, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
      __m256 q = _mm256_round_ps(_mm256_mul_ps(h, scale), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      q = _mm256_min_ps(_mm256_max_ps(q, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(127.0f));
      q = _mm256_andnot_ps(_mm256_cmp_ps(h, _mm256_setzero_ps(), _CMP_EQ_OQ), q);
      __m256i qi = _mm256_cvtps_epi32(q);
      qs_v_count(_mm256_add_epi32(qi, _mm256_set1_epi32(127)), &counts);
      __m256 w_hat = _mm256_mul_ps(_mm256_mul_ps(q, rm), _mm256_set1_ps(QS_INT8_INV127));
      qs_v_accumulate(w_hat, wv, &sum0, &sum1, &max);
    }
    qs_v_store_lanes(sum0, sum1, &lanes);
    for (; i < run.end; i++) qs_int8_element(w[i], i, run.scale, run.inv, &lanes, acc);
  }
  qs_v_merge_max(max, &lanes);
  qs_lanes_finish(&lanes, acc);
  qs_counts4_flush(&counts, acc->counts);
}
#endif
