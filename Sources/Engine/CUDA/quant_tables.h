#ifndef QUANTSCOPE_QUANT_TABLES_H
#define QUANTSCOPE_QUANT_TABLES_H
/// The constants QuantScope's C kernels and CUDA kernels share, written once: the codebooks,
/// thresholds and decision literals of every format, the dyn8 map and its midpoints, the int8
/// factor, and the numbering of dtypes and block formats.
///
/// Two compilers read this file. The C target includes it from `include/quant_kernels.h` (by
/// relative path; Swift sees the tables through that module). NVRTC gets it as a header string
/// (`CUDACompiler`: nvrtcCreateProgram's headers / includeNames), for `#include "quant_tables.h"`
/// in kernels.cu; the Engine target embeds it next to kernels.cu for that. Under NVRTC
/// (`__CUDACC__`) a table is `__constant__` memory, elsewhere a `static const` array.
/// It includes nothing, so NVRTC needs no CUDA or system headers.
///
/// Floats are hex binary32 literals, so no decimal rounding stands between a source and a table.

#if defined(__CUDACC__)
#define QS_TABLE __constant__
#else
#define QS_TABLE static const
#endif

// MARK: - Numbering (C enums; kernels.cu takes them as int arguments)

/// Storage dtype of a tensor, for ŵ rounding (spec §1): F32 keeps d, F16/BF16 round d (RNE).
typedef enum {
  QS_DTYPE_F32 = 0,
  QS_DTYPE_F16 = 1,
  QS_DTYPE_BF16 = 2,
} qs_dtype;

/// The block formats sharing spec §1 (blocks, absmax, x = w·f32(1/absmax), zero rule).
typedef enum {
  QS_BLOCK_NF4 = 0,
  QS_BLOCK_FP4 = 1,
  QS_BLOCK_INT4 = 2,
  QS_BLOCK_DYN8 = 3,
} qs_block_format;

// MARK: - Tables (sources cited)

/// nf4 codebook, by code. bitsandbytes `functional.py` `get_4bit_type("nf4")`, = CUDA
/// `nf4_dequantization_lut` (csrc/kernels.cu).
QS_TABLE float QS_NF4_CODEBOOK[16] = {
  -0x1p+0f, -0x1.647362p-1f, -0x1.0cd66p-1f, -0x1.94654p-2f,
  -0x1.23449ap-2f, -0x1.7a6a7ep-3f, -0x1.74f0e2p-4f, 0x0p+0f,
  0x1.45f5fep-4f, 0x1.4995c6p-3f, 0x1.f809bap-3f, 0x1.5a0674p-2f,
  0x1.c3497p-2f, 0x1.200f56p-1f, 0x1.722766p-1f, 0x1p+0f,
};

/// nf4 thresholds t_k between code k and k+1 (exact float32 midpoints; the decimal literals of
/// csrc/kernels.cu `dQuantizeNF4` round to these). Encode: code = #{k : x > t_k}.
QS_TABLE float QS_NF4_THRESHOLDS[15] = {
  -0x1.b239bp-1f, -0x1.38a4ep-1f, -0x1.d709p-2f, -0x1.5bd4ecp-2f,
  -0x1.e079d8p-3f, -0x1.1a7178p-3f, -0x1.74f0e2p-5f, 0x1.45f5fep-5f,
  0x1.ec90c4p-4f, 0x1.a0cfcp-3f, 0x1.2b05a8p-2f, 0x1.8ea7f2p-2f,
  0x1.00da08p-1f, 0x1.491b5ep-1f, 0x1.b913b4p-1f,
};

/// fp4 magnitudes for codes 0...7 (code 8...15: the negatives; code 8 is -0.0).
/// csrc/kernels.cu `dDequantizeFP4Tree` ({0, 0.0625, 8, 12, 4, 6, 2, 3} / 12 in float32).
QS_TABLE float QS_FP4_MAGNITUDES[8] = {
  0x0p+0f, 0x1.555556p-8f, 0x1.555556p-1f, 0x1p+0f,
  0x1.555556p-2f, 0x1p-1f, 0x1.555556p-3f, 0x1p-2f,
};

