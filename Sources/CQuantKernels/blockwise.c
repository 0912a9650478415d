// Block formats (nf4, fp4, int4, dyn8; spec §1–§5, §8): the scalar reference loops, nf4-dq's
// second level, and the fused round-trip error kernels with their dispatchers.
#include "kernels_internal.h"

// MARK: - Per-value encoders and decoders

uint8_t qs_nf4_encode_value_ref(float x) { return qs_nf4_value(x); }
uint8_t qs_fp4_encode_value_ref(float x) { return qs_fp4_value(x); }
uint8_t qs_int4_encode_value_ref(float x) { return qs_int4_value(x); }
uint8_t qs_dyn8_encode_value_ref(float x) { return qs_dyn8_value(x); }
uint8_t qs_dyn8_encode_value(float x) { return qs_dyn8_value_branchless(x); }

static inline uint8_t qs_encode(qs_block_format format, float x) {
  switch (format) {
  case QS_BLOCK_NF4: return qs_nf4_value(x);
  case QS_BLOCK_FP4: return qs_fp4_value(x);
  case QS_BLOCK_INT4: return qs_int4_value(x);
  default: return qs_dyn8_value(x);
  }
}

static inline float qs_decode(qs_block_format format, uint8_t code) {
  switch (format) {
  case QS_BLOCK_NF4: return QS_NF4_CODEBOOK[code & 15];
  case QS_BLOCK_FP4: return qs_fp4_decode(code);
  case QS_BLOCK_INT4: return code < 15 ? QS_INT4_LEVELS[code] : 0.0f;
  default: return QS_DYN8_MAP[code];
  }
}

// MARK: - Whole-array reference

/// max |w| over w[0..n): NaN never wins a comparison, so a NaN block keeps the finite max.
static inline float qs_block_absmax(const float *w, size_t n) {
  float m = 0.0f;
  for (size_t i = 0; i < n; i++) {
    float a = fabsf(w[i]);
    if (a > m) m = a;
  }
  return m;
}

