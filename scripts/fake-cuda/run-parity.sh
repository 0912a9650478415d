#!/usr/bin/env bash
# Runs the CUDA backend end to end on a machine without a GPU: builds the fake libcuda.so.1
# (kernels.cu emulated on the CPU, see fake_cuda.cpp) and either
#   run-parity.sh [MODEL]    compares `quantscope report --format json` of --engine cpu and
#                            --engine cuda (default MODEL: Tests/Fixtures/golden/inputs.safetensors;
#                            needs a built .build/debug/quantscope), or
#   run-parity.sh --tests    runs the CUDABackendParityTests suite (slow: several minutes).
# What it cannot show: real-GPU concurrency (the fake's streams are synchronous) and hardware
# arithmetic (the emulation uses IEEE float/double with -ffp-contract=off, as the kernels demand).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lib="$(bash "$here/build.sh" /tmp/qs-fake-cuda)"
export LD_LIBRARY_PATH="$(dirname "$lib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
cd "$root"
if [ "${1:-}" = "--tests" ]; then
  exec swift test --filter CUDABackendParityTests
fi
model="${1:-$root/Tests/Fixtures/golden/inputs.safetensors}"
bin="$root/.build/debug/quantscope"
[ -x "$bin" ] || swift build --product quantscope
"$bin" doctor | grep -E "cuda|engine" || true
"$bin" report "$model" --format json --no-cache --engine cpu >/tmp/qs-fake-cpu.json
"$bin" report "$model" --format json --no-cache --engine cuda >/tmp/qs-fake-cuda.json
python3 "$root/scripts/gpu_parity_compare.py" /tmp/qs-fake-cpu.json /tmp/qs-fake-cuda.json
