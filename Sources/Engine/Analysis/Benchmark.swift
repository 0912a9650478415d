import CQuantKernels
import Dispatch
import Safetensors
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The plain read pass `quantscope bench` compares the analysis with.
public enum Benchmark {
  /// Reads every tensor's bytes with `pread` (4 MiB chunks, `threads` threads sharing the chunks)
  /// and folds them into a checksum so the read cannot be optimised away.
  ///
  /// - Returns: wall-clock seconds and bytes read.
  /// - Throws: `EngineError.read` on an I/O failure.
  public static func readPass(checkpoint: Checkpoint, threads: Int) throws(EngineError)
    -> (seconds: Double, bytes: UInt64)
  {
    let reader: TensorDataReader
    do {
      reader = try TensorDataReader(checkpoint: checkpoint)
    } catch {
      throw .read(file: checkpoint.path, tensor: "", reason: error.description)
    }
    let chunkBytes: UInt64 = 4 << 20
    var chunks: [(tensor: Int, offset: UInt64, count: Int)] = []
    // A stored-quantized tensor is read part by part (its bytes are not contiguous).
    let tensors = checkpoint.tensors.flatMap { $0.stored?.parts.map(\.tensor) ?? [$0] }
    for (index, tensor) in tensors.enumerated() {
      var offset: UInt64 = 0
      while offset < tensor.byteCount {
        let count = min(chunkBytes, tensor.byteCount - offset)
        chunks.append((index, offset, Int(count)))
        offset += count
      }
    }
    let work = chunks
    let state = ReadPassQueue()
    let started = monotonicSeconds()
    let worker: @Sendable (Int) -> Void = { _ in
      let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(chunkBytes), alignment: 64)
      defer { buffer.deallocate() }
      var checksum: UInt64 = 0
      while true {
        let position = state.next.add(1, ordering: .relaxed).oldValue
        if position >= work.count || state.failure.withLock({ $0 != nil }) { break }
        let chunk = work[position]
        let target = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<chunk.count])
        do throws(SafetensorsError) {
          try reader.readBytes(of: tensors[chunk.tensor], at: chunk.offset, into: target)
        } catch {
          state.failure.withLock {
            if $0 == nil {
              $0 = .read(
                file: checkpoint.path, tensor: tensors[chunk.tensor].name,
                reason: error.description)
            }
          }
          break
        }
        checksum &+= qs_checksum_bytes(target.baseAddress, chunk.count)
      }
      _ = state.checksum.wrappingAdd(checksum, ordering: .relaxed)
    }
    let workers = max(1, min(threads, work.count))
    if workers == 1 {
      worker(0)
    } else {
      DispatchQueue.concurrentPerform(iterations: workers, execute: worker)
    }
    let seconds = monotonicSeconds() - started
    if let error = state.failure.withLock({ $0 }) { throw error }
    return (seconds, checkpoint.byteCount)
  }

  /// CLOCK_MONOTONIC in seconds.
  public static func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
  }
}

/// The work shared by the workers of one `Benchmark.readPass`: the next tensor to read, a checksum
/// that keeps the reads from being optimised away, and the first failure.
private final class ReadPassQueue: Sendable {
  let next = Atomic<Int>(0)
  let checksum = Atomic<UInt64>(0)
  let failure = Mutex<EngineError?>(nil)
}
