// AVX2 tiers of the fused round-trip error kernels (8 floats per operation). Each equals its
// `_ref` twin bit for bit: same per-element arithmetic, same lane-wise summation order
// (kernels_internal.h `qs_lanes`), scalar tails through the same per-value functions.
#include "kernels_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>
#include <pthread.h>

// MARK: - dyn8 bucket table

/// dyn8's fast encoder: the float's top 15 bits (sign, exponent, 6 mantissa bits) select a bucket;
/// `qs_dyn8_bucket_base[b]` = #{i : m_i < the bucket's smallest value}. The map's spacing makes
/// every bucket hold at most one midpoint (checked when the table is built; a bucket holding more
/// is marked `QS_DYN8_BUCKET_SLOW` and its elements take the scalar binary search), so
/// code = base + (x > m_base), with x == m_base resolved to the even index like the reference.
#define QS_DYN8_BUCKETS 32768
#define QS_DYN8_BUCKET_SLOW 0xffu
static uint8_t qs_dyn8_bucket_base[QS_DYN8_BUCKETS + 4];
static int qs_dyn8_bucket_slow_any = 0;
static pthread_once_t qs_dyn8_bucket_once = PTHREAD_ONCE_INIT;

static unsigned qs_midpoints_below(float x) {
  unsigned count = 0;
  for (int i = 0; i < 255; i++) count += QS_DYN8_MIDPOINTS[i] < x;
  return count;
}

static unsigned qs_midpoints_at_or_below(float x) {
  unsigned count = 0;
  for (int i = 0; i < 255; i++) count += QS_DYN8_MIDPOINTS[i] <= x;
  return count;
}

static void qs_dyn8_bucket_build(void) {
  for (uint32_t bucket = 0; bucket < QS_DYN8_BUCKETS; bucket++) {
    uint32_t first = bucket << 17, last = first | 0x1ffffu;
    // Positive buckets run upwards from `first`; negative ones downwards (larger bits = more negative).
    float low = (bucket & 0x4000u) ? qs_from_bits(last) : qs_from_bits(first);
    float high = (bucket & 0x4000u) ? qs_from_bits(first) : qs_from_bits(last);
    unsigned base = low != low ? 0 : qs_midpoints_below(low);
    unsigned top = high != high ? base : qs_midpoints_at_or_below(high);
    if (low != low || high != high) top = base;  // NaN buckets: codes unspecified (NaN metrics)
    if (top > base + 1 || base > 255) {
      qs_dyn8_bucket_base[bucket] = QS_DYN8_BUCKET_SLOW;
      qs_dyn8_bucket_slow_any = 1;
    } else {
      qs_dyn8_bucket_base[bucket] = (uint8_t)(base == 255 ? 254 : base);
      // base 255 (above every midpoint) is stored as 254 with m_254 < x, giving 255 below.
    }
  }
}

/// The bucket table for the other tiers (built on first use); `*slow_any` tells whether any
/// bucket is `QS_DYN8_BUCKET_SLOW`.
const uint8_t *qs_dyn8_bucket_table(int *slow_any) {
  pthread_once(&qs_dyn8_bucket_once, qs_dyn8_bucket_build);
  *slow_any = qs_dyn8_bucket_slow_any;
  return qs_dyn8_bucket_base;
}

#define QS_AVX2 __attribute__((target("avx2,f16c"), always_inline)) static inline
#define QS_AVX2_FN __attribute__((target("avx2,f16c")))

// MARK: - Vector pieces

/// x = w · inv, and +0 where w = ±0 (spec §1).
QS_AVX2 __m256 qs_v_scale(__m256 w, __m256 inv) {
  __m256 zero_mask = _mm256_cmp_ps(w, _mm256_setzero_ps(), _CMP_EQ_OQ);
  return _mm256_andnot_ps(zero_mask, _mm256_mul_ps(w, inv));
}

