#!/usr/bin/env python3
"""Compiles Sources/Engine/CUDA/kernels.cu with NVRTC through ctypes (no Swift needed).

Usage: scripts/nvrtc-compile.py [ARCH ...]   (default: sm_80 sm_90). Prints the NVRTC version, the
supported architectures, and per arch the output size or the compile log. Exit status 1 on failure.
"""
import ctypes, os, sys

def load():
    for name in ("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"):
        try:
            return ctypes.CDLL(name)
        except OSError:
            pass
    sys.exit("NVRTC not found")

nvrtc = load()
nvrtc.nvrtcGetErrorString.restype = ctypes.c_char_p
major, minor = ctypes.c_int(), ctypes.c_int()
nvrtc.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor))
count = ctypes.c_int()
nvrtc.nvrtcGetNumSupportedArchs(ctypes.byref(count))
archs = (ctypes.c_int * count.value)()
nvrtc.nvrtcGetSupportedArchs(archs)
print(f"NVRTC {major.value}.{minor.value}; archs {list(archs)}")
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
source = open(os.path.join(root, "Sources/Engine/CUDA/kernels.cu"), "rb").read()
failed = False
for arch in sys.argv[1:] or ["sm_80", "sm_90"]:
    prog = ctypes.c_void_p()
    nvrtc.nvrtcCreateProgram(ctypes.byref(prog), source, b"kernels.cu", 0, None, None)
    opts = [f"--gpu-architecture={arch}".encode(), b"--fmad=false", b"--ftz=false",
            b"--prec-div=true", b"--prec-sqrt=true", b"--std=c++17"]
    arr = (ctypes.c_char_p * len(opts))(*opts)
    rc = nvrtc.nvrtcCompileProgram(prog, len(opts), arr)
    size = ctypes.c_size_t()
    nvrtc.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
    log = ctypes.create_string_buffer(size.value)
    nvrtc.nvrtcGetProgramLog(prog, log)
    if rc != 0:
        failed = True
        print(f"{arch}: {nvrtc.nvrtcGetErrorString(rc).decode()}\n{log.value.decode()}")
    else:
        out = ctypes.c_size_t()
        if arch.startswith("sm_"):
            nvrtc.nvrtcGetCUBINSize(prog, ctypes.byref(out))
        else:
            nvrtc.nvrtcGetPTXSize(prog, ctypes.byref(out))
        print(f"{arch}: ok, {out.value} bytes" + (f"\n{log.value.decode()}" if log.value.strip() else ""))
    nvrtc.nvrtcDestroyProgram(ctypes.byref(prog))
sys.exit(1 if failed else 0)
