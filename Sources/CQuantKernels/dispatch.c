// CPU-feature detection and every dispatcher: the one file that knows which tier runs. A
// dispatcher takes its `_ref`'s arguments and calls the best tier the CPU has and the thread's cap
// allows: AVX-512 (F, BW, DQ, VL), then AVX2 + F16C, then the scalar `_ref`. Every tier gives the
// reference's bits, so the choice changes the time, never a number.
#include "kernels_internal.h"
#include "tiers.h"

// MARK: - CPU features and the per-thread cap

int qs_cpu_has_avx2(void) {
#if defined(__x86_64__)
  static int cached = -1;
  if (cached < 0) {
    __builtin_cpu_init();
    cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c") ? 1 : 0;
  }
  return cached;
#else
  return 0;
#endif
}

int qs_cpu_has_avx512(void) {
#if defined(__x86_64__)
  static int cached = -1;
  if (cached < 0) {
    __builtin_cpu_init();
    cached = qs_cpu_has_avx2() && __builtin_cpu_supports("avx512f") &&
                     __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                     __builtin_cpu_supports("avx512vl")
                 ? 1
                 : 0;
  }
  return cached;
#else
  return 0;
#endif
}

/// Per thread, so that tests comparing tiers may run in parallel.
static _Thread_local int qs_tier_cap = QS_TIER_BEST;

void qs_set_tier_cap(int cap) { qs_tier_cap = cap; }

/// 1 when the AVX2 tiers may run (CPU support and the thread's cap).
static int qs_use_avx2(void) { return qs_tier_cap != QS_TIER_SCALAR && qs_cpu_has_avx2(); }

/// 1 when the AVX-512 tiers may run (CPU support and the thread's cap).
static int qs_use_avx512(void) { return qs_tier_cap == QS_TIER_BEST && qs_cpu_has_avx512(); }

/// Calls the best tier of `name` the thread may use, `name_avx512`, `name_avx2` or `name_ref`,
/// with the same arguments (the dispatchers whose every tier takes the reference's arguments).
#if defined(__x86_64__)
#define QS_CALL_BEST_TIER(name, ...)                                                              \
  do {                                                                                            \
    if (qs_use_avx512()) name##_avx512(__VA_ARGS__);                                              \
    else if (qs_use_avx2()) name##_avx2(__VA_ARGS__);                                             \
    else name##_ref(__VA_ARGS__);                                                                 \
  } while (0)
#else
#define QS_CALL_BEST_TIER(name, ...) name##_ref(__VA_ARGS__)
#endif

// MARK: - Conversions (dtype_convert.c)

void qs_convert_f16(const void *src, float *dst, size_t n) {
#if defined(__x86_64__)
  if (qs_use_avx2()) {
    qs_convert_f16_avx2(src, dst, n);
    return;
  }
#endif
  qs_convert_f16_ref(src, dst, n);
}

void qs_round_to_dtype(float *values, size_t n, qs_dtype dtype) {
#if defined(__x86_64__)
  if (dtype == QS_DTYPE_F16 && qs_use_avx2()) {
    qs_round_f16_avx2(values, n);
    return;
  }
#endif
  qs_round_to_dtype_ref_array(values, n, dtype);
}

// MARK: - Statistics (stats.c) and histograms (histogram.c)

void qs_stats_segment(const float *w, size_t n, size_t start, size_t blocksize,
                      float *block_absmax, size_t cols, float *col_absmax,
                      uint32_t *row_absmax_bits, qs_stats_acc *acc) {
  QS_CALL_BEST_TIER(qs_stats_segment, w, n, start, blocksize, block_absmax, cols, col_absmax,
                    row_absmax_bits, acc);
}

void qs_histogram_segment(const float *w, size_t n, size_t start, size_t blocksize,
                          const float *block_absmax, double lo, double hi, size_t bins,
                          uint64_t *value_counts, uint64_t *normalized_counts, double mean,
                          double *sum_sq_dev) {
  if (bins == 0 || bins > QS_SUB_HISTOGRAM_BINS) {
    // More bins than the SIMD tiers' counters hold (or none): the reference.
    qs_histogram_segment_ref(w, n, start, blocksize, block_absmax, lo, hi, bins, value_counts,
                             normalized_counts, mean, sum_sq_dev);
    return;
  }
  QS_CALL_BEST_TIER(qs_histogram_segment, w, n, start, blocksize, block_absmax, lo, hi, bins,
                    value_counts, normalized_counts, mean, sum_sq_dev);
}

// MARK: - Block formats (blockwise.c)

uint8_t qs_dyn8_encode_value(float x) { return qs_dyn8_value_branchless(x); }

void qs_nf4dq_scales(const float *absmax, size_t nblocks, float *offset, uint8_t *qabsmax,
                     float *absmax2, float *absmax_hat) {
  qs_nf4dq_second_level(absmax, nblocks, offset, qabsmax, absmax2, absmax_hat, 1);
}

