import Safetensors

/// The dequantized weight ŵ of a blockwise format, taken from the engine's format code (no
/// codebook is re-implemented here).
enum WeightRoundTrip {
  /// ŵ for `values` (float32 of a tensor of `dtype`, C order) under `format`, or nil when the
  /// engine does not provide that format's round trip.
  static func dequantized(
    _ values: [Float], shape: [Int], dtype: DType, format: QuantFormat, blocksize: Int
  ) -> [Float]? {
    // Waiting for the engine's `FormatReference.roundTrip`; until then nf4/fp4 are reported as n/a.
    nil
  }
}
