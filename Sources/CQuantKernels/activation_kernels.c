// Hot loops of the activation analysis (docs/FORMATS.md §7); Swift caller:
// Sources/Engine/Activations/ActivationAnalysis.swift. Compiled -O2 -ffp-contract=off, so each
// float32 product below is rounded once, as the spec's f32(·) requires.
#include "activation_kernels.h"
#include <math.h>

void qs_act_round_f16(const float *src, float *dst, size_t count) {
  for (size_t i = 0; i < count; i++) dst[i] = (float)(_Float16)src[i];
}

float qs_act_outlier_cut(float threshold) {
  if (!(threshold > 0.0f)) return INFINITY;
  const _Float16 t16 = (_Float16)threshold;
  if (isinf((float)t16)) return INFINITY;
  // fp16 rounding is monotonic: bisect on the (ordered) float32 bit patterns of [0, t16].
  uint32_t lo = 0, hi;  // invariant: fp16(bits lo) < t16 ≤ fp16(bits hi)
  union { float f; uint32_t u; } v = { .f = (float)t16 };
  hi = v.u;
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    union { uint32_t u; float f; } m = { .u = mid };
    if ((_Float16)m.f >= t16) hi = mid; else lo = mid;
  }
  union { uint32_t u; float f; } out = { .u = hi };
  return out.f;
}

void qs_act_int8_rows(const float *values16, size_t rows, size_t cols, float cut,
                      int8_t *codes, float *rowmax) {
  for (size_t r = 0; r < rows; r++) {
    const float *row = values16 + r * cols;
    int8_t *q = codes + r * cols;
    float m = 0.0f;
    for (size_t c = 0; c < cols; c++) {
      float a = fabsf(row[c]);
      if (a < cut && a > m && isfinite(a)) m = a;
    }
    rowmax[r] = m;
    if (m == 0.0f) {
      for (size_t c = 0; c < cols; c++) q[c] = 0;
      continue;
    }
    // 127 / rowmax as torch evaluates it: a float32 reciprocal, then a float32 multiply.
    const float scale = (1.0f / m) * 127.0f;
    for (size_t c = 0; c < cols; c++) {
      float a = fabsf(row[c]);
      if (!(a < cut) || !isfinite(a)) { q[c] = 0; continue; }
      float scaled = row[c] * scale;
      q[c] = (int8_t)nearbyintf(scaled);  // default rounding mode: to nearest, ties to even
    }
  }
}

void qs_act_matmul_f64(const float *x, const float *w, size_t rows, size_t inner, size_t cols,
                       double *out, int accumulate) {
  // Weight rows outermost: each W row is read once from memory and reused from cache for every
  // (sampled) token row, which is the small operand.
  for (size_t c = 0; c < cols; c++) {
    const float *wc = w + c * inner;
    for (size_t r = 0; r < rows; r++) {
      const float *xr = x + r * inner;
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      size_t k = 0;
      for (; k + 4 <= inner; k += 4) {
        s0 += (double)xr[k] * (double)wc[k];
        s1 += (double)xr[k + 1] * (double)wc[k + 1];
        s2 += (double)xr[k + 2] * (double)wc[k + 2];
        s3 += (double)xr[k + 3] * (double)wc[k + 3];
      }
      for (; k < inner; k++) s0 += (double)xr[k] * (double)wc[k];
      double s = (s0 + s1) + (s2 + s3);
      if (accumulate) out[r * cols + c] += s; else out[r * cols + c] = s;
    }
  }
}

void qs_act_matmul_int8(const int8_t *qx, const int8_t *qw, const float *rx, const float *rw,
                        size_t rows, size_t inner, size_t cols, double *out, int accumulate) {
  for (size_t c = 0; c < cols; c++) {
    const int8_t *wc = qw + c * inner;
    for (size_t r = 0; r < rows; r++) {
      const int8_t *xr = qx + r * inner;
      int64_t total = 0;
      size_t k = 0;
      // Blocks of 65536 products fit an int32 (65536 · 127² < 2³¹).
      while (k < inner) {
        size_t end = inner - k > 65536 ? k + 65536 : inner;
        int32_t part = 0;
        for (; k < end; k++) part += (int32_t)xr[k] * (int32_t)wc[k];
        total += part;
      }
      double y = (double)total * (double)rx[r] * (double)rw[c] / 16129.0;
      if (accumulate) out[r * cols + c] += y; else out[r * cols + c] = y;
    }
  }
}

void qs_act_error_stats(const double *y, const double *exact, size_t count, double stats[3]) {
  double se = 0, sw = 0, maxe = 0;
  for (size_t i = 0; i < count; i++) {
    double e = y[i] - exact[i];
    se += e * e;
    sw += exact[i] * exact[i];
    double a = fabs(e);
    if (a > maxe || isnan(a)) maxe = isnan(maxe) ? maxe : a;
  }
  stats[0] = se;
  stats[1] = sw;
  stats[2] = maxe;
}
