#!/usr/bin/env bash
# The whole GPU check in one run, for a short lease on a machine with an NVIDIA GPU but no Swift.
#
# Here (with Swift):  swift build -c release --static-swift-stdlib
#                     scripts/gpu-run.sh --stage      # copies the binary and its ncurses libs to .gpu/
# There (in a copy of the repository that carries .gpu/):
#                     scripts/gpu-run.sh [OUTDIR]
#
# Prints, in order: the machine (GPU, driver, PCIe link, NVRTC libraries found), then
# scripts/gpu-parity.sh (doctor; the pinned host-to-device copy rate; CPU vs CUDA reports on the demo,
# the golden inputs and a 7B-shaped synthetic checkpoint of >= 4 GB, every number compared; wall
# times), the same parity with the ahead-of-time PTX instead of NVRTC (QUANTSCOPE_CUDA_KERNELS=
# precompiled), the pre-quantized fixtures on both engines, and `quantscope bench` on the 7B-shaped
# checkpoint for both engines (analysis time in-process, against a plain read pass of the same bytes).
# A log and the JSON reports are written under OUTDIR (default $OUT, else /tmp/qs-gpu-out).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
stage="$root/.gpu"

if [ "${1:-}" = "--stage" ]; then
  mkdir -p "$stage/lib"
  cp "$root/.build/release/quantscope" "$stage/quantscope"
  for lib in $(ldd "$stage/quantscope" | awk '/ncurses|tinfo/ {print $3}'); do
    cp -L "$lib" "$stage/lib/"
  done
  ls -la "$stage" "$stage/lib"
  exit 0
fi

out="${1:-${OUT:-/tmp/qs-gpu-out}}"
work=/tmp/qs-gpu-work
mkdir -p "$out" "$work"
bin="$stage/quantscope"
# The image may lack ncursesw: use the carried copies only for what the loader cannot find.
if ldd "$bin" | grep -q 'not found'; then export LD_LIBRARY_PATH="$stage/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
log="$out/run.log"
exec > >(tee "$log") 2>&1

echo "== machine"
date -u
nvidia-smi --query-gpu=name,driver_version,memory.total,pcie.link.gen.current,pcie.link.width.current,clocks.sm,clocks.mem --format=csv
echo "cpus: $(nproc); $(grep -m1 'model name' /proc/cpuinfo)"
echo "avx512: $(grep -c avx512bw /proc/cpuinfo) of $(nproc) cpus list avx512bw"
echo "nvrtc libraries:"; ldconfig -p | grep -i nvrtc; ls /usr/local/cuda/lib64/libnvrtc* 2>/dev/null
ldd "$bin" | grep -E 'not found|ncurses|tinfo'

status=0
now_s() { date +%s.%N; }
echo
echo "== parity and wall times (NVRTC at run time)"
STEP_TIMEOUT=180 "$here/gpu-parity.sh" "$bin" "$work" || status=1
synth=$(ls -d "$work"/synth-7b-* 2>/dev/null | tail -1)

echo
echo "== parity with the ahead-of-time PTX (QUANTSCOPE_CUDA_KERNELS=precompiled), demo and golden"
mkdir -p "$work/ptx"
QUANTSCOPE_CUDA_KERNELS=precompiled SKIP_SYNTH=1 STEP_TIMEOUT=120 "$here/gpu-parity.sh" "$bin" "$work/ptx" || status=1

echo
echo "== pre-quantized fixtures, cpu vs cuda"
for dir in "$root"/Tests/Fixtures/prequantized/*/; do
  name=$(basename "$dir"); [ "$name" = expected ] && continue
  timeout 60 "$bin" report "$dir" --format json --no-cache --engine cpu >"$work/pq-$name.cpu.json" &&
    timeout 60 "$bin" report "$dir" --format json --no-cache --engine cuda >"$work/pq-$name.cuda.json" &&
    python3 "$here/gpu_parity_compare.py" "$work/pq-$name.cpu.json" "$work/pq-$name.cuda.json" >"$work/pq-$name.txt" 2>&1 &&
    echo "   $name: $(tail -1 "$work/pq-$name.txt")" || { echo "   $name: FAIL"; cat "$work/pq-$name.txt" 2>/dev/null | tail -5; status=1; }
done

if [ -n "$synth" ]; then
  echo
  echo "== bench on $synth (in-process analysis time, file in page cache)"
  find "$synth" -name '*.safetensors' -exec cat {} + >/dev/null
  timeout 150 "$bin" bench "$synth" --engine cuda --repeat 3 || status=1
  timeout 120 "$bin" bench "$synth" --engine cpu --jobs "$(nproc)" --repeat 1 || status=1
  echo "-- cuda, where the time goes (QUANTSCOPE_CUDA_TRACE=1: every kernel waited for, so slower)"
  QUANTSCOPE_CUDA_TRACE=1 timeout 100 "$bin" bench "$synth" --engine cuda || status=1
  echo "-- the same with the ahead-of-time PTX"
  QUANTSCOPE_CUDA_KERNELS=precompiled timeout 100 "$bin" bench "$synth" --engine cuda --repeat 1 || status=1

  echo
  echo "== report end to end (one process each; compiled kernels cached in a fresh XDG folder)"
  export XDG_CACHE_HOME="$work/xdg-cache"
  h2d=$(python3 "$here/h2d_bench.py" | sed -n 's/^h2d_gbs=//p')
  gb=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['model']['bytes']/1e9)" "$work/synth.cpu.json")
  echo "   plain pinned host-to-device copy: $h2d GB/s; the model's tensors: $gb GB"
  rm -rf "$XDG_CACHE_HOME"
  for staging in default 0 128; do
    for run in 1 2; do
      t0=$(now_s)
      if [ "$staging" = default ]; then
        QUANTSCOPE_CUDA_TRACE=1 timeout 100 "$bin" report "$synth" --engine cuda --no-cache --format json \
          >"$work/e2e.json" 2>"$work/e2e-$staging-$run.trace" || status=1
      else
        QUANTSCOPE_CUDA_STAGING_MIB=$staging QUANTSCOPE_CUDA_TRACE=1 timeout 100 "$bin" report "$synth" \
          --engine cuda --no-cache --format json >"$work/e2e.json" 2>"$work/e2e-$staging-$run.trace" || status=1
      fi
      t1=$(now_s)
      echo "   staging $staging, run $run: $(python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); gb,h=float(sys.argv[3]),float(sys.argv[4]); print(f'{t:.3f} s, {gb/t:.2f} GB/s = {gb/t/h*100:.0f}% of the copy rate')" "$t0" "$t1" "$gb" "$h2d")"
      grep -E 'load:|pin host|under the lock' "$work/e2e-$staging-$run.trace" | sed 's/^/      /'
    done
  done
  t0=$(now_s)
  timeout 100 "$bin" report "$synth" --engine cpu --no-cache --format json >"$work/e2e-cpu.json" || status=1
  t1=$(now_s)
  echo "   cpu engine: $(python3 -c "import sys; print(f'{float(sys.argv[2])-float(sys.argv[1]):.3f} s')" "$t0" "$t1")"
  python3 "$here/gpu_parity_compare.py" "$work/e2e-cpu.json" "$work/e2e.json" || status=1
fi

(cd "$work" && tar czf "$out/reports.tgz" --exclude='synth-*' --exclude='ptx/synth-*' ./*.json ptx/*.json 2>/dev/null)
echo
if [ "$status" -eq 0 ]; then echo "gpu-run: PASS"; else echo "gpu-run: FAIL"; fi
exit "$status"
