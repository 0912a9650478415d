// CPU emulation of the CUDA device features kernels.cu uses, so the same source runs on a
// machine without a GPU (the fake libcuda.so.1 of this folder). One OS thread per CUDA thread;
// the blocks of a grid run one after another, so `__shared__` can be a function-local static.
// IEEE semantics: compile with -ffp-contract=off; the _rn intrinsics are plain operations.
#pragma once
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>

#define __global__
#define __device__
#define __forceinline__ inline
#define __constant__ static const
#define __shared__ static

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
};
extern thread_local dim3 threadIdx, blockIdx;
extern dim3 blockDim, gridDim;

/// Per-block synchronisation state, set by the launcher.
struct QSWarp {
  std::barrier<>* barrier;
  unsigned char slots[32][8];
};
extern std::barrier<>* qs_emu_block_barrier;
extern QSWarp qs_emu_warps[32];
extern unsigned char qs_emu_dynamic_shared[64 * 1024];

inline void __syncthreads() { qs_emu_block_barrier->arrive_and_wait(); }

template <class T> inline T qs_emu_exchange(T v, int source) {
  QSWarp& warp = qs_emu_warps[threadIdx.x / 32];
  int lane = threadIdx.x % 32;
  warp.barrier->arrive_and_wait();
  std::memcpy(warp.slots[lane], &v, sizeof(T));
  warp.barrier->arrive_and_wait();
  T result = v;
  if (source >= 0 && source < 32) std::memcpy(&result, warp.slots[source], sizeof(T));
  return result;
}
template <class T> inline T __shfl_down_sync(unsigned, T v, int offset) {
  return qs_emu_exchange(v, (int)(threadIdx.x % 32) + offset);
}
template <class T> inline T __shfl_sync(unsigned, T v, int lane) { return qs_emu_exchange(v, lane); }

inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __frcp_rn(float a) { return 1.0f / a; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
inline long long __double_as_longlong(double d) { long long u; std::memcpy(&u, &d, 8); return u; }
inline double __longlong_as_double(long long u) { double d; std::memcpy(&d, &u, 8); return d; }
using std::isinf;
using std::isnan;
template <class T> inline T min(T a, T b) { return b < a ? b : a; }

inline unsigned atomicAdd(unsigned* p, unsigned v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
inline unsigned long long atomicAdd(unsigned long long* p, unsigned long long v) {
  return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}
template <class T> inline T qs_emu_atomic_max(T* p, T v) {
  T seen = __atomic_load_n(p, __ATOMIC_RELAXED);
  while (v > seen && !__atomic_compare_exchange_n(p, &seen, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
  return seen;
}
inline unsigned atomicMax(unsigned* p, unsigned v) { return qs_emu_atomic_max(p, v); }
inline unsigned long long atomicMax(unsigned long long* p, unsigned long long v) {
  return qs_emu_atomic_max(p, v);
}
