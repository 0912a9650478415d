import FileSystem
import Safetensors

/// Writes large synthetic LLaMA-shaped checkpoints for benchmarks: BF16, real tensor shapes,
/// sharded like a Hugging Face repository, with Gaussian-ish values of std 0.02.
///
/// Memory stays bounded whatever the size: every tensor is produced in chunks of
/// `chunkElements` values into one reusable buffer, by table lookup (a 65,536-entry table of
/// BF16 Gaussian samples indexed by 16 random bits), so writing runs at close to disk speed.
public enum SyntheticCheckpoint {
  /// The shape of a model: its architecture family and the sizes of every tensor.
  public struct Preset: Sendable, Hashable {
    /// Short name used in `config.json` (`quantscope/synthetic-<name>`).
    public var name: String
    /// Which real architecture the tensor names and config.json follow.
    public var family: Family = .llama
    public var hidden: Int
    public var intermediate: Int
    public var layers: Int
    public var heads: Int
    /// Key/value heads (grouped-query attention): k_proj and v_proj have kvHeads·headDim rows.
    public var kvHeads: Int
    public var vocab: Int
    /// Routed experts per block (MoE families), 0 otherwise.
    public var experts: Int = 0
    /// Per-head dimension when it is not hidden / heads (gpt-oss).
    public var explicitHeadDim: Int?

    /// TinyLlama-1.1B: hidden 2048, MLP 5632, 22 layers, 32 heads, 4 KV heads, vocab 32000.
    public static let llama1B = Preset(
      name: "llama-1b", hidden: 2048, intermediate: 5632, layers: 22, heads: 32, kvHeads: 4,
      vocab: 32000)
    /// LLaMA-2-7B: hidden 4096, MLP 11008, 32 layers, 32 heads (no GQA), vocab 32000.
    public static let llama7B = Preset(
      name: "llama-7b", hidden: 4096, intermediate: 11008, layers: 32, heads: 32, kvHeads: 32,
      vocab: 32000)

    /// The same shape with `count` blocks (a smaller file for tests and quick runs).
    public func layers(_ count: Int) -> Preset {
      var copy = self
      copy.layers = max(0, count)
      copy.name = "\(name)-\(copy.layers)l"
      return copy
    }

    /// Per-head dimension: hidden / heads unless the family sets it.
    public var headDim: Int { explicitHeadDim ?? hidden / max(heads, 1) }

    /// Total parameters.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.shape.reduce(1, *) } }
  }

  /// Progress of a write: bytes of tensor data written so far, and the total.
  public typealias Progress = (_ bytesWritten: UInt64, _ bytesTotal: UInt64) -> Void

  /// Values produced per chunk: 1 Mi BF16 values = 2 MiB of buffer.
  static let chunkElements = 1 << 20
  /// Standard deviation of the values (typical of trained LLaMA Linear weights).
  static let standardDeviation = 0.02

