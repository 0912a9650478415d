#ifndef QUANTSCOPE_QUANT_KERNELS_H
#define QUANTSCOPE_QUANT_KERNELS_H
/// QuantScope's C kernels: the scalar reference (`_ref`, the spec of docs/FORMATS.md
/// written as plain loops) and the fast tiers chosen at run time, each bit-identical to `_ref`.
///
/// Arithmetic rules for every function here: IEEE binary32, round to nearest even, one rounding per
/// operation (the target is compiled with -ffp-contract=off: no FMA). Float64 only where the spec
/// says so (metrics, the nf4-dq offset). The CUDA twin (`Sources/Engine/CUDA/kernels.cu`) mirrors
/// each `qs_<format>_<verb>_ref` as `qs_<format>_<verb>_kernel`; both read their constants from
/// `quant_tables.h` (one file, included here and handed to NVRTC).
///
/// Naming: `qs_<format>_<verb>_ref` (scalar spec, in `<file>.c`), `_avx2` / `_avx512` (tiers,
/// private, in `<file>_avx2.c` / `<file>_avx512.c`), no suffix (dispatcher, in dispatch.c: the
/// best tier the CPU supports, AVX-512 (F, BW, DQ, VL) over AVX2+F16C over scalar, capped per
/// thread by `qs_set_tier_cap`). docs/KERNELS.md lists the twins side by side.
/// No function here allocates, and none traps on NaN/inf input: such values give some code and
/// the caller reports NaN metrics for the tensor (FORMATS.md §1).
#include <stddef.h>
#include <stdint.h>

#include "../../Engine/CUDA/quant_tables.h"

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - Types

/// Round-trip error accumulator of one format over some elements (FORMATS.md §9), float64.
///
/// e = (double)ŵ − (double)w; `sum_sq_err` = Σ e², `max_abs_err` = max |e|, `counts[c]` elements with
/// code c (int8: bin q + 127). Zero it before use; accumulators of different ranges add up.
typedef struct {
  double sum_sq_err;
  double max_abs_err;
  uint64_t counts[256];
} qs_error_acc;

/// Streaming statistics of some elements (float64 sums; min/max over finite values only).
typedef struct {
  double sum;
  double sum_sq;
  float min;
  float max;
  float absmax;
  uint64_t zeros;
  uint64_t nans;
  uint64_t infs;
} qs_stats_acc;

// MARK: - Tier selection (dispatch.c)

/// 1 when this CPU has AVX2 and F16C (the AVX2 tiers), 0 otherwise.
int qs_cpu_has_avx2(void);
/// 1 when this CPU also has AVX-512 F, BW, DQ and VL (the AVX-512 tiers), 0 otherwise.
int qs_cpu_has_avx512(void);
/// Highest tier the calling thread may use (tests compare each tier with `_ref`; per thread, so
/// parallel tests don't interfere): `QS_TIER_BEST`, `QS_TIER_SCALAR` or `QS_TIER_AVX2`.
void qs_set_tier_cap(int cap);
#define QS_TIER_BEST 0
#define QS_TIER_SCALAR 1
#define QS_TIER_AVX2 2

// MARK: - Conversions (dtype_convert.c)

/// Converts `n` little-endian F32 values at `src` (any alignment) to float.
void qs_convert_f32(const void *src, float *dst, size_t n);
/// Converts `n` little-endian binary16 values at `src` (any alignment) to float, exactly.
/// Tiered: F16C (`_mm256_cvtph_ps`) or the scalar bit conversion.
void qs_convert_f16(const void *src, float *dst, size_t n);
void qs_convert_f16_ref(const void *src, float *dst, size_t n);
/// Converts `n` little-endian bfloat16 values at `src` (any alignment) to float (a 16-bit shift).
void qs_convert_bf16(const void *src, float *dst, size_t n);

/// Rounds `x` to the nearest value of `dtype` (RNE; F16 overflow → ±inf; NaN/inf unchanged)
/// and returns it as float: how ŵ is rounded to the tensor's dtype (FORMATS.md §1).
float qs_round_to_dtype_ref(float x, qs_dtype dtype);
/// Rounds `n` floats in place to `dtype` (tiered; bit-identical to `qs_round_to_dtype_ref`).
void qs_round_to_dtype(float *values, size_t n, qs_dtype dtype);
void qs_round_to_dtype_ref_array(float *values, size_t n, qs_dtype dtype);

