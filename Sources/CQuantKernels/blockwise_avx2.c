// AVX2 tier of the block formats' round-trip error kernels (blockwise.c), 8 floats per
// operation. Each equals its `_ref` twin bit for bit: same per-element arithmetic, same lane-wise
// summation order (kernels_internal.h `qs_lanes`), heads and tails through the same per-element
// functions.
#include "avx2_inline.h"
#if defined(__x86_64__)

// MARK: - Vector pieces

/// x = w · inv, and +0 where w = ±0 (FORMATS.md §1).
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
  __m256i magnitude_code = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)QS_FP4_CODE_BY_RANK), rank);
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

/// dyn8 through the bucket table (`qs_dyn8_bucket_table`): one byte gather, one midpoint gather, the tie rule.
/// Lanes in a `QS_DYN8_BUCKET_SLOW` bucket (none with the bitsandbytes map) are redone scalar.
QS_AVX2 __m256i qs_v_dyn8_fast(__m256 x, const uint8_t *buckets, int slow_any) {
  __m256i bucket = _mm256_srli_epi32(_mm256_castps_si256(x), 17);
  __m256i base = _mm256_and_si256(
      _mm256_i32gather_epi32((const int *)buckets, bucket, 1), _mm256_set1_epi32(0xff));
  __m256 m = _mm256_i32gather_ps(QS_DYN8_MIDPOINTS, _mm256_min_epi32(base, _mm256_set1_epi32(254)), 4);
  __m256i above = _mm256_castps_si256(_mm256_cmp_ps(x, m, _CMP_GT_OQ));
  __m256i tie = _mm256_castps_si256(_mm256_cmp_ps(x, m, _CMP_EQ_OQ));
  __m256i code = _mm256_sub_epi32(base, above);
  code = _mm256_add_epi32(code, _mm256_and_si256(tie, _mm256_and_si256(base, _mm256_set1_epi32(1))));
  if (slow_any) {
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

// MARK: - Block formats

/// One format's sweep; `format` is a constant in each instance below, so the switches fold.
/// dyn8 reads the bucket table `buckets` (`qs_dyn8_bucket_table`).
QS_AVX2 void qs_block_error_avx2_impl(qs_block_format format, const float *w, size_t n,
                                      size_t start, size_t blocksize, const float *absmax,
                                      qs_dtype dtype, qs_error_acc *acc, const uint8_t *buckets,
                                      int slow_any) {
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
  float magnitude_by_rank[8];
  for (int k = 0; k < 8; k++) magnitude_by_rank[k] = QS_FP4_MAGNITUDES[QS_FP4_CODE_BY_RANK[k]];
  const __m256 fp4_by_rank = _mm256_loadu_ps(magnitude_by_rank);
  size_t i = 0;
  while (i < n) {
    qs_run run = qs_block_run(absmax, start, i, blocksize, n);
    __m256 inv = _mm256_set1_ps(run.inv);
    __m256 scale = _mm256_set1_ps(run.scale);
    // i is a multiple of 8 here (start and blocksize are multiples of 8): lanes line up.
    qs_v_load_lanes(&lanes, &sum0, &sum1);
    for (; i + 8 <= run.end; i += 8) {
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
        code = qs_v_dyn8_fast(x, buckets, slow_any);
        level = _mm256_i32gather_ps(QS_DYN8_MAP, code, 4);
        break;
      }
      if (format == QS_BLOCK_DYN8) qs_v_count(code, &counts);
      else qs_v_count_pairs(code, &pairs);
      __m256 w_hat = qs_v_round_dtype(_mm256_mul_ps(level, scale), dtype);
      qs_v_accumulate(w_hat, wv, &sum0, &sum1, &max);
    }
    qs_v_store_lanes(sum0, sum1, &lanes);
    for (; i < run.end; i++) {
      qs_block_element(format, qs_scale(w[i], run.inv), w[i], i, run.scale, dtype, &lanes, acc);
    }
  }
  qs_v_merge_max(max, &lanes);
  qs_lanes_finish(&lanes, acc);
  qs_counts4_flush(&counts, acc->counts);
  qs_v_flush_pair_counts(&pairs, acc->counts);
}

/// Instances with the format fixed at compile time.
#define QS_BLOCK_ERROR_INSTANCE(name, format_value)                                               \
  QS_AVX2_FN static void name(const float *w, size_t n, size_t start, size_t bs,                 \
                              const float *absmax, qs_dtype dtype, qs_error_acc *acc,             \
                              const uint8_t *buckets, int slow_any) {                             \
    qs_block_error_avx2_impl(format_value, w, n, start, bs, absmax, dtype, acc, buckets,          \
                             slow_any);                                                           \
  }
QS_BLOCK_ERROR_INSTANCE(qs_block_error_nf4, QS_BLOCK_NF4)
QS_BLOCK_ERROR_INSTANCE(qs_block_error_fp4, QS_BLOCK_FP4)
QS_BLOCK_ERROR_INSTANCE(qs_block_error_int4, QS_BLOCK_INT4)
QS_BLOCK_ERROR_INSTANCE(qs_block_error_dyn8, QS_BLOCK_DYN8)

void qs_block_error_avx2(qs_block_format format, const float *w, size_t n, size_t start,
                         size_t blocksize, const float *absmax, qs_dtype dtype,
                         qs_error_acc *acc) {
  if (blocksize == 0 || blocksize % 8 != 0 || start % 8 != 0) {
    qs_block_error_ref(format, w, n, start, blocksize, absmax, dtype, acc);
    return;
  }
  switch (format) {
  case QS_BLOCK_NF4: qs_block_error_nf4(w, n, start, blocksize, absmax, dtype, acc, NULL, 0); break;
  case QS_BLOCK_FP4: qs_block_error_fp4(w, n, start, blocksize, absmax, dtype, acc, NULL, 0); break;
  case QS_BLOCK_INT4: qs_block_error_int4(w, n, start, blocksize, absmax, dtype, acc, NULL, 0); break;
  default: {
    int slow_any = 0;
    const uint8_t *buckets = qs_dyn8_bucket_table(&slow_any);
    qs_block_error_dyn8(w, n, start, blocksize, absmax, dtype, acc, buckets, slow_any);
    break;
  }
  }
}

// MARK: - nf4 + nf4-dq, fp4 + fp4-dq

/// A 4-bit format and its double-quantized twin (one set of codes, two scales); `format` (NF4 or
/// FP4) is a constant in each instance below, so the switches fold.
QS_AVX2 void qs_dq_error_avx2_impl(qs_block_format format, const float *w, size_t n, size_t start,
                                   size_t blocksize, const float *absmax, const float *absmax_hat,
                                   qs_dtype dtype, qs_error_acc *acc, qs_error_acc *acc_dq) {
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
  float magnitude_by_rank[8];
  for (int k = 0; k < 8; k++) magnitude_by_rank[k] = QS_FP4_MAGNITUDES[QS_FP4_CODE_BY_RANK[k]];
  const __m256 fp4_by_rank = _mm256_loadu_ps(magnitude_by_rank);
  size_t i = 0;
  while (i < n) {
    qs_run run = qs_block_run(absmax, start, i, blocksize, n);
    float a_hat = with_dq ? absmax_hat[run.index] : 0.0f;
    __m256 inv = _mm256_set1_ps(run.inv);
    __m256 scale = _mm256_set1_ps(run.scale);
    __m256 scale_hat = _mm256_set1_ps(a_hat);
    qs_v_load_lanes(&lanes, &sum0, &sum1);
    qs_v_load_lanes(&lanes_dq, &dq0, &dq1);
    for (; i + 8 <= run.end; i += 8) {
      __m256 wv = _mm256_loadu_ps(w + i);
      __m256 x = qs_v_scale(wv, inv);
      __m256i code;
      __m256 level;
      if (format == QS_BLOCK_NF4) {
        code = qs_v_nf4(x);
        level = qs_v_lookup16(code, low, high);
      } else {
        __m256i rank;
        code = qs_v_fp4(x, &rank);
        __m256 magnitude = _mm256_permutevar8x32_ps(fp4_by_rank, rank);
        __m256 sign = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_srli_epi32(code, 3), 31));
        level = _mm256_or_ps(magnitude, sign);
      }
      qs_v_count_pairs(code, &counts);
      qs_v_accumulate(qs_v_round_dtype(_mm256_mul_ps(level, scale), dtype), wv, &sum0, &sum1, &max);
      if (with_dq) {
        qs_v_accumulate(qs_v_round_dtype(_mm256_mul_ps(level, scale_hat), dtype), wv, &dq0, &dq1,
                        &dqmax);
      }
    }
    qs_v_store_lanes(sum0, sum1, &lanes);
    qs_v_store_lanes(dq0, dq1, &lanes_dq);
    for (; i < run.end; i++) {
      qs_dq_element(format, qs_scale(w[i], run.inv), w[i], i, run.scale, a_hat, dtype, &lanes,
                    acc, &lanes_dq, with_dq ? acc_dq : NULL);
    }
  }
  qs_v_merge_max(max, &lanes);
  qs_lanes_finish(&lanes, acc);
  qs_v_flush_pair_counts(&counts, acc->counts);
  if (with_dq) {
    qs_v_merge_max(dqmax, &lanes_dq);
    qs_lanes_finish(&lanes_dq, acc_dq);
    // The double-quantized twin uses the same codes: the same vector counts.
    qs_v_flush_pair_counts(&counts, acc_dq->counts);
  }
}

