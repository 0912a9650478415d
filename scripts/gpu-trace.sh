#!/usr/bin/env bash
# A short GPU run that says where the CUDA backend's time goes, on the 7B-shaped synthetic
# checkpoint: bench untraced, bench with QUANTSCOPE_CUDA_TRACE=1, two end-to-end `report` runs (the
# second with the compiled kernels cached on disk) and, with NCU=1, Nsight Compute on the heaviest
# kernels of one tensor. Staged as in gpu-run.sh (.gpu/quantscope); writes OUTDIR/trace.log
# (default $OUT).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/../.gpu/quantscope"
out="${1:-${OUT:-/tmp/qs-gpu-out}}"
mkdir -p "$out"
exec > >(tee "$out/trace.log") 2>&1
export XDG_CACHE_HOME=/tmp/qs-gpu-cache
synth=/tmp/qs-gpu-work/synth-7b-10
[ -d "$synth" ] || timeout 120 "$bin" synth "$synth" --preset 7b --layers 10 >/dev/null
find "$synth" -name '*.safetensors' -exec cat {} + >/dev/null
python3 "$here/h2d_bench.py"
timeout 100 "$bin" bench "$synth" --engine cuda --repeat 3
QUANTSCOPE_CUDA_TRACE=1 timeout 100 "$bin" bench "$synth" --engine cuda
for run in 1 2; do
  start=$(date +%s.%N)
  timeout 100 "$bin" report "$synth" --engine cuda --no-cache --format json >/tmp/qs-e2e-$run.json
  end=$(date +%s.%N)
  python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); print(f'report end to end, run $run: {t:.3f} s, {4.572/t:.2f} GB/s')" "$start" "$end"
done
timeout 100 "$bin" report "$synth" --engine cpu --no-cache --format json >/tmp/qs-e2e-cpu.json
python3 "$here/gpu_parity_compare.py" /tmp/qs-e2e-cpu.json /tmp/qs-e2e-2.json
ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda/bin/ncu 2>/dev/null | head -1)
if [ -n "${NCU:-}" ] && [ -n "$ncu" ]; then
  echo "== $ncu on layers.0.mlp.down_proj"
  timeout 120 "$ncu" --clock-control none \
    --kernel-name regex:'qs_block_error|qs_nf4_error|qs_histogram|qs_stats|qs_int8_error' --launch-count 8 \
    --section SpeedOfLight --section Occupancy --section WarpStateStats \
    "$bin" report "$synth" --match 'layers\.0\.mlp\.down_proj' --engine cuda --no-cache --format json \
    >"$out/ncu.txt" 2>&1
  grep -E '^  qs_|Duration|Compute \(SM\) Throughput|Warp Cycles Per Issued' "$out/ncu.txt" | head -80
fi
