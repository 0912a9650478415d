#!/usr/bin/env python3
"""Plain host-to-device copy rate from pinned memory, through libcuda.so.1 with ctypes.

Usage: h2d_bench.py [MiB per copy (256)] [copies (16)]. Prints `h2d_gbs=<GB/s>` (1 GB = 1e9 bytes):
the floor any streaming analysis of a checkpoint is measured against (gpu-parity.sh).
"""
import ctypes, sys, time

mib = int(sys.argv[1]) if len(sys.argv) > 1 else 256
copies = int(sys.argv[2]) if len(sys.argv) > 2 else 16
cuda = ctypes.CDLL("libcuda.so.1")


def check(status, call):
    if status != 0:
        name = ctypes.c_char_p()
        cuda.cuGetErrorName(status, ctypes.byref(name))
        sys.exit(f"{call} failed: {name.value.decode() if name.value else status}")


check(cuda.cuInit(0), "cuInit")
device = ctypes.c_int()
check(cuda.cuDeviceGet(ctypes.byref(device), 0), "cuDeviceGet")
context = ctypes.c_void_p()
check(cuda.cuDevicePrimaryCtxRetain(ctypes.byref(context), device), "cuDevicePrimaryCtxRetain")
check(cuda.cuCtxSetCurrent(context), "cuCtxSetCurrent")
size = mib << 20
host = ctypes.c_void_p()
check(cuda.cuMemHostAlloc(ctypes.byref(host), ctypes.c_size_t(size), 0), "cuMemHostAlloc")
ctypes.memset(host, 1, size)
dev = ctypes.c_uint64()
check(cuda.cuMemAlloc_v2(ctypes.byref(dev), ctypes.c_size_t(size)), "cuMemAlloc_v2")
copy = cuda.cuMemcpyHtoD_v2
copy.argtypes = [ctypes.c_uint64, ctypes.c_void_p, ctypes.c_size_t]
check(copy(dev, host, size), "cuMemcpyHtoD_v2")  # warm-up
check(cuda.cuCtxSynchronize(), "cuCtxSynchronize")
start = time.perf_counter()
for _ in range(copies):
    check(copy(dev, host, size), "cuMemcpyHtoD_v2")
check(cuda.cuCtxSynchronize(), "cuCtxSynchronize")
seconds = time.perf_counter() - start
print(f"copied {copies} x {mib} MiB in {seconds:.3f} s")
print(f"h2d_gbs={copies * size / seconds / 1e9:.2f}")
