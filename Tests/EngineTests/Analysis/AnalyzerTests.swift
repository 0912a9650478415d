import Safetensors
import Synchronization
import TestSupport
import Testing

@testable import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// The Analyzer over a small written checkpoint, and the on-disk cache.
@Suite struct AnalyzerTests {}

/// A checkpoint of a few tensors: two quantizable F16/BF16 weights, a 1-D norm, an I64 buffer.
private func writeModel(in directory: TemporaryDirectory, seed: UInt64 = 41) throws -> String {
  var data = SeededData(seed: seed)
  let q = data.weights(64 * 96).flatMap { value -> [UInt8] in
    let bits = float16Bits(value)
    return [UInt8(bits & 0xff), UInt8(bits >> 8)]
  }
  let k = data.weights(32 * 96).flatMap { value -> [UInt8] in
    let bits = bfloat16Bits(value)
    return [UInt8(bits & 0xff), UInt8(bits >> 8)]
  }
  let norm = (0..<96).flatMap { _ -> [UInt8] in
    let bits = Float(1).bitPattern
    return (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
  }
  let ids = [UInt8](repeating: 1, count: 8 * 4)
  let path = directory.file("model.safetensors")
  try SafetensorsWriter.write(
    [
      .init(name: "layers.0.attn.q_proj.weight", dtype: .F16, shape: [64, 96], bytes: q),
      .init(name: "layers.0.attn.k_proj.weight", dtype: .BF16, shape: [32, 96], bytes: k),
      .init(name: "layers.0.norm.weight", dtype: .F32, shape: [96], bytes: norm),
      .init(name: "position_ids", dtype: .I64, shape: [4], bytes: ids),
    ], to: path)
  return path
}

extension AnalyzerTests {
  @Test func analysesEveryAnalysableTensorInPriorityOrder() throws {
    let directory = try TemporaryDirectory("analyzer")
    let checkpoint = try Checkpoint.open(try writeModel(in: directory))
    let analyzer = Analyzer(
      checkpoint: checkpoint, settings: AnalysisSettings(), backend: CPUBackend(threads: 2), jobs: 1
    )
    let seen = Mutex<[Int]>([])
    let last = Mutex<AnalysisProgress?>(nil)
    let priority = try #require(
      checkpoint.tensors.firstIndex { $0.name.hasSuffix("q_proj.weight") })
    let results = try analyzer.run(
      order: [priority], progress: { progress in last.withLock { $0 = progress } },
      onResult: { index, _ in seen.withLock { $0.append(index) } })
    #expect(results.count == checkpoint.tensors.count)
    for (index, tensor) in checkpoint.tensors.enumerated() {
      #expect((results[index] != nil) == tensor.dtype.isAnalysable, "\(tensor.name)")
    }
    #expect(seen.withLock { $0 }.first == priority)
    #expect(seen.withLock { $0 }.count == 3)
    let final = try #require(last.withLock { $0 })
    #expect(final.tensorsDone == 3 && final.tensorsTotal == 3)
    #expect(final.bytesDone == final.bytesTotal)
    let q = try #require(results[priority])
    #expect(q.quantizable && q.formats.count == QuantFormat.allCases.count)
    let normIndex = try #require(checkpoint.tensors.firstIndex { $0.name.hasSuffix("norm.weight") })
    let norm = try #require(results[normIndex])
    #expect(!norm.quantizable && norm.formats.isEmpty && norm.stats.mean == 1)
  }

  @Test func onlyAnalysesTheGivenTensors() throws {
    let directory = try TemporaryDirectory("only")
    let checkpoint = try Checkpoint.open(try writeModel(in: directory))
    let analyzer = Analyzer(
      checkpoint: checkpoint, settings: AnalysisSettings(), backend: CPUBackend(threads: 2), jobs: 1
    )
    let k = try #require(checkpoint.tensors.firstIndex { $0.name.hasSuffix("k_proj.weight") })
    let last = Mutex<AnalysisProgress?>(nil)
    let results = try analyzer.run(
      order: [k], only: true, progress: { progress in last.withLock { $0 = progress } })
    for index in checkpoint.tensors.indices {
      #expect((results[index] != nil) == (index == k), "\(checkpoint.tensors[index].name)")
    }
    let final = try #require(last.withLock { $0 })
    #expect(final.tensorsTotal == 1 && final.bytesTotal == checkpoint.tensors[k].byteCount)
  }

  @Test func sameResultsWithMoreJobs() throws {
    let directory = try TemporaryDirectory("jobs")
    let checkpoint = try Checkpoint.open(try writeModel(in: directory))
    let one = try Analyzer(
      checkpoint: checkpoint, settings: AnalysisSettings(), backend: CPUBackend(threads: 1), jobs: 1
    ).run()
    let three = try Analyzer(
      checkpoint: checkpoint, settings: AnalysisSettings(), backend: CPUBackend(threads: 2), jobs: 3
    ).run()
    #expect(one == three)
  }

  @Test func cancelledRunThrows() throws {
    let directory = try TemporaryDirectory("cancel")
    let checkpoint = try Checkpoint.open(try writeModel(in: directory))
    let flag = CancellationFlag()
    flag.cancel()
    let analyzer = Analyzer(
      checkpoint: checkpoint, settings: AnalysisSettings(), backend: CPUBackend(), jobs: 2)
    #expect(throws: EngineError.self) { try analyzer.run(cancel: flag) }
  }

  @Test func float64TensorsGoThroughReadFloats() throws {
    // The same values stored as F64 and F32 (exactly representable): identical analyses.
    let directory = try TemporaryDirectory("f64")
    var data = SeededData(seed: 43)
    let values = data.weights(8 * 64)
    let f32 = values.flatMap { value in
      (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) }
    }
    let f64 = values.flatMap { value in
      (0..<8).map { UInt8(truncatingIfNeeded: Double(value).bitPattern >> (8 * $0)) }
    }
    let path = directory.file("mixed.safetensors")
    try SafetensorsWriter.write(
      [
        .init(name: "a", dtype: .F32, shape: [8, 64], bytes: f32),
        .init(name: "b", dtype: .F64, shape: [8, 64], bytes: f64),
      ],
      to: path)
    let checkpoint = try Checkpoint.open(path)
    let results = try Analyzer(
      checkpoint: checkpoint, settings: AnalysisSettings(), backend: CPUBackend(), jobs: 2
    ).run()
    let a = try #require(results[0])
    let b = try #require(results[1])
    #expect(a.formats == b.formats && a.stats == b.stats && a.histogram == b.histogram)
  }

  @Test func readPassReadsEveryByte() throws {
    let directory = try TemporaryDirectory("bench")
    let checkpoint = try Checkpoint.open(try writeModel(in: directory))
    let result = try Benchmark.readPass(checkpoint: checkpoint, threads: 2)
    #expect(result.bytes == checkpoint.byteCount)
    #expect(result.seconds >= 0)
  }
}

