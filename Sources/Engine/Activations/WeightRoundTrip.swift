import Safetensors

/// The engine's weight round trips (`FormatReference`), as the activation analysis needs them: no
/// codebook or int8 rule is re-implemented here.
enum WeightRoundTrip {
  /// ŵ for `values` (float32 of a tensor of `dtype`, C order) under a block `format`, rounded to
  /// the tensor's dtype as bitsandbytes' `dequantize_4bit` returns it; nil when undefined.
  static func dequantized(
    _ values: [Float], shape: [Int], dtype: DType, format: QuantFormat, blocksize: Int
  ) -> [Float]? {
    let trip = FormatReference.roundTrip(
      format, values: values, dtype: dtype, shape: shape, blocksize: blocksize)
    return trip.isDefined && trip.dequantized.count == values.count ? trip.dequantized : nil
  }

  /// LLM.int8() weight quantization (FORMATS.md §6: fp16 cast, row-wise absmax, threshold 0); nil when a
  /// value overflows fp16 (int8 undefined for the tensor).
  static func int8(_ values: [Float], rows: Int, cols: Int, dtype: DType)
    -> LinearOutputSimulation.Int8Weight?
  {
    let trip = FormatReference.roundTrip(
      .int8, values: values, dtype: dtype, shape: [rows, cols], blocksize: 64)
    guard trip.isDefined, trip.codes.count == rows * cols, trip.rowmax.count == rows else {
      return nil
    }
    return LinearOutputSimulation.Int8Weight(
      codes: trip.codes.map { Int8(bitPattern: $0) }, rowmax: trip.rowmax,
      dequantized: trip.dequantized)
  }
}
