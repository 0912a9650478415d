/// How much of a model bitsandbytes leaves in 16-bit.
extension ModelTotals {
  /// The floating-point weights that stay 16-bit under a choice: everything bitsandbytes does not
  /// quantize (embeddings, norms, biases, the head, fused 3-D expert tensors, routers held as
  /// parameters) plus the modules kept on purpose.
  public struct SixteenBitShare: Sendable, Hashable {
    /// Parameters that stay 16-bit.
    public var params16: Int
    /// Parameters of every floating tensor.
    public var params: Int

    /// params16 / params (0 for a model without floating tensors).
    public var fraction: Double { params > 0 ? Double(params16) / Double(params) : 0 }
    /// True when most of the weights stay 16-bit (more than half): worth a warning.
    public var isMost: Bool { fraction > 0.5 }
    /// `73.4 %`: the fraction as the memory line and the export comment print it.
    public var percentText: String {
      let tenths = Int((fraction * 1000).rounded())
      return "\(tenths / 10).\(tenths % 10) %"
    }
  }

  /// The share of floating parameters that stays 16-bit when the tensors named in `kept` are kept.
  public func sixteenBitShare(keeping kept: Set<String>) -> SixteenBitShare {
    var share = SixteenBitShare(params16: 0, params: 0)
    for (index, tensor) in tensors.enumerated() where tensor.dtype.isAnalysable {
      share.params += tensor.elementCount
      if !quantizable[index] || kept.contains(tensor.name) { share.params16 += tensor.elementCount }
    }
    return share
  }
}
