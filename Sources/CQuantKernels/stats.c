// Statistics pass (the CPU backend's first pass over a tensor): the scalar reference.
// Tiers: stats_avx2.c, stats_avx512.c. CUDA twins: qs_stats_segment_kernel,
// qs_block_absmax_kernel, qs_row_absmax_kernel, qs_column_absmax_kernel.
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

void qs_stats_segment_ref(const float *w, size_t n, size_t start, size_t blocksize,
                          float *block_absmax, size_t cols, float *col_absmax,
                          uint32_t *row_absmax_bits, qs_stats_acc *acc) {
  // Sums in 8 lanes (SIMD-friendly; the order is fixed for a given segment).
  double sum[8] = {0}, sum_sq[8] = {0};
  float absmax = acc->absmax;
  qs_stats_tail_and_fold(w, 0, n, sum, sum_sq, acc->min, acc->max, 0, 0, 0, acc);

  if (blocksize > 0 && block_absmax != NULL) {
    for (size_t begin = 0; begin < n; begin += blocksize) {
      size_t end = begin + blocksize < n ? begin + blocksize : n;
      float m = qs_absmax_from(w, begin, end, 0.0f);
      block_absmax[(start + begin) / blocksize] = m;
      absmax = m > absmax ? m : absmax;
    }
  }
  acc->absmax = absmax;

  if (cols > 0) {
    size_t i = 0;
    while (i < n) {
      size_t row = (start + i) / cols;
      size_t end = qs_run_end(row, cols, start, n);
      float m = qs_row_absmax_from(w, i, end, (start + i) - row * cols, col_absmax, 0.0f);
      if (row_absmax_bits != NULL) qs_atomic_max_float_bits(&row_absmax_bits[row], m);
      i = end;
    }
  }
}