/// table16[code] for codes 0...15 (two in-lane permutes and a blend on bit 3).
QS_AVX2 __m256 qs_v_lookup16(__m256i code, __m256 low, __m256 high) {
  __m256 a = _mm256_permutevar8x32_ps(low, code);
  __m256 b = _mm256_permutevar8x32_ps(high, code);
  return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_slli_epi32(code, 28)));
}

QS_AVX2 __m256 qs_v_round_dtype(__m256 d, qs_dtype dtype) {
  if (dtype == QS_DTYPE_F16) {
    return _mm256_cvtph_ps(_mm256_cvtps_ph(d, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  if (dtype == QS_DTYPE_BF16) {
    __m256i u = _mm256_castps_si256(d);
    __m256i odd = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
    u = _mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7fff)), odd);
    return _mm256_castsi256_ps(_mm256_and_si256(u, _mm256_set1_epi32((int)0xffff0000u)));
  }
  return d;
}

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

/// Code counts go to 4 interleaved sub-histograms (lane k → k mod 4), which breaks the
/// store-to-load chains of repeated codes; `qs_v_flush_counts` adds them up at the end.
typedef struct {
  uint64_t sub[4][256];
} qs_counts4;

QS_AVX2 void qs_v_count(__m256i code, qs_counts4 *counts) {
  uint32_t c[8];
  _mm256_storeu_si256((__m256i *)c, code);
  for (int k = 0; k < 8; k++) counts->sub[k & 3][c[k]]++;
}

/// 4-bit codes are counted in pairs: lanes (2j, 2j+1) form the byte c_2j | c_2j+1 << 4, so 8
/// codes cost 4 increments; `qs_v_flush_pair_counts` splits the pair histogram back into codes.
QS_AVX2 void qs_v_count_pairs(__m256i code, qs_counts4 *pairs) {
  __m256i packed = _mm256_and_si256(_mm256_or_si256(code, _mm256_srli_epi64(code, 28)),
                                    _mm256_set1_epi64x(0xff));
  uint64_t p[4];
  _mm256_storeu_si256((__m256i *)p, packed);
  pairs->sub[0][p[0]]++;
  pairs->sub[1][p[1]]++;
  pairs->sub[2][p[2]]++;
  pairs->sub[3][p[3]]++;
}

QS_AVX2 void qs_v_flush_pair_counts(const qs_counts4 *pairs, uint64_t *out) {
  for (int p = 0; p < 256; p++) {
    uint64_t total = pairs->sub[0][p] + pairs->sub[1][p] + pairs->sub[2][p] + pairs->sub[3][p];
    out[p & 15] += total;
    out[p >> 4] += total;
  }
}

QS_AVX2 void qs_v_flush_counts(const qs_counts4 *counts, uint64_t *out) {
  for (int c = 0; c < 256; c++) {
    out[c] += counts->sub[0][c] + counts->sub[1][c] + counts->sub[2][c] + counts->sub[3][c];
  }
}

// MARK: - Encoders (each mirrors the scalar rule in kernels_internal.h)

QS_AVX2 __m256i qs_v_nf4(__m256 x) {
  __m256i code = _mm256_setzero_si256();
  for (int k = 0; k < 15; k++) {
    __m256 gt = _mm256_cmp_ps(x, _mm256_set1_ps(QS_NF4_THRESHOLDS[k]), _CMP_GT_OQ);
    code = _mm256_sub_epi32(code, _mm256_castps_si256(gt));
  }
  return code;
}

/// fp4: count of literals below |x| (0...7), mapped to the magnitude code, plus the sign bit 8.
QS_AVX2 __m256i qs_v_fp4(__m256 x, __m256i *rank_out) {
  __m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
  __m256i rank = _mm256_setzero_si256();
  for (int k = 0; k < 7; k++) {
    __m256 gt = _mm256_cmp_ps(a, _mm256_set1_ps(QS_FP4_LITERALS[k]), _CMP_GT_OQ);
    rank = _mm256_sub_epi32(rank, _mm256_castps_si256(gt));
  }
  *rank_out = rank;
  __m256i magnitude_code = _mm256_permutevar8x32_epi32(_mm256_setr_epi32(0, 1, 6, 7, 4, 5, 2, 3), rank);
  __m256 negative = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
  __m256i sign = _mm256_and_si256(_mm256_castps_si256(negative), _mm256_set1_epi32(8));
  return _mm256_add_epi32(magnitude_code, sign);
}

