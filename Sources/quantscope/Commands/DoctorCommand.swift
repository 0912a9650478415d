import Engine

/// `quantscope doctor`: which engines can run here, and why not.
enum DoctorCommand {
  static let usage = """
    usage: quantscope doctor

    Reports the CPU backend (cores) and the CUDA backend: driver, devices, NVRTC, a test compile of
    the embedded kernels, the folder where compiled kernels are kept between runs, and the reason
    CUDA is unavailable when it is.
    """

  static func run(_ arguments: [String]) throws(CLIError) -> Int32 {
    _ = try Arguments(arguments, options: [], flags: []).positionals(atMost: 0)
    Console.out("cpu   available: \(CPUBackend(threads: SystemInfo.coreCount).displayName)\n")
    for line in CUDABackend.diagnose() { Console.out("cuda  \(line)\n") }
    Console.out("cuda  compiled kernels kept in \(CUDABackend.defaultKernelCacheFolder)\n")
    switch CUDABackend.load() {
    case .success(let backend): Console.out("engine auto → \(backend.displayName)\n")
    case .failure(let reason): Console.out("engine auto → cpu (\(reason))\n")
    }
    return 0
  }
}
