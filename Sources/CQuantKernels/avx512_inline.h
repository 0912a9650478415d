// Private to CQuantKernels: AVX-512 pieces shared by the tiers' translation units.
#ifndef QUANTSCOPE_AVX512_INLINE_H
#define QUANTSCOPE_AVX512_INLINE_H
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>

#define QS_512_TARGET "avx512f,avx512bw,avx512dq,avx512vl,avx2,f16c"
#define QS_512 __attribute__((target(QS_512_TARGET), always_inline)) static inline
#define QS_512_FN __attribute__((target(QS_512_TARGET)))

/// 16 counter increments, `even[index[k]]` for even lanes k and `odd[index[k]]` for odd ones
/// (two tables break the store-to-load chains of repeated indices; pass one table twice for one).
/// The lane values come from registers: a vector store read back as 16 scalars stalls forwarding.
QS_512 void qs_z_increment16(uint32_t *even, uint32_t *odd, __m512i index) {
  __m128i parts[4] = {_mm512_castsi512_si128(index), _mm512_extracti32x4_epi32(index, 1),
                      _mm512_extracti32x4_epi32(index, 2), _mm512_extracti32x4_epi32(index, 3)};
  for (int q = 0; q < 4; q++) {
    uint64_t a = (uint64_t)_mm_cvtsi128_si64(parts[q]), b = (uint64_t)_mm_extract_epi64(parts[q], 1);
    even[(uint32_t)a]++;
    odd[a >> 32]++;
    even[(uint32_t)b]++;
    odd[b >> 32]++;
  }
}
#endif
#endif
