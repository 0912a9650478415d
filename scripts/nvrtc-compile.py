#!/usr/bin/env python3
"""Compiles Sources/Engine/CUDA/kernels.cu with NVRTC through ctypes (no Swift needed), handing it
the table header Sources/Engine/CUDA/quant_tables.h by name, as CUDACompiler does.

Usage: scripts/nvrtc-compile.py [ARCH ...]   (default: sm_80 sm_90). Prints the NVRTC version, the
supported architectures, and per arch the output size or the compile log. Exit status 1 on failure.
Also imported by scripts/regen-ptx.py (`load`, `sources`, `compile_program`).
"""
import ctypes, os, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CUDA_DIR = os.path.join(ROOT, "Sources/Engine/CUDA")
# The options of CUDACompiler.options (plus the architecture).
OPTIONS = ["--fmad=false", "--ftz=false", "--prec-div=true", "--prec-sqrt=true", "--std=c++17"]
# The headers NVRTC gets as strings, by include name (CUDACompiler.headers).
HEADERS = ["quant_tables.h"]


def load():
    for name in ("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"):
        try:
            nvrtc = ctypes.CDLL(name)
            nvrtc.nvrtcGetErrorString.restype = ctypes.c_char_p
            return nvrtc
        except OSError:
            pass
    sys.exit("NVRTC not found (.ci/install-nvrtc.sh installs it)")


def sources():
    """(kernels.cu bytes, [(include name, header bytes)])."""
    def read(name):
        with open(os.path.join(CUDA_DIR, name), "rb") as f:
            return f.read()
    return read("kernels.cu"), [(name, read(name)) for name in HEADERS]


def compile_program(nvrtc, arch):
    """Compiles for `arch`; returns (status, log, program). Destroy the program when done."""
    source, headers = sources()
    prog = ctypes.c_void_p()
    contents = (ctypes.c_char_p * len(headers))(*[text for _, text in headers])
    names = (ctypes.c_char_p * len(headers))(*[name.encode() for name, _ in headers])
    nvrtc.nvrtcCreateProgram(ctypes.byref(prog), source, b"kernels.cu", len(headers), contents, names)
    opts = [f"--gpu-architecture={arch}".encode()] + [o.encode() for o in OPTIONS]
    rc = nvrtc.nvrtcCompileProgram(prog, len(opts), (ctypes.c_char_p * len(opts))(*opts))
    size = ctypes.c_size_t()
    nvrtc.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
    log = ctypes.create_string_buffer(size.value)
    nvrtc.nvrtcGetProgramLog(prog, log)
    return rc, log.value.decode(), prog


def main():
    nvrtc = load()
    major, minor = ctypes.c_int(), ctypes.c_int()
    nvrtc.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor))
    count = ctypes.c_int()
    nvrtc.nvrtcGetNumSupportedArchs(ctypes.byref(count))
    archs = (ctypes.c_int * count.value)()
    nvrtc.nvrtcGetSupportedArchs(archs)
    print(f"NVRTC {major.value}.{minor.value}; archs {list(archs)}")
    failed = False
    for arch in sys.argv[1:] or ["sm_80", "sm_90"]:
        rc, log, prog = compile_program(nvrtc, arch)
        if rc != 0:
            failed = True
            print(f"{arch}: {nvrtc.nvrtcGetErrorString(rc).decode()}\n{log}")
        else:
            out = ctypes.c_size_t()
            if arch.startswith("sm_"):
                nvrtc.nvrtcGetCUBINSize(prog, ctypes.byref(out))
            else:
                nvrtc.nvrtcGetPTXSize(prog, ctypes.byref(out))
            print(f"{arch}: ok, {out.value} bytes" + (f"\n{log}" if log.strip() else ""))
        nvrtc.nvrtcDestroyProgram(ctypes.byref(prog))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