/// fp4 decision literals L1...L7 of csrc/kernels.cu `dQuantizeFP4` (0.00260417f, 0.0859375f,
/// 0.20833333f, 0.29166667f, 0.4166667f, 0.583333f, 0.8333333f), as written there, not the true
/// midpoints. Magnitude code by interval (strict >): 0,1,6,7,4,5,2,3.
QS_TABLE float QS_FP4_LITERALS[7] = {
  0x1.555572p-9f, 0x1.6p-4f, 0x1.aaaaaap-3f, 0x1.2aaaaap-2f,
  0x1.aaaaacp-2f, 0x1.2aaaap-1f, 0x1.aaaaaap-1f,
};

/// int4 levels L[c] = f32((c - 7) / 7), c = 0...14 (ours; spec §8).
QS_TABLE float QS_INT4_LEVELS[15] = {
  -0x1p+0f, -0x1.b6db6ep-1f, -0x1.6db6dcp-1f, -0x1.24924ap-1f,
  -0x1.b6db6ep-2f, -0x1.24924ap-2f, -0x1.24924ap-3f, 0x0p+0f,
  0x1.24924ap-3f, 0x1.24924ap-2f, 0x1.b6db6ep-2f, 0x1.24924ap-1f,
  0x1.6db6dcp-1f, 0x1.b6db6ep-1f, 0x1p+0f,
};

/// f32(1/127): int8 dequantization factor (bitsandbytes `int8_vectorwise_dequant`).
#define QS_INT8_INV127 0x1.020408p-7f

