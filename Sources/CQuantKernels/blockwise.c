// Block formats (nf4, fp4, int4, dyn8; spec §1–§5, §8): the scalar reference loops, nf4-dq's
// second level, and the round-trip error kernels. Tiers: blockwise_avx2.c, blockwise_avx512.c.
// CUDA twins: qs_<format>_encode_kernel, qs_block_error_kernel, qs_nf4_error_kernel,
// qs_absmax_sum_kernel + qs_nf4dq_scales_kernel.
#include "kernels_internal.h"

// MARK: - Per-value encoders

uint8_t qs_nf4_encode_value_ref(float x) { return qs_nf4_value(x); }
uint8_t qs_fp4_encode_value_ref(float x) { return qs_fp4_value(x); }
uint8_t qs_int4_encode_value_ref(float x) { return qs_int4_value(x); }
uint8_t qs_dyn8_encode_value_ref(float x) { return qs_dyn8_value(x); }

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

void qs_nf4_encode_ref(const float *w, size_t n, size_t bs, uint8_t *codes, float *absmax) {
  qs_encode_ref(QS_BLOCK_NF4, w, n, bs, codes, absmax);
}
void qs_fp4_encode_ref(const float *w, size_t n, size_t bs, uint8_t *codes, float *absmax) {
  qs_encode_ref(QS_BLOCK_FP4, w, n, bs, codes, absmax);
}
void qs_int4_encode_ref(const float *w, size_t n, size_t bs, uint8_t *codes, float *absmax) {
  qs_encode_ref(QS_BLOCK_INT4, w, n, bs, codes, absmax);
}
void qs_dyn8_encode_ref(const float *w, size_t n, size_t bs, uint8_t *codes, float *absmax) {
  qs_encode_ref(QS_BLOCK_DYN8, w, n, bs, codes, absmax);
}

void qs_nf4_dequant_ref(const uint8_t *codes, const float *absmax, size_t n, size_t bs,
                        qs_dtype dtype, float *out) {
  qs_dequant_ref(QS_BLOCK_NF4, codes, absmax, n, bs, dtype, out);
}
void qs_fp4_dequant_ref(const uint8_t *codes, const float *absmax, size_t n, size_t bs,
                        qs_dtype dtype, float *out) {
  qs_dequant_ref(QS_BLOCK_FP4, codes, absmax, n, bs, dtype, out);
}
void qs_int4_dequant_ref(const uint8_t *codes, const float *absmax, size_t n, size_t bs,
                         qs_dtype dtype, float *out) {
  qs_dequant_ref(QS_BLOCK_INT4, codes, absmax, n, bs, dtype, out);
}
void qs_dyn8_dequant_ref(const uint8_t *codes, const float *absmax, size_t n, size_t bs,
                         qs_dtype dtype, float *out) {
  qs_dequant_ref(QS_BLOCK_DYN8, codes, absmax, n, bs, dtype, out);
}

// MARK: - nf4-dq second level (spec §4)

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
    size_t block = (start + i) / blocksize;
    size_t end = qs_run_end(block, blocksize, start, n);
    float a = absmax[block];
    float inv = 1.0f / a;
    for (; i < end; i++) qs_block_element(format, qs_scale(w[i], inv), w[i], i, a, dtype, &lanes, acc);
  }
  qs_lanes_finish(&lanes, acc);
}

void qs_nf4_error_ref(const float *w, size_t n, size_t start, size_t blocksize,
                      const float *absmax, const float *absmax_hat, qs_dtype dtype,
                      qs_error_acc *acc, qs_error_acc *acc_dq) {
  if (blocksize == 0) return;
  int with_dq = absmax_hat != NULL && acc_dq != NULL;
  qs_lanes lanes, lanes_dq;
  qs_lanes_init(&lanes);
  qs_lanes_init(&lanes_dq);
  size_t i = 0;
  while (i < n) {
    size_t block = (start + i) / blocksize;
    size_t end = qs_run_end(block, blocksize, start, n);
    float a = absmax[block];
    float inv = 1.0f / a;
    float a_hat = with_dq ? absmax_hat[block] : 0.0f;
    for (; i < end; i++) {
      qs_nf4_element(qs_scale(w[i], inv), w[i], i, a, a_hat, dtype, &lanes, acc, &lanes_dq,
                     with_dq ? acc_dq : NULL);
    }
  }
  qs_lanes_finish(&lanes, acc);
  if (with_dq) qs_lanes_finish(&lanes_dq, acc_dq);
}

// MARK: - The 4-bit formats in one call

void qs_block4_error_ref(const float *w, size_t n, size_t start, size_t blocksize,
                         const float *absmax, const float *absmax_hat, qs_dtype dtype,
                         qs_error_acc *acc_nf4, qs_error_acc *acc_nf4dq, qs_error_acc *acc_fp4,
                         qs_error_acc *acc_int4) {
  if (acc_nf4 != NULL || acc_nf4dq != NULL) {
    qs_error_acc scratch;
    memset(&scratch, 0, sizeof scratch);
    qs_nf4_error_ref(w, n, start, blocksize, absmax, acc_nf4dq != NULL ? absmax_hat : NULL, dtype,
                     acc_nf4 != NULL ? acc_nf4 : &scratch, acc_nf4dq);
  }
  if (acc_fp4 != NULL) qs_block_error_ref(QS_BLOCK_FP4, w, n, start, blocksize, absmax, dtype, acc_fp4);
  if (acc_int4 != NULL) qs_block_error_ref(QS_BLOCK_INT4, w, n, start, blocksize, absmax, dtype, acc_int4);
}
