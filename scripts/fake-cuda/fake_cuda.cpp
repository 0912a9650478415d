// A fake libcuda.so.1 that runs kernels.cu on the CPU (cuda_shim.h): lets CUDABackend — its
// driver calls, streams, chunking and reductions — run end to end on a machine without a GPU.
// Device memory is host memory; streams and events are synchronous; one "SM".
// Built by build.sh; used by run-parity.sh. Not part of the product.
#include "cuda_shim.h"
#include "kernels_emu.inc"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

thread_local dim3 threadIdx, blockIdx;
dim3 blockDim, gridDim;
std::barrier<>* qs_emu_block_barrier;
QSWarp qs_emu_warps[32];
alignas(64) unsigned char qs_emu_dynamic_shared[64 * 1024];

using Launcher = std::function<void(void**)>;

template <class... A, size_t... I>
static void call(void (*f)(A...), void** params, std::index_sequence<I...>) {
  f(*static_cast<A*>(params[I])...);
}
template <class... A> static Launcher make(void (*f)(A...)) {
  return [f](void** params) { call(f, params, std::index_sequence_for<A...>{}); };
}

static std::map<std::string, Launcher>& table() {
  static std::map<std::string, Launcher> kernels = {
#define K(name) {#name, make(name)}
      K(qs_stats_segment_kernel), K(qs_block_absmax_kernel), K(qs_row_absmax_kernel),
      K(qs_column_absmax_kernel), K(qs_nf4_encode_kernel), K(qs_fp4_encode_kernel),
      K(qs_int4_encode_kernel), K(qs_dyn8_encode_kernel), K(qs_block_error_kernel),
      K(qs_nf4_error_kernel), K(qs_fp4_error_kernel), K(qs_absmax_sum_kernel),
      K(qs_nf4dq_scales_kernel),
      K(qs_int8_rows_kernel), K(qs_int8_error_kernel), K(qs_round_f16_kernel),
      K(qs_histogram_segment_kernel), K(qs_convert_kernel), K(qs_stored_dq_scales_kernel),
      K(qs_stored_4bit_kernel), K(qs_stored_int8_kernel), K(qs_stored_fp8_kernel),
#undef K
  };
  return kernels;
}

/// 256 persistent threads (one per CUDA thread of a block), started once: blocks run one after
/// another, each between a start and a done barrier. Leaked on purpose (alive until exit).
struct BlockPool {
  static constexpr unsigned threads = 256;
  std::barrier<> start{threads + 1}, done{threads + 1}, block{threads};
  std::barrier<>* warpBarriers[threads / 32];
  const Launcher* launcher = nullptr;
  void** params = nullptr;
  dim3 current;

  BlockPool() {
    for (unsigned w = 0; w < threads / 32; w++) warpBarriers[w] = new std::barrier<>(32);
    for (unsigned t = 0; t < threads; t++) {
      std::thread([this, t] {
        threadIdx = dim3{t, 0, 0};
        for (;;) {
          start.arrive_and_wait();
          blockIdx = current;
          (*launcher)(params);
          done.arrive_and_wait();
        }
      }).detach();
    }
  }
};

static void run_grid(dim3 grid, dim3 block, const Launcher& launcher, void** params) {
  static BlockPool* pool = new BlockPool();
  gridDim = grid;
  blockDim = block;
  qs_emu_block_barrier = &pool->block;
  for (unsigned w = 0; w < BlockPool::threads / 32; w++) qs_emu_warps[w].barrier = pool->warpBarriers[w];
  pool->launcher = &launcher;
  pool->params = params;
  for (unsigned by = 0; by < grid.y; by++) {
    for (unsigned bx = 0; bx < grid.x; bx++) {
      pool->current = dim3{bx, by, 0};
      pool->start.arrive_and_wait();
      pool->done.arrive_and_wait();
    }
  }
}

