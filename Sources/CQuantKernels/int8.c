// LLM.int8() row-wise weight quantization (spec §6; bitsandbytes `Int8Params._quantize` →
// `int8_vectorwise_quant`, threshold 0; `int8_vectorwise_dequant`).
#include "kernels_internal.h"

/// q = RNE(f32(h · scale)), clamped to ±127 (never reached, kept so no float→int conversion can
/// see NaN); h = ±0 gives 0 even for a zero row, where scale is +inf.
static inline int qs_int8_value(float h, float scale) {
  if (h == 0.0f) return 0;
  float q = rintf(h * scale);
  q = fminf(fmaxf(q, -127.0f), 127.0f);
  return (int)q;
}

/// scale = f32(f32(1 / rowmax) · 127): torch's evaluation of `127 / rowmax`.
static inline float qs_int8_scale(float rowmax) { return (1.0f / rowmax) * 127.0f; }

static inline float qs_int8_decode(int q, float rowmax) {
  return ((float)q * rowmax) * QS_INT8_INV127;
}

int qs_int8_rows_ref(const float *w, size_t rows, size_t cols, int8_t *q, float *rowmax) {
  int status = 0;
  for (size_t r = 0; r < rows; r++) {
    const float *row = w + r * cols;
    float m = 0.0f;
    for (size_t c = 0; c < cols; c++) {
      float h = fabsf(qs_round_f16(row[c]));
      if (isinf(h)) status = -1;
      if (h > m) m = h;
    }
    rowmax[r] = m;
    float scale = qs_int8_scale(m);
    for (size_t c = 0; c < cols; c++) {
      q[r * cols + c] = (int8_t)qs_int8_value(qs_round_f16(row[c]), scale);
    }
  }
  return status;
}

void qs_int8_dequant_ref(const int8_t *q, const float *rowmax, size_t rows, size_t cols,
                         float *out) {
  for (size_t r = 0; r < rows; r++) {
    for (size_t c = 0; c < cols; c++) out[r * cols + c] = qs_int8_decode(q[r * cols + c], rowmax[r]);
  }
}

void qs_int8_error_ref(const float *w, size_t n, size_t start, size_t cols, const float *rowmax,
                       qs_error_acc *acc) {
  if (cols == 0) return;
  qs_lanes lanes;
  qs_lanes_init(&lanes);
  size_t i = 0;
  while (i < n) {
    size_t row = (start + i) / cols;
    size_t end = (row + 1) * cols - start;
    if (end > n) end = n;
    float m = rowmax[row];
    float scale = qs_int8_scale(m);
    for (; i < end; i++) {
      int q = qs_int8_value(qs_round_f16(w[i]), scale);
      acc->counts[q + 127]++;
      qs_lanes_add(&lanes, i, qs_int8_decode(q, m), w[i]);
    }
  }
  qs_lanes_finish(&lanes, acc);
}

void qs_int8_error_avx2(const float *w, size_t n, size_t start, size_t cols, const float *rowmax,
                        qs_error_acc *acc);
void qs_int8_error_avx512(const float *w, size_t n, size_t start, size_t cols,
                          const float *rowmax, qs_error_acc *acc);

void qs_int8_error(const float *w, size_t n, size_t start, size_t cols, const float *rowmax,
                   qs_error_acc *acc) {
#if defined(__x86_64__)
  if (qs_use_avx512()) {
    qs_int8_error_avx512(w, n, start, cols, rowmax, acc);
    return;
  }
  if (qs_use_avx2()) {
    qs_int8_error_avx2(w, n, start, cols, rowmax, acc);
    return;
  }
#endif
  qs_int8_error_ref(w, n, start, cols, rowmax, acc);
}

void qs_byte8_error_avx512(const float *w, size_t n, size_t start, const float *dyn8_absmax,
                           qs_dtype dtype, size_t cols, const float *rowmax,
                           qs_error_acc *acc_dyn8, qs_error_acc *acc_int8, uint32_t *joint);

void qs_byte8_error(const float *w, size_t n, size_t start, const float *dyn8_absmax,
                    qs_dtype dtype, size_t cols, const float *rowmax, qs_error_acc *acc_dyn8,
                    qs_error_acc *acc_int8, uint32_t *joint) {
#if defined(__x86_64__)
  if (qs_use_avx512()) {
    qs_byte8_error_avx512(w, n, start, dyn8_absmax, dtype, cols, rowmax, acc_dyn8, acc_int8, joint);
    return;
  }
#endif
  qs_block_error(QS_BLOCK_DYN8, w, n, start, 4096, dyn8_absmax, dtype, acc_dyn8);
  qs_int8_error(w, n, start, cols, rowmax, acc_int8);
}
