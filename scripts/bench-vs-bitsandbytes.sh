#!/usr/bin/env bash
# The speed comparison of issue #3, in one run: QuantScope's full analysis (all six formats, best
# of 3, file in the page cache) against bitsandbytes' own CPU round trips computing the same metrics
# (scripts/bnb_baseline.py: nf4, fp4, nf4+double quant, dyn8, int8; no int4, which favours it).
#
#   scripts/bench-vs-bitsandbytes.sh MODEL.safetensors [QUANTSCOPE]
#
# Needs a python with torch (CPU) and bitsandbytes 0.50.2: PYTHON=/path/to/venv/bin/python.
# QUANTSCOPE defaults to .build/release/quantscope (swift build -c release).
set -euo pipefail
model=${1:?usage: bench-vs-bitsandbytes.sh MODEL.safetensors [QUANTSCOPE]}
quantscope=${2:-.build/release/quantscope}
python=${PYTHON:-python3}
here=$(cd "$(dirname "$0")" && pwd)

bench=$("$quantscope" bench "$model" --repeat 3)
ours=$(awk '$1 == "analysis" { print $2 }' <<<"$bench" | sort -g | head -1)
theirs=$("$python" "$here/bnb_baseline.py" "$model" 2>/dev/null | awk '$1 == "bitsandbytes" { print $2 }')
awk '$1 == "model" || $1 == "engine"' <<<"$bench"
printf 'quantscope    %8.3f s  (all 6 formats, best of 3)\n' "$ours"
printf 'bitsandbytes  %8.3f s  (5 formats, scripts/bnb_baseline.py)\n' "$theirs"
awk -v a="$theirs" -v b="$ours" 'BEGIN { printf "ratio         %8.1fx faster\n", a / b }'
