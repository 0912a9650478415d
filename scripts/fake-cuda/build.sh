#!/usr/bin/env bash
# Builds the fake libcuda.so.1 (kernels.cu on the CPU) into DIR (default /tmp/qs-fake-cuda).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-/tmp/qs-fake-cuda}"
mkdir -p "$out"
# `extern __shared__` (dynamic shared memory) becomes the emulator's static buffer.
sed 's/extern __shared__ u32 shared\[\];/u32* shared = (u32*)qs_emu_dynamic_shared;/' \
  "$here/../../Sources/Engine/CUDA/kernels.cu" > "$out/kernels_emu.inc"
# kernels.cu includes quant_tables.h (its one header, also the C kernels'): found next to it.
"${CXX:-clang++}" -std=c++20 -O2 -ffp-contract=off -fno-fast-math -fPIC -shared -pthread \
  -Wno-unused-function -I"$here" -I"$out" -I"$here/../../Sources/Engine/CUDA" -o "$out/libcuda.so.1" "$here/fake_cuda.cpp"
echo "$out/libcuda.so.1"
