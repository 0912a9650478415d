#!/usr/bin/env bash
# The speed figures alone (no parity), for a short GPU run: bench on the 7B-shaped checkpoint with
# the defaults and with staging, the CPU engine, and two whole `report` processes. Staged as in
# gpu-run.sh (.gpu/quantscope); writes OUTDIR/bench.log (default $OUT).
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