extern "C" {
typedef int CUresult;
static int dummy;

CUresult cuInit(unsigned) { return 0; }
CUresult cuDriverGetVersion(int* v) { *v = 12040; return 0; }
CUresult cuGetErrorName(CUresult status, const char** name) {
  *name = status == 0 ? "CUDA_SUCCESS" : "CUDA_ERROR_FAKE";
  return 0;
}
CUresult cuDeviceGetCount(int* n) { *n = 1; return 0; }
CUresult cuDeviceGet(int* d, int) { *d = 0; return 0; }
CUresult cuDeviceGetName(char* name, int len, int) {
  snprintf(name, len, "QuantScope CPU emulation");
  return 0;
}
CUresult cuDeviceGetAttribute(int* value, int attribute, int) {
  switch (attribute) {
  case 75: *value = 8; break;  // compute capability 8.0
  case 76: *value = 0; break;
  case 16: *value = 1; break;  // one multiprocessor: grids of 4 blocks
  case 8: *value = 48 * 1024; break;
  default: *value = 0;
  }
  return 0;
}
CUresult cuDeviceTotalMem_v2(size_t* bytes, int) { *bytes = (size_t)8 << 30; return 0; }
CUresult cuDevicePrimaryCtxRetain(void** ctx, int) { *ctx = &dummy; return 0; }
CUresult cuDevicePrimaryCtxRelease_v2(int) { return 0; }
CUresult cuCtxSetCurrent(void*) { return 0; }
CUresult cuCtxSynchronize() { return 0; }
CUresult cuModuleLoadData(void** module, const void*) { *module = &dummy; return 0; }
CUresult cuModuleUnload(void*) { return 0; }
CUresult cuModuleGetFunction(void** function, void*, const char* name) {
  auto it = table().find(name);
  if (it == table().end()) return 500;  // CUDA_ERROR_NOT_FOUND
  *function = &it->second;
  return 0;
}
CUresult cuMemGetInfo_v2(size_t* free, size_t* total) {
  *free = *total = (size_t)8 << 30;
  return 0;
}
CUresult cuMemAlloc_v2(unsigned long long* address, size_t bytes) {
  void* p = aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!p) return 2;
  memset(p, 0xA5, bytes);  // garbage, as on a device
  *address = (unsigned long long)(uintptr_t)p;
  return 0;
}
CUresult cuMemFree_v2(unsigned long long address) { free((void*)(uintptr_t)address); return 0; }
CUresult cuMemHostAlloc(void** p, size_t bytes, unsigned) {
  *p = aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
  return *p ? 0 : 2;
}
CUresult cuMemFreeHost(void* p) { free(p); return 0; }
CUresult cuMemcpyHtoDAsync_v2(unsigned long long dst, const void* src, size_t bytes, void*) {
  memcpy((void*)(uintptr_t)dst, src, bytes);
  return 0;
}
CUresult cuMemcpyHtoD_v2(unsigned long long dst, const void* src, size_t bytes) {
  memcpy((void*)(uintptr_t)dst, src, bytes);
  return 0;
}
CUresult cuMemcpyDtoHAsync_v2(void* dst, unsigned long long src, size_t bytes, void*) {
  memcpy(dst, (const void*)(uintptr_t)src, bytes);
  return 0;
}
CUresult cuMemsetD8Async(unsigned long long dst, unsigned char value, size_t bytes, void*) {
  memset((void*)(uintptr_t)dst, value, bytes);
  return 0;
}
CUresult cuStreamCreate(void** stream, unsigned) { *stream = &dummy; return 0; }
CUresult cuStreamDestroy_v2(void*) { return 0; }
CUresult cuStreamSynchronize(void*) { return 0; }
CUresult cuEventCreate(void** event, unsigned) { *event = &dummy; return 0; }
CUresult cuEventRecord(void*, void*) { return 0; }
CUresult cuEventSynchronize(void*) { return 0; }
CUresult cuEventDestroy_v2(void*) { return 0; }
CUresult cuLaunchKernel(void* function, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                        unsigned by, unsigned bz, unsigned sharedBytes, void*, void** params,
                        void**) {
  if (gz != 1 || by != 1 || bz != 1 || bx != BlockPool::threads || sharedBytes > sizeof(qs_emu_dynamic_shared))
    return 1;  // CUDA_ERROR_INVALID_VALUE
  // The emulator's block state is global: one launch at a time, even from several backends.
  static std::mutex launches;
  std::lock_guard<std::mutex> lock(launches);
  run_grid(dim3{gx, gy, 1}, dim3{bx, 1, 1}, *static_cast<Launcher*>(function), params);
  return 0;
}
}
