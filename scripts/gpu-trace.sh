#!/usr/bin/env bash
# A short GPU run that says where the CUDA backend's time goes, on the 7B-shaped synthetic
# checkpoint: bench untraced, bench with QUANTSCOPE_CUDA_TRACE=1, and Nsight Compute (when there) on
# the heaviest kernels of one tensor. Staged as in gpu-run.sh (.gpu/quantscope); writes
# OUTDIR/trace.log (default $OUT).
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
timeout 100 "$bin" bench "$synth" --engine cpu
ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda/bin/ncu 2>/dev/null | head -1)
if [ -n "$ncu" ]; then
  echo "== $ncu on layers.0.mlp.down_proj"
  timeout 120 "$ncu" --clock-control none \
    --kernel-name regex:'qs_block_error|qs_nf4_error|qs_histogram|qs_stats|qs_int8_error' --launch-count 8 \
    --section SpeedOfLight --section Occupancy --section WarpStateStats \
    "$bin" report "$synth" --match 'layers\.0\.mlp\.down_proj' --engine cuda --no-cache --format json \
    >"$out/ncu.txt" 2>&1
  grep -E '^  qs_|Duration|Memory Throughput|Compute \(SM\) Throughput|Achieved Occupancy|Stall|Warp Cycles Per Issued|DRAM Throughput|SM Frequency' "$out/ncu.txt" | head -150
fi