QS_AVX2 __m256i qs_v_int4(__m256 x) {
  __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(7.0f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // max_ps returns its second operand when the first is NaN: NaN → −7, as fmaxf in the scalar rule.
  k = _mm256_max_ps(k, _mm256_set1_ps(-7.0f));
  k = _mm256_min_ps(k, _mm256_set1_ps(7.0f));
  return _mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(7));
}

/// dyn8 through the bucket table: one byte gather, one midpoint gather, the tie rule.
/// Lanes in a `QS_DYN8_BUCKET_SLOW` bucket (none with the bitsandbytes map) are redone scalar.
QS_AVX2 __m256i qs_v_dyn8_fast(__m256 x) {
  __m256i bucket = _mm256_srli_epi32(_mm256_castps_si256(x), 17);
  __m256i base = _mm256_and_si256(
      _mm256_i32gather_epi32((const int *)qs_dyn8_bucket_base, bucket, 1), _mm256_set1_epi32(0xff));
  __m256 m = _mm256_i32gather_ps(QS_DYN8_MIDPOINTS, _mm256_min_epi32(base, _mm256_set1_epi32(254)), 4);
  __m256i above = _mm256_castps_si256(_mm256_cmp_ps(x, m, _CMP_GT_OQ));
  __m256i tie = _mm256_castps_si256(_mm256_cmp_ps(x, m, _CMP_EQ_OQ));
  __m256i code = _mm256_sub_epi32(base, above);
  code = _mm256_add_epi32(code, _mm256_and_si256(tie, _mm256_and_si256(base, _mm256_set1_epi32(1))));
  if (qs_dyn8_bucket_slow_any) {
    int slow = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(base, _mm256_set1_epi32(0xff))));
    if (slow) {
      float xs[8];
      uint32_t cs[8];
      _mm256_storeu_ps(xs, x);
      _mm256_storeu_si256((__m256i *)cs, code);
      for (int k = 0; k < 8; k++) {
        if (slow & (1 << k)) cs[k] = qs_dyn8_value(xs[k]);
      }
      code = _mm256_loadu_si256((const __m256i *)cs);
    }
  }
  return code;
}

/// dyn8: branchless binary search counting midpoints < x (gathers), then the even-index tie rule.
QS_AVX2 __m256i qs_v_dyn8(__m256 x) {
  __m256i pos = _mm256_setzero_si256();
  for (int step = 128; step >= 1; step >>= 1) {
    __m256i probe = _mm256_add_epi32(pos, _mm256_set1_epi32(step - 1));
    __m256 m = _mm256_i32gather_ps(QS_DYN8_MIDPOINTS, probe, 4);
    __m256 below = _mm256_cmp_ps(m, x, _CMP_LT_OQ);
    pos = _mm256_add_epi32(pos, _mm256_and_si256(_mm256_castps_si256(below), _mm256_set1_epi32(step)));
  }
  __m256i clamped = _mm256_min_epi32(pos, _mm256_set1_epi32(254));
  __m256 m = _mm256_i32gather_ps(QS_DYN8_MIDPOINTS, clamped, 4);
  __m256i tie = _mm256_castps_si256(_mm256_cmp_ps(x, m, _CMP_EQ_OQ));
  tie = _mm256_and_si256(tie, _mm256_cmpgt_epi32(_mm256_set1_epi32(255), pos));
  __m256i odd = _mm256_and_si256(pos, _mm256_set1_epi32(1));
  return _mm256_add_epi32(pos, _mm256_and_si256(tie, odd));
}

// MARK: - Block formats

