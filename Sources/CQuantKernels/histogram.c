// Histogram pass (the CPU backend's second pass over a tensor): the scalar reference.
// Tiers: histogram_avx2.c, histogram_avx512.c. CUDA twin: qs_histogram_segment_kernel.
#include "kernels_internal.h"

void qs_histogram_segment_ref(const float *w, size_t n, size_t start, size_t blocksize,
                              const float *block_absmax, double lo, double hi, size_t bins,
                              uint64_t *value_counts, uint64_t *normalized_counts, double mean,
                              double *sum_sq_dev) {
  if (bins == 0) return;
  double scale = qs_value_bin_scale(lo, hi, bins);
  int flat = !(hi > lo);
  double dev[8] = {0};
  qs_value_pass(w, 0, n, mean, lo, scale, bins, flat, dev, value_counts);
  for (int k = 0; k < 8; k++) *sum_sq_dev += dev[k];

  if (normalized_counts != NULL && blocksize > 0 && block_absmax != NULL) {
    for (size_t begin = 0; begin < n; begin += blocksize) {
      size_t end = begin + blocksize < n ? begin + blocksize : n;
      float inv = 1.0f / block_absmax[(start + begin) / blocksize];
      qs_normalized_pass(w, begin, end, inv, bins, normalized_counts);
    }
  }
}