/// dyn8 map: `create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)`
/// (bitsandbytes functional.py), bitsandbytes' own float32 output. Index 127 = 0, 255 = +1.
QS_TABLE float QS_DYN8_MAP[256] = {
  -0x1.fc6666p-1f, -0x1.f53334p-1f, -0x1.eep-1f, -0x1.e6ccccp-1f,  /* 0 */
  -0x1.df999ap-1f, -0x1.d86666p-1f, -0x1.d13334p-1f, -0x1.cap-1f,  /* 4 */
  -0x1.c2ccccp-1f, -0x1.bb999ap-1f, -0x1.b46666p-1f, -0x1.ad3334p-1f,  /* 8 */
  -0x1.a6p-1f, -0x1.9eccccp-1f, -0x1.97999ap-1f, -0x1.906666p-1f,  /* 12 */
  -0x1.893334p-1f, -0x1.82p-1f, -0x1.7accccp-1f, -0x1.73999ap-1f,  /* 16 */
  -0x1.6c6668p-1f, -0x1.653334p-1f, -0x1.5ep-1f, -0x1.56ccccp-1f,  /* 20 */
  -0x1.4f999ap-1f, -0x1.486668p-1f, -0x1.413334p-1f, -0x1.3ap-1f,  /* 24 */
  -0x1.32ccccp-1f, -0x1.2b999ap-1f, -0x1.246668p-1f, -0x1.1d3334p-1f,  /* 28 */
  -0x1.16p-1f, -0x1.0eccccp-1f, -0x1.079998p-1f, -0x1.006666p-1f,  /* 32 */
  -0x1.f26664p-2f, -0x1.e4p-2f, -0x1.d59998p-2f, -0x1.c73334p-2f,  /* 36 */
  -0x1.b8ccccp-2f, -0x1.aa6666p-2f, -0x1.9cp-2f, -0x1.8d9998p-2f,  /* 40 */
  -0x1.7f3334p-2f, -0x1.70ccccp-2f, -0x1.626666p-2f, -0x1.54p-2f,  /* 44 */
  -0x1.459998p-2f, -0x1.373334p-2f, -0x1.28ccccp-2f, -0x1.1a6668p-2f,  /* 48 */
  -0x1.0cp-2f, -0x1.fb3332p-3f, -0x1.de6666p-3f, -0x1.c1999ap-3f,  /* 52 */
  -0x1.a4ccccp-3f, -0x1.88p-3f, -0x1.6b3334p-3f, -0x1.4e6666p-3f,  /* 56 */
  -0x1.31999ap-3f, -0x1.14ccccp-3f, -0x1.fp-4f, -0x1.b66668p-4f,  /* 60 */
  -0x1.93d70ap-4f, -0x1.8851eep-4f, -0x1.7ccccep-4f, -0x1.7147aep-4f,  /* 64 */
  -0x1.65c29p-4f, -0x1.5a3d7p-4f, -0x1.4eb854p-4f, -0x1.433334p-4f,  /* 68 */
  -0x1.37ae14p-4f, -0x1.2c28f6p-4f, -0x1.20a3d6p-4f, -0x1.151ebap-4f,  /* 72 */
  -0x1.09999ap-4f, -0x1.fc28f6p-5f, -0x1.e51ebap-5f, -0x1.ce147ap-5f,  /* 76 */
  -0x1.b70a3ep-5f, -0x1.ap-5f, -0x1.88f5c2p-5f, -0x1.71eb86p-5f,  /* 80 */
  -0x1.5ae146p-5f, -0x1.43d70ap-5f, -0x1.2ccccep-5f, -0x1.15c29p-5f,  /* 84 */
  -0x1.fd70a4p-6f, -0x1.cf5c2ap-6f, -0x1.a147aep-6f, -0x1.733334p-6f,  /* 88 */
  -0x1.451ebap-6f, -0x1.170a3ep-6f, -0x1.d1eb86p-7f, -0x1.75c29p-7f,  /* 92 */
  -0x1.3e76c8p-7f, -0x1.2c083p-7f, -0x1.19999ap-7f, -0x1.072b02p-7f,  /* 96 */
  -0x1.e978d4p-8f, -0x1.c49ba6p-8f, -0x1.9fbe76p-8f, -0x1.7ae148p-8f,  /* 100 */
  -0x1.56041ap-8f, -0x1.3126e8p-8f, -0x1.0c49bap-8f, -0x1.ced914p-9f,  /* 104 */
  -0x1.851eb8p-9f, -0x1.3b645ap-9f, -0x1.e353f8p-10f, -0x1.4fdf3ap-10f,  /* 108 */
  -0x1.eecbfep-11f, -0x1.b3d07cp-11f, -0x1.78d5p-11f, -0x1.3dd982p-11f,  /* 112 */
  -0x1.02de02p-11f, -0x1.8fc506p-12f, -0x1.19ce0ap-12f, -0x1.47ae16p-13f,  /* 116 */
  -0x1.743e96p-14f, -0x1.15df66p-14f, -0x1.6f0068p-15f, -0x1.64840cp-16f,  /* 120 */
  -0x1.040bfep-17f, -0x1.b43528p-19f, -0x1.27476ep-21f, 0x0p+0f,  /* 124 */
  0x1.27476ep-21f, 0x1.b43528p-19f, 0x1.040bfep-17f, 0x1.64840cp-16f,  /* 128 */
  0x1.6f0068p-15f, 0x1.15df66p-14f, 0x1.743e96p-14f, 0x1.47ae16p-13f,  /* 132 */
  0x1.19ce0ap-12f, 0x1.8fc506p-12f, 0x1.02de02p-11f, 0x1.3dd982p-11f,  /* 136 */
  0x1.78d5p-11f, 0x1.b3d07cp-11f, 0x1.eecbfep-11f, 0x1.4fdf3ap-10f,  /* 140 */
  0x1.e353f8p-10f, 0x1.3b645ap-9f, 0x1.851eb8p-9f, 0x1.ced914p-9f,  /* 144 */
  0x1.0c49bap-8f, 0x1.3126e8p-8f, 0x1.56041ap-8f, 0x1.7ae148p-8f,  /* 148 */
  0x1.9fbe76p-8f, 0x1.c49ba6p-8f, 0x1.e978d4p-8f, 0x1.072b02p-7f,  /* 152 */
  0x1.19999ap-7f, 0x1.2c083p-7f, 0x1.3e76c8p-7f, 0x1.75c29p-7f,  /* 156 */
  0x1.d1eb86p-7f, 0x1.170a3ep-6f, 0x1.451ebap-6f, 0x1.733334p-6f,  /* 160 */
  0x1.a147aep-6f, 0x1.cf5c2ap-6f, 0x1.fd70a4p-6f, 0x1.15c29p-5f,  /* 164 */
  0x1.2ccccep-5f, 0x1.43d70ap-5f, 0x1.5ae146p-5f, 0x1.71eb86p-5f,  /* 168 */
  0x1.88f5c2p-5f, 0x1.ap-5f, 0x1.b70a3ep-5f, 0x1.ce147ap-5f,  /* 172 */
  0x1.e51ebap-5f, 0x1.fc28f6p-5f, 0x1.09999ap-4f, 0x1.151ebap-4f,  /* 176 */
  0x1.20a3d6p-4f, 0x1.2c28f6p-4f, 0x1.37ae14p-4f, 0x1.433334p-4f,  /* 180 */
  0x1.4eb854p-4f, 0x1.5a3d7p-4f, 0x1.65c29p-4f, 0x1.7147aep-4f,  /* 184 */
  0x1.7ccccep-4f, 0x1.8851eep-4f, 0x1.93d70ap-4f, 0x1.b66668p-4f,  /* 188 */
  0x1.fp-4f, 0x1.14ccccp-3f, 0x1.31999ap-3f, 0x1.4e6666p-3f,  /* 192 */
  0x1.6b3334p-3f, 0x1.88p-3f, 0x1.a4ccccp-3f, 0x1.c1999ap-3f,  /* 196 */
  0x1.de6666p-3f, 0x1.fb3332p-3f, 0x1.0cp-2f, 0x1.1a6668p-2f,  /* 200 */
  0x1.28ccccp-2f, 0x1.373334p-2f, 0x1.459998p-2f, 0x1.54p-2f,  /* 204 */
  0x1.626666p-2f, 0x1.70ccccp-2f, 0x1.7f3334p-2f, 0x1.8d9998p-2f,  /* 208 */
  0x1.9cp-2f, 0x1.aa6666p-2f, 0x1.b8ccccp-2f, 0x1.c73334p-2f,  /* 212 */
  0x1.d59998p-2f, 0x1.e4p-2f, 0x1.f26664p-2f, 0x1.006666p-1f,  /* 216 */
  0x1.079998p-1f, 0x1.0eccccp-1f, 0x1.16p-1f, 0x1.1d3334p-1f,  /* 220 */
  0x1.246668p-1f, 0x1.2b999ap-1f, 0x1.32ccccp-1f, 0x1.3ap-1f,  /* 224 */
  0x1.413334p-1f, 0x1.486668p-1f, 0x1.4f999ap-1f, 0x1.56ccccp-1f,  /* 228 */
  0x1.5ep-1f, 0x1.653334p-1f, 0x1.6c6668p-1f, 0x1.73999ap-1f,  /* 232 */
  0x1.7accccp-1f, 0x1.82p-1f, 0x1.893334p-1f, 0x1.906666p-1f,  /* 236 */
  0x1.97999ap-1f, 0x1.9eccccp-1f, 0x1.a6p-1f, 0x1.ad3334p-1f,  /* 240 */
  0x1.b46666p-1f, 0x1.bb999ap-1f, 0x1.c2ccccp-1f, 0x1.cap-1f,  /* 244 */
  0x1.d13334p-1f, 0x1.d86666p-1f, 0x1.df999ap-1f, 0x1.e6ccccp-1f,  /* 248 */
  0x1.eep-1f, 0x1.f53334p-1f, 0x1.fc6666p-1f, 0x1p+0f,  /* 252 */
};

