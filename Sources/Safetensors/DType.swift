/// A safetensors element type: the 22 names of the format (docs/SAFETENSORS.md, "Dtypes").
public enum DType: String, CaseIterable, Sendable, Hashable, Codable {
  case F4
  case F6_E2M3, F6_E3M2
  case BOOL, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ
  case I16, U16, F16, BF16
  case I32, U32, F32
  case I64, U64, F64, C64

  /// Size of one element in bits (`Dtype::bitsize` in safetensors `tensor.rs`).
  public var bits: Int {
    switch self {
    case .F4: 4
    case .F6_E2M3, .F6_E3M2: 6
    case .BOOL, .U8, .I8, .F8_E5M2, .F8_E4M3, .F8_E8M0, .F8_E4M3FNUZ, .F8_E5M2FNUZ: 8
    case .I16, .U16, .F16, .BF16: 16
    case .I32, .U32, .F32: 32
    case .I64, .U64, .F64, .C64: 64
    }
  }

  /// True for the floating types QuantScope converts to Float32 and analyses:
  /// F64, F32, F16, BF16, F8_E4M3, F8_E5M2.
  public var isAnalysable: Bool {
    switch self {
    case .F64, .F32, .F16, .BF16, .F8_E4M3, .F8_E5M2: true
    default: false
    }
  }
}
