// LLM.int8() row-wise weight quantization (spec §6; bitsandbytes `Int8Params._quantize` →
// `int8_vectorwise_quant`, threshold 0; `int8_vectorwise_dequant`): the scalar reference.
// Tiers: int8_avx2.c, int8_avx512.c. CUDA twins: qs_int8_rows_kernel, qs_int8_error_kernel.
#include "kernels_internal.h"

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
    qs_run run = qs_row_run(rowmax, start, i, cols, n);
    for (; i < run.end; i++) qs_int8_element(w[i], i, run.scale, run.inv, &lanes, acc);
  }
  qs_lanes_finish(&lanes, acc);
}