/// A trivial reduction used by the read benchmark so the read is not optimised away.
uint64_t qs_checksum_bytes(const void *bytes, size_t n);

// MARK: - Block formats: whole-array reference (blockwise.c)

/// Encodes `n` floats in blocks of `blocksize` (FORMATS.md §1 + the format's encoder): writes one code
/// per element to `codes` (unpacked) and one absmax per block (⌈n/blocksize⌉) to `absmax`.
/// Mirrored by `qs_nf4_encode_kernel` etc. in kernels.cu.
void qs_nf4_encode_ref(const float *w, size_t n, size_t blocksize, uint8_t *codes, float *absmax);
void qs_fp4_encode_ref(const float *w, size_t n, size_t blocksize, uint8_t *codes, float *absmax);
void qs_int4_encode_ref(const float *w, size_t n, size_t blocksize, uint8_t *codes, float *absmax);
void qs_dyn8_encode_ref(const float *w, size_t n, size_t blocksize, uint8_t *codes, float *absmax);

/// Dequantizes: out[i] = round_dtype(f32(table[codes[i]] · absmax[i / blocksize])) (FORMATS.md §1).
void qs_nf4_dequant_ref(const uint8_t *codes, const float *absmax, size_t n, size_t blocksize,
                        qs_dtype dtype, float *out);
void qs_fp4_dequant_ref(const uint8_t *codes, const float *absmax, size_t n, size_t blocksize,
                        qs_dtype dtype, float *out);
void qs_int4_dequant_ref(const uint8_t *codes, const float *absmax, size_t n, size_t blocksize,
                         qs_dtype dtype, float *out);
void qs_dyn8_dequant_ref(const uint8_t *codes, const float *absmax, size_t n, size_t blocksize,
                         qs_dtype dtype, float *out);

/// Single-value encoders of an already scaled x (for tests and the CUDA parity check).
uint8_t qs_nf4_encode_value_ref(float x);
uint8_t qs_fp4_encode_value_ref(float x);
uint8_t qs_int4_encode_value_ref(float x);
uint8_t qs_dyn8_encode_value_ref(float x);
/// The branch-free dyn8 search of `qs_nf4dq_scales` (same codes as `_ref`).
uint8_t qs_dyn8_encode_value(float x);

/// The double-quant second level of nf4-dq and fp4-dq (FORMATS.md §4 steps 2–4; nf4 and fp4 have
/// the same block maxima, so one call serves both) over the `nblocks` first-level scales `absmax`:
/// writes `*offset`, qabsmax[nblocks] (dyn8 codes of the centred scales, groups of 256),
/// absmax2[⌈nblocks/256⌉] and absmax_hat[nblocks]. `offset` = f32(Σ absmax (float64) / nblocks).
void qs_nf4dq_scales_ref(const float *absmax, size_t nblocks, float *offset, uint8_t *qabsmax,
                         float *absmax2, float *absmax_hat);
/// `qs_nf4dq_scales_ref` with a branch-free dyn8 search (the analysis' path; same bits).
void qs_nf4dq_scales(const float *absmax, size_t nblocks, float *offset, uint8_t *qabsmax,
                     float *absmax2, float *absmax_hat);

// MARK: - Block formats: round trip + error accumulation (blockwise.c; streaming analysis)

/// Round trip and error accumulation of a block format over `n` elements w[0..n) whose flat index
/// starts at `start` (a multiple of `blocksize`): block b = (start + i) / blocksize uses
/// `absmax[b]` (the exact block maxima of the whole tensor, indexed globally). No codes stored.
/// Adds to `acc`. Tiered: AVX-512, AVX2, scalar (`_ref`); every tier equals `_ref` exactly:
/// within one call Σe² is summed in 8 lanes (lane = i mod 8, element order within a lane), the
/// lanes combined as ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)) and added to `acc->sum_sq_err`.
void qs_block_error(qs_block_format format, const float *w, size_t n, size_t start,
                    size_t blocksize, const float *absmax, qs_dtype dtype, qs_error_acc *acc);