static void qs_encode_ref(qs_block_format format, const float *w, size_t n, size_t blocksize,
                          uint8_t *codes, float *absmax) {
  if (blocksize == 0) return;
  for (size_t begin = 0, block = 0; begin < n; begin += blocksize, block++) {
    size_t end = begin + blocksize < n ? begin + blocksize : n;
    float a = qs_block_absmax(w + begin, end - begin);
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

/// The second level with either dyn8 encoder (`branchless`: the fast one, same codes).
static inline void qs_nf4dq_scales_impl(const float *absmax, size_t nblocks, float *offset,
                                        uint8_t *qabsmax, float *absmax2, float *absmax_hat,
                                        int branchless) {
  if (nblocks == 0) {
    *offset = 0.0f;
    return;
  }
  double sum = 0.0;
  for (size_t b = 0; b < nblocks; b++) sum += (double)absmax[b];
  float off = (float)(sum / (double)nblocks);
  *offset = off;
  for (size_t begin = 0, group = 0; begin < nblocks; begin += 256, group++) {
    size_t end = begin + 256 < nblocks ? begin + 256 : nblocks;
    float a2 = 0.0f;
    for (size_t b = begin; b < end; b++) {
      float c = fabsf(absmax[b] - off);
      if (c > a2) a2 = c;
    }
    absmax2[group] = a2;
    float inv = 1.0f / a2;
    for (size_t b = begin; b < end; b++) {
      float c = absmax[b] - off;
      float x = qs_scale(c, inv);
      uint8_t q = branchless ? qs_dyn8_value_branchless(x) : qs_dyn8_value(x);
      qabsmax[b] = q;
      absmax_hat[b] = QS_DYN8_MAP[q] * a2 + off;
    }
  }
}

void qs_nf4dq_scales_ref(const float *absmax, size_t nblocks, float *offset, uint8_t *qabsmax,
                         float *absmax2, float *absmax_hat) {
  qs_nf4dq_scales_impl(absmax, nblocks, offset, qabsmax, absmax2, absmax_hat, 0);
}

void qs_nf4dq_scales(const float *absmax, size_t nblocks, float *offset, uint8_t *qabsmax,
                     float *absmax2, float *absmax_hat) {
  qs_nf4dq_scales_impl(absmax, nblocks, offset, qabsmax, absmax2, absmax_hat, 1);
}

// MARK: - Fused round trip + error (reference)


void qs_block_error_ref(qs_block_format format, const float *w, size_t n, size_t start,
                        size_t blocksize, const float *absmax, qs_dtype dtype, qs_error_acc *acc) {
  if (blocksize == 0) return;
  qs_lanes lanes;
  qs_lanes_init(&lanes);
  size_t i = 0;
  while (i < n) {
    size_t block = (start + i) / blocksize;
    size_t end = (block + 1) * blocksize - start;
    if (end > n) end = n;
    float a = absmax[block];
    float inv = 1.0f / a;
    for (; i < end; i++) {
      uint8_t code = qs_encode(format, qs_scale(w[i], inv));
      acc->counts[code]++;
      qs_lanes_add(&lanes, i, qs_round_dtype(qs_decode(format, code) * a, dtype), w[i]);
    }
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
    size_t end = (block + 1) * blocksize - start;
    if (end > n) end = n;
    float a = absmax[block];
    float inv = 1.0f / a;
    float a_hat = with_dq ? absmax_hat[block] : 0.0f;
    for (; i < end; i++) {
      uint8_t code = qs_nf4_value(qs_scale(w[i], inv));
      float level = QS_NF4_CODEBOOK[code];
      acc->counts[code]++;
      qs_lanes_add(&lanes, i, qs_round_dtype(level * a, dtype), w[i]);
      if (with_dq) {
        acc_dq->counts[code]++;
        qs_lanes_add(&lanes_dq, i, qs_round_dtype(level * a_hat, dtype), w[i]);
      }
    }
  }
  qs_lanes_finish(&lanes, acc);
  if (with_dq) qs_lanes_finish(&lanes_dq, acc_dq);
}

// MARK: - Fused 4-bit formats

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

// MARK: - Dispatchers

void qs_block_error_avx2(qs_block_format format, const float *w, size_t n, size_t start,
                         size_t blocksize, const float *absmax, qs_dtype dtype,
                         qs_error_acc *acc);
void qs_nf4_error_avx2(const float *w, size_t n, size_t start, size_t blocksize,
                       const float *absmax, const float *absmax_hat, qs_dtype dtype,
                       qs_error_acc *acc, qs_error_acc *acc_dq);
void qs_block4_error_avx512(const float *w, size_t n, size_t start, size_t blocksize,
                            const float *absmax, const float *absmax_hat, qs_dtype dtype,
                            qs_error_acc *acc_nf4, qs_error_acc *acc_nf4dq, qs_error_acc *acc_fp4,
                            qs_error_acc *acc_int4);
void qs_dyn8_error_avx512(const float *w, size_t n, size_t start, size_t blocksize,
                          const float *absmax, qs_dtype dtype, qs_error_acc *acc);

void qs_block_error(qs_block_format format, const float *w, size_t n, size_t start,
                    size_t blocksize, const float *absmax, qs_dtype dtype, qs_error_acc *acc) {
#if defined(__x86_64__)
  if (qs_use_avx512()) {
    switch (format) {
    case QS_BLOCK_NF4: qs_block4_error_avx512(w, n, start, blocksize, absmax, NULL, dtype, acc, NULL, NULL, NULL); return;
    case QS_BLOCK_FP4: qs_block4_error_avx512(w, n, start, blocksize, absmax, NULL, dtype, NULL, NULL, acc, NULL); return;
    case QS_BLOCK_INT4: qs_block4_error_avx512(w, n, start, blocksize, absmax, NULL, dtype, NULL, NULL, NULL, acc); return;
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
                           with_dq ? acc_dq : NULL, NULL, NULL);
    return;
  }
  if (qs_use_avx2()) {
    qs_nf4_error_avx2(w, n, start, blocksize, absmax, absmax_hat, dtype, acc, acc_dq);
    return;
  }
#endif
  qs_nf4_error_ref(w, n, start, blocksize, absmax, absmax_hat, dtype, acc, acc_dq);
}

void qs_block4_error(const float *w, size_t n, size_t start, size_t blocksize,
                     const float *absmax, const float *absmax_hat, qs_dtype dtype,
                     qs_error_acc *acc_nf4, qs_error_acc *acc_nf4dq, qs_error_acc *acc_fp4,
                     qs_error_acc *acc_int4) {
#if defined(__x86_64__)
  if (qs_use_avx512()) {
    qs_block4_error_avx512(w, n, start, blocksize, absmax, absmax_hat, dtype, acc_nf4, acc_nf4dq,
                           acc_fp4, acc_int4);
    return;
  }
#endif
  if (acc_nf4 != NULL || acc_nf4dq != NULL) {
    qs_error_acc scratch;
    memset(&scratch, 0, sizeof scratch);
    qs_nf4_error(w, n, start, blocksize, absmax, acc_nf4dq != NULL ? absmax_hat : NULL, dtype,
                 acc_nf4 != NULL ? acc_nf4 : &scratch, acc_nf4dq);
  }
  if (acc_fp4 != NULL) qs_block_error(QS_BLOCK_FP4, w, n, start, blocksize, absmax, dtype, acc_fp4);
  if (acc_int4 != NULL) qs_block_error(QS_BLOCK_INT4, w, n, start, blocksize, absmax, dtype, acc_int4);
}
