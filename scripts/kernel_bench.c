// Per-kernel cost of the CPU analysis, in ns per element on one core: where the time of
// `quantscope bench` goes. Each kernel sweeps 64 segments of 262,144 BF16-valued floats (one
// L2-resident segment buffer reused, as the engine's workers do), the default settings (block
// size 64, 64 bins, 4096 columns), with the tier the dispatcher picks on this CPU.
//
//   clang -O2 -fno-fast-math -ffp-contract=off -ISources/CQuantKernels/include \
//     -ISources/CQuantKernels scripts/kernel_bench.c Sources/CQuantKernels/*.c -lm -lpthread \
//     -o /tmp/kernel_bench && /tmp/kernel_bench
#include "quant_kernels.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t state = 88172645463325252ull;
static double uniform(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return (double)(state >> 11) * (1.0 / 9007199254740992.0);
}

static float bf16(float x) {
  uint32_t u;
  memcpy(&u, &x, 4);
  u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
  memcpy(&x, &u, 4);
  return x;
}

int main(void) {
  const size_t seg = 262144, segments = 64, n = seg * segments, cols = 4096, bs = 64;
  float *w = malloc(seg * sizeof(float));
  // Gaussian weights (std 0.02) with one in a thousand 8× larger, rounded to bf16.
  for (size_t i = 0; i < seg; i++) {
    double g = sqrt(-2 * log(uniform() + 1e-12)) * cos(6.283185307179586 * uniform());
    w[i] = bf16((float)(0.02 * g * (uniform() < 0.001 ? 8 : 1)));
  }
  size_t blocks = n / bs, rows = n / cols;
  float *absmax = calloc(blocks, 4), *hat = calloc(blocks, 4), *dyn8 = calloc(n / 4096, 4);
  float *rowmax = calloc(rows, 4), *colmax = calloc(cols, 4), *absmax2 = calloc(blocks / 256 + 1, 4);
  uint32_t *rowbits = calloc(rows, 4);
  uint8_t *qabsmax = malloc(blocks);
  qs_stats_acc stats;
  qs_stats_init(&stats);
  double t0 = now();
  for (size_t k = 0; k < segments; k++) {
    qs_stats_segment(w, seg, k * seg, bs, absmax, cols, colmax, rowbits, &stats);
  }
  double t_stats = now() - t0;
  for (size_t b = 0; b < n / 4096; b++) {
    float m = 0;
    for (size_t j = 0; j < 4096 / bs; j++) m = fmaxf(m, absmax[b * (4096 / bs) + j]);
    dyn8[b] = m;
  }
  for (size_t r = 0; r < rows; r++) {
    float f;
    memcpy(&f, &rowbits[r], 4);
    rowmax[r] = qs_round_to_dtype_ref(f, QS_DTYPE_F16);
  }
  float offset;
  qs_nf4dq_scales(absmax, blocks, &offset, qabsmax, absmax2, hat);
  static qs_error_acc acc[7];
  uint64_t values[64] = {0}, normalized[64] = {0};
  double deviation = 0, mean = stats.sum / (double)n;
  t0 = now();
  for (size_t k = 0; k < segments; k++) {
    qs_histogram_segment(w, seg, k * seg, bs, absmax, stats.min, stats.max, 64, values, normalized,
                         mean, &deviation);
  }
  double t_hist = now() - t0;
  t0 = now();
  for (size_t k = 0; k < segments; k++) {
    qs_block4_error(w, seg, k * seg, bs, absmax, hat, QS_DTYPE_BF16, &acc[0], &acc[1], &acc[2],
                    &acc[6], &acc[3]);
  }
  double t_block4 = now() - t0;
  t0 = now();
  for (size_t k = 0; k < segments; k++) {
    qs_block_error(QS_BLOCK_DYN8, w, seg, k * seg, 4096, dyn8, QS_DTYPE_BF16, &acc[4]);
  }
  double t_dyn8 = now() - t0;
  t0 = now();
  for (size_t k = 0; k < segments; k++) qs_int8_error(w, seg, k * seg, cols, rowmax, &acc[5]);
  double t_int8 = now() - t0;
  static qs_error_acc fused[2];
  uint32_t *joint = calloc(65536, sizeof(uint32_t));
  t0 = now();
  for (size_t k = 0; k < segments; k++) {
    qs_dyn8_int8_error(w, seg, k * seg, dyn8, QS_DTYPE_BF16, cols, rowmax, &fused[0], &fused[1], joint);
  }
  double t_dyn8_int8 = now() - t0;
  int same = memcmp(&fused[0], &acc[4], sizeof(qs_error_acc)) == 0 &&
             memcmp(&fused[1], &acc[5], sizeof(qs_error_acc)) == 0;
  double total = t_stats + t_hist + t_block4 + t_dyn8_int8;
  printf("tier       %s\n", qs_cpu_has_avx512() ? "avx512" : (qs_cpu_has_avx2() ? "avx2" : "scalar"));
  printf("ns/element on one core (%zu M elements per kernel):\n", n >> 20);
  printf("  pass 1  statistics, block/row/column maxima  %6.3f\n", t_stats / (double)n * 1e9);
  printf("  pass 2  histograms + deviation               %6.3f\n", t_hist / (double)n * 1e9);
  printf("  pass 2  nf4, nf4-dq, fp4, fp4-dq, int4 (fused) %6.3f\n", t_block4 / (double)n * 1e9);
  printf("  pass 2  dyn8                                 %6.3f\n", t_dyn8 / (double)n * 1e9);
  printf("  pass 2  int8                                 %6.3f\n", t_int8 / (double)n * 1e9);
  printf("  pass 2  dyn8 + int8 fused (the engine's path) %6.3f  (%s the two kernels)\n",
         t_dyn8_int8 / (double)n * 1e9, same ? "bit-identical to" : "DIFFERS from");
  printf("  total (engine's kernels)                     %6.3f\n", total / (double)n * 1e9);
  // Keeps every result live (and shows the run did real work).
  double check = deviation;
  for (int f = 0; f < 6; f++) check += acc[f].sum_sq_err;
  printf("check      %.6g\n", check);
  return 0;
}
