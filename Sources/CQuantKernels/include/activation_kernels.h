#ifndef QUANTSCOPE_ACTIVATION_KERNELS_H
#define QUANTSCOPE_ACTIVATION_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/// Hot loops of the activation (LLM.int8() layer output) analysis; see
/// `Sources/Engine/Activations/ActivationAnalysis.swift` and docs/FORMATS.md §7.
/// Matrices are row-major; X is [rows, inner], W is [cols, inner] (a Linear weight [out, in]).

/// dst[i] = (float)(binary16)src[i], round to nearest even: the fp16 cast bitsandbytes applies.
void qs_act_round_f16(const float *src, float *dst, size_t count);

/// The smallest float32 c ≥ 0 such that fp16(|x|) ≥ fp16(threshold) ⇔ |x| ≥ c
/// (+inf when threshold ≤ 0 or fp16(threshold) is +inf).
float qs_act_outlier_cut(float threshold);

/// Row-wise LLM.int8() quantization of already fp16-rounded values (`int8_vectorwise_quant`):
/// per row, rowmax = max |v| over the elements with |v| < cut (0 if none), scale =
/// f32(f32(1/rowmax)·127), q = RNE(f32(v·scale)); elements with |v| ≥ cut get q = 0, and so
/// does a row with rowmax 0. Non-finite values get q = 0 (callers report such tensors as NaN).
void qs_act_int8_rows(const float *values16, size_t rows, size_t cols, float cut,
                      int8_t *codes, float *rowmax);

/// out[r·cols + c] (+)= Σ_k (double)x[r,k]·(double)w[c,k] in float64 (4 partial sums).
/// `accumulate` ≠ 0 adds to out instead of overwriting it.
void qs_act_matmul_f64(const float *x, const float *w, size_t rows, size_t inner, size_t cols,
                       double *out, int accumulate);

/// out[r·cols + c] (+)= (Σ_k qx[r,k]·qw[c,k]) · rx[r] · rw[c] / 127² in float64 (the integer sum
/// is exact in int64).
void qs_act_matmul_int8(const int8_t *qx, const int8_t *qw, const float *rx, const float *rw,
                        size_t rows, size_t inner, size_t cols, double *out, int accumulate);

/// Over n outputs: stats[0] = Σ (y − exact)², stats[1] = Σ exact², stats[2] = max |y − exact|
/// (NaN propagates into all three).
void qs_act_error_stats(const double *y, const double *exact, size_t count, double stats[3]);

#endif