void qs_block_error(qs_block_format format, const float *w, size_t n, size_t start,
                    size_t blocksize, const float *absmax, qs_dtype dtype, qs_error_acc *acc) {
#if defined(__x86_64__)
  if (qs_use_avx512()) {
    // One sweep kernel serves the 4-bit formats: only the given accumulator is filled.
    switch (format) {
    case QS_BLOCK_NF4: qs_block4_error_avx512(w, n, start, blocksize, absmax, NULL, dtype, acc, NULL, NULL, NULL, NULL); return;
    case QS_BLOCK_FP4: qs_block4_error_avx512(w, n, start, blocksize, absmax, NULL, dtype, NULL, NULL, acc, NULL, NULL); return;
    case QS_BLOCK_INT4: qs_block4_error_avx512(w, n, start, blocksize, absmax, NULL, dtype, NULL, NULL, NULL, NULL, acc); return;
    default: qs_dyn8_error_avx512(w, n, start, blocksize, absmax, dtype, acc); return;
    }
  }
  if (qs_use_avx2()) {
    qs_block_error_avx2(format, w, n, start, blocksize, absmax, dtype, acc);
    return;
  }
#endif
  qs_block_error_ref(format, w, n, start, blocksize, absmax, dtype, acc);
}

void qs_nf4_error(const float *w, size_t n, size_t start, size_t blocksize, const float *absmax,
                  const float *absmax_hat, qs_dtype dtype, qs_error_acc *acc,
                  qs_error_acc *acc_dq) {
#if defined(__x86_64__)
  if (qs_use_avx512()) {
    int with_dq = absmax_hat != NULL && acc_dq != NULL;
    qs_block4_error_avx512(w, n, start, blocksize, absmax, absmax_hat, dtype, acc,
                           with_dq ? acc_dq : NULL, NULL, NULL, NULL);
    return;
  }
  if (qs_use_avx2()) {
    qs_nf4_error_avx2(w, n, start, blocksize, absmax, absmax_hat, dtype, acc, acc_dq);
    return;
  }
#endif
  qs_nf4_error_ref(w, n, start, blocksize, absmax, absmax_hat, dtype, acc, acc_dq);
}

void qs_fp4_error(const float *w, size_t n, size_t start, size_t blocksize, const float *absmax,
                  const float *absmax_hat, qs_dtype dtype, qs_error_acc *acc,
                  qs_error_acc *acc_dq) {
#if defined(__x86_64__)
  if (qs_use_avx512()) {
    int with_dq = absmax_hat != NULL && acc_dq != NULL;
    qs_block4_error_avx512(w, n, start, blocksize, absmax, absmax_hat, dtype, NULL, NULL, acc,
                           with_dq ? acc_dq : NULL, NULL);
    return;
  }
  if (qs_use_avx2()) {
    qs_fp4_error_avx2(w, n, start, blocksize, absmax, absmax_hat, dtype, acc, acc_dq);
    return;
  }
#endif
  qs_fp4_error_ref(w, n, start, blocksize, absmax, absmax_hat, dtype, acc, acc_dq);
}

void qs_block4_error(const float *w, size_t n, size_t start, size_t blocksize,
                     const float *absmax, const float *absmax_hat, qs_dtype dtype,
                     qs_error_acc *acc_nf4, qs_error_acc *acc_nf4dq, qs_error_acc *acc_fp4,
                     qs_error_acc *acc_fp4dq, qs_error_acc *acc_int4) {
#if defined(__x86_64__)
  if (qs_use_avx512()) {
    qs_block4_error_avx512(w, n, start, blocksize, absmax, absmax_hat, dtype, acc_nf4, acc_nf4dq,
                           acc_fp4, acc_fp4dq, acc_int4);
    return;
  }
#endif
  // Below AVX-512: the formats one after another, each through its own dispatcher.
  qs_block4_one_by_one(qs_nf4_error, qs_fp4_error, qs_block_error, w, n, start, blocksize, absmax,
                       absmax_hat, dtype, acc_nf4, acc_nf4dq, acc_fp4, acc_fp4dq, acc_int4);
}

// MARK: - int8 (int8.c)

void qs_int8_error(const float *w, size_t n, size_t start, size_t cols, const float *rowmax,
                   qs_error_acc *acc) {
  QS_CALL_BEST_TIER(qs_int8_error, w, n, start, cols, rowmax, acc);
}

void qs_dyn8_int8_error(const float *w, size_t n, size_t start, const float *dyn8_absmax,
                        qs_dtype dtype, size_t cols, const float *rowmax, qs_error_acc *acc_dyn8,
                        qs_error_acc *acc_int8, uint32_t *joint) {
#if defined(__x86_64__)
  if (qs_use_avx512() && qs_dyn8_int8_joint_applies(start, cols, joint)) {
    qs_dyn8_int8_error_avx512(w, n, start, dyn8_absmax, dtype, cols, rowmax, acc_dyn8, acc_int8,
                              joint);
    return;
  }
#endif
  qs_block_error(QS_BLOCK_DYN8, w, n, start, 4096, dyn8_absmax, dtype, acc_dyn8);
  qs_int8_error(w, n, start, cols, rowmax, acc_int8);
}
