/// How a logical tensor is stored when the checkpoint is already quantized: a bitsandbytes 4-bit or
/// 8-bit save (transformers' `save_pretrained` of a quantized model) or FP8 weights with a scale.
///
/// The checkpoint shows such a tensor once, under its logical name (`X.weight`), with its logical
/// shape and dtype; the tensors that hold it on disk are its `parts`, never separate rows.
public struct StoredQuantization: Sendable, Hashable {
  /// The stored number format.
  public enum Format: String, Sendable, Hashable, CaseIterable {
    case nf4, fp4, int8
    case fp8E4M3 = "fp8-e4m3"
    case fp8E5M2 = "fp8-e5m2"
  }

  /// What one part holds.
  public enum Role: String, Sendable, Hashable {
    /// The codes: packed 4-bit pairs (U8), int8 values (I8) or FP8 values.
    case codes
    /// 4-bit block scales: F32, or U8 codes of the second level with double quant.
    case absmax
    /// The 16-entry 4-bit code book (F32).
    case quantMap = "quant_map"
    /// Double quant's second-level scales (F32).
    case nestedAbsmax = "nested_absmax"
    /// Double quant's 256-entry code book (F32).
    case nestedQuantMap = "nested_quant_map"
    /// The JSON of the quant state's scalar fields (U8 bytes).
    case quantState = "quant_state"
    /// int8 row statistics `SCB` (F32, one per row).
    case rowScale = "SCB"
    /// int8 layout tag `weight_format` (U8; 0 is row-major).
    case weightFormat = "weight_format"
    /// FP8 scale that multiplies: a scalar or one per row.
    case scale = "weight_scale"
    /// FP8 block scale `weight_scale_inv` [ceil(rows/B), ceil(cols/B)] (multiplies, despite the name).
    case blockScale = "weight_scale_inv"
    /// FP8 activation scale, listed but not needed to dequantize the weight.
    case inputScale = "input_scale"
  }

  /// One tensor of the file that holds part of the logical tensor.
  public struct Part: Sendable, Hashable {
    public var role: Role
    public var tensor: TensorInfo
  }

  public var format: Format
  /// bitsandbytes' double quant: the 4-bit block scales are themselves 8-bit blockwise codes.
  public var doubleQuant: Bool
  /// Elements per 4-bit block; 0 for int8 and FP8.
  public var blocksize: Int
  /// Block scales per second-level block (double quant only; 0 otherwise).
  public var nestedBlocksize: Int
  /// Added to every dequantized block scale with double quant (its mean before quantization).
  public var nestedOffset: Float
  /// FP8 block-scale tile (rows, cols); nil for a per-row or scalar scale and for bitsandbytes.
  public var scaleBlock: [Int]?
  /// The parts, codes first.
  public var parts: [Part]

  /// The part holding `role`, when present.
  public func part(_ role: Role) -> TensorInfo? {
    parts.first { $0.role == role }?.tensor
  }

  /// Total bytes of the parts: what the tensor occupies on disk and in memory when loaded as stored.
  public var storedBytes: UInt64 { parts.reduce(0) { $0 + $1.tensor.byteCount } }

  /// The mark every view prints: "stored nf4 (+dq)", "stored int8", "stored fp8 e4m3, 128×128 blocks".
  public var mark: String {
    switch format {
    case .nf4, .fp4:
      return "stored \(format.rawValue)" + (doubleQuant ? " (+dq)" : "")
    case .int8:
      return "stored int8"
    case .fp8E4M3, .fp8E5M2:
      let kind = format == .fp8E4M3 ? "e4m3" : "e5m2"
      if let block = scaleBlock { return "stored fp8 \(kind), \(block[0])×\(block[1]) blocks" }
      let scale = part(.scale)
      let perRow = (scale?.elementCount ?? 1) > 1
      return "stored fp8 \(kind), " + (perRow ? "per-row scale" : "per-tensor scale")
    }
  }

  /// True for the bitsandbytes serialisations (4-bit and 8-bit), false for FP8.
  public var isBitsandbytes: Bool { format == .nf4 || format == .fp4 || format == .int8 }
}
