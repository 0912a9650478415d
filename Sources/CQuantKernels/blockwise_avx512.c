// AVX-512 tier of the block formats' round-trip error kernels (blockwise.c), 16 floats per
// operation. Each equals its `_ref` twin bit for bit: the same per-element arithmetic, and Σe² in
// the 8 lanes of kernels_internal.h `qs_lanes` (lane = i mod 8): a 16-wide step adds elements
// i...i+7 to lanes 0...7, then i+8...i+15, in element order. Block tails go through the same
// per-element functions as the reference.
#include "avx512_inline.h"
#if defined(__x86_64__)

// MARK: - Vector pieces

/// table[index] over a sorted 16-entry table (entries after the real ones = +inf): the count of
/// entries < x (strict, as `x > t_k` summed over k) by a 4-step branchless binary search.
QS_AVX512 __m512i qs_z_count_below16(__m512 x, __m512 table, int steps) {
  __m512i pos = _mm512_setzero_si512();
  for (int step = 1 << (steps - 1); step >= 1; step >>= 1) {
    __m512 t = _mm512_permutexvar_ps(_mm512_add_epi32(pos, _mm512_set1_epi32(step - 1)), table);
    __mmask16 gt = _mm512_cmp_ps_mask(x, t, _CMP_GT_OQ);
    pos = _mm512_mask_add_epi32(pos, gt, pos, _mm512_set1_epi32(step));
  }
  return pos;
}

// MARK: - 4-bit code counters in registers

/// Per-lane counters of 16 codes without memory increments: code c adds 1 << 4(c mod 8) to the
/// nibble accumulator `lo` (c < 8) or `hi` (registers, plain locals of the caller); every 15 steps
/// the nibbles move to byte fields (`bytes`: lo even, lo odd, hi even, hi odd nibbles), and every
/// 17 such moves (≤ 255 per byte) the bytes move to 32-bit per-lane counters
/// (`wide[accumulator][byte][lane]`). The moves touch memory; the per-step adds don't.
typedef struct {
  __m512i bytes[4];
  uint32_t wide[4][4][16];
} qs_codes16;

QS_AVX512 void qs_codes16_init(qs_codes16 *c) {
  for (int a = 0; a < 4; a++) c->bytes[a] = _mm512_setzero_si512();
  memset(c->wide, 0, sizeof c->wide);
}

QS_AVX512 void qs_codes16_add(__m512i *lo, __m512i *hi, __m512i code) {
  __m512i shift = _mm512_slli_epi32(_mm512_and_si512(code, _mm512_set1_epi32(7)), 2);
  __m512i bit = _mm512_sllv_epi32(_mm512_set1_epi32(1), shift);
  __mmask16 high = _mm512_test_epi32_mask(code, _mm512_set1_epi32(8));
  *lo = _mm512_mask_add_epi32(*lo, (__mmask16)~high, *lo, bit);
  *hi = _mm512_mask_add_epi32(*hi, high, *hi, bit);
}

QS_AVX512 void qs_codes16_nibbles(qs_codes16 *c, __m512i *lo, __m512i *hi) {
  const __m512i m = _mm512_set1_epi32(0x0f0f0f0f);
  c->bytes[0] = _mm512_add_epi8(c->bytes[0], _mm512_and_si512(*lo, m));
  c->bytes[1] = _mm512_add_epi8(c->bytes[1], _mm512_and_si512(_mm512_srli_epi32(*lo, 4), m));
  c->bytes[2] = _mm512_add_epi8(c->bytes[2], _mm512_and_si512(*hi, m));
  c->bytes[3] = _mm512_add_epi8(c->bytes[3], _mm512_and_si512(_mm512_srli_epi32(*hi, 4), m));
  *lo = *hi = _mm512_setzero_si512();
}

QS_AVX512 void qs_codes16_bytes(qs_codes16 *c) {
  for (int a = 0; a < 4; a++) {
    for (int k = 0; k < 4; k++) {
      __m512i v = _mm512_and_si512(_mm512_srli_epi32(c->bytes[a], 8 * k), _mm512_set1_epi32(0xff));
      __m512i *slot = (__m512i *)c->wide[a][k];
      _mm512_storeu_si512(slot, _mm512_add_epi32(_mm512_loadu_si512(slot), v));
    }
    c->bytes[a] = _mm512_setzero_si512();
  }
}

