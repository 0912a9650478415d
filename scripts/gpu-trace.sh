#!/usr/bin/env bash
# A short GPU run that says where the CUDA backend's time goes (QUANTSCOPE_CUDA_TRACE=1), on the
# 7B-shaped synthetic checkpoint: bench untraced, bench traced, bench with one job. Staged as in
# gpu-run.sh (.gpu/quantscope); writes OUTDIR/trace.log (default $OUT).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/../.gpu/quantscope"
out="${1:-${OUT:-/tmp/qs-gpu-out}}"
mkdir -p "$out"
exec > >(tee "$out/trace.log") 2>&1
synth=/tmp/qs-gpu-work/synth-7b-10
[ -d "$synth" ] || timeout 120 "$bin" synth "$synth" --preset 7b --layers 10 >/dev/null
find "$synth" -name '*.safetensors' -exec cat {} + >/dev/null
python3 "$here/h2d_bench.py"
timeout 100 "$bin" bench "$synth" --engine cuda --repeat 2
QUANTSCOPE_CUDA_TRACE=1 timeout 100 "$bin" bench "$synth" --engine cuda
QUANTSCOPE_CUDA_TRACE=1 timeout 100 "$bin" bench "$synth" --engine cuda --formats int8
timeout 100 "$bin" bench "$synth" --engine cuda --jobs 1
