import Safetensors
import TestSupport
import Testing

/// Property: any mutation of a valid file either opens (and every tensor then reads) or throws a
/// `SafetensorsError`; it never traps. Runs in memory through `SafetensorsFile.parse`, and every
/// 100th case also through a real file, `Checkpoint.open` and `TensorDataReader`.
@Suite struct MutationPropertyTests {}

extension MutationPropertyTests {
  /// Number of mutated files tried (the brief asks for at least 10,000).
  static let mutationCount = 10_000
  /// Every this-many cases also go through the file system, checking that disk and memory agree.
  static let onDiskEvery = 100

  /// The valid starting file: every kind of entry the parser must handle.
  static func baseFile() -> [UInt8] {
    var generator = SplitMix64(seed: 1)
    func random(_ count: Int) -> [UInt8] {
      (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
    return SafetensorsFixture.valid([
      ("model.layers.0.w", .F32, [2, 3], random(24)),
      ("model.layers.10.w", .F16, [5], random(10)),
      ("b", .BF16, [], random(2)),
      ("c", .F8_E4M3, [3], random(3)),
      ("c2", .F8_E5M2, [2], random(2)),
      ("d", .I64, [1], random(8)),
      ("e", .F4, [4], random(2)),
      ("empty", .U8, [0], []),
      ("f", .F64, [2], random(16)),
      ("\u{e9}\\\"", .U8, [1], random(1)),
    ])
  }

  static let jsonAlphabet = Array(
    "{}[]\":,0123456789-+.eE \t\n\r\\u/nulltruefalse__metadata__dtypeshapedata_offsetsF32U8".utf8)
  static let numberReplacements = [
    "0", "1", "4", "-0", "4.0", "4e0", "01", "18446744073709551615", "18446744073709551616", "-1",
    "999999999",
  ]
  static let dtypeReplacements = DType.allCases.map(\.rawValue) + ["f32", "I31", "F128", ""]

  /// Header length stored in the first 8 bytes (0 when the file is shorter).
  static func headerLength(_ bytes: [UInt8]) -> Int {
    guard bytes.count >= 8 else { return 0 }
    let value = (0..<8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[$1]) }
    return value <= UInt64(bytes.count - 8) ? Int(value) : bytes.count - 8
  }

  static func setHeaderLength(_ bytes: inout [UInt8], _ length: UInt64) {
    guard bytes.count >= 8 else { return }
    for index in 0..<8 { bytes[index] = UInt8(truncatingIfNeeded: length >> (UInt64(index) * 8)) }
  }

  /// Replaces header bytes `range` with `replacement`, keeping the length prefix consistent.
  static func edit(_ bytes: inout [UInt8], _ range: Range<Int>, _ replacement: [UInt8]) {
    let length = headerLength(bytes)
    bytes.replaceSubrange(range, with: replacement)
    setHeaderLength(&bytes, UInt64(length - range.count + replacement.count))
  }

  /// One random mutation of `bytes`.
  static func mutate(_ bytes: inout [UInt8], using generator: inout SplitMix64) {
    let header = headerLength(bytes)
    let headerRange = 8..<(8 + max(header, 1))
    func headerPosition() -> Int { Int.random(in: headerRange, using: &generator) }
    switch Int.random(in: 0..<10, using: &generator) {
    case 0:  // flip bits of a byte, mostly in the header
      guard !bytes.isEmpty else { return }
      let position =
        Bool.random(using: &generator) && header > 0
        ? headerPosition() : Int.random(in: 0..<bytes.count, using: &generator)
      if position < bytes.count { bytes[position] ^= UInt8.random(in: 1...255, using: &generator) }
    case 1:  // truncate
      bytes.removeLast(Int.random(in: 0...bytes.count, using: &generator))
    case 2:  // new length prefix
      let choices: [UInt64] = [
        UInt64(header) &+ UInt64.random(in: 1...9, using: &generator),
        UInt64(header) &- UInt64.random(in: 1...9, using: &generator),
        UInt64.random(in: 0...UInt64.max, using: &generator),
        UInt64.random(in: 0...UInt64(bytes.count), using: &generator), 100_000_001,
      ]
      setHeaderLength(&bytes, choices.randomElement(using: &generator) ?? 0)
    case 3:  // insert a JSON-ish byte
      guard header > 0 else { return }
      let position = headerPosition()
      edit(&bytes, position..<position, [jsonAlphabet.randomElement(using: &generator) ?? 0x20])
    case 4:  // delete a byte or a run
      guard header > 0 else { return }
      let position = headerPosition()
      let end = min(8 + header, position + Int.random(in: 1...4, using: &generator))
      edit(&bytes, position..<end, [])
    case 5:  // replace a digit run
      replaceToken(
        &bytes, isPart: { $0 >= 0x30 && $0 <= 0x39 }, with: numberReplacements, using: &generator)
    case 6:  // replace a dtype-like token (letters, digits, underscore)
      replaceToken(
        &bytes, isPart: { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F },
        with: dtypeReplacements, using: &generator)
    case 7:  // duplicate a slice of the header
      guard header > 2 else { return }
      let start = headerPosition()
      let end = min(8 + header, start + Int.random(in: 1...60, using: &generator))
      let slice = Array(bytes[start..<end])
      let at = headerPosition()
      edit(&bytes, at..<at, slice)
    case 8:  // padding: spaces, NULs or tabs at the end of the header
      guard header > 0 else { return }
      let pad = [UInt8](
        repeating: [0x20, 0x00, 0x09].randomElement(using: &generator) ?? 0x20,
        count: Int.random(in: 1...8, using: &generator))
      edit(&bytes, (8 + header)..<(8 + header), pad)
    default:  // append or remove data bytes
      if Bool.random(using: &generator) {
        bytes += [UInt8](repeating: 7, count: Int.random(in: 1...16, using: &generator))
      } else if bytes.count > 8 + header {
        bytes.removeLast(Int.random(in: 1...(bytes.count - 8 - header), using: &generator))
      }
    }
  }

  static func replaceToken(
    _ bytes: inout [UInt8], isPart: (UInt8) -> Bool, with choices: [String],
    using generator: inout SplitMix64
  ) {
    let header = headerLength(bytes)
    let starts = (8..<(8 + header)).filter {
      isPart(bytes[$0]) && ($0 == 8 || !isPart(bytes[$0 - 1]))
    }
    guard let start = starts.randomElement(using: &generator) else { return }
    var end = start
    while end < 8 + header && isPart(bytes[end]) { end += 1 }
    edit(&bytes, start..<end, Array((choices.randomElement(using: &generator) ?? "0").utf8))
  }

  /// Reads every tensor of an accepted in-memory file, as the disk reader would.
  static func readAll(_ contents: SafetensorsFile.Contents, _ bytes: [UInt8]) -> Bool {
    for tensor in contents.tensors {
      guard tensor.fileOffset + tensor.byteCount <= UInt64(bytes.count) else { return false }
      guard tensor.dtype.isAnalysable else { continue }
      let count = tensor.elementCount
      guard UInt64(count * tensor.dtype.bits / 8) == tensor.byteCount else { return false }
      var out = [Float](repeating: 0, count: count)
      bytes.withUnsafeBytes { raw in
        out.withUnsafeMutableBufferPointer { destination in
          if let base = raw.baseAddress, let target = destination.baseAddress {
            FloatDecoding.convert(
              tensor.dtype, from: base + Int(tensor.fileOffset), count: count, into: target)
          }
        }
      }
    }
    return true
  }

  @Test func mutationsOpenOrThrowNeverTrap() throws {
    let base = Self.baseFile()
    #expect(
      (try? base.withUnsafeBytes { try SafetensorsFile.parse($0, path: "base") })?.tensors.count
        == 10)
    let directory = try TemporaryDirectory("fuzz")
    let diskPath = directory.file("m.safetensors")
    var generator = SplitMix64(seed: 20_261_129)
    var opened = 0
    var rejected = 0
    for round in 0..<Self.mutationCount {
      var bytes = base
      for _ in 0..<Int.random(in: 1...3, using: &generator) {
        Self.mutate(&bytes, using: &generator)
      }
      let outcome: Result<SafetensorsFile.Contents, SafetensorsError> = bytes.withUnsafeBytes {
        raw in
        Result { () throws(SafetensorsError) in try SafetensorsFile.parse(raw, path: diskPath) }
      }
      switch outcome {
      case .success(let contents):
        opened += 1
        #expect(Self.readAll(contents, bytes), "round \(round)")
      case .failure(let error):
        rejected += 1
        #expect(error.description.hasPrefix(diskPath + ": "), "round \(round)")
        #expect(!error.description.contains("\n"), "round \(round)")
      }
      if round % Self.onDiskEvery == 0 {
        try SafetensorsFixture.write(bytes, to: diskPath)
        try Self.checkOnDisk(diskPath, agreesWith: outcome, round: round)
      }
    }
    // The mutations must exercise both outcomes.
    #expect(opened > 100 && rejected > 1_000)
  }

