// Streaming statistics and histograms (the two passes of the CPU backend).
#include "kernels_internal.h"

void qs_stats_init(qs_stats_acc *acc) {
  acc->sum = 0.0;
  acc->sum_sq = 0.0;
  acc->min = INFINITY;
  acc->max = -INFINITY;
  acc->absmax = 0.0f;
  acc->zeros = 0;
  acc->nans = 0;
  acc->infs = 0;
}

/// Atomic max of a non-negative float stored as bits (bit order = value order for |w|).
void qs_atomic_max_float_bits(uint32_t *slot, float value) {
  uint32_t bits = qs_bits(value);
  uint32_t seen = __atomic_load_n(slot, __ATOMIC_RELAXED);
  while (bits > seen &&
         !__atomic_compare_exchange_n(slot, &seen, bits, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

void qs_stats_segment_ref(const float *w, size_t n, size_t start, size_t blocksize,
                          float *block_absmax, size_t cols, float *col_absmax,
                          uint32_t *row_absmax_bits, qs_stats_acc *acc) {
  // Sums in 8 lanes (SIMD-friendly; the order is fixed for a given segment).
  double sum[8] = {0}, sum_sq[8] = {0};
  float lo = acc->min, hi = acc->max, absmax = acc->absmax;
  uint64_t zeros = 0, nans = 0, infs = 0;
  qs_stats_tail_and_fold(w, 0, n, sum, sum_sq, lo, hi, zeros, nans, infs, acc);

  if (blocksize > 0 && block_absmax != NULL) {
    for (size_t begin = 0; begin < n; begin += blocksize) {
      size_t end = begin + blocksize < n ? begin + blocksize : n;
      float m = 0.0f;
      for (size_t i = begin; i < end; i++) {
        float a = fabsf(w[i]);
        m = a > m ? a : m;
      }
      block_absmax[(start + begin) / blocksize] = m;
      absmax = m > absmax ? m : absmax;
    }
  }
  acc->absmax = absmax;

  if (cols > 0) {
    size_t i = 0;
    while (i < n) {
      size_t row = (start + i) / cols;
      size_t col = (start + i) - row * cols;
      size_t end = (row + 1) * cols - start;
      if (end > n) end = n;
      float m = 0.0f;
      for (; i < end; i++, col++) {
        float a = fabsf(w[i]);
        m = a > m ? a : m;
        if (col_absmax != NULL && a > col_absmax[col]) col_absmax[col] = a;
      }
      if (row_absmax_bits != NULL) qs_atomic_max_float_bits(&row_absmax_bits[row], m);
    }
  }
}

void qs_stats_zero_ties(const float *w, size_t n, float init_min, float init_max,
                        qs_stats_acc *acc) {
  if (acc->min != 0.0f && acc->max != 0.0f) return;
  float first = 0.0f;
  for (size_t i = 0; i < n; i++) {
    if (w[i] == 0.0f) {
      first = w[i];
      break;
    }
  }
  // A zero result means no element was smaller (min) / larger (max) than zero, so the scalar
  // loop took the first zero it met and kept it.
  if (acc->min == 0.0f) acc->min = init_min == 0.0f ? init_min : first;
  if (acc->max == 0.0f) acc->max = init_max == 0.0f ? init_max : first;
}

static inline size_t qs_bin(double t, size_t bins) {
  if (!(t > 0.0)) return 0;
  size_t b = (size_t)t;
  return b >= bins ? bins - 1 : b;
}

void qs_histogram_segment_ref(const float *w, size_t n, size_t start, size_t blocksize,
                              const float *block_absmax, double lo, double hi, size_t bins,
                              uint64_t *value_counts, uint64_t *normalized_counts, double mean,
                              double *sum_sq_dev) {
  if (bins == 0) return;
  double scale = hi > lo ? (double)bins / (hi - lo) : 0.0;
  double dev[8] = {0};
  for (size_t i = 0; i < n; i++) {
    float v = w[i];
    if (!isfinite(v)) continue;
    double d = (double)v;
    double c = d - mean;
    dev[i & 7] += c * c;
    if (value_counts != NULL) {
      size_t b = hi > lo ? qs_bin((d - lo) * scale, bins) : bins / 2;
      value_counts[b]++;
    }
  }
  for (int k = 0; k < 8; k++) *sum_sq_dev += dev[k];

  if (normalized_counts != NULL && blocksize > 0 && block_absmax != NULL) {
    double half_bins = (double)bins * 0.5;
    for (size_t begin = 0; begin < n; begin += blocksize) {
      size_t end = begin + blocksize < n ? begin + blocksize : n;
      float inv = 1.0f / block_absmax[(start + begin) / blocksize];
      for (size_t i = begin; i < end; i++) {
        float x = qs_scale(w[i], inv);
        if (!isfinite(x)) continue;
        normalized_counts[qs_bin(((double)x + 1.0) * half_bins, bins)]++;
      }
    }
  }
}

// MARK: - Dispatchers

void qs_stats_segment_avx2(const float *w, size_t n, size_t start, size_t blocksize,
                           float *block_absmax, size_t cols, float *col_absmax,
                           uint32_t *row_absmax_bits, qs_stats_acc *acc);
void qs_stats_segment_avx512(const float *w, size_t n, size_t start, size_t blocksize,
                             float *block_absmax, size_t cols, float *col_absmax,
                             uint32_t *row_absmax_bits, qs_stats_acc *acc);
void qs_histogram_segment_avx2(const float *w, size_t n, size_t start, size_t blocksize,
                               const float *block_absmax, double lo, double hi, size_t bins,
                               uint64_t *value_counts, uint64_t *normalized_counts, double mean,
                               double *sum_sq_dev);
void qs_histogram_segment_avx512(const float *w, size_t n, size_t start, size_t blocksize,
                                 const float *block_absmax, double lo, double hi, size_t bins,
                                 uint64_t *value_counts, uint64_t *normalized_counts, double mean,
                                 double *sum_sq_dev);

void qs_stats_segment(const float *w, size_t n, size_t start, size_t blocksize,
                      float *block_absmax, size_t cols, float *col_absmax,
                      uint32_t *row_absmax_bits, qs_stats_acc *acc) {
#if defined(__x86_64__)
  if (qs_use_avx512()) {
    qs_stats_segment_avx512(w, n, start, blocksize, block_absmax, cols, col_absmax, row_absmax_bits, acc);
    return;
  }
  if (qs_use_avx2()) {
    qs_stats_segment_avx2(w, n, start, blocksize, block_absmax, cols, col_absmax, row_absmax_bits, acc);
    return;
  }
#endif
  qs_stats_segment_ref(w, n, start, blocksize, block_absmax, cols, col_absmax, row_absmax_bits, acc);
}

void qs_histogram_segment(const float *w, size_t n, size_t start, size_t blocksize,
                          const float *block_absmax, double lo, double hi, size_t bins,
                          uint64_t *value_counts, uint64_t *normalized_counts, double mean,
                          double *sum_sq_dev) {
#if defined(__x86_64__)
  if (qs_use_avx512()) {
    qs_histogram_segment_avx512(w, n, start, blocksize, block_absmax, lo, hi, bins, value_counts,
                                normalized_counts, mean, sum_sq_dev);
    return;
  }
  if (qs_use_avx2()) {
    qs_histogram_segment_avx2(w, n, start, blocksize, block_absmax, lo, hi, bins, value_counts,
                              normalized_counts, mean, sum_sq_dev);
    return;
  }
#endif
  qs_histogram_segment_ref(w, n, start, blocksize, block_absmax, lo, hi, bins, value_counts,
                           normalized_counts, mean, sum_sq_dev);
}
