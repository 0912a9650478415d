import CQuantKernels

/// The level tables of every format, read from the C header where they are defined once
/// (`Sources/Engine/CUDA/quant_tables.h`, shared by the C and CUDA kernels, each citing its
/// bitsandbytes source).
enum Codebooks {
  /// nf4 values by code: bitsandbytes `functional.py` `get_4bit_type("nf4")`, = CUDA
  /// `nf4_dequantization_lut` (csrc/kernels.cu).
  static let nf4: [Float] = floats(QS_NF4_CODEBOOK)
  /// nf4 thresholds t_k (csrc/kernels.cu `dQuantizeNF4`).
  static let nf4Thresholds: [Float] = floats(QS_NF4_THRESHOLDS)
  /// fp4 values by code (codes 8...15 negative; code 8 is −0): csrc/kernels.cu `dDequantizeFP4Tree`.
  static let fp4: [Float] = {
    let magnitudes = floats(QS_FP4_MAGNITUDES)
    return magnitudes + magnitudes.map { -$0 }
  }()
  /// fp4 decision literals L1...L7 (csrc/kernels.cu `dQuantizeFP4`).
  static let fp4Literals: [Float] = floats(QS_FP4_LITERALS)
  /// int4 levels f32((c − 7) / 7), c = 0...14 (ours, spec §8).
  static let int4: [Float] = floats(QS_INT4_LEVELS)
  /// dyn8 map: `create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)` (functional.py).
  static let dyn8: [Float] = floats(QS_DYN8_MAP)
  /// dyn8 midpoints m_i (csrc/kernels.cu `dQuantize`).
  static let dyn8Midpoints: [Float] = floats(QS_DYN8_MIDPOINTS)

  /// Copies a C `static const float[N]` (imported as a tuple) into an array.
  private static func floats<T>(_ tuple: T) -> [Float] {
    withUnsafeBytes(of: tuple) { Array($0.bindMemory(to: Float.self)) }
  }
}
