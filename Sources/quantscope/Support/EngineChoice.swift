import Engine

/// `--engine auto|cpu|cuda`: which backend analyses the tensors.
enum EngineChoice {
  /// - Throws: a usage error for an unknown name; `--engine cuda` where CUDA cannot run fails
  ///   with the backend's reason.
  static func backend(_ name: String?, jobs: Int) throws(CLIError) -> any Backend {
    switch name ?? "auto" {
    case "cpu":
      return CPUBackend(threads: jobs)
    case "cuda":
      switch CUDABackend.load(kernelCache: CUDABackend.defaultKernelCacheFolder) {
      case .success(let backend): return backend
      case .failure(let reason): throw .failed("--engine cuda: \(reason)")
      }
    case "auto":
      return automatic(jobs: jobs)
    default:
      throw .usage("--engine must be auto, cpu or cuda")
    }
  }

  /// `--engine auto`: CUDA when it loads here (compiling or reusing its kernels), else the CPU.
  static func automatic(jobs: Int) -> any Backend {
    if case .success(let backend) = CUDABackend.load(
      kernelCache: CUDABackend.defaultKernelCacheFolder)
    {
      return backend
    }
    return CPUBackend(threads: jobs)
  }
}
