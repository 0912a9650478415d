import Engine
import Safetensors
import Testing

/// The worked examples of docs/FORMATS.md §10 (values typed in from the spec, parsed as
/// float32), through the reference kernels.
@Suite struct WorkedExampleTests {}

private let e1Block: [Float] = [0.1, -0.5, 1.0, 0.33, -1.0, 0.0, 0.7, -0.2]

private func roundTrip(_ format: QuantFormat, _ values: [Float], dtype: DType = .F32)
  -> FormatRoundTrip
{
  FormatReference.roundTrip(
    format, values: values, dtype: dtype, shape: [values.count], blocksize: 64)
}

/// Parses a decimal as float32 (subnormal literals warn in Swift source).
private func parse(_ text: String) -> Float { Float(text) ?? .nan }

private func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

extension WorkedExampleTests {
  @Test func e1NF4() {
    let result = roundTrip(.nf4, e1Block)
    #expect(result.codes == [8, 2, 15, 11, 0, 7, 14, 5])
    #expect(result.absmax == [1.0])
    let expected: [Float] = [
      0.07958030, -0.52507305, 1, 0.33791524, -1, 0, 0.72295684, -0.18477343,
    ]
    #expect(bits(result.dequantized) == bits(expected))
    let scaled = roundTrip(.nf4, e1Block.prefix(7).map { $0 * 0.05 })
    #expect(scaled.codes == [8, 2, 15, 11, 0, 7, 14])
  }

  @Test func e2FP4() {
    let result = roundTrip(.fp4, e1Block)
    #expect(result.codes == [6, 13, 3, 4, 11, 0, 2, 14])
    let expected: [Float] = [1.0 / 6, -0.5, 1, 1.0 / 3, -1, 0, 2.0 / 3, -1.0 / 6]
    #expect(bits(result.dequantized) == bits(expected))
  }

  @Test func e3FP4Ties() {
    let cases: [(Float, UInt8)] = [
      (-0.0859375, 9), (Float(bitPattern: 0x3f15_5555), 2), (Float(bitPattern: 0x3b2a_aaab), 0),
      (Float(0.00260417), 0),
    ]
    for (x, code) in cases {
      #expect(roundTrip(.fp4, [x, 1.0]).codes[0] == code, "x = \(x)")
    }
  }

  @Test func e4NF4Tie() {
    #expect(roundTrip(.nf4, [Float(bitPattern: 0x3d22_faff), 1]).codes[0] == 7)
    #expect(roundTrip(.nf4, [Float(bitPattern: 0x3d22_fb00), 1]).codes[0] == 8)
  }

  @Test func e5Dyn8() {
    let result = roundTrip(.dyn8, e1Block)
    #expect(result.codes == [190, 35, 255, 207, 0, 127, 233, 56])
    let expected: [Float] = [
      0.09859375, -0.50078124, 1, 0.33203125, -0.99296874, 0, 0.6976563, -0.20546874,
    ]
    #expect(bits(result.dequantized) == bits(expected))
  }

  @Test func e6Dyn8Ties() {
    let levels = QuantFormat.dyn8.levels
    func midpoint(_ i: Int) -> Float { (levels[i] + levels[i + 1]) * 0.5 }
    #expect(midpoint(127).bitPattern == 0x3493_a3b7)
    #expect(midpoint(201).bitPattern == 0x3e82_6666)
    let cases: [(Int, UInt8)] = [(127, 128), (201, 202), (126, 126), (200, 200)]
    for (index, code) in cases {
      #expect(roundTrip(.dyn8, [midpoint(index), 1.0]).codes[0] == code, "m_\(index)")
    }
  }

  @Test func e7DoubleQuantization() throws {
    // Blocks of 64 whose absmax are 0.5, 1.2, 0.8, 2.0.
    var values = [Float](repeating: 0, count: 256)
    for (block, scale) in [Float(0.5), 1.2, 0.8, 2.0].enumerated() { values[block * 64] = scale }
    let result = roundTrip(.nf4dq, values)
    let dq = try #require(result.doubleQuantization)
    #expect(dq.offset == 1.125)
    #expect(dq.absmax2 == [0.875])
    #expect(dq.qabsmax == [20, 185, 44, 255])
    #expect(bits(dq.absmaxHat) == bits([0.502246, 1.1989648, 0.79755855, 2]))
  }

  @Test func e8Int4() {
    #expect(roundTrip(.int4, e1Block).codes == [8, 3, 14, 9, 0, 7, 12, 6])
  }

  @Test func e9Int8() {
    let weight: [Float] = [0.5, -1, 2, 0.25, 3, -7, 1.5, 0.1]
    let result = FormatReference.roundTrip(
      .int8, values: weight, dtype: .F32, shape: [2, 4], blocksize: 64)
    #expect(result.rowmax == [2, 7])
    #expect(result.codes.map { Int8(bitPattern: $0) } == [32, -64, 127, 16, 54, -127, 27, 2])
    let expected: [Float] = [
      0.50393701, -1.0078740, 2, 0.25196850, 2.9763780, -7, 1.4881890, 0.11023622,
    ]
    #expect(bits(result.dequantized) == bits(expected))
  }

  @Test func e12ZeroAndSubnormalBlocks() {
    let zeros = [Float](repeating: 0, count: 64)
    #expect(roundTrip(.nf4, zeros).codes.allSatisfy { $0 == 7 })
    #expect(roundTrip(.fp4, zeros).codes.allSatisfy { $0 == 0 })
    #expect(roundTrip(.int4, zeros).codes.allSatisfy { $0 == 7 })
    #expect(roundTrip(.nf4, zeros).dequantized.allSatisfy { $0 == 0 })
    var subnormal = [Float](repeating: 0, count: 64)
    subnormal[3] = parse("1e-40")
    subnormal[10] = parse("-6e-41")
    subnormal[20] = parse("3e-42")
    let picks = [3, 10, 20]
    #expect(picks.map { roundTrip(.nf4, subnormal).codes[$0] } == [15, 0, 15])
    #expect(picks.map { roundTrip(.fp4, subnormal).codes[$0] } == [3, 11, 3])
    #expect(picks.map { roundTrip(.int4, subnormal).codes[$0] } == [14, 0, 14])
    #expect(
      bits(picks.map { roundTrip(.nf4, subnormal).dequantized[$0] })
        == bits([parse("1e-40"), parse("-1e-40"), parse("1e-40")]))
    #expect(roundTrip(.nf4, subnormal).codes[0] == 7)
  }
}