QS_AVX2 void qs_block_error_avx2_impl(qs_block_format format, const float *w, size_t n,
                                       size_t start, size_t blocksize, const float *absmax,
                                       qs_dtype dtype, qs_error_acc *acc) {
  qs_lanes lanes;
  qs_lanes_init(&lanes);
  qs_counts4 counts, pairs;
  memset(&counts, 0, sizeof counts);
  memset(&pairs, 0, sizeof pairs);
  __m256d sum0 = _mm256_setzero_pd(), sum1 = _mm256_setzero_pd(), max = _mm256_setzero_pd();
  const __m256 nf4_low = _mm256_loadu_ps(QS_NF4_CODEBOOK);
  const __m256 nf4_high = _mm256_loadu_ps(QS_NF4_CODEBOOK + 8);
  const __m256 int4_low = _mm256_loadu_ps(QS_INT4_LEVELS);
  const __m256 int4_high = _mm256_setr_ps(QS_INT4_LEVELS[8], QS_INT4_LEVELS[9], QS_INT4_LEVELS[10],
                                          QS_INT4_LEVELS[11], QS_INT4_LEVELS[12], QS_INT4_LEVELS[13],
                                          QS_INT4_LEVELS[14], 0.0f);
  const __m256 fp4_by_rank = _mm256_setr_ps(
      QS_FP4_MAGNITUDES[0], QS_FP4_MAGNITUDES[1], QS_FP4_MAGNITUDES[6], QS_FP4_MAGNITUDES[7],
      QS_FP4_MAGNITUDES[4], QS_FP4_MAGNITUDES[5], QS_FP4_MAGNITUDES[2], QS_FP4_MAGNITUDES[3]);
  size_t i = 0;
  while (i < n) {
    size_t block = (start + i) / blocksize;
    size_t end = (block + 1) * blocksize - start;
    if (end > n) end = n;
    float a = absmax[block];
    float inv_scalar = 1.0f / a;
    __m256 inv = _mm256_set1_ps(inv_scalar);
    __m256 scale = _mm256_set1_ps(a);
    // i is a multiple of 8 here (start and blocksize are multiples of 8): lanes line up.
    qs_v_load_lanes(&lanes, &sum0, &sum1);
    for (; i + 8 <= end; i += 8) {
      __m256 wv = _mm256_loadu_ps(w + i);
      __m256 x = qs_v_scale(wv, inv);
      __m256i code;
      __m256 level;
      switch (format) {
      case QS_BLOCK_NF4:
        code = qs_v_nf4(x);
        level = qs_v_lookup16(code, nf4_low, nf4_high);
        break;
      case QS_BLOCK_FP4: {
        __m256i rank;
        code = qs_v_fp4(x, &rank);
        __m256 magnitude = _mm256_permutevar8x32_ps(fp4_by_rank, rank);
        __m256 sign = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_srli_epi32(code, 3), 31));
        level = _mm256_or_ps(magnitude, sign);
        break;
      }
      case QS_BLOCK_INT4:
        code = qs_v_int4(x);
        level = qs_v_lookup16(code, int4_low, int4_high);
        break;
      default:
        code = qs_v_dyn8_fast(x);
        level = _mm256_i32gather_ps(QS_DYN8_MAP, code, 4);
        break;
      }
      if (format == QS_BLOCK_DYN8) qs_v_count(code, &counts);
      else qs_v_count_pairs(code, &pairs);
      __m256 w_hat = qs_v_round_dtype(_mm256_mul_ps(level, scale), dtype);
      qs_v_accumulate(w_hat, wv, &sum0, &sum1, &max);
    }
    qs_v_store_lanes(sum0, sum1, &lanes);
    for (; i < end; i++) {
      uint8_t code;
      float level;
      float x = qs_scale(w[i], inv_scalar);
      switch (format) {
      case QS_BLOCK_NF4: code = qs_nf4_value(x); level = QS_NF4_CODEBOOK[code]; break;
      case QS_BLOCK_FP4: code = qs_fp4_value(x); level = qs_fp4_decode(code); break;
      case QS_BLOCK_INT4: code = qs_int4_value(x); level = QS_INT4_LEVELS[code]; break;
      default: code = qs_dyn8_value(x); level = QS_DYN8_MAP[code]; break;
      }
      acc->counts[code]++;
      qs_lanes_add(&lanes, i, qs_round_dtype(level * a, dtype), w[i]);
    }
  }
  qs_v_merge_max(max, &lanes);
  qs_lanes_finish(&lanes, acc);
  qs_v_flush_counts(&counts, acc->counts);
  qs_v_flush_pair_counts(&pairs, acc->counts);
}

