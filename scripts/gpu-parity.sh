#!/usr/bin/env bash
# GPU parity and speed check, for a machine with an NVIDIA GPU and its driver but no Swift.
#
# Build the binary elsewhere:  swift build -c release --static-swift-stdlib
# then copy it with this repository's scripts/ and Tests/Fixtures/golden, and run:
#
#   scripts/gpu-parity.sh [BINARY] [WORKDIR]
#
# BINARY defaults to $QUANTSCOPE_BIN or .build/release/quantscope; WORKDIR (default /tmp/qs-gpu-parity)
# holds the synthetic checkpoint and the JSON reports. For each model (the built-in demo, the
# golden inputs, a synthetic 7B-shaped checkpoint of >= 4 GB) it runs
#   quantscope report MODEL --format json --no-cache --engine cpu|cuda
# compares every number of the two reports (scripts/gpu_parity_compare.py: 1e-9 relative for the
# float64 sums — mse, rmse, rel_err, sqnr_db, entropy, mean, std — exact for everything else:
# counts, code counts, histograms, outlier columns, min/max/absmax, max_abs_err), and prints the
# wall times, the analysed GB/s and the ratio to a plain pinned host-to-device copy of the same
# bytes (scripts/h2d_bench.py: python3 ctypes over libcuda.so.1, no CUDA toolkit needed).
# Needs python3. Exit status: 0 when every comparison passes.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
bin="${1:-${QUANTSCOPE_BIN:-$root/.build/release/quantscope}}"
work="${2:-/tmp/qs-gpu-parity}"
golden="$root/Tests/Fixtures/golden/inputs.safetensors"
layers="${SYNTH_LAYERS:-10}"  # 7b: ~0.4 GB per layer + 0.5 GB embeddings (BF16)
mkdir -p "$work"
[ -x "$bin" ] || { echo "gpu-parity: no executable quantscope at $bin" >&2; exit 2; }

now() { date +%s.%N; }
status=0
# Every step has a time limit (STEP_TIMEOUT seconds, default 240): a hung driver call must not eat
# the whole of a short GPU lease.
qs() { timeout "${STEP_TIMEOUT:-240}" "$bin" "$@"; }

echo "== quantscope doctor"
qs doctor || true

# The synthetic checkpoint (made once; at least 4 GB: more layers when the preset is smaller).
# SKIP_SYNTH=1 leaves it out (a quick run on the demo and the golden inputs only).
synth="$work/synth-7b-$layers"
if [ -n "${SKIP_SYNTH:-}" ]; then
  synth=""
elif [ ! -d "$synth" ] || [ -z "$(ls -A "$synth" 2>/dev/null)" ]; then
  echo "== quantscope synth $synth --preset 7b --layers $layers"
  qs synth "$synth" --preset 7b --layers "$layers" || { echo "gpu-parity: synth failed" >&2; status=1; }
fi
size=$([ -n "$synth" ] && du -sb "$synth" 2>/dev/null | cut -f1)
if [ -n "${size:-}" ] && [ "$size" -lt 4000000000 ] && [ -z "${SYNTH_LAYERS:-}" ]; then
  more=$(( (4000000000 * layers + size - 1) / size + 1 ))
  synth="$work/synth-7b-$more"
  echo "== $size bytes is under 4 GB: quantscope synth $synth --preset 7b --layers $more"
  [ -d "$synth" ] || qs synth "$synth" --preset 7b --layers "$more" || status=1
fi

echo "== host-to-device copy (pinned, 256 MiB buffers)"
h2d=$(python3 "$here/h2d_bench.py" 2>&1)
echo "$h2d"
h2d_gbs=$(echo "$h2d" | sed -n 's/^h2d_gbs=//p')

run_model() {  # LABEL MODEL-ARGS...
  local label="$1"; shift
  local cpu="$work/$label.cpu.json" gpu="$work/$label.cuda.json"
  # Warm the page cache so both engines read from memory.
  for file in "$@"; do [ -e "$file" ] && find "$file" -type f -name '*.safetensors' -exec cat {} + >/dev/null 2>&1; done
  echo "== $label"
  local t0 t1 t2
  t0=$(now)
  qs report "$@" --format json --no-cache --engine cpu >"$cpu" || { echo "cpu report failed"; status=1; return; }
  t1=$(now)
  qs report "$@" --format json --no-cache --engine cuda >"$gpu" || { echo "cuda report failed"; status=1; return; }
  t2=$(now)
  python3 "$here/gpu_parity_compare.py" "$cpu" "$gpu" || status=1
  python3 - "$cpu" "$t0" "$t1" "$t2" "${h2d_gbs:-}" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
nbytes = report["model"]["bytes"]
t0, t1, t2 = map(float, sys.argv[2:5])
cpu, gpu = t1 - t0, t2 - t1
line = f"   {nbytes / 1e6:.1f} MB: cpu {cpu:.2f} s ({nbytes / cpu / 1e9:.2f} GB/s), cuda {gpu:.2f} s ({nbytes / gpu / 1e9:.2f} GB/s), speed-up {cpu / gpu:.2f}x"
if sys.argv[5]:
    h2d = float(sys.argv[5])
    line += f"; plain H2D copy {nbytes / h2d / 1e9:.3f} s: cuda at {nbytes / gpu / 1e9 / h2d * 100:.0f}% of the copy rate"
print(line)
PY
}

run_model demo
run_model golden "$golden"
[ -n "$synth" ] && [ -d "$synth" ] && run_model synth "$synth"

if [ "$status" -eq 0 ]; then echo "gpu-parity: PASS"; else echo "gpu-parity: FAIL"; fi
exit "$status"
