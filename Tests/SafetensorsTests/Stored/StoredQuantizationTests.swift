import Safetensors
import TestSupport
import Testing

/// Pre-quantized checkpoints (bitsandbytes 4-bit / 8-bit saves, FP8 with scales) made by
/// scripts/make-prequantized.py: recognised as one logical tensor each, dequantized exactly as
/// bitsandbytes (or torch, for FP8) does, malformed parts refused with one line.
@Suite struct StoredQuantizationTests {
  static let directory = FixturePaths.root + "/prequantized"
  static let up = "model.layers.0.mlp.up_proj.weight"
  static let down = "model.layers.0.mlp.down_proj.weight"
  static let norm = "model.layers.0.input_layernorm.weight"

  /// Opens `name` and its expected values.
  static func load(_ name: String) throws -> (
    Checkpoint, TensorDataReader, TensorDataReader, Checkpoint
  ) {
    let checkpoint = try Checkpoint.open(directory + "/" + name)
    let expected = try Checkpoint.open(directory + "/expected/" + name + ".safetensors")
    return (
      checkpoint, try TensorDataReader(checkpoint: checkpoint),
      try TensorDataReader(checkpoint: expected), expected
    )
  }

  static func tensor(_ checkpoint: Checkpoint, _ name: String) throws -> TensorInfo {
    try #require(checkpoint.tensors.first { $0.name == name })
  }

  /// Reads `count` floats from `element`.
  static func floats(
    _ reader: TensorDataReader, _ tensor: TensorInfo, from element: Int = 0, count: Int? = nil
  ) throws -> [Float] {
    let n = count ?? tensor.elementCount - element
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
    defer { buffer.deallocate() }
    try reader.readFloats(of: tensor, from: element, count: n, into: buffer)
    return Array(UnsafeBufferPointer(start: buffer, count: n))
  }

  // MARK: - Recognition

  @Test(arguments: [
    ("nf4", "stored nf4", DType.BF16, DType.F16), ("nf4-dq", "stored nf4 (+dq)", .BF16, .F16),
    ("fp4", "stored fp4", .BF16, .F16), ("int8", "stored int8", .F32, .F32),
    ("fp8-block", "stored fp8 e4m3, 128×128 blocks", .F32, .F32),
  ])
  func oneLogicalTensorPerStoredWeight(
    _ name: String, _ mark: String, _ upType: DType, _ downType: DType
  ) throws {
    let (checkpoint, _, _, _) = try Self.load(name)
    let head = ["nf4", "nf4-dq", "fp4"].contains(name) ? ["lm_head.weight"] : []
    #expect(checkpoint.tensors.map(\.name) == head + [Self.norm, Self.down, Self.up])
    let up = try Self.tensor(checkpoint, Self.up)
    let down = try Self.tensor(checkpoint, Self.down)
    #expect(up.stored?.mark == mark)
    #expect(up.dtype == upType && down.dtype == downType)
    #expect(up.shape == (name.hasPrefix("fp8") ? [200, 300] : [128, 256]))
    #expect(down.shape == [24, 40])
    #expect(try Self.tensor(checkpoint, Self.norm).stored == nil)
    // The parts' bytes are the logical tensor's bytes; the file's data is all accounted for.
    let dataBytes = checkpoint.files.reduce(UInt64(0)) { $0 + $1.size - 8 - $1.headerLength }
    #expect(checkpoint.byteCount == dataBytes)
  }

