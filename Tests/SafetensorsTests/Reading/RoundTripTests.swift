import Safetensors
import TestSupport
import Testing

/// Writes every floating dtype with `SafetensorsWriter` and reads it back exactly, at unaligned
/// offsets, against decodings written independently here.
@Suite struct RoundTripTests {}

// MARK: - Independent reference decodings

/// 2^exponent as a Double (exact for the exponents used here).
private func pow2(_ exponent: Int) -> Double {
  Double(sign: .plus, exponent: exponent, significand: 1)
}

/// A minifloat decoded by the textbook formula, in Double: `exponentBits`/`mantissaBits`, `bias`,
/// IEEE-style infinities when `hasInfinity`, else only all-ones is NaN (OCP E4M3 "fn").
private func referenceMinifloat(
  _ code: UInt32, exponentBits: Int, mantissaBits: Int, bias: Int, hasInfinity: Bool
) -> Double {
  let sign: Double = code >> UInt32(exponentBits + mantissaBits) & 1 == 1 ? -1 : 1
  let exponent = Int(code >> UInt32(mantissaBits)) & ((1 << exponentBits) - 1)
  let mantissa = Int(code) & ((1 << mantissaBits) - 1)
  let maxExponent = (1 << exponentBits) - 1
  if hasInfinity && exponent == maxExponent {
    return mantissa == 0 ? sign * .infinity : .nan
  }
  if !hasInfinity && exponent == maxExponent && mantissa == (1 << mantissaBits) - 1 { return .nan }
  let fraction = Double(mantissa) / Double(1 << mantissaBits)
  if exponent == 0 { return sign * fraction * pow2(1 - bias) }
  return sign * (1 + fraction) * pow2(exponent - bias)
}

/// Little-endian bytes of `values`.
private func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
  values.flatMap { value in
    (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
  }
}

/// Equal as Float32, NaN equal to NaN.
private func same(_ a: Float, _ b: Float) -> Bool {
  a.isNaN ? b.isNaN : a.bitPattern == b.bitPattern
}

extension RoundTripTests {
  /// Writes `tensors` after a 3-byte U8 tensor (so every data tensor starts at an odd offset),
  /// opens the file and returns reader and checkpoint.
  static func roundTrip(
    _ tensors: [(name: String, dtype: DType, shape: [Int], bytes: [UInt8])],
    in directory: TemporaryDirectory
  ) throws -> TensorDataReader {
    let path = directory.file("round.safetensors")
    let entries =
      [SafetensorsWriter.Entry(name: "a_pad", dtype: .U8, shape: [3], bytes: [1, 2, 3])]
      + tensors.map {
        SafetensorsWriter.Entry(name: $0.name, dtype: $0.dtype, shape: $0.shape, bytes: $0.bytes)
      }
    try SafetensorsWriter.write(entries, to: path)
    return try TensorDataReader(checkpoint: Checkpoint.open(path))
  }

  static func floats(_ reader: TensorDataReader, _ name: String) throws -> [Float] {
    guard let tensor = reader.checkpoint.tensors.first(where: { $0.name == name }) else {
      throw FixtureError("no tensor \(name)")
    }
    var out = [Float](repeating: -1, count: tensor.elementCount)
    try out.withUnsafeMutableBufferPointer { buffer in
      try reader.readFloats(of: tensor, from: 0, count: buffer.count, into: buffer.baseAddress!)
    }
    return out
  }

  @Test func everyF16AndBF16BitPattern() throws {
    let directory = try TemporaryDirectory("f16")
    let codes = (0...UInt16.max).map { $0 }
    let reader = try Self.roundTrip(
      [
        ("f16", .F16, [65536], littleEndianBytes(codes)),
        ("bf16", .BF16, [65536], littleEndianBytes(codes)),
      ],
      in: directory)
    let f16 = try Self.floats(reader, "f16")
    let bf16 = try Self.floats(reader, "bf16")
    for code in codes {
      let half = referenceMinifloat(
        UInt32(code), exponentBits: 5, mantissaBits: 10, bias: 15, hasInfinity: true)
      let brain = referenceMinifloat(
        UInt32(code), exponentBits: 8, mantissaBits: 7, bias: 127, hasInfinity: true)
      #expect(same(f16[Int(code)], Float(half)), "F16 0x\(String(code, radix: 16))")
      #expect(same(bf16[Int(code)], Float(brain)), "BF16 0x\(String(code, radix: 16))")
    }
    // Literal spot checks: smallest subnormals, largest finite, signed zero, infinities.
    #expect(f16[0x0001] == 0x1p-24 && f16[0x03FF] == 0x1.ff8p-15 && f16[0x7BFF] == 65504)
    #expect(f16[0x8000].sign == .minus && f16[0x8000] == 0)
    #expect(f16[0x7C00] == .infinity && f16[0xFC00] == -.infinity && f16[0x7E00].isNaN)
    #expect(bf16[0x0001] == 0x1p-133 && bf16[0x3F80] == 1 && bf16[0xC2F7] == -123.5)
    #expect(bf16[0x7F80] == .infinity && bf16[0xFF80] == -.infinity && bf16[0x7FC0].isNaN)
  }

