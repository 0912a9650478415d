#!/usr/bin/env bash
# The speed figures alone (no parity), for a short GPU run while tuning: bench on the 7B-shaped
# checkpoint with the defaults, traced (QUANTSCOPE_CUDA_TRACE=1) and with staging, the CPU engine,
# two whole `report` processes and, with NCU=1, Nsight Compute on the heaviest kernels of one
# tensor. Staged as in gpu-run.sh (.gpu/quantscope); writes OUTDIR/bench.log (default $OUT).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/../.gpu/quantscope"
out="${1:-${OUT:-/tmp/qs-gpu-out}}"
mkdir -p "$out"
exec > >(tee "$out/bench.log") 2>&1
export XDG_CACHE_HOME=/tmp/qs-gpu-cache
synth=/tmp/qs-gpu-work/synth-7b-10
[ -d "$synth" ] || timeout 120 "$bin" synth "$synth" --preset 7b --layers 10 >/dev/null
find "$synth" -name '*.safetensors' -exec cat {} + >/dev/null
python3 "$here/h2d_bench.py"
echo "== cuda, defaults"
timeout 100 "$bin" bench "$synth" --engine cuda --repeat 3
echo "== cuda, traced (every kernel waited for, so slower)"
QUANTSCOPE_CUDA_TRACE=1 timeout 100 "$bin" bench "$synth" --engine cuda
echo "== cuda, QUANTSCOPE_CUDA_STAGING_MIB=512"
QUANTSCOPE_CUDA_STAGING_MIB=512 timeout 100 "$bin" bench "$synth" --engine cuda --repeat 3
echo "== cpu"
timeout 100 "$bin" bench "$synth" --engine cpu --repeat 2
for run in 1 2; do
  t0=$(date +%s.%N)
  timeout 100 "$bin" report "$synth" --engine cuda --no-cache --format json >/dev/null
  t1=$(date +%s.%N)
  echo "report --engine cuda, run $run: $(python3 -c "import sys; print(f'{float(sys.argv[2])-float(sys.argv[1]):.3f} s')" "$t0" "$t1")"
done
ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda/bin/ncu 2>/dev/null | head -1)
if [ -n "${NCU:-}" ] && [ -n "$ncu" ]; then
  echo "== $ncu on layers.0.mlp.down_proj"
  timeout 120 "$ncu" --clock-control none \
    --kernel-name regex:'qs_block_error|qs_nf4_error|qs_fp4_error|qs_histogram|qs_stats|qs_int8_error' \
    --launch-count 8 --section SpeedOfLight --section Occupancy --section WarpStateStats \
    "$bin" report "$synth" --match 'layers\.0\.mlp\.down_proj' --engine cuda --no-cache --format json \
    >"$out/ncu.txt" 2>&1
  grep -E '^  qs_|Duration|Compute \(SM\) Throughput|Warp Cycles Per Issued' "$out/ncu.txt" | head -80
fi