/// dyn8 midpoints m_i = f32(f32(map[i] + map[i+1]) * 0.5), i = 0...254 (csrc/kernels.cu `dQuantize`
/// compares against these midpoints at the end of its binary search).
QS_TABLE float QS_DYN8_MIDPOINTS[255] = {
  -0x1.f8ccccp-1f, -0x1.f1999ap-1f, -0x1.ea6666p-1f, -0x1.e33334p-1f,  /* 0 */
  -0x1.dcp-1f, -0x1.d4ccccp-1f, -0x1.cd999ap-1f, -0x1.c66666p-1f,  /* 4 */
  -0x1.bf3334p-1f, -0x1.b8p-1f, -0x1.b0ccccp-1f, -0x1.a9999ap-1f,  /* 8 */
  -0x1.a26666p-1f, -0x1.9b3334p-1f, -0x1.94p-1f, -0x1.8cccccp-1f,  /* 12 */
  -0x1.85999ap-1f, -0x1.7e6666p-1f, -0x1.773334p-1f, -0x1.7p-1f,  /* 16 */
  -0x1.68cccep-1f, -0x1.61999ap-1f, -0x1.5a6666p-1f, -0x1.533334p-1f,  /* 20 */
  -0x1.4cp-1f, -0x1.44cccep-1f, -0x1.3d999ap-1f, -0x1.366666p-1f,  /* 24 */
  -0x1.2f3334p-1f, -0x1.28p-1f, -0x1.20cccep-1f, -0x1.19999ap-1f,  /* 28 */
  -0x1.126666p-1f, -0x1.0b3332p-1f, -0x1.04p-1f, -0x1.f99998p-2f,  /* 32 */
  -0x1.eb3332p-2f, -0x1.dcccccp-2f, -0x1.ce6666p-2f, -0x1.cp-2f,  /* 36 */
  -0x1.b19998p-2f, -0x1.a33334p-2f, -0x1.94ccccp-2f, -0x1.866666p-2f,  /* 40 */
  -0x1.78p-2f, -0x1.699998p-2f, -0x1.5b3334p-2f, -0x1.4cccccp-2f,  /* 44 */
  -0x1.3e6666p-2f, -0x1.3p-2f, -0x1.21999ap-2f, -0x1.133334p-2f,  /* 48 */
  -0x1.04ccccp-2f, -0x1.ecccccp-3f, -0x1.dp-3f, -0x1.b33334p-3f,  /* 52 */
  -0x1.966666p-3f, -0x1.79999ap-3f, -0x1.5cccccp-3f, -0x1.4p-3f,  /* 56 */
  -0x1.233334p-3f, -0x1.066666p-3f, -0x1.d33334p-4f, -0x1.a51eb8p-4f,  /* 60 */
  -0x1.8e147cp-4f, -0x1.828f5ep-4f, -0x1.770a3ep-4f, -0x1.6b852p-4f,  /* 64 */
  -0x1.6p-4f, -0x1.547ae2p-4f, -0x1.48f5c4p-4f, -0x1.3d70a4p-4f,  /* 68 */
  -0x1.31eb84p-4f, -0x1.266666p-4f, -0x1.1ae148p-4f, -0x1.0f5c2ap-4f,  /* 72 */
  -0x1.03d70ap-4f, -0x1.f0a3d8p-5f, -0x1.d9999ap-5f, -0x1.c28f5cp-5f,  /* 76 */
  -0x1.ab852p-5f, -0x1.947aep-5f, -0x1.7d70a4p-5f, -0x1.666666p-5f,  /* 80 */
  -0x1.4f5c28p-5f, -0x1.3851ecp-5f, -0x1.2147bp-5f, -0x1.0a3d7p-5f,  /* 84 */
  -0x1.e66668p-6f, -0x1.b851ecp-6f, -0x1.8a3d7p-6f, -0x1.5c28f8p-6f,  /* 88 */
  -0x1.2e147cp-6f, -0x1p-6f, -0x1.a3d70cp-7f, -0x1.5a1cacp-7f,  /* 92 */
  -0x1.353f7cp-7f, -0x1.22d0e4p-7f, -0x1.10624ep-7f, -0x1.fbe76cp-8f,  /* 96 */
  -0x1.d70a3cp-8f, -0x1.b22d0ep-8f, -0x1.8d4fep-8f, -0x1.6872bp-8f,  /* 100 */
  -0x1.43958p-8f, -0x1.1eb85p-8f, -0x1.f3b644p-9f, -0x1.a9fbe6p-9f,  /* 104 */
  -0x1.604188p-9f, -0x1.16872cp-9f, -0x1.999998p-10f, -0x1.23a29cp-10f,  /* 108 */
  -0x1.d14e3cp-11f, -0x1.9652bep-11f, -0x1.5b574p-11f, -0x1.205bc2p-11f,  /* 112 */
  -0x1.cac084p-12f, -0x1.54c988p-12f, -0x1.bda514p-13f, -0x1.00e6bp-13f,  /* 116 */
  -0x1.450efep-14f, -0x1.cd5f9ap-15f, -0x1.10a138p-15f, -0x1.e68a0cp-17f,  /* 120 */
  -0x1.711948p-18f, -0x1.fe0704p-20f, -0x1.27476ep-22f, 0x1.27476ep-22f,  /* 124 */
  0x1.fe0704p-20f, 0x1.711948p-18f, 0x1.e68a0cp-17f, 0x1.10a138p-15f,  /* 128 */
  0x1.cd5f9ap-15f, 0x1.450efep-14f, 0x1.00e6bp-13f, 0x1.bda514p-13f,  /* 132 */
  0x1.54c988p-12f, 0x1.cac084p-12f, 0x1.205bc2p-11f, 0x1.5b574p-11f,  /* 136 */
  0x1.9652bep-11f, 0x1.d14e3cp-11f, 0x1.23a29cp-10f, 0x1.999998p-10f,  /* 140 */
  0x1.16872cp-9f, 0x1.604188p-9f, 0x1.a9fbe6p-9f, 0x1.f3b644p-9f,  /* 144 */
  0x1.1eb85p-8f, 0x1.43958p-8f, 0x1.6872bp-8f, 0x1.8d4fep-8f,  /* 148 */
  0x1.b22d0ep-8f, 0x1.d70a3cp-8f, 0x1.fbe76cp-8f, 0x1.10624ep-7f,  /* 152 */
  0x1.22d0e4p-7f, 0x1.353f7cp-7f, 0x1.5a1cacp-7f, 0x1.a3d70cp-7f,  /* 156 */
  0x1p-6f, 0x1.2e147cp-6f, 0x1.5c28f8p-6f, 0x1.8a3d7p-6f,  /* 160 */
  0x1.b851ecp-6f, 0x1.e66668p-6f, 0x1.0a3d7p-5f, 0x1.2147bp-5f,  /* 164 */
  0x1.3851ecp-5f, 0x1.4f5c28p-5f, 0x1.666666p-5f, 0x1.7d70a4p-5f,  /* 168 */
  0x1.947aep-5f, 0x1.ab852p-5f, 0x1.c28f5cp-5f, 0x1.d9999ap-5f,  /* 172 */
  0x1.f0a3d8p-5f, 0x1.03d70ap-4f, 0x1.0f5c2ap-4f, 0x1.1ae148p-4f,  /* 176 */
  0x1.266666p-4f, 0x1.31eb84p-4f, 0x1.3d70a4p-4f, 0x1.48f5c4p-4f,  /* 180 */
  0x1.547ae2p-4f, 0x1.6p-4f, 0x1.6b852p-4f, 0x1.770a3ep-4f,  /* 184 */
  0x1.828f5ep-4f, 0x1.8e147cp-4f, 0x1.a51eb8p-4f, 0x1.d33334p-4f,  /* 188 */
  0x1.066666p-3f, 0x1.233334p-3f, 0x1.4p-3f, 0x1.5cccccp-3f,  /* 192 */
  0x1.79999ap-3f, 0x1.966666p-3f, 0x1.b33334p-3f, 0x1.dp-3f,  /* 196 */
  0x1.ecccccp-3f, 0x1.04ccccp-2f, 0x1.133334p-2f, 0x1.21999ap-2f,  /* 200 */
  0x1.3p-2f, 0x1.3e6666p-2f, 0x1.4cccccp-2f, 0x1.5b3334p-2f,  /* 204 */
  0x1.699998p-2f, 0x1.78p-2f, 0x1.866666p-2f, 0x1.94ccccp-2f,  /* 208 */
  0x1.a33334p-2f, 0x1.b19998p-2f, 0x1.cp-2f, 0x1.ce6666p-2f,  /* 212 */
  0x1.dcccccp-2f, 0x1.eb3332p-2f, 0x1.f99998p-2f, 0x1.04p-1f,  /* 216 */
  0x1.0b3332p-1f, 0x1.126666p-1f, 0x1.19999ap-1f, 0x1.20cccep-1f,  /* 220 */
  0x1.28p-1f, 0x1.2f3334p-1f, 0x1.366666p-1f, 0x1.3d999ap-1f,  /* 224 */
  0x1.44cccep-1f, 0x1.4cp-1f, 0x1.533334p-1f, 0x1.5a6666p-1f,  /* 228 */
  0x1.61999ap-1f, 0x1.68cccep-1f, 0x1.7p-1f, 0x1.773334p-1f,  /* 232 */
  0x1.7e6666p-1f, 0x1.85999ap-1f, 0x1.8cccccp-1f, 0x1.94p-1f,  /* 236 */
  0x1.9b3334p-1f, 0x1.a26666p-1f, 0x1.a9999ap-1f, 0x1.b0ccccp-1f,  /* 240 */
  0x1.b8p-1f, 0x1.bf3334p-1f, 0x1.c66666p-1f, 0x1.cd999ap-1f,  /* 244 */
  0x1.d4ccccp-1f, 0x1.dcp-1f, 0x1.e33334p-1f, 0x1.ea6666p-1f,  /* 248 */
  0x1.f1999ap-1f, 0x1.f8ccccp-1f, 0x1.fe3334p-1f,  /* 252 */
};

#endif
