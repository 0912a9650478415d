import Safetensors

/// The bytes bitsandbytes keeps on the GPU for a model's weights, as it stores them (block size 64,
/// the only one Axolotl's 4-bit path uses). For a tensor of n parameters, nb = ceil(n / 64) blocks:
/// - 4-bit (nf4, fp4): ceil(n/2) packed codes + 4·nb float32 block scales;
/// - 4-bit with double quant: ceil(n/2) + nb one-byte scales + 4·ceil(nb/256) float32 scales of
///   the scales + a 4-byte offset;
/// - LLM.int8(): n int8 codes + 4·rows float32 row scales;
/// - a floating tensor not quantized (kept, or never quantizable): 2 bytes per parameter, the
///   16-bit dtype the model is loaded in; integer buffers at their stored size.
///
/// The lookup tables (the 16-entry 4-bit code, the 256-entry dynamic map) are shared constants
/// and not counted. `scripts/make-memory-fixture.py` measures bitsandbytes' own storage.
public enum BitsandbytesStorage {
  /// How the quantized weights are laid out.
  public enum Layout: String, Sendable, Hashable, CaseIterable {
    case fourBit, fourBitDoubleQuant, int8, dynamic8
  }

  /// bitsandbytes' 4-bit block size.
  public static let blocksize = 64

  /// The layout of an analysed format's storage (int4 is stored like a 4-bit type would be).
  public static func layout(of format: QuantFormat) -> Layout {
    switch format {
    case .nf4, .fp4, .int4: .fourBit
    case .nf4dq, .fp4dq: .fourBitDoubleQuant
    case .int8: .int8
    case .dyn8: .dynamic8
    }
  }

  /// Bytes of a quantized tensor of `elements` parameters and `rows` rows.
  public static func quantizedBytes(elements: Int, rows: Int, layout: Layout) -> UInt64 {
    let n = UInt64(max(elements, 0))
    let blocks = (n + UInt64(blocksize) - 1) / UInt64(blocksize)
    switch layout {
    case .fourBit:
      return (n + 1) / 2 + 4 * blocks
    case .fourBitDoubleQuant:
      return (n + 1) / 2 + blocks + 4 * ((blocks + 255) / 256) + 4
    case .int8:
      return n + 4 * UInt64(max(rows, 0))
    case .dynamic8:
      return n + 4 * ((n + 4095) / 4096)
    }
  }

  /// Bytes of `tensor` quantized in `layout`.
  public static func quantizedBytes(_ tensor: TensorInfo, layout: Layout) -> UInt64 {
    quantizedBytes(elements: tensor.elementCount, rows: tensor.shape.first ?? 1, layout: layout)
  }

  /// Bytes of `tensor` left unquantized: 2 per parameter for a floating tensor, and for FP8
  /// weights, which are loaded dequantized (fp8 × scale) before bitsandbytes sees them; the stored
  /// size for an integer buffer and for a bitsandbytes save (every part: it loads only as saved).
  public static func unquantizedBytes(_ tensor: TensorInfo) -> UInt64 {
    if let stored = tensor.stored {
      return stored.isBitsandbytes ? tensor.byteCount : UInt64(tensor.elementCount) * 2
    }
    return tensor.dtype.isAnalysable ? UInt64(tensor.elementCount) * 2 : tensor.byteCount
  }

  /// The whole model's weights with every quantizable tensor in `layout` except those in `kept`.
  public static func modelBytes(
    _ tensors: [TensorInfo], quantizable: [Bool], layout: Layout, kept: Set<String>
  ) -> UInt64 {
    var total: UInt64 = 0
    for (index, tensor) in tensors.enumerated() {
      if let stored = tensor.stored, let format = StoredCodeUsage.matchingFormat(stored),
        self.layout(of: format) == layout
      {
        total += tensor.byteCount  // saved in this layout: loaded as stored
        continue
      }
      let quantized = index < quantizable.count && quantizable[index] && !kept.contains(tensor.name)
      total += quantized ? quantizedBytes(tensor, layout: layout) : unquantizedBytes(tensor)
    }
    return total
  }
}
