// Private to CQuantKernels: the prototypes of every fast tier, the one place dispatch.c and the
// tier files agree on. A tier `qs_<name>_avx2` / `_avx512` lives in `<file>_avx2.c` /
// `<file>_avx512.c` next to its reference `qs_<name>_ref` in `<file>.c`, takes the reference's
// arguments and gives its bits. Each tier file includes this header, so a definition that drifts
// from its prototype does not compile. x86-64 only; elsewhere the dispatchers call `_ref`.
#ifndef QUANTSCOPE_TIERS_H
#define QUANTSCOPE_TIERS_H
#include "quant_kernels.h"

#if defined(__x86_64__)

/// The instruction sets of the two tiers (what `qs_cpu_has_avx2` / `qs_cpu_has_avx512` check).
#define QS_AVX2_TARGET "avx2,f16c"
#define QS_AVX512_TARGET "avx512f,avx512bw,avx512dq,avx512vl,avx2,f16c"

// MARK: - dtype_convert_avx2.c

void qs_convert_f16_avx2(const void *src, float *dst, size_t n);
/// Rounds to binary16 in place (`qs_round_to_dtype_ref_array` with F16).
void qs_round_f16_avx2(float *values, size_t n);

// MARK: - stats_avx2.c, stats_avx512.c

void qs_stats_segment_avx2(const float *w, size_t n, size_t start, size_t blocksize,
                           float *block_absmax, size_t cols, float *col_absmax,
                           uint32_t *row_absmax_bits, qs_stats_acc *acc);
void qs_stats_segment_avx512(const float *w, size_t n, size_t start, size_t blocksize,
                             float *block_absmax, size_t cols, float *col_absmax,
                             uint32_t *row_absmax_bits, qs_stats_acc *acc);

// MARK: - histogram_avx2.c, histogram_avx512.c

/// Both need 0 < bins ≤ QS_SUB_HISTOGRAM_BINS (the dispatcher runs the reference otherwise).

void qs_histogram_segment_avx2(const float *w, size_t n, size_t start, size_t blocksize,
                               const float *block_absmax, double lo, double hi, size_t bins,
                               uint64_t *value_counts, uint64_t *normalized_counts, double mean,
                               double *sum_sq_dev);
void qs_histogram_segment_avx512(const float *w, size_t n, size_t start, size_t blocksize,
                                 const float *block_absmax, double lo, double hi, size_t bins,
                                 uint64_t *value_counts, uint64_t *normalized_counts, double mean,
                                 double *sum_sq_dev);

// MARK: - blockwise_avx2.c, blockwise_avx512.c

void qs_block_error_avx2(qs_block_format format, const float *w, size_t n, size_t start,
                         size_t blocksize, const float *absmax, qs_dtype dtype,
                         qs_error_acc *acc);
void qs_nf4_error_avx2(const float *w, size_t n, size_t start, size_t blocksize,
                       const float *absmax, const float *absmax_hat, qs_dtype dtype,
                       qs_error_acc *acc, qs_error_acc *acc_dq);
void qs_fp4_error_avx2(const float *w, size_t n, size_t start, size_t blocksize,
                       const float *absmax, const float *absmax_hat, qs_dtype dtype,
                       qs_error_acc *acc, qs_error_acc *acc_dq);
/// nf4, nf4-dq, fp4, fp4-dq and int4 in one sweep: the AVX-512 tier of `qs_block4_error`, and of
/// `qs_block_error` / `qs_nf4_error` / `qs_fp4_error` for those formats (the accumulators given).
void qs_block4_error_avx512(const float *w, size_t n, size_t start, size_t blocksize,
                            const float *absmax, const float *absmax_hat, qs_dtype dtype,
                            qs_error_acc *acc_nf4, qs_error_acc *acc_nf4dq, qs_error_acc *acc_fp4,
                            qs_error_acc *acc_fp4dq, qs_error_acc *acc_int4);
/// The AVX-512 tier of `qs_block_error` for dyn8.
void qs_dyn8_error_avx512(const float *w, size_t n, size_t start, size_t blocksize,
                          const float *absmax, qs_dtype dtype, qs_error_acc *acc);

// MARK: - int8_avx2.c, int8_avx512.c

void qs_int8_error_avx2(const float *w, size_t n, size_t start, size_t cols, const float *rowmax,
                        qs_error_acc *acc);
void qs_int8_error_avx512(const float *w, size_t n, size_t start, size_t cols,
                          const float *rowmax, qs_error_acc *acc);
/// Whether the joint sweep `qs_dyn8_int8_error_avx512` applies (every 16-wide step in one row
/// and one dyn8 block).
static inline int qs_dyn8_int8_joint_applies(size_t start, size_t cols, const uint32_t *joint) {
  return cols != 0 && cols % 16 == 0 && start % 16 == 0 && joint != NULL;
}
void qs_dyn8_int8_error_avx512(const float *w, size_t n, size_t start, const float *dyn8_absmax,
                               qs_dtype dtype, size_t cols, const float *rowmax,
                               qs_error_acc *acc_dyn8, qs_error_acc *acc_int8, uint32_t *joint);

#endif
#endif
