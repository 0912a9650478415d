import Safetensors

#if canImport(Glibc)
  import Glibc
#endif

/// What the analysis can say about a stored-quantized tensor's own format: its code usage and
/// entropy, counted from the stored codes. Its round-trip error cannot be measured: the original
/// weights are not in the file.
public struct StoredCodeUsage: Sendable, Hashable, Codable {
  /// "stored nf4 (+dq)", "stored int8", "stored fp8 e4m3, 128×128 blocks".
  public var mark: String
  /// `StoredQuantization.Format.rawValue`.
  public var format: String
  public var doubleQuant: Bool
  /// Code counts: 16 for 4-bit (code c), 255 for int8 (q = −127...127; −128 counted with −127),
  /// 256 for FP8 (the byte).
  public var codeCounts: [UInt64]
  /// Shannon entropy of the code usage, in bits.
  public var codeEntropyBits: Double
  /// Bytes the tensor occupies as stored (all parts).
  public var storedBytes: UInt64
  /// Stored bits per logical parameter.
  public var bitsPerParam: Double

  /// The line every view shows under the stored tensor's statistics.
  public static let unmeasurableNote =
    "the original weights are not in the file, so the stored format's own error cannot be measured; statistics, histograms, outliers and the other formats' errors are of the dequantized weights"

  /// The word every view shows where the stored format's own error would be: it cannot be
  /// measured, and the cell says why instead of printing `nan`.
  public static let unmeasurableCell = "stored"

  /// The QuantScope format the stored one is (nf4, nf4-dq, fp4, fp4-dq, int8); nil for FP8.
  public var quantFormat: QuantFormat? {
    switch StoredQuantization.Format(rawValue: format) {
    case .nf4: doubleQuant ? .nf4dq : .nf4
    case .fp4: doubleQuant ? .fp4dq : .fp4
    case .int8: .int8
    case .fp8E4M3, .fp8E5M2, nil: nil
    }
  }

  /// The QuantScope format the stored one is (nf4, nf4-dq, fp4, fp4-dq, int8); nil for FP8.
  public static func matchingFormat(_ stored: StoredQuantization) -> QuantFormat? {
    switch stored.format {
    case .nf4: stored.doubleQuant ? .nf4dq : .nf4
    case .fp4: stored.doubleQuant ? .fp4dq : .fp4
    case .int8: .int8
    case .fp8E4M3, .fp8E5M2: nil
    }
  }

  /// Counts the stored codes of `tensor`, reading its codes part in chunks.
  static func count(
    _ tensor: TensorInfo, stored: StoredQuantization, reader: TensorDataReader,
    checkpointPath: String
  ) throws(EngineError) -> StoredCodeUsage {
    guard let codes = stored.part(.codes) else {
      throw .read(file: checkpointPath, tensor: tensor.name, reason: "stored tensor without codes")
    }
    let fourBit = stored.format == .nf4 || stored.format == .fp4
    var counts = [UInt64](repeating: 0, count: binCount(stored.format))
    let elements = tensor.elementCount
    let total = Int(codes.byteCount)
    let chunk = 1 << 16
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
    defer { buffer.deallocate() }
    var done = 0
    while done < total {
      let step = min(chunk, total - done)
      do {
        try reader.readBytes(
          of: codes, at: UInt64(done),
          into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<step]))
      } catch {
        throw .read(file: checkpointPath, tensor: tensor.name, reason: error.description)
      }
      for offset in 0..<step {
        let byte = buffer[offset]
        if fourBit {
          let index = (done + offset) * 2
          if index < elements { counts[Int(byte >> 4)] += 1 }
          if index + 1 < elements { counts[Int(byte & 0x0F)] += 1 }
        } else if stored.format == .int8 {
          counts[max(0, Int(Int8(bitPattern: byte)) + 127)] += 1
        } else {
          counts[Int(byte)] += 1
        }
      }
      done += step
    }
    return StoredCodeUsage(counts: counts, stored: stored, elements: elements)
  }

  /// Code bins of a stored format: 16 for 4-bit, 255 for int8, 256 for FP8.
  static func binCount(_ format: StoredQuantization.Format) -> Int {
    switch format {
    case .nf4, .fp4: 16
    case .int8: 255
    case .fp8E4M3, .fp8E5M2: 256
    }
  }

  /// The analysis with the stored format's metrics taken from the stored codes (error unmeasurable).
  static func apply(
    _ usage: StoredCodeUsage, stored: StoredQuantization, to analysis: inout TensorAnalysis
  ) {
    analysis.stored = usage
    guard let format = matchingFormat(stored), analysis.formats[format] != nil,
      usage.codeCounts.count == format.codeBinCount
    else { return }
    analysis.formats[format] = FormatMetrics(
      mse: .nan, rmse: .nan, maxAbsErr: .nan, relErr: .nan, sqnrDB: .nan,
      bitsPerParam: usage.bitsPerParam,
      codeEntropyBits: usage.codeEntropyBits, codeCounts: usage.codeCounts, sumSquaredError: .nan,
      sumSquaredWeight: .nan)
  }
}

extension StoredCodeUsage {
  /// The usage of `elements` stored codes counted as `counts` (either backend's count).
  init(counts: [UInt64], stored: StoredQuantization, elements: Int) {
    var entropy = 0.0
    for value in counts where value > 0 && elements > 0 {
      let p = Double(value) / Double(elements)
      entropy -= p * log2(p)
    }
    self.init(
      mark: stored.mark, format: stored.format.rawValue, doubleQuant: stored.doubleQuant,
      codeCounts: counts,
      codeEntropyBits: entropy, storedBytes: stored.storedBytes,
      bitsPerParam: elements > 0 ? Double(stored.storedBytes) * 8 / Double(elements) : 0)
  }
}
