import Safetensors
import TestSupport
import Testing

/// Reads the shared golden files: names, dtypes and shapes from `golden/README.md`, and values the
/// README states.
@Suite struct GoldenInputsTests {}

extension GoldenInputsTests {
  /// The 13 inputs of golden/README.md ("Inputs"), as (name, dtype, shape).
  static let inputTable: [(String, DType, [Int])] = [
    ("odd_1001_f32", .F32, [1001]),
    ("square_64x64_f16", .F16, [64, 64]),
    ("straddle_96x200_bf16", .BF16, [96, 200]),
    ("wide_3x4097_f32", .F32, [3, 4097]),
    ("zero_blocks_72x64_f16", .F16, [72, 64]),
    ("ties_12x64_f32", .F32, [12, 64]),
    ("outliers_64x128_f32", .F32, [64, 128]),
    ("tiny_16x128_f32", .F32, [16, 128]),
    ("gauss_256x512_bf16", .BF16, [256, 512]),
    ("ramp_4x300_f16", .F16, [4, 300]),
    ("small_5_f16", .F16, [5]),
    ("edge_blocks_4x64_f32", .F32, [4, 64]),
    ("const_2x64_f16", .F16, [2, 64]),
  ]

  @Test func inputsHoldTheThirteenTensorsOfTheReadme() throws {
    let inputs = try GoldenFiles.inputs
    #expect(inputs.checkpoint.tensors.count == 13)
    #expect(inputs.checkpoint.files.count == 1)
    #expect(inputs.checkpoint.files[0].size == 420_002)
    #expect(inputs.checkpoint.warnings.isEmpty)
    for (name, dtype, shape) in Self.inputTable {
      let tensor = try inputs.tensor(name)
      #expect(tensor.dtype == dtype, "\(name)")
      #expect(tensor.shape == shape, "\(name)")
      #expect(tensor.byteCount == UInt64(shape.reduce(1, *) * dtype.bits / 8), "\(name)")
    }
  }

  @Test func tensorsAreListedInNaturalOrder() throws {
    let names = try GoldenFiles.inputs.names
    #expect(names == names.sorted(by: NaturalOrder.less))
  }

  @Test func valuesTheReadmeStates() throws {
    let inputs = try GoldenFiles.inputs
    #expect(try inputs.floats("small_5_f16") == [0.5, -0.25, 0.125, 3, -7])
    #expect(try inputs.floats("const_2x64_f16") == [Float](repeating: 0.75, count: 128))
    let ramp = try inputs.floats("ramp_4x300_f16")
    #expect(ramp.count == 1200 && ramp.first == -2 && ramp.last == 2)
    let outliers = try inputs.floats("outliers_64x128_f32")
    #expect(outliers[10 * 128 + 5] == 6.0)
    #expect(outliers[40 * 128 + 17] == -6.0)
    #expect(outliers[3 * 128 + 77] == -9.25)
    #expect(outliers[20 * 128 + 100] == 5.9999995)
    #expect((0..<64).allSatisfy { outliers[$0 * 128 + 31] >= 6.5 })
    let ties = try inputs.floats("ties_12x64_f32")
    #expect((0..<6).allSatisfy { ties[$0 * 64 + 63] == 1.0 })
    let zeros = try inputs.floats("zero_blocks_72x64_f16")
    #expect(zeros[(2 * 64)..<(4 * 64)].allSatisfy { $0 == 0 })
    #expect(zeros[(64 * 64)...].allSatisfy { $0 == 0 })
    #expect(try inputs.floats("straddle_96x200_bf16").count == 19_200)
  }

  @Test func expectedFileHoldsCodesScalesAndOutlierColumns() throws {
    let expected = try GoldenFiles.expected
    #expect(expected.checkpoint.tensors.count == 259)
    #expect(try expected.int64s("outliers_64x128_f32.outlier_cols") == [5, 17, 31, 77])
    #expect(try expected.tensor("small_5_f16.nf4.codes").dtype == .U8)
    #expect(try expected.bytes("small_5_f16.nf4.codes").count == 5)
    #expect(try expected.tensor("square_64x64_f16.int8.codes").dtype == .I8)
    #expect(try expected.int8s("square_64x64_f16.int8.codes").count == 4096)
    #expect(try expected.floats("odd_1001_f32.nf4.absmax").count == 16)
  }

  @Test func unknownNameThrows() throws {
    let inputs = try GoldenFiles.inputs
    #expect(throws: SafetensorsError.self) { try inputs.tensor("nope") }
  }
}