  @Test func doubleQuantPartsAndBlocksizes() throws {
    let (checkpoint, _, _, _) = try Self.load("nf4-dq")
    let up = try #require(try Self.tensor(checkpoint, Self.up).stored)
    #expect(up.format == .nf4 && up.doubleQuant && up.blocksize == 64 && up.nestedBlocksize == 256)
    #expect(
      up.parts.map(\.role) == [
        .codes, .absmax, .quantMap, .nestedAbsmax, .nestedQuantMap, .quantState,
      ])
    #expect(
      up.parts.map(\.tensor.name) == [
        Self.up, Self.up + ".absmax", Self.up + ".quant_map", Self.up + ".nested_absmax",
        Self.up + ".nested_quant_map", Self.up + ".quant_state.bitsandbytes__nf4",
      ])
    let down = try #require(try Self.tensor(checkpoint, Self.down).stored)
    #expect(down.blocksize == 128)
    let row = try #require(
      try Self.tensor(try Checkpoint.open(Self.directory + "/fp8-row"), Self.down).stored)
    #expect(row.format == .fp8E5M2 && row.mark == "stored fp8 e5m2, per-row scale")
  }

  // MARK: - Dequantization

  /// 4-bit and 8-bit: QuantScope's values equal bitsandbytes' bit for bit, read whole and in
  /// chunks that start and end inside blocks and rows.
  @Test(arguments: ["nf4", "nf4-dq", "fp4", "int8"])
  func bitsandbytesDequantizationIsBitExact(_ name: String) throws {
    let (checkpoint, reader, expectedReader, expected) = try Self.load(name)
    for tensorName in [Self.up, Self.down] {
      let tensor = try Self.tensor(checkpoint, tensorName)
      let want = try Self.floats(expectedReader, try Self.tensor(expected, tensorName)).map(
        \.bitPattern)
      #expect(want.count == tensor.elementCount)
      let whole = try Self.floats(reader, tensor).map(\.bitPattern)
      #expect(Self.mismatches(whole, want) == 0, "\(name) \(tensorName)")
      var chunked: [UInt32] = []
      var start = 0
      while start < tensor.elementCount {
        let count = min(tensor.elementCount - start, 1 + (start * 7 + 333) % 997)
        chunked += try Self.floats(reader, tensor, from: start, count: count).map(\.bitPattern)
        start += count
      }
      #expect(Self.mismatches(chunked, want) == 0, "\(name) \(tensorName) in chunks")
    }
  }

  /// Elements whose bit patterns differ (all of them when the counts differ).
  static func mismatches(_ got: [UInt32], _ want: [UInt32]) -> Int {
    guard got.count == want.count else { return max(got.count, want.count) }
    return zip(got, want).filter { $0 != $1 }.count
  }

  /// FP8: fp8 × scale within 1 ulp of float32 (torch's product).
  @Test(arguments: ["fp8-block", "fp8-row"])
  func fp8DequantizationWithinOneUlp(_ name: String) throws {
    let (checkpoint, reader, expectedReader, expected) = try Self.load(name)
    for tensorName in [Self.up, Self.down] {
      let got = try Self.floats(reader, try Self.tensor(checkpoint, tensorName))
      let want = try Self.floats(expectedReader, try Self.tensor(expected, tensorName))
      #expect(got.count == want.count)
      let worst = zip(got, want).map { abs(Int64($0.bitPattern) - Int64($1.bitPattern)) }.max() ?? 0
      #expect(worst <= 1, "\(name) \(tensorName): \(worst) ulp")
      #expect(want.contains { $0 != 0 })
    }
  }

  // MARK: - Malformed parts

  /// The raw tensors of a fixture, parts included, as (name, dtype, shape, bytes).
  static func rawTensors(_ name: String) throws -> [(
    name: String, dtype: DType, shape: [Int], bytes: [UInt8]
  )] {
    let checkpoint = try Checkpoint.open(directory + "/" + name)
    let reader = try TensorDataReader(checkpoint: checkpoint)
    var result: [(name: String, dtype: DType, shape: [Int], bytes: [UInt8])] = []
    for tensor in checkpoint.tensors {
      for part in tensor.stored?.parts.map(\.tensor) ?? [tensor] {
        var bytes = [UInt8](repeating: 0, count: Int(part.byteCount))
        try bytes.withUnsafeMutableBytes { try reader.readBytes(of: part, at: 0, into: $0) }
        result.append((part.name, part.dtype, part.shape, bytes))
      }
    }
    return result
  }

  /// Writes `tensors` (and `config`) to a fresh directory and returns the error opening it gives.
  static func openError(
    _ tensors: [(name: String, dtype: DType, shape: [Int], bytes: [UInt8])], config: String? = nil
  ) throws -> SafetensorsError? {
    let directory = try TemporaryDirectory("stored")
    try SafetensorsFixture.write(
      SafetensorsFixture.valid(tensors), to: directory.file("model.safetensors"))
    if let config { try directory.write("config.json", config) }
    do {
      _ = try Checkpoint.open(directory.path)
      return nil
    } catch {
      return error
    }
  }

  static func expectOneLine(_ error: SafetensorsError?, tensor: String, saying words: String) {
    guard case .storedQuantization(_, let named, let reason)? = error else {
      Issue.record("expected a stored-quantization error, got \(String(describing: error))")
      return
    }
    #expect(named == tensor)
    #expect(reason.contains(words), "\(reason)")
    #expect(!(error?.description.contains("\n") ?? true))
  }

  @Test func missingAbsmaxNamesTheTensor() throws {
    let tensors = try Self.rawTensors("nf4-dq").filter { $0.name != Self.up + ".absmax" }
    Self.expectOneLine(
      try Self.openError(tensors), tensor: Self.up, saying: "missing part \(Self.up).absmax")
  }

  @Test func wrongSizedNestedAbsmax() throws {
    let tensors = try Self.rawTensors("nf4-dq").map { tensor in
      tensor.name == Self.up + ".nested_absmax"
        ? (tensor.name, tensor.dtype, [1], Array(tensor.bytes.prefix(4))) : tensor
    }
    Self.expectOneLine(
      try Self.openError(tensors), tensor: Self.up,
      saying: "nested_absmax is F32 × 1; needs F32 × 2")
  }

  @Test func wrongSizedCodes() throws {
    let tensors = try Self.rawTensors("nf4").map { tensor in
      tensor.name == Self.down
        ? (tensor.name, tensor.dtype, [100, 1], Array(tensor.bytes.prefix(100))) : tensor
    }
    Self.expectOneLine(
      try Self.openError(tensors), tensor: Self.down, saying: "packed weight is U8 of 100 bytes")
  }

  /// `bnb_4bit_quant_storage=torch.bfloat16` (FSDP-QLoRA): transformers saves the same packed
  /// bytes typed BF16, [n/4, 1] (seen on a tiny LLaMA saved by transformers 5 with bitsandbytes
  /// 0.50.2). Such a save opens and dequantizes to bitsandbytes' values bit for bit; a storage
  /// dtype that is not one bitsandbytes offers (F64) is still refused in one line.
  @Test func packedBytesTypedAsTheQuantStorageDtype() throws {
    let retyped = { (dtype: DType, size: Int) in
      try Self.rawTensors("nf4-dq").map { tensor in
        tensor.name == Self.up || tensor.name == Self.down
          ? (tensor.name, dtype, [tensor.bytes.count / size, 1], tensor.bytes) : tensor
      }
    }
    let directory = try TemporaryDirectory("quant-storage")
    try SafetensorsFixture.write(
      SafetensorsFixture.valid(try retyped(.BF16, 2)), to: directory.file("model.safetensors"))
    let checkpoint = try Checkpoint.open(directory.path)
    let reader = try TensorDataReader(checkpoint: checkpoint)
    let (_, _, expectedReader, expected) = try Self.load("nf4-dq")
    for name in [Self.up, Self.down] {
      let tensor = try Self.tensor(checkpoint, name)
      #expect(
        tensor.stored?.mark == "stored nf4 (+dq)" && tensor.stored?.part(.codes)?.dtype == .BF16)
      let want = try Self.floats(expectedReader, try Self.tensor(expected, name)).map(\.bitPattern)
      #expect(
        Self.mismatches(try Self.floats(reader, tensor).map(\.bitPattern), want) == 0, "\(name)")
    }
    Self.expectOneLine(
      try Self.openError(try retyped(.F64, 8)), tensor: Self.down,
      saying: "packed weight is F64 of 480 bytes")
  }

  @Test func badQuantStateJSON() throws {
    let bad = Array("{\"quant_type\": \"nf4\", \"blocksize\": 64,".utf8)
    let tensors = try Self.rawTensors("nf4").map { tensor in
      tensor.name == Self.up + ".quant_state.bitsandbytes__nf4"
        ? (tensor.name, tensor.dtype, [bad.count], bad) : tensor
    }
    Self.expectOneLine(
      try Self.openError(tensors), tensor: Self.up, saying: "quant_state JSON is invalid")
  }

  @Test func unknownQuantType() throws {
    let tensors = try Self.rawTensors("nf4").map { tensor in
      tensor.name == Self.up + ".quant_state.bitsandbytes__nf4"
        ? (Self.up + ".quant_state.bitsandbytes__nf5", tensor.dtype, tensor.shape, tensor.bytes)
        : tensor
    }
    Self.expectOneLine(
      try Self.openError(tensors), tensor: Self.up, saying: "unknown quant type \"nf5\"")
  }

  @Test func absmaxWithoutQuantState() throws {
    let tensors = try Self.rawTensors("nf4").filter {
      $0.name != Self.down + ".quant_state.bitsandbytes__nf4"
    }
    Self.expectOneLine(
      try Self.openError(tensors), tensor: Self.down, saying: "absmax without a quant_state")
  }

  @Test func int8RowStatisticsOfTheWrongLength() throws {
    let tensors = try Self.rawTensors("int8").map { tensor in
      tensor.name == "model.layers.0.mlp.down_proj.SCB"
        ? (tensor.name, tensor.dtype, [23], Array(tensor.bytes.prefix(92))) : tensor
    }
    Self.expectOneLine(
      try Self.openError(tensors), tensor: Self.down,
      saying: "SCB is F32 × 23; 24 rows need F32 × 24")
  }

  @Test func fp8BlockScaleOfTheWrongShape() throws {
    let tensors = try Self.rawTensors("fp8-block")
    // With 64×64 blocks from config.json, the 2×3 scale of the 200×300 weight no longer fits.
    let config =
      "{\"quantization_config\": {\"quant_method\": \"fp8\", \"weight_block_size\": [64, 64]}}"
    Self.expectOneLine(
      try Self.openError(tensors, config: config), tensor: Self.up,
      saying: "64×64 blocks of [200, 300] need a float [4, 5]")
  }
}