  @Test func everyF8Code() throws {
    let directory = try TemporaryDirectory("f8")
    let codes = (0...255).map { UInt8($0) }
    let reader = try Self.roundTrip(
      [("e4m3", .F8_E4M3, [256], codes), ("e5m2", .F8_E5M2, [256], codes)], in: directory)
    let e4m3 = try Self.floats(reader, "e4m3")
    let e5m2 = try Self.floats(reader, "e5m2")
    for code in 0...255 {
      let fn = referenceMinifloat(
        UInt32(code), exponentBits: 4, mantissaBits: 3, bias: 7, hasInfinity: false)
      let ieee = referenceMinifloat(
        UInt32(code), exponentBits: 5, mantissaBits: 2, bias: 15, hasInfinity: true)
      #expect(same(e4m3[code], Float(fn)), "E4M3 \(code)")
      #expect(same(e5m2[code], Float(ieee)), "E5M2 \(code)")
    }
    #expect(e4m3[0x7E] == 448 && e4m3[0xFE] == -448 && e4m3[0x01] == 0x1p-9 && e4m3[0x78] == 256)
    #expect(e4m3[0x7F].isNaN && e4m3[0xFF].isNaN && e4m3.filter(\.isNaN).count == 2)
    #expect(
      e5m2[0x7B] == 57344 && e5m2[0x01] == 0x1p-16 && e5m2[0x7C] == .infinity
        && e5m2[0xFC] == -.infinity)
    #expect(e5m2.filter(\.isNaN).count == 6)
  }

  @Test func f32AndF64() throws {
    let directory = try TemporaryDirectory("f32")
    let f32Values: [Float] = [
      0, -0.0, 1, -2.5, .infinity, -.infinity, .nan, 0x1p-149, .greatestFiniteMagnitude, 1e-40,
    ]
    let f64Values: [Double] = [
      1.0 / 3.0, 1 + 0x1p-24, 1 + 3 * 0x1p-24, .greatestFiniteMagnitude, 1e-50, -0.0, .nan,
      -.infinity, 0x1p-149,
      0x1p-150,
    ]
    // Round to nearest even, written out by hand: ties 1+2^-24 → 1, 1+3·2^-24 → 1+2^-22;
    // beyond Float's range → inf; below half the smallest subnormal → 0; exactly half → 0 (even).
    let f64Expected: [Float] = [
      0x1.555556p-2, 1, 1 + 0x1p-22, .infinity, 0, -0.0, .nan, -.infinity, 0x1p-149, 0,
    ]
    let reader = try Self.roundTrip(
      [
        ("f32", .F32, [f32Values.count], littleEndianBytes(f32Values.map(\.bitPattern))),
        ("f64", .F64, [f64Values.count], littleEndianBytes(f64Values.map(\.bitPattern))),
      ], in: directory)
    let f32 = try Self.floats(reader, "f32")
    let f64 = try Self.floats(reader, "f64")
    #expect(zip(f32, f32Values).allSatisfy(same))
    #expect(zip(f64, f64Expected).allSatisfy(same))
    #expect(f64[5].sign == .minus)
  }

  @Test func chunkedReadsEqualAWholeRead() throws {
    let directory = try TemporaryDirectory("chunks")
    var generator = SplitMix64(seed: 7)
    let codes = (0..<50_000).map { _ in UInt16.random(in: 0...UInt16.max, using: &generator) }
    let reader = try Self.roundTrip(
      [("x", .BF16, [50_000], littleEndianBytes(codes))], in: directory)
    let whole = try Self.floats(reader, "x")
    let tensor = try #require(reader.checkpoint.tensors.first { $0.name == "x" })
    var start = 0
    var chunked: [Float] = []
    while start < 50_000 {
      let count = min(Int.random(in: 1...9_000, using: &generator), 50_000 - start)
      var part = [Float](repeating: 0, count: count)
      try part.withUnsafeMutableBufferPointer {
        try reader.readFloats(of: tensor, from: start, count: count, into: $0.baseAddress!)
      }
      chunked += part
      start += count
    }
    #expect(zip(whole, chunked).allSatisfy(same))
  }

  @Test func readsOutsideTheTensorOrOfUnconvertibleDtypesThrow() throws {
    let directory = try TemporaryDirectory("range")
    let reader = try Self.roundTrip(
      [("x", .F16, [4], [UInt8](repeating: 0, count: 8))], in: directory)
    let x = try #require(reader.checkpoint.tensors.first { $0.name == "x" })
    let pad = try #require(reader.checkpoint.tensors.first { $0.name == "a_pad" })
    var out = [Float](repeating: 0, count: 8)
    try out.withUnsafeMutableBufferPointer { buffer throws in
      #expect(throws: SafetensorsError.self) {
        try reader.readFloats(of: x, from: 2, count: 3, into: buffer.baseAddress!)
      }
      #expect(throws: SafetensorsError.self) {
        try reader.readFloats(of: x, from: -1, count: 1, into: buffer.baseAddress!)
      }
      #expect(throws: SafetensorsError.self) {
        try reader.readFloats(of: pad, from: 0, count: 1, into: buffer.baseAddress!)
      }
      try reader.readFloats(of: x, from: 4, count: 0, into: buffer.baseAddress!)
    }
    var bytes = [UInt8](repeating: 0, count: 9)
    bytes.withUnsafeMutableBytes { raw in
      #expect(throws: SafetensorsError.self) { try reader.readBytes(of: x, at: 0, into: raw) }
    }
  }

  @Test func concurrentReadsAgree() async throws {
    let directory = try TemporaryDirectory("threads")
    var generator = SplitMix64(seed: 11)
    let values = (0..<20_000).map { _ in Float.random(in: -1...1, using: &generator) }
    let reader = try Self.roundTrip(
      [("x", .F32, [20_000], littleEndianBytes(values.map(\.bitPattern)))], in: directory)
    let tensor = try #require(reader.checkpoint.tensors.first { $0.name == "x" })
    let results = try await withThrowingTaskGroup(of: Bool.self) { group in
      for worker in 0..<8 {
        group.addTask {
          let start = worker * 2_500
          var part = [Float](repeating: 0, count: 2_500)
          try part.withUnsafeMutableBufferPointer {
            try reader.readFloats(of: tensor, from: start, count: 2_500, into: $0.baseAddress!)
          }
          return part == Array(values[start..<(start + 2_500)])
        }
      }
      var all: [Bool] = []
      for try await result in group { all.append(result) }
      return all
    }
    #expect(results.count == 8 && results.allSatisfy { $0 })
  }
}

