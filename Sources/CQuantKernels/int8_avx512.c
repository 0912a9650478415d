// AVX-512 tier of the int8 round-trip error kernel (int8.c), 16 floats per operation, and the
// sweep that runs dyn8 and int8 together. Each equals its reference bit for bit: the same
// per-element arithmetic, and Σe² in the 8 lanes of `qs_lanes` (a 16-wide step adds elements
// i...i+7 to lanes 0...7, then i+8...i+15); heads and tails through `qs_int8_element` and
// `qs_block_element`.
#include "avx512_inline.h"
#if defined(__x86_64__)

/// int8 levels q of 16 values (spec §6): h = fp16(w), q = clamp(RNE(h · scale), ±127), and
/// q = 0 where h = ±0.
QS_AVX512 __m512 qs_z_int8_q(__m512 wv, __m512 scale) {
  __m512 h = _mm512_cvtph_ps(_mm512_cvtps_ph(wv, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  __m512 q = _mm512_roundscale_ps(_mm512_mul_ps(h, scale), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  q = _mm512_min_ps(_mm512_max_ps(q, _mm512_set1_ps(-127.0f)), _mm512_set1_ps(127.0f));
  __mmask16 zero = _mm512_cmp_ps_mask(h, _mm512_setzero_ps(), _CMP_EQ_OQ);
  return _mm512_maskz_mov_ps((__mmask16)~zero, q);
}

QS_AVX512_FN void qs_int8_error_avx512(const float *w, size_t n, size_t start, size_t cols,
                                       const float *rowmax, qs_error_acc *acc) {
  if (cols == 0) return;
  qs_lanes lanes;
  qs_lanes_init(&lanes);
  qs_counts4 counts;
  memset(&counts, 0, sizeof counts);
  __m512d sum = _mm512_setzero_pd(), max = _mm512_setzero_pd();
  const __m512 inv127 = _mm512_set1_ps(QS_INT8_INV127);
  const __m512i bias = _mm512_set1_epi32(127);
  size_t i = 0;
  while (i < n) {
    qs_run run = qs_row_run(rowmax, start, i, cols, n);
    const __m512 scale = _mm512_set1_ps(run.inv);
    const __m512 rm = _mm512_set1_ps(run.scale);
    if ((i & 7) != 0) {
      // Scalar head until i is a multiple of 8, so vector lanes match i mod 8.
      qs_z_store_lanes(sum, &lanes);
      for (; i < run.end && (i & 7) != 0; i++) qs_int8_element(w[i], i, run.scale, run.inv, &lanes, acc);
      sum = qs_z_load_lanes(&lanes);
    }
    for (; i + 16 <= run.end; i += 16) {
      __m512 wv = _mm512_loadu_ps(w + i);
      __m512 q = qs_z_int8_q(wv, scale);
      qs_z_count(&counts, _mm512_add_epi32(_mm512_cvtps_epi32(q), bias));
      __m512 w_hat = _mm512_mul_ps(_mm512_mul_ps(q, rm), inv127);
      qs_z_accumulate_w(w_hat, wv, &sum, &max);
    }
    if (i < run.end) {
      qs_z_store_lanes(sum, &lanes);
      for (; i < run.end; i++) qs_int8_element(w[i], i, run.scale, run.inv, &lanes, acc);
      sum = qs_z_load_lanes(&lanes);
    }
  }
  qs_z_finish(sum, max, &lanes, acc);
  qs_counts4_flush(&counts, acc->counts);
}

// MARK: - dyn8 and int8 in one sweep

/// dyn8 (block size 4096) and int8 over the same range in one sweep: one load and one float64
/// widening of w, and one count per element of the pair of codes instead of one per format.
/// Needs `qs_dyn8_int8_joint_applies` (16 | cols, 16 | start): then every 16-wide step lies in one
/// row and one dyn8 block, and i is a multiple of 16 as in both single-format kernels, so each
/// format's lanes get the same adds in the same order and the results are theirs bit for bit.
QS_AVX512_FN void qs_dyn8_int8_error_avx512(const float *w, size_t n, size_t start,
                                            const float *dyn8_absmax, qs_dtype dtype, size_t cols,
                                            const float *rowmax, qs_error_acc *acc_dyn8,
                                            qs_error_acc *acc_int8, uint32_t *joint) {
  const uint32_t *packed = qs_dyn8_packed_table();
  qs_lanes lanes_d, lanes_i;
  qs_lanes_init(&lanes_d);
  qs_lanes_init(&lanes_i);
  __m512d sum_d = _mm512_setzero_pd(), max_d = _mm512_setzero_pd();
  __m512d sum_i = _mm512_setzero_pd(), max_i = _mm512_setzero_pd();
  const __m512 inv127 = _mm512_set1_ps(QS_INT8_INV127);
  const __m512i bias = _mm512_set1_epi32(127);
  size_t i = 0;
  while (i < n) {
    size_t block = (start + i) / 4096, row = (start + i) / cols;
    size_t end = (block + 1) * 4096 - start, row_end = (row + 1) * cols - start;
    if (row_end < end) end = row_end;
    if (end > n) end = n;
    float a = dyn8_absmax[block];
    float inv_scalar = 1.0f / a;
    const __m512 inv = _mm512_set1_ps(inv_scalar), scale_d = _mm512_set1_ps(a);
    float m = rowmax[row];
    float scale_scalar = qs_int8_scale(m);
    const __m512 scale_i = _mm512_set1_ps(scale_scalar), rm = _mm512_set1_ps(m);
    for (; i + 16 <= end; i += 16) {
      __m512 wv = _mm512_loadu_ps(w + i);
      __m512d w0 = _mm512_cvtps_pd(_mm512_castps512_ps256(wv));
      __m512d w1 = _mm512_cvtps_pd(_mm512_extractf32x8_ps(wv, 1));
      // dyn8
      __m512i code_d = qs_z_dyn8_code(qs_z_scale(wv, inv), packed);
      __m512 level = _mm512_i32gather_ps(code_d, QS_DYN8_MAP, 4);
      qs_z_accumulate(qs_z_round_dtype(_mm512_mul_ps(level, scale_d), dtype), w0, w1, &sum_d, &max_d);
      // int8
      __m512 q = qs_z_int8_q(wv, scale_i);
      __m512i code_i = _mm512_add_epi32(_mm512_cvtps_epi32(q), bias);
      qs_z_accumulate(_mm512_mul_ps(_mm512_mul_ps(q, rm), inv127), w0, w1, &sum_i, &max_i);
      // One count per element for the pair (dyn8 code, int8 bin): joint[dyn8 << 8 | int8 + 127].
      qs_z_increment16(joint, joint, _mm512_or_si512(_mm512_slli_epi32(code_d, 8), code_i));
    }
    if (i < end) {
      // The tensor's last elements (< 16): the scalar rules of both kernels.
      qs_z_store_lanes(sum_d, &lanes_d);
      qs_z_store_lanes(sum_i, &lanes_i);
      for (; i < end; i++) {
        qs_block_element(QS_BLOCK_DYN8, qs_scale(w[i], inv_scalar), w[i], i, a, dtype, &lanes_d,
                         acc_dyn8);
        qs_int8_element(w[i], i, m, scale_scalar, &lanes_i, acc_int8);
      }
      sum_d = qs_z_load_lanes(&lanes_d);
      sum_i = qs_z_load_lanes(&lanes_i);
    }
  }
  qs_z_finish(sum_d, max_d, &lanes_d, acc_dyn8);
  qs_z_finish(sum_i, max_i, &lanes_i, acc_int8);
  // Marginals of the joint counts (rows: dyn8 codes; columns: int8 bins), leaving it zeroed.
  __m512i column[16];
  for (int k = 0; k < 16; k++) column[k] = _mm512_setzero_si512();
  for (int c = 0; c < 256; c++) {
    uint32_t *line = joint + (size_t)c * 256;
    __m512i total = _mm512_setzero_si512();
    for (int k = 0; k < 16; k++) {
      __m512i v = _mm512_loadu_si512(line + 16 * k);
      total = _mm512_add_epi32(total, v);
      column[k] = _mm512_add_epi32(column[k], v);
      _mm512_storeu_si512(line + 16 * k, _mm512_setzero_si512());
    }
    acc_dyn8->counts[c] += (uint64_t)_mm512_reduce_add_epi32(total);
  }
  for (int k = 0; k < 16; k++) {
    uint32_t part[16];
    _mm512_storeu_si512(part, column[k]);
    for (int j = 0; j < 16; j++) acc_int8->counts[16 * k + j] += part[j];
  }
}
#endif
