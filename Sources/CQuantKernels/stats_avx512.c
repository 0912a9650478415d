// AVX-512 tier of the statistics pass (stats.c): the AVX2 tier's arithmetic 16 values at a time,
// with the block maxima taken in the same sweep. Same results as the scalar loop: identical
// lane-wise float64 sums (lane = i mod 8; a 16-wide step adds elements i...i+7, then i+8...i+15;
// non-finite elements add +0), order-free counts and maxima, and min/max zero ties resolved to the
// scalar loop's choice by `qs_stats_zero_ties`.
#include "avx512_inline.h"
#if defined(__x86_64__)

/// The running sums, extrema and counts of one 16-wide sweep.
typedef struct {
  __m512d sum, sq;
  __m512 lo, hi;
  uint64_t zeros, nans, infs;
} qs_z_stats;

/// Adds 16 values at `w` (lane order as the scalar loop) and returns their |w| (NaN stays NaN).
QS_AVX512 __m512 qs_z_stats_step(qs_z_stats *s, const float *w) {
  const __m512 inf = _mm512_set1_ps(INFINITY);
  __m512 v = _mm512_loadu_ps(w);
  __m512 a = _mm512_abs_ps(v);
  __mmask16 finite = _mm512_cmp_ps_mask(a, inf, _CMP_LT_OQ);
  __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
  s->nans += (uint64_t)__builtin_popcount(nan);
  s->infs += (uint64_t)__builtin_popcount((unsigned)(~(finite | nan)) & 0xffffu);
  s->zeros += (uint64_t)__builtin_popcount(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_EQ_OQ));
  __m512 f = _mm512_maskz_mov_ps(finite, v);
  __m512d d0 = _mm512_cvtps_pd(_mm512_castps512_ps256(f));
  __m512d d1 = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(f), 1)));
  s->sum = _mm512_add_pd(s->sum, d0);
  s->sq = _mm512_add_pd(s->sq, _mm512_mul_pd(d0, d0));
  s->sum = _mm512_add_pd(s->sum, d1);
  s->sq = _mm512_add_pd(s->sq, _mm512_mul_pd(d1, d1));
  s->lo = _mm512_min_ps(s->lo, _mm512_mask_mov_ps(inf, finite, v));
  s->hi = _mm512_max_ps(s->hi, _mm512_mask_mov_ps(_mm512_set1_ps(-INFINITY), finite, v));
  return a;
}

/// Largest of 16 non-NaN values.
QS_AVX512 float qs_z_hmax(__m512 m) {
  __m256 h = _mm256_max_ps(_mm512_castps512_ps256(m),
                           _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(m), 1)));
  __m128 q = _mm_max_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  q = _mm_max_ps(q, _mm_movehl_ps(q, q));
  q = _mm_max_ss(q, _mm_shuffle_ps(q, q, 1));
  return _mm_cvtss_f32(q);
}

QS_AVX512_FN void qs_stats_segment_avx512(const float *w, size_t n, size_t start, size_t blocksize,
                                          float *block_absmax, size_t cols, float *col_absmax,
                                          uint32_t *row_absmax_bits, qs_stats_acc *acc) {
  const float init_min = acc->min, init_max = acc->max;
  qs_z_stats s = {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_set1_ps(init_min),
                  _mm512_set1_ps(init_max), 0, 0, 0};
  float absmax = acc->absmax;
  int want_blocks = blocksize > 0 && block_absmax != NULL;
  size_t i = 0;
  if (want_blocks && blocksize % 16 == 0) {
    // Whole blocks: statistics and block maxima in one sweep (max_ps returns its second operand
    // when |w| is NaN: NaN never wins, as in the scalar loop).
    for (; i + blocksize <= n; i += blocksize) {
      __m512 m = _mm512_setzero_ps();
      for (size_t j = i; j < i + blocksize; j += 16) m = _mm512_max_ps(qs_z_stats_step(&s, w + j), m);
      float mx = qs_z_hmax(m);
      block_absmax[(start + i) / blocksize] = mx;
      absmax = mx > absmax ? mx : absmax;
    }
  }
  size_t blocks_done = i;
  for (; i + 16 <= n; i += 16) (void)qs_z_stats_step(&s, w + i);
  double sum[8], sum_sq[8];
  _mm512_storeu_pd(sum, s.sum);
  _mm512_storeu_pd(sum_sq, s.sq);
  // min = −max(−x); which zero a tie gives is settled by qs_stats_zero_ties below.
  float lo = -qs_z_hmax(_mm512_xor_ps(s.lo, _mm512_set1_ps(-0.0f))), hi = qs_z_hmax(s.hi);
  uint64_t zeros = s.zeros, nans = s.nans, infs = s.infs;
  qs_stats_tail_and_fold(w, i, n, sum, sum_sq, lo, hi, zeros, nans, infs, acc);
  qs_stats_zero_ties(w, n, init_min, init_max, acc);

  if (want_blocks) {
    for (size_t begin = blocks_done; begin < n; begin += blocksize) {
      size_t end = begin + blocksize < n ? begin + blocksize : n;
      __m512 m = _mm512_setzero_ps();
      size_t j = begin;
      for (; j + 16 <= end; j += 16) m = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(w + j)), m);
      float mx = qs_absmax_from(w, j, end, qs_z_hmax(m));
      block_absmax[(start + begin) / blocksize] = mx;
      absmax = mx > absmax ? mx : absmax;
    }
  }
  acc->absmax = absmax;

  if (cols > 0) {
    size_t j = 0;
    while (j < n) {
      size_t row = (start + j) / cols;
      size_t col = (start + j) - row * cols;
      size_t end = qs_run_end(row, cols, start, n);
      __m512 m = _mm512_setzero_ps();
      if (col_absmax != NULL) {
        for (; j + 16 <= end; j += 16, col += 16) {
          __m512 a = _mm512_abs_ps(_mm512_loadu_ps(w + j));
          m = _mm512_max_ps(a, m);
          _mm512_storeu_ps(col_absmax + col, _mm512_max_ps(a, _mm512_loadu_ps(col_absmax + col)));
        }
      } else {
        for (; j + 16 <= end; j += 16) m = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(w + j)), m);
      }
      float mx = qs_row_absmax_from(w, j, end, col, col_absmax, qs_z_hmax(m));
      if (row_absmax_bits != NULL) qs_atomic_max_float_bits(&row_absmax_bits[row], mx);
      j = end;
    }
  }
}
#endif