QS_AVX2_FN static void qs_block_error_nf4(const float *w, size_t n, size_t start, size_t bs,
                                          const float *absmax, qs_dtype dtype, qs_error_acc *acc) {
  qs_block_error_avx2_impl(QS_BLOCK_NF4, w, n, start, bs, absmax, dtype, acc);
}
QS_AVX2_FN static void qs_block_error_fp4(const float *w, size_t n, size_t start, size_t bs,
                                          const float *absmax, qs_dtype dtype, qs_error_acc *acc) {
  qs_block_error_avx2_impl(QS_BLOCK_FP4, w, n, start, bs, absmax, dtype, acc);
}
QS_AVX2_FN static void qs_block_error_int4(const float *w, size_t n, size_t start, size_t bs,
                                           const float *absmax, qs_dtype dtype, qs_error_acc *acc) {
  qs_block_error_avx2_impl(QS_BLOCK_INT4, w, n, start, bs, absmax, dtype, acc);
}
QS_AVX2_FN static void qs_block_error_dyn8(const float *w, size_t n, size_t start, size_t bs,
                                           const float *absmax, qs_dtype dtype, qs_error_acc *acc) {
  qs_block_error_avx2_impl(QS_BLOCK_DYN8, w, n, start, bs, absmax, dtype, acc);
}

void qs_block_error_avx2(qs_block_format format, const float *w, size_t n, size_t start,
                         size_t blocksize, const float *absmax, qs_dtype dtype,
                         qs_error_acc *acc) {
  if (blocksize == 0 || blocksize % 8 != 0 || start % 8 != 0) {
    qs_block_error_ref(format, w, n, start, blocksize, absmax, dtype, acc);
    return;
  }
  if (format == QS_BLOCK_DYN8) pthread_once(&qs_dyn8_bucket_once, qs_dyn8_bucket_build);
  switch (format) {
  case QS_BLOCK_NF4: qs_block_error_nf4(w, n, start, blocksize, absmax, dtype, acc); break;
  case QS_BLOCK_FP4: qs_block_error_fp4(w, n, start, blocksize, absmax, dtype, acc); break;
  case QS_BLOCK_INT4: qs_block_error_int4(w, n, start, blocksize, absmax, dtype, acc); break;
  default: qs_block_error_dyn8(w, n, start, blocksize, absmax, dtype, acc); break;
  }
}

// MARK: - nf4 + nf4-dq

