// AVX-512 tiers of the fused round-trip error kernels (16 floats per operation). Each equals its
// `_ref` twin bit for bit: the same per-element arithmetic, and Σe² in the 8 lanes of
// kernels_internal.h `qs_lanes` (lane = i mod 8): a 16-wide step adds elements i...i+7 to lanes
// 0...7, then i+8...i+15, in element order. Scalar tails use the same per-value functions.
#include "kernels_internal.h"
#if defined(__x86_64__)
#include "avx512_inline.h"

#include <pthread.h>

#define QS_DYN8_BUCKET_SLOW 0xffu
const uint8_t *qs_dyn8_bucket_table(int *slow_any);

// MARK: - dyn8 packed bucket table

/// One gather per element instead of two: for each bucket (x's top 15 bits, as in fused_avx2.c),
/// entry = code | has << 8 | m_low << 9, where `has` says the bucket holds midpoint m_code
/// (then code = base + (x > m) with the even-index tie rule, x > m decided on the low 17 bits:
/// larger for positive buckets, smaller for negative ones) and m_low = its low 17 bits; without
/// a midpoint the whole bucket has one code. Bit 31 marks buckets left to the scalar search.
#define QS_DYN8_PACKED_SLOW 0x80000000u
static uint32_t qs_dyn8_packed[32768];
static pthread_once_t qs_dyn8_packed_once = PTHREAD_ONCE_INIT;

static void qs_dyn8_packed_build(void) {
  int slow_any = 0;
  const uint8_t *base = qs_dyn8_bucket_table(&slow_any);
  for (uint32_t bucket = 0; bucket < 32768; bucket++) {
    uint32_t b = base[bucket];
    if (b == QS_DYN8_BUCKET_SLOW) {
      qs_dyn8_packed[bucket] = QS_DYN8_PACKED_SLOW;
      continue;
    }
    uint32_t m = qs_bits(QS_DYN8_MIDPOINTS[b]);
    if ((m >> 17) == bucket) {
      qs_dyn8_packed[bucket] = b | 1u << 8 | (m & 0x1ffffu) << 9;
    } else {
      // No midpoint here: x > m_b is the same for every x of the bucket (the first one stands
      // for all; a NaN bucket gives b + 0, as the other tiers).
      float x = qs_from_bits(bucket << 17);
      qs_dyn8_packed[bucket] = b + (x > QS_DYN8_MIDPOINTS[b] ? 1u : 0u);
    }
  }
}

// MARK: - Vector pieces

/// x = w · inv, and +0 where w = ±0 (spec §1).
QS_512 __m512 qs_z_scale(__m512 w, __m512 inv) {
  __mmask16 zero = _mm512_cmp_ps_mask(w, _mm512_setzero_ps(), _CMP_EQ_OQ);
  return _mm512_maskz_mul_ps((__mmask16)~zero, w, inv);
}

QS_512 __m512 qs_z_round_dtype(__m512 d, qs_dtype dtype) {
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

/// Σe² into the 8 lanes (elements 0...7 of the step, then 8...15) and max |e|, with w already
/// widened to float64 (`w0`, `w1`) once for every format.
QS_512 void qs_z_accumulate(__m512 w_hat, __m512d w0, __m512d w1, __m512d *sum, __m512d *max) {
  __m512d e0 = _mm512_sub_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(w_hat)), w0);
  __m512d e1 = _mm512_sub_pd(_mm512_cvtps_pd(_mm512_extractf32x8_ps(w_hat, 1)), w1);
  *sum = _mm512_add_pd(*sum, _mm512_mul_pd(e0, e0));
  *sum = _mm512_add_pd(*sum, _mm512_mul_pd(e1, e1));
  *max = _mm512_max_pd(*max, _mm512_abs_pd(e0));
  *max = _mm512_max_pd(*max, _mm512_abs_pd(e1));
}

QS_512 void qs_z_store_lanes(__m512d sum, qs_lanes *lanes) { _mm512_storeu_pd(lanes->sum, sum); }
QS_512 __m512d qs_z_load_lanes(const qs_lanes *lanes) { return _mm512_loadu_pd(lanes->sum); }

/// max |e| is order-free: merged once at the end.
QS_512 void qs_z_merge_max(__m512d max, qs_lanes *lanes) {
  double m[8];
  _mm512_storeu_pd(m, max);
  for (int k = 0; k < 8; k++) {
    if (m[k] > lanes->max_abs) lanes->max_abs = m[k];
  }
}