void qs_block_error_ref(qs_block_format format, const float *w, size_t n, size_t start,
                        size_t blocksize, const float *absmax, qs_dtype dtype, qs_error_acc *acc);

/// nf4 and nf4-dq in one sweep: nf4 codes from `absmax`; nf4 ŵ from absmax, nf4-dq ŵ from
/// `absmax_hat` (indexed like absmax). `acc_dq`/`absmax_hat` may be NULL (nf4 only).
/// nf4-dq code counts are the nf4 codes. Tiered: AVX-512, AVX2, scalar (`_ref`).
void qs_nf4_error(const float *w, size_t n, size_t start, size_t blocksize, const float *absmax,
                  const float *absmax_hat, qs_dtype dtype, qs_error_acc *acc, qs_error_acc *acc_dq);
void qs_nf4_error_ref(const float *w, size_t n, size_t start, size_t blocksize,
                      const float *absmax, const float *absmax_hat, qs_dtype dtype,
                      qs_error_acc *acc, qs_error_acc *acc_dq);

/// fp4 and fp4-dq in one sweep, exactly as `qs_nf4_error` does nf4 and nf4-dq: fp4 codes from
/// `absmax`; fp4 ŵ from absmax, fp4-dq ŵ from `absmax_hat` (the same second level as nf4-dq's,
/// `qs_nf4dq_scales` of the same block maxima). `acc_dq`/`absmax_hat` may be NULL (fp4 only).
/// fp4-dq code counts are the fp4 codes. Tiered: AVX-512, AVX2, scalar (`_ref`).
void qs_fp4_error(const float *w, size_t n, size_t start, size_t blocksize, const float *absmax,
                  const float *absmax_hat, qs_dtype dtype, qs_error_acc *acc, qs_error_acc *acc_dq);
void qs_fp4_error_ref(const float *w, size_t n, size_t start, size_t blocksize,
                      const float *absmax, const float *absmax_hat, qs_dtype dtype,
                      qs_error_acc *acc, qs_error_acc *acc_dq);

/// nf4 (+ nf4-dq), fp4 (+ fp4-dq) and int4 of one block size in one sweep over w
/// (x = w·f32(1/absmax) is shared): the same results, bit for bit, as `qs_nf4_error` +
/// `qs_fp4_error` + `qs_block_error(INT4)` on the same range. Any accumulator may be NULL
/// (format skipped); `absmax_hat` is needed only with `acc_nf4dq` or `acc_fp4dq`. Tiered: AVX-512
/// sweeps all five at once; below it the per-format dispatchers run one after another (`_ref`:
/// the same with the `_ref` kernels).
void qs_block4_error(const float *w, size_t n, size_t start, size_t blocksize,
                     const float *absmax, const float *absmax_hat, qs_dtype dtype,
                     qs_error_acc *acc_nf4, qs_error_acc *acc_nf4dq, qs_error_acc *acc_fp4,
                     qs_error_acc *acc_fp4dq, qs_error_acc *acc_int4);
void qs_block4_error_ref(const float *w, size_t n, size_t start, size_t blocksize,
                         const float *absmax, const float *absmax_hat, qs_dtype dtype,
                         qs_error_acc *acc_nf4, qs_error_acc *acc_nf4dq, qs_error_acc *acc_fp4,
                         qs_error_acc *acc_fp4dq, qs_error_acc *acc_int4);

// MARK: - int8 (int8.c)

/// LLM.int8() row-wise quantization of W[rows, cols] (FORMATS.md §6): h = fp16(w); rowmax[r] = max |h|;
/// q = RNE(f32(h · f32(f32(1/rowmax)·127))). Writes q (int8) and rowmax.
/// Returns 0, or -1 when a value overflows fp16 (|w| ≥ 65520: int8 undefined; outputs partial).
int qs_int8_rows_ref(const float *w, size_t rows, size_t cols, int8_t *q, float *rowmax);
/// ŵ = f32(f32(q · rowmax[r]) · f32(1/127)) for W[rows, cols] (float32, not rounded).
void qs_int8_dequant_ref(const int8_t *q, const float *rowmax, size_t rows, size_t cols, float *out);

