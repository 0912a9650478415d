// Dtype conversions (stored bytes → float) and the rounding of ŵ to the tensor's dtype: the
// scalar reference. Tier: dtype_convert_avx2.c. CUDA twins: qs_convert_kernel (conversions),
// qs_round_f16_kernel (rounding).
#include "kernels_internal.h"

// MARK: - Conversions

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

// MARK: - Checksum

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