/// table[index] over a sorted 16-entry table (entries after the real ones = +inf): the count of
/// entries < x (strict, as `x > t_k` summed over k) by a 4-step branchless binary search.
QS_512 __m512i qs_z_count_below16(__m512 x, __m512 table, int steps) {
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

QS_512 void qs_codes16_init(qs_codes16 *c) {
  for (int a = 0; a < 4; a++) c->bytes[a] = _mm512_setzero_si512();
  memset(c->wide, 0, sizeof c->wide);
}

QS_512 void qs_codes16_add(__m512i *lo, __m512i *hi, __m512i code) {
  __m512i shift = _mm512_slli_epi32(_mm512_and_si512(code, _mm512_set1_epi32(7)), 2);
  __m512i bit = _mm512_sllv_epi32(_mm512_set1_epi32(1), shift);
  __mmask16 high = _mm512_test_epi32_mask(code, _mm512_set1_epi32(8));
  *lo = _mm512_mask_add_epi32(*lo, (__mmask16)~high, *lo, bit);
  *hi = _mm512_mask_add_epi32(*hi, high, *hi, bit);
}

QS_512 void qs_codes16_nibbles(qs_codes16 *c, __m512i *lo, __m512i *hi) {
  const __m512i m = _mm512_set1_epi32(0x0f0f0f0f);
  c->bytes[0] = _mm512_add_epi8(c->bytes[0], _mm512_and_si512(*lo, m));
  c->bytes[1] = _mm512_add_epi8(c->bytes[1], _mm512_and_si512(_mm512_srli_epi32(*lo, 4), m));
  c->bytes[2] = _mm512_add_epi8(c->bytes[2], _mm512_and_si512(*hi, m));
  c->bytes[3] = _mm512_add_epi8(c->bytes[3], _mm512_and_si512(_mm512_srli_epi32(*hi, 4), m));
  *lo = *hi = _mm512_setzero_si512();
}

QS_512 void qs_codes16_bytes(qs_codes16 *c) {
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
QS_512 void qs_codes16_finish(qs_codes16 *c, __m512i *lo, __m512i *hi, uint64_t *out) {
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

// MARK: - nf4, nf4-dq, fp4, int4 in one sweep

/// The vector state of every format lives in plain locals (so it stays in registers); the lane
/// arrays and code counter memory are touched only at block tails and counter moves.
QS_512 void qs_block4_avx512_impl(const float *w, size_t n, size_t start, size_t blocksize,
                                  const float *absmax, const float *absmax_hat, qs_dtype dtype,
                                  qs_error_acc *acc_nf4, qs_error_acc *acc_dq,
                                  qs_error_acc *acc_fp4, qs_error_acc *acc_int4, int want_nf4,
                                  int want_dq, int want_fp4, int want_int4) {
  qs_lanes l_nf4, l_dq, l_fp4, l_int4;
  qs_lanes_init(&l_nf4);
  qs_lanes_init(&l_dq);
  qs_lanes_init(&l_fp4);
  qs_lanes_init(&l_int4);
  qs_codes16 c_nf4, c_dq, c_fp4, c_int4;
  qs_codes16_init(&c_nf4);
  qs_codes16_init(&c_dq);
  qs_codes16_init(&c_fp4);
  qs_codes16_init(&c_int4);
  __m512d s_nf4 = _mm512_setzero_pd(), s_dq = s_nf4, s_fp4 = s_nf4, s_int4 = s_nf4;
  __m512d m_nf4 = _mm512_setzero_pd(), m_dq = m_nf4, m_fp4 = m_nf4, m_int4 = m_nf4;
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
  const int rank_code[8] = {0, 1, 6, 7, 4, 5, 2, 3};
  for (int k = 0; k < 16; k++) {
    int4_table[k] = k < 15 ? QS_INT4_LEVELS[k] : 0.0f;
    fp4_code_by_rank[k] = rank_code[k & 7];
    fp4_by_rank[k] = QS_FP4_MAGNITUDES[rank_code[k & 7]];
  }
  const __m512 int4_levels = _mm512_loadu_ps(int4_table);
  const __m512 fp4_magnitudes = _mm512_loadu_ps(fp4_by_rank);
  const __m512i fp4_codes = _mm512_loadu_si512(fp4_code_by_rank);
  // nf4-dq counts the nf4 codes: in nf4's counters, or its own when nf4 is off.
  const int count_nf4 = want_nf4 || want_dq;
  unsigned steps = 0, moves = 0;
  size_t i = 0;
  while (i < n) {
    size_t block = (start + i) / blocksize;
    size_t end = (block + 1) * blocksize - start;
    if (end > n) end = n;
    float a = absmax[block];
    float inv_scalar = 1.0f / a;
    float a_hat = want_dq ? absmax_hat[block] : 0.0f;
    const __m512 inv = _mm512_set1_ps(inv_scalar);
    const __m512 scale = _mm512_set1_ps(a);
    const __m512 scale_hat = _mm512_set1_ps(a_hat);
    // i is a multiple of 8 here (start and blocksize are multiples of 8): lanes line up.
    for (; i + 16 <= end; i += 16) {
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
      if (want_fp4) {
        __m512 magnitude_x = _mm512_abs_ps(x);
        __m512i rank = qs_z_count_below16(magnitude_x, fp4_literals, 3);
        __mmask16 negative = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
        __m512i code = _mm512_permutexvar_epi32(rank, fp4_codes);
        code = _mm512_mask_add_epi32(code, negative, code, _mm512_set1_epi32(8));
        __m512 level = _mm512_permutexvar_ps(rank, fp4_magnitudes);
        level = _mm512_mask_xor_ps(level, negative, level, _mm512_set1_ps(-0.0f));  // code 8: −0
        qs_codes16_add(&lo_fp4, &hi_fp4, code);
        qs_z_accumulate(qs_z_round_dtype(_mm512_mul_ps(level, scale), dtype), w0, w1, &s_fp4, &m_fp4);
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
        if (want_fp4) qs_codes16_nibbles(&c_fp4, &lo_fp4, &hi_fp4);
        if (want_int4) qs_codes16_nibbles(&c_int4, &lo_int4, &hi_int4);
        if (++moves == 17) {
          moves = 0;
          if (count_nf4) qs_codes16_bytes(&c_nf4);
          if (want_fp4) qs_codes16_bytes(&c_fp4);
          if (want_int4) qs_codes16_bytes(&c_int4);
        }
      }
    }
    if (i < end) {
      // Block tail (< 16 elements): through the lane arrays, in element order.
      qs_z_store_lanes(s_nf4, &l_nf4);
      qs_z_store_lanes(s_dq, &l_dq);
      qs_z_store_lanes(s_fp4, &l_fp4);
      qs_z_store_lanes(s_int4, &l_int4);
      for (; i < end; i++) {
        float x = qs_scale(w[i], inv_scalar);
        if (count_nf4) {
          uint8_t code = qs_nf4_value(x);
          float level = QS_NF4_CODEBOOK[code];
          if (want_nf4) {
            acc_nf4->counts[code]++;
            qs_lanes_add(&l_nf4, i, qs_round_dtype(level * a, dtype), w[i]);
          }
          if (want_dq) {
            acc_dq->counts[code]++;
            qs_lanes_add(&l_dq, i, qs_round_dtype(level * a_hat, dtype), w[i]);
          }
        }
        if (want_fp4) {
          uint8_t code = qs_fp4_value(x);
          acc_fp4->counts[code]++;
          qs_lanes_add(&l_fp4, i, qs_round_dtype(qs_fp4_decode(code) * a, dtype), w[i]);
        }
        if (want_int4) {
          uint8_t code = qs_int4_value(x);
          acc_int4->counts[code]++;
          qs_lanes_add(&l_int4, i, qs_round_dtype(QS_INT4_LEVELS[code] * a, dtype), w[i]);
        }
      }
      s_nf4 = qs_z_load_lanes(&l_nf4);
      s_dq = qs_z_load_lanes(&l_dq);
      s_fp4 = qs_z_load_lanes(&l_fp4);
      s_int4 = qs_z_load_lanes(&l_int4);
    }
  }
  if (want_nf4) {
    qs_z_store_lanes(s_nf4, &l_nf4);
    qs_z_merge_max(m_nf4, &l_nf4);
    qs_lanes_finish(&l_nf4, acc_nf4);
    qs_codes16_finish(&c_nf4, &lo_nf4, &hi_nf4, acc_nf4->counts);
  }
  if (want_dq) {
    qs_z_store_lanes(s_dq, &l_dq);
    qs_z_merge_max(m_dq, &l_dq);
    qs_lanes_finish(&l_dq, acc_dq);
    qs_codes16_finish(&c_nf4, &lo_nf4, &hi_nf4, acc_dq->counts);
  }
  if (want_fp4) {
    qs_z_store_lanes(s_fp4, &l_fp4);
    qs_z_merge_max(m_fp4, &l_fp4);
    qs_lanes_finish(&l_fp4, acc_fp4);
    qs_codes16_finish(&c_fp4, &lo_fp4, &hi_fp4, acc_fp4->counts);
  }
  if (want_int4) {
    qs_z_store_lanes(s_int4, &l_int4);
    qs_z_merge_max(m_int4, &l_int4);
    qs_lanes_finish(&l_int4, acc_int4);
    qs_codes16_finish(&c_int4, &lo_int4, &hi_int4, acc_int4->counts);
  }
}

/// Instances with the dtype (and, for the usual call, every format) fixed at compile time.
#define QS_BLOCK4_INSTANCE(name, dtype_value, all)                                                \
  QS_512_FN static void name(const float *w, size_t n, size_t start, size_t bs,                  \
                             const float *absmax, const float *absmax_hat, qs_error_acc *nf4,     \
                             qs_error_acc *dq, qs_error_acc *fp4, qs_error_acc *int4) {           \
    qs_block4_avx512_impl(w, n, start, bs, absmax, absmax_hat, dtype_value, nf4, dq, fp4, int4,   \
                          all || nf4 != NULL, all || dq != NULL, all || fp4 != NULL,              \
                          all || int4 != NULL);                                                   \
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
                            qs_error_acc *acc_int4) {
  if (absmax_hat == NULL) acc_nf4dq = NULL;
  if (blocksize == 0 || blocksize % 8 != 0 || start % 8 != 0) {
    qs_block4_error_ref(w, n, start, blocksize, absmax, absmax_hat, dtype, acc_nf4, acc_nf4dq,
                        acc_fp4, acc_int4);
    return;
  }
  int all = acc_nf4 != NULL && acc_nf4dq != NULL && acc_fp4 != NULL && acc_int4 != NULL;
  switch (dtype) {
  case QS_DTYPE_F16:
    (all ? qs_block4_all_f16 : qs_block4_some_f16)(w, n, start, blocksize, absmax, absmax_hat,
                                                   acc_nf4, acc_nf4dq, acc_fp4, acc_int4);
    break;
  case QS_DTYPE_BF16:
    (all ? qs_block4_all_bf16 : qs_block4_some_bf16)(w, n, start, blocksize, absmax, absmax_hat,
                                                     acc_nf4, acc_nf4dq, acc_fp4, acc_int4);
    break;
  default:
    (all ? qs_block4_all_f32 : qs_block4_some_f32)(w, n, start, blocksize, absmax, absmax_hat,
                                                   acc_nf4, acc_nf4dq, acc_fp4, acc_int4);
    break;
  }
}

// MARK: - dyn8

/// 16 increments of 8-bit codes into 4 interleaved sub-histograms, the lane values taken from
/// registers (no store-to-load round trip through memory).
QS_512 void qs_z_count256(uint64_t sub[4][256], __m512i code) {
  __m128i parts[4] = {_mm512_castsi512_si128(code), _mm512_extracti32x4_epi32(code, 1),
                      _mm512_extracti32x4_epi32(code, 2), _mm512_extracti32x4_epi32(code, 3)};
  for (int q = 0; q < 4; q++) {
    uint64_t a = (uint64_t)_mm_cvtsi128_si64(parts[q]), b = (uint64_t)_mm_extract_epi64(parts[q], 1);
    sub[0][(uint32_t)a]++;
    sub[1][a >> 32]++;
    sub[2][(uint32_t)b]++;
    sub[3][b >> 32]++;
  }
}

/// The dyn8 codes of 16 values x through the packed bucket table, with the scalar search for
/// the rare buckets it leaves open.
QS_512 __m512i qs_z_dyn8_code(__m512 x, const uint32_t *packed) {
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

QS_512_FN void qs_dyn8_error_avx512(const float *w, size_t n, size_t start, size_t blocksize,
                                    const float *absmax, qs_dtype dtype, qs_error_acc *acc) {
  if (blocksize == 0 || blocksize % 8 != 0 || start % 8 != 0) {
    qs_block_error_ref(QS_BLOCK_DYN8, w, n, start, blocksize, absmax, dtype, acc);
    return;
  }
  pthread_once(&qs_dyn8_packed_once, qs_dyn8_packed_build);
  const uint32_t *packed = qs_dyn8_packed;
  qs_lanes lanes;
  qs_lanes_init(&lanes);
  // 4 interleaved sub-histograms break the store-to-load chains of repeated codes.
  uint64_t sub[4][256];
  memset(sub, 0, sizeof sub);
  __m512d sum = _mm512_setzero_pd(), max = _mm512_setzero_pd();
  size_t i = 0;
  while (i < n) {
    size_t block = (start + i) / blocksize;
    size_t end = (block + 1) * blocksize - start;
    if (end > n) end = n;
    float a = absmax[block];
    float inv_scalar = 1.0f / a;
    const __m512 inv = _mm512_set1_ps(inv_scalar);
    const __m512 scale = _mm512_set1_ps(a);
    for (; i + 16 <= end; i += 16) {
      __m512 wv = _mm512_loadu_ps(w + i);
      __m512 x = qs_z_scale(wv, inv);
      __m512i code = qs_z_dyn8_code(x, packed);
      qs_z_count256(sub, code);
      __m512 level = _mm512_i32gather_ps(code, QS_DYN8_MAP, 4);
      __m512 w_hat = qs_z_round_dtype(_mm512_mul_ps(level, scale), dtype);
      qs_z_accumulate(w_hat, _mm512_cvtps_pd(_mm512_castps512_ps256(wv)),
                      _mm512_cvtps_pd(_mm512_extractf32x8_ps(wv, 1)), &sum, &max);
    }
    if (i < end) {
      qs_z_store_lanes(sum, &lanes);
      for (; i < end; i++) {
        uint8_t code = qs_dyn8_value(qs_scale(w[i], inv_scalar));
        acc->counts[code]++;
        qs_lanes_add(&lanes, i, qs_round_dtype(QS_DYN8_MAP[code] * a, dtype), w[i]);
      }
      sum = qs_z_load_lanes(&lanes);
    }
  }
  qs_z_store_lanes(sum, &lanes);
  qs_z_merge_max(max, &lanes);
  qs_lanes_finish(&lanes, acc);
  for (int c = 0; c < 256; c++) acc->counts[c] += sub[0][c] + sub[1][c] + sub[2][c] + sub[3][c];
}
#endif

// MARK: - int8

#if defined(__x86_64__)
/// One int8 element the scalar way (heads and tails of rows), as the reference loop.
static inline void qs_int8_scalar_step(const float *w, size_t i, float m, float scale,
                                       qs_lanes *lanes, qs_error_acc *acc) {
  float h = qs_round_f16(w[i]);
  int q = 0;
  if (h != 0.0f) q = (int)fminf(fmaxf(rintf(h * scale), -127.0f), 127.0f);
  acc->counts[q + 127]++;
  qs_lanes_add(lanes, i, ((float)q * m) * QS_INT8_INV127, w[i]);
}

/// int8 levels q of 16 values (spec §6): h = fp16(w), q = clamp(RNE(h · scale), ±127), and
/// q = 0 where h = ±0.
QS_512 __m512 qs_z_int8_q(__m512 wv, __m512 scale) {
  __m512 h = _mm512_cvtph_ps(_mm512_cvtps_ph(wv, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  __m512 q = _mm512_roundscale_ps(_mm512_mul_ps(h, scale), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  q = _mm512_min_ps(_mm512_max_ps(q, _mm512_set1_ps(-127.0f)), _mm512_set1_ps(127.0f));
  __mmask16 zero = _mm512_cmp_ps_mask(h, _mm512_setzero_ps(), _CMP_EQ_OQ);
  return _mm512_maskz_mov_ps((__mmask16)~zero, q);
}

QS_512_FN void qs_int8_error_avx512(const float *w, size_t n, size_t start, size_t cols,
                                    const float *rowmax, qs_error_acc *acc) {
  if (cols == 0) return;
  qs_lanes lanes;
  qs_lanes_init(&lanes);
  uint64_t sub[4][256];
  memset(sub, 0, sizeof sub);
  __m512d sum = _mm512_setzero_pd(), max = _mm512_setzero_pd();
  const __m512 inv127 = _mm512_set1_ps(QS_INT8_INV127);
  const __m512i bias = _mm512_set1_epi32(127);
  size_t i = 0;
  while (i < n) {
    size_t row = (start + i) / cols;
    size_t end = (row + 1) * cols - start;
    if (end > n) end = n;
    float m = rowmax[row];
    float scale_scalar = (1.0f / m) * 127.0f;
    const __m512 scale = _mm512_set1_ps(scale_scalar);
    const __m512 rm = _mm512_set1_ps(m);
    if ((i & 7) != 0) {
      // Scalar head until i is a multiple of 8, so vector lanes match i mod 8.
      qs_z_store_lanes(sum, &lanes);
      for (; i < end && (i & 7) != 0; i++) qs_int8_scalar_step(w, i, m, scale_scalar, &lanes, acc);
      sum = qs_z_load_lanes(&lanes);
    }
    for (; i + 16 <= end; i += 16) {
      __m512 wv = _mm512_loadu_ps(w + i);
      __m512 q = qs_z_int8_q(wv, scale);
      qs_z_count256(sub, _mm512_add_epi32(_mm512_cvtps_epi32(q), bias));
      __m512 w_hat = _mm512_mul_ps(_mm512_mul_ps(q, rm), inv127);
      qs_z_accumulate(w_hat, _mm512_cvtps_pd(_mm512_castps512_ps256(wv)),
                      _mm512_cvtps_pd(_mm512_extractf32x8_ps(wv, 1)), &sum, &max);
    }
    if (i < end) {
      qs_z_store_lanes(sum, &lanes);
      for (; i < end; i++) qs_int8_scalar_step(w, i, m, scale_scalar, &lanes, acc);
      sum = qs_z_load_lanes(&lanes);
    }
  }
  qs_z_store_lanes(sum, &lanes);
  qs_z_merge_max(max, &lanes);
  qs_lanes_finish(&lanes, acc);
  for (int c = 0; c < 256; c++) acc->counts[c] += sub[0][c] + sub[1][c] + sub[2][c] + sub[3][c];
}
#endif

// MARK: - dyn8 and int8 in one sweep

#if defined(__x86_64__)
/// dyn8 (block size 4096) and int8 over the same range in one sweep: one load and one float64
/// widening of w, and one count per element of the pair of codes instead of one per format.
/// Needs 16 | cols, 16 | start (then every 16-wide step lies in one row and one dyn8 block, and i
/// is a multiple of 16 as in both single-format kernels: each format's lanes get the same adds in
/// the same order, so the results are theirs bit for bit).
QS_512_FN void qs_byte8_error_avx512(const float *w, size_t n, size_t start, const float *dyn8_absmax,
                                     qs_dtype dtype, size_t cols, const float *rowmax,
                                     qs_error_acc *acc_dyn8, qs_error_acc *acc_int8, uint32_t *joint) {
  if (cols == 0 || cols % 16 != 0 || start % 16 != 0 || joint == NULL) {
    qs_dyn8_error_avx512(w, n, start, 4096, dyn8_absmax, dtype, acc_dyn8);
    qs_int8_error_avx512(w, n, start, cols, rowmax, acc_int8);
    return;
  }
  pthread_once(&qs_dyn8_packed_once, qs_dyn8_packed_build);
  const uint32_t *packed = qs_dyn8_packed;
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
    float scale_scalar = (1.0f / m) * 127.0f;
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
        uint8_t code = qs_dyn8_value(qs_scale(w[i], inv_scalar));
        acc_dyn8->counts[code]++;
        qs_lanes_add(&lanes_d, i, qs_round_dtype(QS_DYN8_MAP[code] * a, dtype), w[i]);
        qs_int8_scalar_step(w, i, m, scale_scalar, &lanes_i, acc_int8);
      }
      sum_d = qs_z_load_lanes(&lanes_d);
      sum_i = qs_z_load_lanes(&lanes_i);
    }
  }
  qs_z_store_lanes(sum_d, &lanes_d);
  qs_z_merge_max(max_d, &lanes_d);
  qs_lanes_finish(&lanes_d, acc_dyn8);
  qs_z_store_lanes(sum_i, &lanes_i);
  qs_z_merge_max(max_i, &lanes_i);
  qs_lanes_finish(&lanes_i, acc_int8);
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
