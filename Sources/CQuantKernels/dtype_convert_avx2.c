// AVX2 + F16C tier of the dtype conversions (dtype_convert.c): binary16 ↔ float32 by the F16C
// instructions, exact like the scalar bit conversion and RNE like `qs_round_f16`.
#include "avx2_inline.h"
#if defined(__x86_64__)

QS_AVX2_FN void qs_convert_f16_avx2(const void *src, float *dst, size_t n) {
  const uint8_t *bytes = (const uint8_t *)src;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm_loadu_si128((const __m128i *)(bytes + 2 * i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
  qs_convert_f16_ref(bytes + 2 * i, dst + i, n - i);
}

QS_AVX2_FN void qs_round_f16_avx2(float *values, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(values + i);
    __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm256_storeu_ps(values + i, _mm256_cvtph_ps(h));
  }
  for (; i < n; i++) values[i] = qs_round_f16(values[i]);
}
#endif
