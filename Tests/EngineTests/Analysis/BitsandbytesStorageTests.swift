import Engine
import FoundationEssentials
import Safetensors
import TestSupport
import Testing

/// The memory arithmetic against bitsandbytes' own quantized storage:
/// `Tests/Fixtures/memory/bitsandbytes_storage.json`, made by `scripts/make-memory-fixture.py`
/// (bitsandbytes 0.50.2, CPU torch), which quantizes random weights of several shapes with
/// `quantize_4bit` (nf4, fp4, with and without `compress_statistics`) and `int8_vectorwise_quant`
/// and sums the bytes of every tensor bitsandbytes keeps per weight (shared lookup tables apart).
@Suite struct BitsandbytesStorageTests {
  struct Fixture: Decodable {
    struct Case: Decodable {
      var shape: [Int]
      var quant: String
      var double_quant: Bool
      var bytes: UInt64
    }
    var blocksize: Int
    var cases: [Case]
  }

  @Test func storageEqualsWhatBitsandbytesKeeps() throws {
    let bytes = try FileContents.bytes(FixturePaths.root + "/memory/bitsandbytes_storage.json")
    let fixture = try JSONDecoder().decode(Fixture.self, from: Data(bytes))
    #expect(fixture.blocksize == BitsandbytesStorage.blocksize)
    #expect(fixture.cases.count >= 30)
    for item in fixture.cases {
      let layout: BitsandbytesStorage.Layout =
        item.quant == "int8" ? .int8 : item.double_quant ? .fourBitDoubleQuant : .fourBit
      let computed = BitsandbytesStorage.quantizedBytes(
        elements: item.shape.reduce(1, *), rows: item.shape[0], layout: layout)
      #expect(computed == item.bytes, "\(item.shape) \(item.quant) dq=\(item.double_quant)")
    }
  }

  @Test func unquantizedTensorsAreSixteenBitOrAsStored() {
    let float = TensorInfo(
      name: "a", dtype: .F32, shape: [3, 4], fileIndex: 0, fileOffset: 0, byteCount: 48)
    let buffer = TensorInfo(
      name: "b", dtype: .I64, shape: [5], fileIndex: 0, fileOffset: 48, byteCount: 40)
    #expect(BitsandbytesStorage.unquantizedBytes(float) == 24)
    #expect(BitsandbytesStorage.unquantizedBytes(buffer) == 40)
  }

  /// Pre-quantized tensors left unquantized: a bitsandbytes save loads only as saved, so it costs
  /// its stored parts; FP8 weights reach bitsandbytes dequantized, so one kept in 16-bit costs
  /// what a BF16 tensor of its shape costs, not its FP8 bytes.
  @Test func storedTensorsKeptInSixteenBitCostWhatTheyLoadAs() throws {
    let directory = FixturePaths.root + "/prequantized/"
    for fixture in ["fp8-block", "fp8-row", "nf4-dq", "int8"] {
      let checkpoint = try Checkpoint.open(directory + fixture)
      let stored = checkpoint.tensors.filter { $0.stored != nil }
      #expect(stored.count == 2)
      for tensor in stored {
        let kept = BitsandbytesStorage.unquantizedBytes(tensor)
        if fixture.hasPrefix("fp8") {
          let plain = TensorInfo(
            name: tensor.name, dtype: .BF16, shape: tensor.shape, fileIndex: 0, fileOffset: 0,
            byteCount: UInt64(tensor.elementCount * 2))
          #expect(kept == BitsandbytesStorage.unquantizedBytes(plain), "\(fixture) \(tensor.name)")
          #expect(kept > tensor.byteCount)
        } else {
          #expect(kept == tensor.byteCount, "\(fixture) \(tensor.name)")
        }
      }
    }
  }
}