QS_AVX2_FN void qs_nf4_error_avx2(const float *w, size_t n, size_t start, size_t blocksize,
                                  const float *absmax, const float *absmax_hat, qs_dtype dtype,
                                  qs_error_acc *acc, qs_error_acc *acc_dq) {
  if (blocksize == 0 || blocksize % 8 != 0 || start % 8 != 0) {
    qs_nf4_error_ref(w, n, start, blocksize, absmax, absmax_hat, dtype, acc, acc_dq);
    return;
  }
  qs_dq_error_avx2_impl(QS_BLOCK_NF4, w, n, start, blocksize, absmax, absmax_hat, dtype, acc,
                        acc_dq);
}

QS_AVX2_FN void qs_fp4_error_avx2(const float *w, size_t n, size_t start, size_t blocksize,
                                  const float *absmax, const float *absmax_hat, qs_dtype dtype,
                                  qs_error_acc *acc, qs_error_acc *acc_dq) {
  if (blocksize == 0 || blocksize % 8 != 0 || start % 8 != 0) {
    qs_fp4_error_ref(w, n, start, blocksize, absmax, absmax_hat, dtype, acc, acc_dq);
    return;
  }
  qs_dq_error_avx2_impl(QS_BLOCK_FP4, w, n, start, blocksize, absmax, absmax_hat, dtype, acc,
                        acc_dq);
}
#endif