  /// Writes `model-0000K-of-0000N.safetensors` shards, `model.safetensors.index.json` and
  /// `config.json` into `directory` (created when missing).
  ///
  /// Tensors go into shards in order; a shard is closed when the next tensor would take it past
  /// `shardBytes` (a tensor larger than that gets a shard of its own), as transformers'
  /// `save_pretrained` shards. Values are deterministic for a given `seed`.
  ///
  /// - Throws: `SafetensorsWriterError` naming the file that could not be written.
  /// - Complexity: O(parameters) time; O(`chunkElements`) memory.
  public static func write(
    shape preset: Preset, to directory: String, shardBytes: UInt64 = 2_000_000_000,
    seed: UInt64 = 0x5EED_B16B, progress: Progress? = nil
  ) throws {
    try SyntheticFiles.makeDirectories(directory)
    let table = gaussianTable(seed: seed)
    let tensors = preset.tensors
    let totalBytes = UInt64(preset.parameterCount) * 2

    // Group tensors into shards.
    var shards: [[Int]] = []
    var current: [Int] = []
    var currentBytes: UInt64 = 0
    for (index, tensor) in tensors.enumerated() {
      let bytes = UInt64(tensor.shape.reduce(1, *)) * 2
      if !current.isEmpty && currentBytes + bytes > shardBytes {
        shards.append(current)
        current = []
        currentBytes = 0
      }
      current.append(index)
      currentBytes += bytes
    }
    if !current.isEmpty { shards.append(current) }

    var written: UInt64 = 0
    var weightMap: [(String, String)] = []
    let count = shards.count
    for (shardIndex, members) in shards.enumerated() {
      let fileName = "model-\(padded(shardIndex + 1))-of-\(padded(count)).safetensors"
      let entries = members.map { index in
        let tensor = tensors[index]
        weightMap.append((tensor.name, fileName))
        let elements = tensor.shape.reduce(1, *)
        let tensorSeed = SplitMix64.derivedSeed(seed, index)
        return SafetensorsWriter.Entry(name: tensor.name, dtype: .BF16, shape: tensor.shape) {
          sink in
          try produce(elements: elements, seed: tensorSeed, table: table) { chunk in
            try sink(chunk)
            written += UInt64(chunk.count)
            progress?(written, totalBytes)
          }
        }
      }
      try SafetensorsWriter.write(
        entries, metadata: ["format": "pt"], to: FileSystem.join(directory, fileName))
    }

    let map = weightMap.sorted { $0.0 < $1.0 }
      .map { "    \(SafetensorsWriter.jsonString($0.0)): \(SafetensorsWriter.jsonString($0.1))" }
      .joined(separator: ",\n")
    let index = """
      {
        "metadata": {
          "total_size": \(totalBytes)
        },
        "weight_map": {
      \(map)
        }
      }

      """
    try SyntheticFiles.writeText(
      index, to: FileSystem.join(directory, "model.safetensors.index.json"))
    try SyntheticFiles.writeText(
      preset.configJSON(nameOrPath: "quantscope/synthetic-\(preset.name)"),
      to: FileSystem.join(directory, "config.json"))
  }

  // MARK: - Values

  /// Produces `elements` BF16 values in chunks of at most `chunkElements`, reusing one buffer.
  private static func produce(
    elements: Int, seed: UInt64, table: [UInt16], sink: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    var random = SplitMix64(seed: seed)
    var buffer = [UInt16](repeating: 0, count: min(elements, chunkElements))
    var remaining = elements
    try table.withUnsafeBufferPointer { lookup in
      while remaining > 0 {
        let count = min(remaining, chunkElements)
        try buffer.withUnsafeMutableBufferPointer { out in
          var i = 0
          // Four 16-bit table indices per 64 random bits.
          while i < count {
            var bits = random.next()
            var lane = 0
            while lane < 4 && i < count {
              out[i] = lookup[Int(bits & 0xFFFF)]
              bits >>= 16
              lane += 1
              i += 1
            }
          }
          try sink(UnsafeRawBufferPointer(start: out.baseAddress, count: count * 2))
        }
        remaining -= count
      }
    }
  }

  /// 65,536 BF16 bit patterns (little-endian in memory) of N(0, 0.02²) samples.
  private static func gaussianTable(seed: UInt64) -> [UInt16] {
    var random = SplitMix64(seed: seed)
    var table = [UInt16](repeating: 0, count: 1 << 16)
    var i = 0
    while i < table.count {
      let (a, b) = random.gaussianPair()
      table[i] = bfloat16Bits(Float(a * standardDeviation)).littleEndian
      table[i + 1] = bfloat16Bits(Float(b * standardDeviation)).littleEndian
      i += 2
    }
    return table
  }

  /// Five-digit shard number, as transformers names shards.
  private static func padded(_ number: Int) -> String {
    let digits = String(number)
    return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
  }
}
