// Dtype conversions (stored bytes → float) and the rounding of ŵ to the tensor's dtype.
#include "kernels_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// MARK: - Tier selection

static int qs_forced_scalar = 0;

int qs_cpu_has_avx2(void) {
#if defined(__x86_64__)
  static int cached = -1;
  if (cached < 0) {
    __builtin_cpu_init();
    cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c") ? 1 : 0;
  }
  return cached;
#else
  return 0;
#endif
}

int qs_cpu_has_avx512(void) {
#if defined(__x86_64__)
  static int cached = -1;
  if (cached < 0) {
    __builtin_cpu_init();
    cached = qs_cpu_has_avx2() && __builtin_cpu_supports("avx512f") &&
                     __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                     __builtin_cpu_supports("avx512vl")
                 ? 1
                 : 0;
  }
  return cached;
#else
  return 0;
#endif
}

void qs_force_scalar(int force) { qs_forced_scalar = force; }

/// Per thread, so that tests comparing tiers may run in parallel.
static _Thread_local int qs_tier_cap = QS_TIER_BEST;

void qs_set_tier_cap(int cap) { qs_tier_cap = cap; }

int qs_use_avx2(void) {
  return !qs_forced_scalar && qs_tier_cap != QS_TIER_SCALAR && qs_cpu_has_avx2();
}

int qs_use_avx512(void) {
  return !qs_forced_scalar && qs_tier_cap == QS_TIER_BEST && qs_cpu_has_avx512();
}

// MARK: - Scalar conversions

void qs_convert_f32(const void *src, float *dst, size_t n) { memcpy(dst, src, n * 4); }

static inline float qs_half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0x1f) return qs_from_bits(sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0) {
    // Subnormal (or zero): mantissa · 2^-24, exact in float.
    float value = (float)mantissa * 0x1p-24f;
    return sign ? -value : value;
  }
  return qs_from_bits(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

void qs_convert_f16_ref(const void *src, float *dst, size_t n) {
  const uint8_t *bytes = (const uint8_t *)src;
  for (size_t i = 0; i < n; i++) {
    uint16_t h;
    memcpy(&h, bytes + 2 * i, 2);
    dst[i] = qs_half_to_float(h);
  }
}

void qs_convert_bf16(const void *src, float *dst, size_t n) {
  const uint8_t *bytes = (const uint8_t *)src;
  for (size_t i = 0; i < n; i++) {
    uint16_t h;
    memcpy(&h, bytes + 2 * i, 2);
    dst[i] = qs_from_bits((uint32_t)h << 16);
  }
}

float qs_round_to_dtype_ref(float x, qs_dtype dtype) { return qs_round_dtype(x, dtype); }

void qs_round_to_dtype_ref_array(float *values, size_t n, qs_dtype dtype) {
  for (size_t i = 0; i < n; i++) values[i] = qs_round_dtype(values[i], dtype);
}

// MARK: - AVX2 / F16C

#if defined(__x86_64__)
__attribute__((target("avx2,f16c"))) static void qs_convert_f16_avx2(const void *src, float *dst,
                                                                       size_t n) {
  const uint8_t *bytes = (const uint8_t *)src;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm_loadu_si128((const __m128i *)(bytes + 2 * i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
  qs_convert_f16_ref(bytes + 2 * i, dst + i, n - i);
}

__attribute__((target("avx2,f16c"))) static void qs_round_f16_avx2(float *values, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(values + i);
    __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm256_storeu_ps(values + i, _mm256_cvtph_ps(h));
  }
  for (; i < n; i++) values[i] = qs_round_f16(values[i]);
}
#endif

void qs_convert_f16(const void *src, float *dst, size_t n) {
#if defined(__x86_64__)
  if (qs_use_avx2()) {
    qs_convert_f16_avx2(src, dst, n);
    return;
  }
#endif
  qs_convert_f16_ref(src, dst, n);
}

void qs_round_to_dtype(float *values, size_t n, qs_dtype dtype) {
#if defined(__x86_64__)
  if (dtype == QS_DTYPE_F16 && qs_use_avx2()) {
    qs_round_f16_avx2(values, n);
    return;
  }
#endif
  qs_round_to_dtype_ref_array(values, n, dtype);
}

uint64_t qs_checksum_bytes(const void *bytes, size_t n) {
  const uint8_t *p = (const uint8_t *)bytes;
  uint64_t sum = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    memcpy(&word, p + i, 8);
    sum += word;
  }
  for (; i < n; i++) sum += p[i];
  return sum;
}
