// Private to CQuantKernels: AVX-512 pieces shared by the AVX-512 tier files (16 floats per
// operation). Each mirrors a rule of kernels_internal.h lane by lane.
#ifndef QUANTSCOPE_AVX512_INLINE_H
#define QUANTSCOPE_AVX512_INLINE_H
#if defined(__x86_64__)
#include "kernels_internal.h"
#include "tiers.h"
#include <immintrin.h>

#define QS_AVX512 __attribute__((target(QS_AVX512_TARGET), always_inline)) static inline
#define QS_AVX512_FN __attribute__((target(QS_AVX512_TARGET)))

// MARK: - Block formats

/// x = w · inv, and +0 where w = ±0 (spec §1).
QS_AVX512 __m512 qs_z_scale(__m512 w, __m512 inv) {
  __mmask16 zero = _mm512_cmp_ps_mask(w, _mm512_setzero_ps(), _CMP_EQ_OQ);
  return _mm512_maskz_mul_ps((__mmask16)~zero, w, inv);
}

QS_AVX512 __m512 qs_z_round_dtype(__m512 d, qs_dtype dtype) {
  if (dtype == QS_DTYPE_F16) {
    return _mm512_cvtph_ps(_mm512_cvtps_ph(d, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  if (dtype == QS_DTYPE_BF16) {
    __m512i u = _mm512_castps_si512(d);
    __m512i odd = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    u = _mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)), odd);
    return _mm512_castsi512_ps(_mm512_and_si512(u, _mm512_set1_epi32((int)0xffff0000u)));
  }
  return d;
}

/// The dyn8 codes of 16 values x through the packed bucket table (`qs_dyn8_packed_table`), with
/// the scalar search for the rare buckets it leaves open.
QS_AVX512 __m512i qs_z_dyn8_code(__m512 x, const uint32_t *packed) {
  const __m512i has_bit = _mm512_set1_epi32(1 << 8), low17 = _mm512_set1_epi32(0x1ffff);
  const __m512i sign_bit = _mm512_set1_epi32((int)0x80000000u);
  const __m512i slow_bit = _mm512_set1_epi32((int)QS_DYN8_PACKED_SLOW);
  const __m512i byte = _mm512_set1_epi32(0xff), one = _mm512_set1_epi32(1);
  __m512i bits = _mm512_castps_si512(x);
  __m512i entry = _mm512_i32gather_epi32(_mm512_srli_epi32(bits, 17), (const void *)packed, 4);
  __m512i base = _mm512_and_si512(entry, byte);
  __mmask16 has = _mm512_test_epi32_mask(entry, has_bit);
  __m512i m_low = _mm512_srli_epi32(entry, 9);
  __m512i x_low = _mm512_and_si512(bits, low17);
  __mmask16 negative = _mm512_test_epi32_mask(bits, sign_bit);
  __mmask16 above = (_mm512_cmpgt_epu32_mask(x_low, m_low) & ~negative) |
                    (_mm512_cmplt_epu32_mask(x_low, m_low) & negative);
  __mmask16 tie = _mm512_cmpeq_epi32_mask(x_low, m_low) & _mm512_test_epi32_mask(base, one);
  __m512i code = _mm512_mask_add_epi32(base, has & (above | tie), base, one);
  __mmask16 slow = _mm512_test_epi32_mask(entry, slow_bit);
  if (slow) {
    float xs[16];
    uint32_t cs[16];
    _mm512_storeu_ps(xs, x);
    _mm512_storeu_si512(cs, code);
    for (int k = 0; k < 16; k++) {
      if (slow & (1u << k)) cs[k] = qs_dyn8_value(xs[k]);
    }
    code = _mm512_loadu_si512(cs);
  }
  return code;
}

// MARK: - Error lanes

/// Σe² into the 8 lanes (elements 0...7 of the step, then 8...15) and max |e|, with w already
/// widened to float64 (`w0`, `w1`) once for every format.
QS_AVX512 void qs_z_accumulate(__m512 w_hat, __m512d w0, __m512d w1, __m512d *sum, __m512d *max) {
  __m512d e0 = _mm512_sub_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(w_hat)), w0);
  __m512d e1 = _mm512_sub_pd(_mm512_cvtps_pd(_mm512_extractf32x8_ps(w_hat, 1)), w1);
  *sum = _mm512_add_pd(*sum, _mm512_mul_pd(e0, e0));
  *sum = _mm512_add_pd(*sum, _mm512_mul_pd(e1, e1));
  *max = _mm512_max_pd(*max, _mm512_abs_pd(e0));
  *max = _mm512_max_pd(*max, _mm512_abs_pd(e1));
}

/// `qs_z_accumulate` widening w here (kernels with one format per sweep).
QS_AVX512 void qs_z_accumulate_w(__m512 w_hat, __m512 w, __m512d *sum, __m512d *max) {
  qs_z_accumulate(w_hat, _mm512_cvtps_pd(_mm512_castps512_ps256(w)),
                  _mm512_cvtps_pd(_mm512_extractf32x8_ps(w, 1)), sum, max);
}

QS_AVX512 void qs_z_store_lanes(__m512d sum, qs_lanes *lanes) { _mm512_storeu_pd(lanes->sum, sum); }
QS_AVX512 __m512d qs_z_load_lanes(const qs_lanes *lanes) { return _mm512_loadu_pd(lanes->sum); }

/// Stores the vector lanes, merges max |e| (order-free) and adds both to `acc`.
QS_AVX512 void qs_z_finish(__m512d sum, __m512d max, qs_lanes *lanes, qs_error_acc *acc) {
  qs_z_store_lanes(sum, lanes);
  double m[8];
  _mm512_storeu_pd(m, max);
  for (int k = 0; k < 8; k++) {
    if (m[k] > lanes->max_abs) lanes->max_abs = m[k];
  }
  qs_lanes_finish(lanes, acc);
}

// MARK: - Counters

/// 16 counter increments, `even[index[k]]` for even lanes k and `odd[index[k]]` for odd ones
/// (two tables break the store-to-load chains of repeated indices; pass one table twice for one).
/// The lane values come from registers: a vector store read back as 16 scalars stalls forwarding.
QS_AVX512 void qs_z_increment16(uint32_t *even, uint32_t *odd, __m512i index) {
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

/// 16 code counts into the 4 sub-histograms (lane k → k mod 4), the lane values taken from
/// registers.
QS_AVX512 void qs_z_count(qs_counts4 *counts, __m512i code) {
  __m128i parts[4] = {_mm512_castsi512_si128(code), _mm512_extracti32x4_epi32(code, 1),
                      _mm512_extracti32x4_epi32(code, 2), _mm512_extracti32x4_epi32(code, 3)};
  for (int q = 0; q < 4; q++) {
    uint64_t a = (uint64_t)_mm_cvtsi128_si64(parts[q]), b = (uint64_t)_mm_extract_epi64(parts[q], 1);
    counts->sub[0][(uint32_t)a]++;
    counts->sub[1][a >> 32]++;
    counts->sub[2][(uint32_t)b]++;
    counts->sub[3][b >> 32]++;
  }
}

#endif
#endif