// MARK: - Cache

extension AnalyzerTests {
  @Test func cacheHitMissAndCorruption() throws {
    let directory = try TemporaryDirectory("cache")
    let modelPath = try writeModel(in: directory)
    let checkpoint = try Checkpoint.open(modelPath)
    let cache = AnalysisCache(directory: directory.file("cache"))
    let settings = AnalysisSettings()
    #expect(cache.load(checkpoint: checkpoint, settings: settings, engine: "cpu") == nil)
    let results = try Analyzer(
      checkpoint: checkpoint, settings: settings, backend: CPUBackend(), jobs: 1
    ).run()
    #expect(cache.store(results, checkpoint: checkpoint, settings: settings, engine: "cpu"))
    // Hit: the same values (NaN-free here, so == is exact), including +inf SQNR entries.
    #expect(cache.load(checkpoint: checkpoint, settings: settings, engine: "cpu") == results)
    // Other settings or engine: miss.
    #expect(
      cache.load(checkpoint: checkpoint, settings: AnalysisSettings(blocksize: 128), engine: "cpu")
        == nil)
    #expect(cache.load(checkpoint: checkpoint, settings: settings, engine: "cuda") == nil)
    // A changed mtime: miss.
    var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
    #expect(utimensat(AT_FDCWD, modelPath, &times, 0) == 0)
    let touched = try Checkpoint.open(modelPath)
    #expect(cache.load(checkpoint: touched, settings: settings, engine: "cpu") == nil)
    // A corrupt entry is ignored, then rewritten.
    #expect(cache.store(results, checkpoint: touched, settings: settings, engine: "cpu"))
    let entry = cache.path(
      forKey: AnalysisCache.key(checkpoint: touched, settings: settings, engine: "cpu"))
    try SafetensorsFixture.write(Array("{\"key\": 12, garbage".utf8), to: entry)
    #expect(cache.load(checkpoint: touched, settings: settings, engine: "cpu") == nil)
    #expect(cache.store(results, checkpoint: touched, settings: settings, engine: "cpu"))
    #expect(cache.load(checkpoint: touched, settings: settings, engine: "cpu") == results)
  }

  @Test func cacheKeepsNaNMetrics() throws {
    let directory = try TemporaryDirectory("cachenan")
    var values = [Float](repeating: 0.25, count: 128)
    values[5] = .nan
    let bytes = values.flatMap { value in
      (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) }
    }
    let path = directory.file("nan.safetensors")
    try SafetensorsWriter.write(
      [.init(name: "w", dtype: .F32, shape: [2, 64], bytes: bytes)], to: path)
    let checkpoint = try Checkpoint.open(path)
    let cache = AnalysisCache(directory: directory.file("cache"))
    let results = try Analyzer(
      checkpoint: checkpoint, settings: AnalysisSettings(), backend: CPUBackend(), jobs: 1
    ).run()
    #expect(
      cache.store(results, checkpoint: checkpoint, settings: AnalysisSettings(), engine: "cpu"))
    let loaded = try #require(
      cache.load(checkpoint: checkpoint, settings: AnalysisSettings(), engine: "cpu"))
    let metrics = try #require(loaded[0]?.formats[.nf4])
    #expect(metrics.mse.isNaN)
    #expect(loaded[0]?.stats.nans == 1)
  }
}