/// Adds the counts to `out` after the last moves. Calling it again adds the same totals again
/// (the moves are then empty and `wide` keeps the totals).
QS_AVX512 void qs_codes16_finish(qs_codes16 *c, __m512i *lo, __m512i *hi, uint64_t *out) {
  qs_codes16_nibbles(c, lo, hi);
  qs_codes16_bytes(c);
  for (int a = 0; a < 4; a++) {
    for (int k = 0; k < 4; k++) {
      uint64_t total = 0;
      for (int lane = 0; lane < 16; lane++) total += c->wide[a][k][lane];
      out[(a >> 1) * 8 + 2 * k + (a & 1)] += total;
    }
  }
}

/// One format's results into `acc`: the error lanes and maximum, then the code counts.
QS_AVX512 void qs_block4_finish(__m512d sum, __m512d max, qs_lanes *lanes, qs_codes16 *codes,
                                __m512i *lo, __m512i *hi, qs_error_acc *acc) {
  qs_z_finish(sum, max, lanes, acc);
  qs_codes16_finish(codes, lo, hi, acc->counts);
}

// MARK: - nf4, nf4-dq, fp4, fp4-dq, int4 in one sweep

/// The vector state of every format lives in plain locals (so it stays in registers); the lane
/// arrays and code counter memory are touched only at block tails and counter moves.
QS_AVX512 void qs_block4_avx512_impl(const float *w, size_t n, size_t start, size_t blocksize,
                                     const float *absmax, const float *absmax_hat, qs_dtype dtype,
                                     qs_error_acc *acc_nf4, qs_error_acc *acc_dq,
                                     qs_error_acc *acc_fp4, qs_error_acc *acc_fp4dq,
                                     qs_error_acc *acc_int4, int want_nf4, int want_dq,
                                     int want_fp4, int want_fp4dq, int want_int4) {
  qs_lanes l_nf4, l_dq, l_fp4, l_fp4dq, l_int4;
  qs_lanes_init(&l_nf4);
  qs_lanes_init(&l_dq);
  qs_lanes_init(&l_fp4);
  qs_lanes_init(&l_fp4dq);
  qs_lanes_init(&l_int4);
  qs_codes16 c_nf4, c_dq, c_fp4, c_int4;
  qs_codes16_init(&c_nf4);
  qs_codes16_init(&c_dq);
  qs_codes16_init(&c_fp4);
  qs_codes16_init(&c_int4);
  __m512d s_nf4 = _mm512_setzero_pd(), s_dq = s_nf4, s_fp4 = s_nf4, s_fp4dq = s_nf4;
  __m512d s_int4 = s_nf4;
  __m512d m_nf4 = _mm512_setzero_pd(), m_dq = m_nf4, m_fp4 = m_nf4, m_fp4dq = m_nf4;
  __m512d m_int4 = m_nf4;
  __m512i lo_nf4 = _mm512_setzero_si512(), hi_nf4 = lo_nf4, lo_fp4 = lo_nf4, hi_fp4 = lo_nf4;
  __m512i lo_int4 = lo_nf4, hi_int4 = lo_nf4;
  float nf4_t[16], fp4_l[16];
  for (int k = 0; k < 16; k++) {
    nf4_t[k] = k < 15 ? QS_NF4_THRESHOLDS[k] : INFINITY;
    fp4_l[k] = k < 7 ? QS_FP4_LITERALS[k] : INFINITY;
  }
  const __m512 nf4_thresholds = _mm512_loadu_ps(nf4_t);
  const __m512 fp4_literals = _mm512_loadu_ps(fp4_l);
  const __m512 nf4_codebook = _mm512_loadu_ps(QS_NF4_CODEBOOK);
  float int4_table[16], fp4_by_rank[16];
  int32_t fp4_code_by_rank[16];
  for (int k = 0; k < 16; k++) {
    int4_table[k] = k < 15 ? QS_INT4_LEVELS[k] : 0.0f;
    fp4_code_by_rank[k] = QS_FP4_CODE_BY_RANK[k & 7];
    fp4_by_rank[k] = QS_FP4_MAGNITUDES[QS_FP4_CODE_BY_RANK[k & 7]];
  }
  const __m512 int4_levels = _mm512_loadu_ps(int4_table);
  const __m512 fp4_magnitudes = _mm512_loadu_ps(fp4_by_rank);
  const __m512i fp4_codes = _mm512_loadu_si512(fp4_code_by_rank);
  // nf4-dq counts the nf4 codes: in nf4's counters, or its own when nf4 is off; fp4-dq likewise.
  const int count_nf4 = want_nf4 || want_dq;
  const int count_fp4 = want_fp4 || want_fp4dq;
  unsigned steps = 0, moves = 0;
  size_t i = 0;
  while (i < n) {
    qs_run run = qs_block_run(absmax, start, i, blocksize, n);
    float a_hat = want_dq || want_fp4dq ? absmax_hat[run.index] : 0.0f;
    const __m512 inv = _mm512_set1_ps(run.inv);
    const __m512 scale = _mm512_set1_ps(run.scale);
    const __m512 scale_hat = _mm512_set1_ps(a_hat);
    // i is a multiple of 8 here (start and blocksize are multiples of 8): lanes line up.
    for (; i + 16 <= run.end; i += 16) {
      __m512 wv = _mm512_loadu_ps(w + i);
      __m512d w0 = _mm512_cvtps_pd(_mm512_castps512_ps256(wv));
      __m512d w1 = _mm512_cvtps_pd(_mm512_extractf32x8_ps(wv, 1));
      __m512 x = qs_z_scale(wv, inv);
      if (count_nf4) {
        __m512i code = qs_z_count_below16(x, nf4_thresholds, 4);
        __m512 level = _mm512_permutexvar_ps(code, nf4_codebook);
        qs_codes16_add(&lo_nf4, &hi_nf4, code);
        if (want_nf4) {
          qs_z_accumulate(qs_z_round_dtype(_mm512_mul_ps(level, scale), dtype), w0, w1, &s_nf4, &m_nf4);
        }
        if (want_dq) {
          qs_z_accumulate(qs_z_round_dtype(_mm512_mul_ps(level, scale_hat), dtype), w0, w1, &s_dq, &m_dq);
        }
      }
      if (count_fp4) {
        __m512 magnitude_x = _mm512_abs_ps(x);
        __m512i rank = qs_z_count_below16(magnitude_x, fp4_literals, 3);
        __mmask16 negative = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
        __m512i code = _mm512_permutexvar_epi32(rank, fp4_codes);
        code = _mm512_mask_add_epi32(code, negative, code, _mm512_set1_epi32(8));
        __m512 level = _mm512_permutexvar_ps(rank, fp4_magnitudes);
        level = _mm512_mask_xor_ps(level, negative, level, _mm512_set1_ps(-0.0f));  // code 8: −0
        qs_codes16_add(&lo_fp4, &hi_fp4, code);
        if (want_fp4) {
          qs_z_accumulate(qs_z_round_dtype(_mm512_mul_ps(level, scale), dtype), w0, w1, &s_fp4, &m_fp4);
        }
        if (want_fp4dq) {
          qs_z_accumulate(qs_z_round_dtype(_mm512_mul_ps(level, scale_hat), dtype), w0, w1, &s_fp4dq,
                          &m_fp4dq);
        }
      }
      if (want_int4) {
        __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(7.0f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        // max_ps returns its second operand when the first is NaN: NaN → −7, as fmaxf.
        k = _mm512_max_ps(k, _mm512_set1_ps(-7.0f));
        k = _mm512_min_ps(k, _mm512_set1_ps(7.0f));
        __m512i code = _mm512_add_epi32(_mm512_cvtps_epi32(k), _mm512_set1_epi32(7));
        __m512 level = _mm512_permutexvar_ps(code, int4_levels);
        qs_codes16_add(&lo_int4, &hi_int4, code);
        qs_z_accumulate(qs_z_round_dtype(_mm512_mul_ps(level, scale), dtype), w0, w1, &s_int4, &m_int4);
      }
      if (++steps == 15) {
        steps = 0;
        if (count_nf4) qs_codes16_nibbles(&c_nf4, &lo_nf4, &hi_nf4);
        if (count_fp4) qs_codes16_nibbles(&c_fp4, &lo_fp4, &hi_fp4);
        if (want_int4) qs_codes16_nibbles(&c_int4, &lo_int4, &hi_int4);
        if (++moves == 17) {
          moves = 0;
          if (count_nf4) qs_codes16_bytes(&c_nf4);
          if (count_fp4) qs_codes16_bytes(&c_fp4);
          if (want_int4) qs_codes16_bytes(&c_int4);
        }
      }
    }
    if (i < run.end) {
      // Block tail (< 16 elements): through the lane arrays, in element order.
      qs_z_store_lanes(s_nf4, &l_nf4);
      qs_z_store_lanes(s_dq, &l_dq);
      qs_z_store_lanes(s_fp4, &l_fp4);
      qs_z_store_lanes(s_fp4dq, &l_fp4dq);
      qs_z_store_lanes(s_int4, &l_int4);
      for (; i < run.end; i++) {
        float x = qs_scale(w[i], run.inv);
        if (count_nf4) {
          qs_dq_element(QS_BLOCK_NF4, x, w[i], i, run.scale, a_hat, dtype, &l_nf4,
                        want_nf4 ? acc_nf4 : NULL, &l_dq, want_dq ? acc_dq : NULL);
        }
        if (count_fp4) {
          qs_dq_element(QS_BLOCK_FP4, x, w[i], i, run.scale, a_hat, dtype, &l_fp4,
                        want_fp4 ? acc_fp4 : NULL, &l_fp4dq, want_fp4dq ? acc_fp4dq : NULL);
        }
        if (want_int4) {
          qs_block_element(QS_BLOCK_INT4, x, w[i], i, run.scale, dtype, &l_int4, acc_int4);
        }
      }
      s_nf4 = qs_z_load_lanes(&l_nf4);
      s_dq = qs_z_load_lanes(&l_dq);
      s_fp4 = qs_z_load_lanes(&l_fp4);
      s_fp4dq = qs_z_load_lanes(&l_fp4dq);
      s_int4 = qs_z_load_lanes(&l_int4);
    }
  }
  if (want_nf4) qs_block4_finish(s_nf4, m_nf4, &l_nf4, &c_nf4, &lo_nf4, &hi_nf4, acc_nf4);
  if (want_dq) qs_block4_finish(s_dq, m_dq, &l_dq, &c_nf4, &lo_nf4, &hi_nf4, acc_dq);
  if (want_fp4) qs_block4_finish(s_fp4, m_fp4, &l_fp4, &c_fp4, &lo_fp4, &hi_fp4, acc_fp4);
  if (want_fp4dq) {
    qs_block4_finish(s_fp4dq, m_fp4dq, &l_fp4dq, &c_fp4, &lo_fp4, &hi_fp4, acc_fp4dq);
  }
  if (want_int4) qs_block4_finish(s_int4, m_int4, &l_int4, &c_int4, &lo_int4, &hi_int4, acc_int4);
}

/// Instances with the dtype (and, for the usual call, every format) fixed at compile time.
#define QS_BLOCK4_INSTANCE(name, dtype_value, all)                                                \
  QS_AVX512_FN static void name(const float *w, size_t n, size_t start, size_t bs,                  \
                             const float *absmax, const float *absmax_hat, qs_error_acc *nf4,     \
                             qs_error_acc *dq, qs_error_acc *fp4, qs_error_acc *fp4dq,            \
                             qs_error_acc *int4) {                                                \
    qs_block4_avx512_impl(w, n, start, bs, absmax, absmax_hat, dtype_value, nf4, dq, fp4, fp4dq,  \
                          int4, all || nf4 != NULL, all || dq != NULL, all || fp4 != NULL,        \
                          all || fp4dq != NULL, all || int4 != NULL);                             \
  }
QS_BLOCK4_INSTANCE(qs_block4_all_f32, QS_DTYPE_F32, 1)
QS_BLOCK4_INSTANCE(qs_block4_all_f16, QS_DTYPE_F16, 1)
QS_BLOCK4_INSTANCE(qs_block4_all_bf16, QS_DTYPE_BF16, 1)
QS_BLOCK4_INSTANCE(qs_block4_some_f32, QS_DTYPE_F32, 0)
QS_BLOCK4_INSTANCE(qs_block4_some_f16, QS_DTYPE_F16, 0)
QS_BLOCK4_INSTANCE(qs_block4_some_bf16, QS_DTYPE_BF16, 0)

void qs_block4_error_avx512(const float *w, size_t n, size_t start, size_t blocksize,
                            const float *absmax, const float *absmax_hat, qs_dtype dtype,
                            qs_error_acc *acc_nf4, qs_error_acc *acc_nf4dq, qs_error_acc *acc_fp4,
                            qs_error_acc *acc_fp4dq, qs_error_acc *acc_int4) {
  if (absmax_hat == NULL) {
    acc_nf4dq = NULL;
    acc_fp4dq = NULL;
  }
  if (blocksize == 0 || blocksize % 8 != 0 || start % 8 != 0) {
    qs_block4_error_ref(w, n, start, blocksize, absmax, absmax_hat, dtype, acc_nf4, acc_nf4dq,
                        acc_fp4, acc_fp4dq, acc_int4);
    return;
  }
  int all = acc_nf4 != NULL && acc_nf4dq != NULL && acc_fp4 != NULL && acc_fp4dq != NULL &&
            acc_int4 != NULL;
  switch (dtype) {
  case QS_DTYPE_F16:
    (all ? qs_block4_all_f16 : qs_block4_some_f16)(w, n, start, blocksize, absmax, absmax_hat,
                                                   acc_nf4, acc_nf4dq, acc_fp4, acc_fp4dq,
                                                   acc_int4);
    break;
  case QS_DTYPE_BF16:
    (all ? qs_block4_all_bf16 : qs_block4_some_bf16)(w, n, start, blocksize, absmax, absmax_hat,
                                                     acc_nf4, acc_nf4dq, acc_fp4, acc_fp4dq,
                                                     acc_int4);
    break;
  default:
    (all ? qs_block4_all_f32 : qs_block4_some_f32)(w, n, start, blocksize, absmax, absmax_hat,
                                                   acc_nf4, acc_nf4dq, acc_fp4, acc_fp4dq,
                                                   acc_int4);
    break;
  }
}

// MARK: - dyn8

QS_AVX512_FN void qs_dyn8_error_avx512(const float *w, size_t n, size_t start, size_t blocksize,
                                       const float *absmax, qs_dtype dtype, qs_error_acc *acc) {
  if (blocksize == 0 || blocksize % 8 != 0 || start % 8 != 0) {
    qs_block_error_ref(QS_BLOCK_DYN8, w, n, start, blocksize, absmax, dtype, acc);
    return;
  }
  const uint32_t *packed = qs_dyn8_packed_table();
  qs_lanes lanes;
  qs_lanes_init(&lanes);
  qs_counts4 counts;
  memset(&counts, 0, sizeof counts);
  __m512d sum = _mm512_setzero_pd(), max = _mm512_setzero_pd();
  size_t i = 0;
  while (i < n) {
    qs_run run = qs_block_run(absmax, start, i, blocksize, n);
    const __m512 inv = _mm512_set1_ps(run.inv);
    const __m512 scale = _mm512_set1_ps(run.scale);
    for (; i + 16 <= run.end; i += 16) {
      __m512 wv = _mm512_loadu_ps(w + i);
      __m512 x = qs_z_scale(wv, inv);
      __m512i code = qs_z_dyn8_code(x, packed);
      qs_z_count(&counts, code);
      __m512 level = _mm512_i32gather_ps(code, QS_DYN8_MAP, 4);
      __m512 w_hat = qs_z_round_dtype(_mm512_mul_ps(level, scale), dtype);
      qs_z_accumulate_w(w_hat, wv, &sum, &max);
    }
    if (i < run.end) {
      qs_z_store_lanes(sum, &lanes);
      for (; i < run.end; i++) {
        float x = qs_scale(w[i], run.inv);
        qs_block_element(QS_BLOCK_DYN8, x, w[i], i, run.scale, dtype, &lanes, acc);
      }
      sum = qs_z_load_lanes(&lanes);
    }
  }
  qs_z_finish(sum, max, &lanes, acc);
  qs_counts4_flush(&counts, acc->counts);
}
#endif