extension RoundTripTests {
  /// Every one of the 22 dtypes round-trips its raw bytes, at odd offsets, read whole and in pieces.
  @Test func everyDtypeRoundTripsItsBytes() throws {
    let directory = try TemporaryDirectory("raw")
    var generator = SplitMix64(seed: 22)
    let tensors = DType.allCases.map { dtype in
      // 24 elements fill whole bytes for every width (4, 6, 8, ... 64 bits).
      let bytes = (0..<(24 * dtype.bits / 8)).map { _ in
        UInt8.random(in: 0...255, using: &generator)
      }
      return (name: "t_\(dtype.rawValue)", dtype: dtype, shape: [4, 6], bytes: bytes)
    }
    let reader = try Self.roundTrip(tensors, in: directory)
    for expected in tensors {
      let tensor = try #require(reader.checkpoint.tensors.first { $0.name == expected.name })
      #expect(tensor.dtype == expected.dtype && tensor.shape == [4, 6])
      var whole = [UInt8](repeating: 0, count: expected.bytes.count)
      try whole.withUnsafeMutableBytes { try reader.readBytes(of: tensor, at: 0, into: $0) }
      #expect(whole == expected.bytes, "\(expected.dtype)")
      var tail = [UInt8](repeating: 0, count: 3)
      try tail.withUnsafeMutableBytes {
        try reader.readBytes(of: tensor, at: tensor.byteCount - 3, into: $0)
      }
      #expect(tail == Array(expected.bytes.suffix(3)), "\(expected.dtype)")
    }
  }
}
