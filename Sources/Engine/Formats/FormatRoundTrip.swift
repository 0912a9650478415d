/// Every intermediate of one format's round trip over a small tensor, as whole arrays.
///
/// Produced by `FormatReference.roundTrip`; the golden tests and the CUDA parity check compare
/// these field by field.
public struct FormatRoundTrip: Sendable, Hashable {
  /// One code per element, flat C order, unpacked. int8: `UInt8(bitPattern: q)`.
  public var codes: [UInt8]
  /// Block scales (absmax per block; nf4-dq, fp4-dq: the exact first-level absmax) or, for int8, rowmax
  /// per row of the fp16-converted weight.
  public var absmax: [Float]
  /// ŵ: the dequantized values (rounded to the tensor's dtype for the block formats; float32 for
  /// int8).
  public var dequantized: [Float]
  /// The second level of nf4-dq and fp4-dq (nil for the other formats).
  public var doubleQuantization: DoubleQuantization?
  /// False when the format is undefined for the tensor (int8: a value overflows fp16).
  public var isDefined: Bool

  /// int8 row maxima (= `absmax` for int8).
  public var rowmax: [Float] { absmax }

  /// The double-quant second level of nf4-dq and fp4-dq (FORMATS.md §4 steps 2–4).
  public struct DoubleQuantization: Sendable, Hashable {
    /// Mean of the first-level absmax (float64 sum and division, rounded to float32).
    public var offset: Float
    /// dyn8 code of each centred block scale.
    public var qabsmax: [UInt8]
    /// Second-level scales, one per 256 first-level blocks.
    public var absmax2: [Float]
    /// Reconstructed block scales.
    public var absmaxHat: [Float]

    public init(offset: Float, qabsmax: [UInt8], absmax2: [Float], absmaxHat: [Float]) {
      self.offset = offset
      self.qabsmax = qabsmax
      self.absmax2 = absmax2
      self.absmaxHat = absmaxHat
    }
  }

  public init(
    codes: [UInt8], absmax: [Float], dequantized: [Float], doubleQuantization: DoubleQuantization?,
    isDefined: Bool
  ) {
    self.codes = codes
    self.absmax = absmax
    self.dequantized = dequantized
    self.doubleQuantization = doubleQuantization
    self.isDefined = isDefined
  }
}
