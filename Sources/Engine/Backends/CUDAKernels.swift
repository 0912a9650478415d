/// The kernels of `CUDA/kernels.cu` looked up in a loaded module, and the launch helper.
struct CUDAKernels: @unchecked Sendable {
  /// Every kernel the backend looks up (KernelSourceTests checks each is defined in kernels.cu).
  static let names = [
    "qs_stats_segment_kernel", "qs_block_absmax_kernel", "qs_row_absmax_kernel",
    "qs_column_absmax_kernel", "qs_nf4_encode_kernel", "qs_fp4_encode_kernel",
    "qs_int4_encode_kernel", "qs_dyn8_encode_kernel", "qs_block_error_kernel",
    "qs_nf4_error_kernel", "qs_fp4_error_kernel", "qs_absmax_sum_kernel", "qs_nf4dq_scales_kernel",
    "qs_int8_rows_kernel", "qs_int8_error_kernel", "qs_round_f16_kernel",
    "qs_histogram_segment_kernel", "qs_convert_kernel", "qs_stored_dq_scales_kernel",
    "qs_stored_4bit_kernel", "qs_stored_int8_kernel", "qs_stored_fp8_kernel",
  ]

  /// Threads per block of every launch (kernels.cu `QS_THREADS`).
  static let threads: UInt32 = 256

  private let functions: [String: OpaquePointer]

  /// Looks up every name of `names` in `module`.
  ///
  /// The corresponding C function is `cuModuleGetFunction`.
  init(module: OpaquePointer, api: CUDADriverAPI) throws(CUDAError) {
    var functions: [String: OpaquePointer] = [:]
    for name in Self.names {
      var function: OpaquePointer?
      try api.check(
        api.cuModuleGetFunction(&function, module, name), "cuModuleGetFunction(\(name))")
      guard let function else { throw .symbolNotFound(library: "kernels.cu", symbol: name) }
      functions[name] = function
    }
    self.functions = functions
  }

  /// One kernel argument, stored in an 8-byte slot with the C type of the parameter.
  enum Argument {
    /// A device pointer (`T*`); 0 for a null pointer.
    case pointer(UInt64)
    /// `int`
    case int32(Int32)
    /// `u32`
    case uint32(UInt32)
    /// `u64`
    case uint64(UInt64)
    /// `float`
    case float(Float)
    /// `double`
    case double(Double)
  }

  /// Enqueues `name` on `stream` with a grid of `grid` blocks of `threads` threads.
  ///
  /// The corresponding C function is `cuLaunchKernel` (arguments through `kernelParams`; the
  /// driver copies them before returning, so the slots are freed here).
  func launch(
    _ name: String, grid: (x: UInt32, y: UInt32) = (1, 1), sharedBytes: UInt32 = 0,
    stream: OpaquePointer?, api: CUDADriverAPI, _ arguments: [Argument]
  ) throws(CUDAError) {
    guard let function = functions[name] else {
      throw .symbolNotFound(library: "kernels.cu", symbol: name)
    }
    let slots = UnsafeMutableRawPointer.allocate(
      byteCount: max(arguments.count, 1) * 8, alignment: 8)
    defer { slots.deallocate() }
    var pointers: [UnsafeMutableRawPointer?] = []
    for (index, argument) in arguments.enumerated() {
      let slot = slots + index * 8
      switch argument {
      case .pointer(let value), .uint64(let value): slot.storeBytes(of: value, as: UInt64.self)
      case .int32(let value): slot.storeBytes(of: value, as: Int32.self)
      case .uint32(let value): slot.storeBytes(of: value, as: UInt32.self)
      case .float(let value): slot.storeBytes(of: value, as: Float.self)
      case .double(let value): slot.storeBytes(of: value, as: Double.self)
      }
      pointers.append(slot)
    }
    try CUDATrace.measure(name) { () throws(CUDAError) in
      let status = pointers.withUnsafeMutableBufferPointer { buffer in
        api.cuLaunchKernel(
          function, max(grid.x, 1), max(grid.y, 1), 1, Self.threads, 1, 1, sharedBytes, stream,
          buffer.baseAddress, nil)
      }
      try api.check(status, "cuLaunchKernel(\(name))")
      if CUDATrace.isEnabled {
        try api.check(api.cuStreamSynchronize(stream), "cuStreamSynchronize")
      }
    }
  }
}
