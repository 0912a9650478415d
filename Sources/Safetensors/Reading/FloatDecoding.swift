/// Exact conversions of the analysable dtypes to Float32, from little-endian bytes at any alignment.
///
/// Every value of F16, BF16, F8_E4M3 and F8_E5M2 is exactly representable in Float32; F64 rounds to
/// nearest even (IEEE conversion). Loads use `loadUnaligned`, never a typed pointer into raw bytes.
package enum FloatDecoding {
  /// Converts `count` elements of `dtype` at `source` into `destination`.
  ///
  /// `dtype` must be analysable (`DType.isAnalysable`); other dtypes leave `destination` untouched
  /// and return false.
  @discardableResult
  package static func convert(
    _ dtype: DType, from source: UnsafeRawPointer, count: Int,
    into destination: UnsafeMutablePointer<Float>
  ) -> Bool {
    switch dtype {
    case .F32:
      for index in 0..<count {
        let bits = UInt32(
          littleEndian: source.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
        destination[index] = Float(bitPattern: bits)
      }
    case .F64:
      for index in 0..<count {
        let bits = UInt64(
          littleEndian: source.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
        destination[index] = Float(Double(bitPattern: bits))
      }
    case .F16:
      for index in 0..<count {
        let bits = UInt16(
          littleEndian: source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
        destination[index] = float16(bits)
      }
    case .BF16:
      for index in 0..<count {
        let bits = UInt16(
          littleEndian: source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
        destination[index] = Float(bitPattern: UInt32(bits) << 16)
      }
    case .F8_E4M3:
      for index in 0..<count {
        destination[index] = float8E4M3(source.load(fromByteOffset: index, as: UInt8.self))
      }
    case .F8_E5M2:
      for index in 0..<count {
        destination[index] = float8E5M2(source.load(fromByteOffset: index, as: UInt8.self))
      }
    default:
      return false
    }
    return true
  }

  // MARK: - Scalar decoders

  /// IEEE binary16 → Float32, exact; NaN payloads are kept (shifted into the wider mantissa).
  package static func float16(_ bits: UInt16) -> Float {
    let sign = UInt32(bits >> 15) << 31
    let exponent = UInt32(bits >> 10) & 0x1F
    let mantissa = UInt32(bits) & 0x3FF
    switch exponent {
    case 0:
      // Zero or subnormal: mantissa × 2^-24, exact in Float32.
      let magnitude = Float(mantissa) * 0x1p-24
      return sign != 0 ? -magnitude : magnitude
    case 0x1F:
      return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    default:
      return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }
  }

  /// OCP F8 E4M3 "fn" (bias 7, no infinities; S.1111.111 is NaN) → Float32, exact.
  package static func float8E4M3(_ bits: UInt8) -> Float {
    let negative = bits & 0x80 != 0
    let exponent = Int((bits >> 3) & 0x0F)
    let mantissa = Int(bits & 0x07)
    if exponent == 0x0F && mantissa == 0x07 {
      return negative ? -Float.nan : Float.nan
    }
    let magnitude: Float
    if exponent == 0 {
      magnitude = Float(mantissa) * 0x1p-9
    } else {
      magnitude =
        Float(8 + mantissa) * Float(sign: .plus, exponent: exponent - 7 - 3, significand: 1)
    }
    return negative ? -magnitude : magnitude
  }

  /// F8 E5M2 (bias 15, IEEE-like with infinities and NaN) → Float32, exact.
  package static func float8E5M2(_ bits: UInt8) -> Float {
    // E5M2 is the top byte of an IEEE binary16.
    float16(UInt16(bits) << 8)
  }
}