  /// Opens `path` for real and checks it agrees with the in-memory outcome, reading every tensor.
  static func checkOnDisk(
    _ path: String, agreesWith outcome: Result<SafetensorsFile.Contents, SafetensorsError>,
    round: Int
  ) throws {
    switch (Result { () throws(SafetensorsError) in try Checkpoint.open(path) }, outcome) {
    case (.success(let checkpoint), .success(let contents)):
      #expect(checkpoint.tensors == contents.tensors, "round \(round)")
      let reader = try TensorDataReader(checkpoint: checkpoint)
      for tensor in checkpoint.tensors {
        var raw = [UInt8](repeating: 0, count: Int(tensor.byteCount))
        try raw.withUnsafeMutableBytes { try reader.readBytes(of: tensor, at: 0, into: $0) }
        if tensor.dtype.isAnalysable {
          var out = [Float](repeating: 0, count: tensor.elementCount)
          try out.withUnsafeMutableBufferPointer {
            try reader.readFloats(of: tensor, from: 0, count: $0.count, into: $0.baseAddress!)
          }
        }
      }
    case (.failure(let diskError), .failure(let memoryError)):
      #expect(diskError == memoryError, "round \(round)")
    default:
      Issue.record("round \(round): disk and memory disagree")
    }
  }
}