/// int8 round trip and error of `n` elements of W[·, cols] starting at flat index `start` (any):
/// row r = (start + i) / cols uses `rowmax[r]` (= max |fp16(w)| over the whole row, from
/// `qs_stats_segment`'s row absmax rounded with `qs_round_to_dtype_ref(·, F16)`).
/// Tiered: AVX-512, AVX2, scalar (`_ref`).
void qs_int8_error(const float *w, size_t n, size_t start, size_t cols, const float *rowmax,
                   qs_error_acc *acc);
void qs_int8_error_ref(const float *w, size_t n, size_t start, size_t cols, const float *rowmax,
                       qs_error_acc *acc);

/// dyn8 (block size 4096, scales `dyn8_absmax`) and int8 (rows of `cols`, `rowmax`) over the same
/// range in one sweep: the same results, bit for bit, as `qs_block_error(QS_BLOCK_DYN8, …, 4096, …)`
/// + `qs_int8_error` (which it calls unless the AVX-512 tier applies). The AVX-512 tier counts the
/// pair of codes with one increment per element in `joint` (65,536 zeroed counters, left zeroed);
/// it needs 16 | cols and 16 | start, else the two kernels run.
void qs_dyn8_int8_error(const float *w, size_t n, size_t start, const float *dyn8_absmax,
                        qs_dtype dtype, size_t cols, const float *rowmax, qs_error_acc *acc_dyn8,
                        qs_error_acc *acc_int8, uint32_t *joint);

// MARK: - Statistics (stats.c)

/// First pass over a segment w[0..n) at flat index `start` (a multiple of `blocksize`).
/// Tiered (AVX-512, AVX2, scalar `_ref`); every tier gives the same bits: float64 sums in 8 lanes
/// by i mod 8 within the call, maxima and counts order-free.
/// - adds sum, Σw², finite min/max, absmax, zero/NaN/inf counts to `acc` (initialise with
///   `qs_stats_init`);
/// - writes block_absmax[b] = max |w| for the blocks of the segment (the last may be partial only
///   at the tensor's end);
/// - when `cols` > 0: col_absmax[c] = max(col_absmax[c], |w|) (a per-thread array), and an atomic
///   max of |w| per row into row_absmax_bits[r] (float bits as uint32; |w| ≥ 0 so the bit order is
///   the value order), r = (start + i) / cols. Either array may be NULL.
void qs_stats_init(qs_stats_acc *acc);
void qs_stats_segment(const float *w, size_t n, size_t start, size_t blocksize,
                      float *block_absmax, size_t cols, float *col_absmax,
                      uint32_t *row_absmax_bits, qs_stats_acc *acc);
void qs_stats_segment_ref(const float *w, size_t n, size_t start, size_t blocksize,
                          float *block_absmax, size_t cols, float *col_absmax,
                          uint32_t *row_absmax_bits, qs_stats_acc *acc);

// MARK: - Histograms (histogram.c)

/// Second pass over a segment (tiered like `qs_stats_segment`; bins = trunc(clamp(t, 0, bins−1))
/// of t = (w − lo)·(bins/(hi − lo)) resp. (x + 1)·(bins/2), in float64): value histogram over
/// [lo, hi] (`bins` bins, last bin includes hi;
/// lo == hi puts every finite value in bin bins/2), block-normalised histogram of
/// x = w·f32(1/absmax_block) (x = 0 for w = ±0) over [-1, 1], and Σ (w − mean)² in float64.
/// Non-finite values (and non-finite x) are skipped.
void qs_histogram_segment(const float *w, size_t n, size_t start, size_t blocksize,
                          const float *block_absmax, double lo, double hi, size_t bins,
                          uint64_t *value_counts, uint64_t *normalized_counts, double mean,
                          double *sum_sq_dev);
void qs_histogram_segment_ref(const float *w, size_t n, size_t start, size_t blocksize,
                              const float *block_absmax, double lo, double hi, size_t bins,
                              uint64_t *value_counts, uint64_t *normalized_counts, double mean,
                              double *sum_sq_dev);

#ifdef __cplusplus
}
#endif
#endif
