// Block formats (nf4, fp4, int4, dyn8; FORMATS.md §1–§5, §8): the scalar reference loops, the
// double-quant second level of nf4-dq and fp4-dq, and the round-trip error kernels. Tiers:
// blockwise_avx2.c, blockwise_avx512.c. CUDA twins: qs_<format>_encode_kernel,
// qs_block_error_kernel, qs_nf4_error_kernel, qs_fp4_error_kernel, qs_absmax_sum_kernel +
// qs_nf4dq_scales_kernel.
#include "kernels_internal.h"

// MARK: - Whole-array reference

static void qs_encode_ref(qs_block_format format, const float *w, size_t n, size_t blocksize,
                          uint8_t *codes, float *absmax) {
  if (blocksize == 0) return;
  for (size_t begin = 0, block = 0; begin < n; begin += blocksize, block++) {
    size_t end = begin + blocksize < n ? begin + blocksize : n;
    float a = qs_absmax_from(w, begin, end, 0.0f);
    absmax[block] = a;
    float inv = 1.0f / a;
    for (size_t i = begin; i < end; i++) codes[i] = qs_encode(format, qs_scale(w[i], inv));
  }
}

static void qs_dequant_ref(qs_block_format format, const uint8_t *codes, const float *absmax,
                           size_t n, size_t blocksize, qs_dtype dtype, float *out) {
  if (blocksize == 0) return;
  for (size_t i = 0; i < n; i++) {
    float d = qs_decode(format, codes[i]) * absmax[i / blocksize];
    out[i] = qs_round_dtype(d, dtype);
  }
}

/// The reference entry points of one block format, declared in quant_kernels.h:
/// `qs_<name>_encode_value_ref`, `qs_<name>_encode_ref` and `qs_<name>_dequant_ref`.
#define QS_BLOCK_FORMAT_REFERENCE(name, format)                                                   \
  uint8_t qs_##name##_encode_value_ref(float x) { return qs_encode(format, x); }                  \
  void qs_##name##_encode_ref(const float *w, size_t n, size_t blocksize, uint8_t *codes,        \
                              float *absmax) {                                                    \
    qs_encode_ref(format, w, n, blocksize, codes, absmax);                                        \
  }                                                                                               \
  void qs_##name##_dequant_ref(const uint8_t *codes, const float *absmax, size_t n,              \
                               size_t blocksize, qs_dtype dtype, float *out) {                    \
    qs_dequant_ref(format, codes, absmax, n, blocksize, dtype, out);                              \
  }
QS_BLOCK_FORMAT_REFERENCE(nf4, QS_BLOCK_NF4)
QS_BLOCK_FORMAT_REFERENCE(fp4, QS_BLOCK_FP4)
QS_BLOCK_FORMAT_REFERENCE(int4, QS_BLOCK_INT4)
QS_BLOCK_FORMAT_REFERENCE(dyn8, QS_BLOCK_DYN8)

// MARK: - Double-quant second level of nf4-dq and fp4-dq (FORMATS.md §4)

void qs_nf4dq_scales_ref(const float *absmax, size_t nblocks, float *offset, uint8_t *qabsmax,
                         float *absmax2, float *absmax_hat) {
  qs_nf4dq_second_level(absmax, nblocks, offset, qabsmax, absmax2, absmax_hat, 0);
}

// MARK: - Round trip + error

void qs_block_error_ref(qs_block_format format, const float *w, size_t n, size_t start,
                        size_t blocksize, const float *absmax, qs_dtype dtype, qs_error_acc *acc) {
  if (blocksize == 0) return;
  qs_lanes lanes;
  qs_lanes_init(&lanes);
  size_t i = 0;
  while (i < n) {
    qs_run run = qs_block_run(absmax, start, i, blocksize, n);
    for (; i < run.end; i++) {
      qs_block_element(format, qs_scale(w[i], run.inv), w[i], i, run.scale, dtype, &lanes, acc);
    }
  }
  qs_lanes_finish(&lanes, acc);
}

/// A 4-bit format (NF4 or FP4) with its double-quantized twin: codes from `absmax`, ŵ from
/// absmax (into `acc`) and from `absmax_hat` (into `acc_dq`, when both are given).
static void qs_dq_error_ref(qs_block_format format, const float *w, size_t n, size_t start,
                            size_t blocksize, const float *absmax, const float *absmax_hat,
                            qs_dtype dtype, qs_error_acc *acc, qs_error_acc *acc_dq) {
  if (blocksize == 0) return;
  int with_dq = absmax_hat != NULL && acc_dq != NULL;
  qs_lanes lanes, lanes_dq;
  qs_lanes_init(&lanes);
  qs_lanes_init(&lanes_dq);
  size_t i = 0;
  while (i < n) {
    qs_run run = qs_block_run(absmax, start, i, blocksize, n);
    float a_hat = with_dq ? absmax_hat[run.index] : 0.0f;
    for (; i < run.end; i++) {
      qs_dq_element(format, qs_scale(w[i], run.inv), w[i], i, run.scale, a_hat, dtype, &lanes,
                    acc, &lanes_dq, with_dq ? acc_dq : NULL);
    }
  }
  qs_lanes_finish(&lanes, acc);
  if (with_dq) qs_lanes_finish(&lanes_dq, acc_dq);
}

void qs_nf4_error_ref(const float *w, size_t n, size_t start, size_t blocksize,
                      const float *absmax, const float *absmax_hat, qs_dtype dtype,
                      qs_error_acc *acc, qs_error_acc *acc_dq) {
  qs_dq_error_ref(QS_BLOCK_NF4, w, n, start, blocksize, absmax, absmax_hat, dtype, acc, acc_dq);
}

void qs_fp4_error_ref(const float *w, size_t n, size_t start, size_t blocksize,
                      const float *absmax, const float *absmax_hat, qs_dtype dtype,
                      qs_error_acc *acc, qs_error_acc *acc_dq) {
  qs_dq_error_ref(QS_BLOCK_FP4, w, n, start, blocksize, absmax, absmax_hat, dtype, acc, acc_dq);
}

// MARK: - The 4-bit formats in one call

void qs_block4_error_ref(const float *w, size_t n, size_t start, size_t blocksize,
                         const float *absmax, const float *absmax_hat, qs_dtype dtype,
                         qs_error_acc *acc_nf4, qs_error_acc *acc_nf4dq, qs_error_acc *acc_fp4,
                         qs_error_acc *acc_fp4dq, qs_error_acc *acc_int4) {
  qs_block4_one_by_one(qs_nf4_error_ref, qs_fp4_error_ref, qs_block_error_ref, w, n, start,
                       blocksize, absmax, absmax_hat, dtype, acc_nf4, acc_nf4dq, acc_fp4,
                       acc_fp4dq, acc_int4);
}