QS_AVX2_FN void qs_nf4_error_avx2(const float *w, size_t n, size_t start, size_t blocksize,
                                  const float *absmax, const float *absmax_hat, qs_dtype dtype,
                                  qs_error_acc *acc, qs_error_acc *acc_dq) {
  if (blocksize == 0 || blocksize % 8 != 0 || start % 8 != 0) {
    qs_nf4_error_ref(w, n, start, blocksize, absmax, absmax_hat, dtype, acc, acc_dq);
    return;
  }
  int with_dq = absmax_hat != NULL && acc_dq != NULL;
  qs_lanes lanes, lanes_dq;
  qs_lanes_init(&lanes);
  qs_lanes_init(&lanes_dq);
  qs_counts4 counts;
  memset(&counts, 0, sizeof counts);
  __m256d sum0 = _mm256_setzero_pd(), sum1 = _mm256_setzero_pd(), max = _mm256_setzero_pd();
  __m256d dq0 = _mm256_setzero_pd(), dq1 = _mm256_setzero_pd(), dqmax = _mm256_setzero_pd();
  const __m256 low = _mm256_loadu_ps(QS_NF4_CODEBOOK);
  const __m256 high = _mm256_loadu_ps(QS_NF4_CODEBOOK + 8);
  size_t i = 0;
  while (i < n) {
    size_t block = (start + i) / blocksize;
    size_t end = (block + 1) * blocksize - start;
    if (end > n) end = n;
    float a = absmax[block];
    float inv_scalar = 1.0f / a;
    float a_hat = with_dq ? absmax_hat[block] : 0.0f;
    __m256 inv = _mm256_set1_ps(inv_scalar);
    __m256 scale = _mm256_set1_ps(a);
    __m256 scale_hat = _mm256_set1_ps(a_hat);
    qs_v_load_lanes(&lanes, &sum0, &sum1);
    qs_v_load_lanes(&lanes_dq, &dq0, &dq1);
    for (; i + 8 <= end; i += 8) {
      __m256 wv = _mm256_loadu_ps(w + i);
      __m256i code = qs_v_nf4(qs_v_scale(wv, inv));
      __m256 level = qs_v_lookup16(code, low, high);
      qs_v_count_pairs(code, &counts);
      qs_v_accumulate(qs_v_round_dtype(_mm256_mul_ps(level, scale), dtype), wv, &sum0, &sum1, &max);
      if (with_dq) {
        qs_v_accumulate(qs_v_round_dtype(_mm256_mul_ps(level, scale_hat), dtype), wv, &dq0, &dq1,
                        &dqmax);
      }
    }
    qs_v_store_lanes(sum0, sum1, &lanes);
    qs_v_store_lanes(dq0, dq1, &lanes_dq);
    for (; i < end; i++) {
      uint8_t code = qs_nf4_value(qs_scale(w[i], inv_scalar));
      float level = QS_NF4_CODEBOOK[code];
      acc->counts[code]++;
      qs_lanes_add(&lanes, i, qs_round_dtype(level * a, dtype), w[i]);
      if (with_dq) {
        acc_dq->counts[code]++;
        qs_lanes_add(&lanes_dq, i, qs_round_dtype(level * a_hat, dtype), w[i]);
      }
    }
  }
  qs_v_merge_max(max, &lanes);
  qs_lanes_finish(&lanes, acc);
  qs_v_flush_pair_counts(&counts, acc->counts);
  if (with_dq) {
    qs_v_merge_max(dqmax, &lanes_dq);
    qs_lanes_finish(&lanes_dq, acc_dq);
    // nf4-dq uses the nf4 codes: the same vector counts.
    qs_v_flush_pair_counts(&counts, acc_dq->counts);
  }
}

// MARK: - int8

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
    size_t row = (start + i) / cols;
    size_t end = (row + 1) * cols - start;
    if (end > n) end = n;
    float m = rowmax[row];
    float scale_scalar = (1.0f / m) * 127.0f;
    __m256 scale = _mm256_set1_ps(scale_scalar);
    __m256 rm = _mm256_set1_ps(m);
    // Scalar head until i is a multiple of 8, so vector lanes match i mod 8.
    for (; i < end && (i & 7) != 0; i++) {
      float h = qs_round_f16(w[i]);
      int q = 0;
      if (h != 0.0f) q = (int)fminf(fmaxf(rintf(h * scale_scalar), -127.0f), 127.0f);
      acc->counts[q + 127]++;
      qs_lanes_add(&lanes, i, ((float)q * m) * QS_INT8_INV127, w[i]);
    }
    qs_v_load_lanes(&lanes, &sum0, &sum1);
    for (; i + 8 <= end; i += 8) {
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
    for (; i < end; i++) {
      float h = qs_round_f16(w[i]);
      int q = 0;
      if (h != 0.0f) q = (int)fminf(fmaxf(rintf(h * scale_scalar), -127.0f), 127.0f);
      acc->counts[q + 127]++;
      qs_lanes_add(&lanes, i, ((float)q * m) * QS_INT8_INV127, w[i]);
    }
  }
  qs_v_merge_max(max, &lanes);
  qs_lanes_finish(&lanes, acc);
  qs_v_flush_counts(&counts, acc->counts);
}
#endif
