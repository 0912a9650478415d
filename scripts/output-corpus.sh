#!/usr/bin/env bash
# Writes what one quantscope binary prints for a fixed set of commands into OUT, one file each, so
# that two builds can be compared byte for byte (`diff -r OUT_BEFORE OUT_AFTER`): the proof that a
# refactor changed no output.
#   usage: scripts/output-corpus.sh BINARY OUT
# Uses the demo, the golden inputs and a small synthetic model; HOME and XDG folders are temporary,
# the analysis cache is bypassed, and timings (bench) are left out because they vary from run to run.
set -uo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"; out=$(cd "$out" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export HOME=$work/home XDG_CACHE_HOME=$work/cache XDG_CONFIG_HOME=$work/config XDG_STATE_HOME=$work/state
mkdir -p "$HOME"
golden=$root/Tests/Fixtures/golden/inputs.safetensors
"$bin" demo --write "$work/demo" >/dev/null 2>&1
"$bin" synth "$work/synth" --preset 1b --layers 2 >/dev/null 2>&1
run() { # name, args...
  local name=$1; shift
  (cd "$work" && "$bin" "$@" >"$out/$name.out" 2>"$out/$name.err"; echo "exit $?" >>"$out/$name.err")
  sed -i "s|$work|WORK|g" "$out/$name.out" "$out/$name.err"
}
for model in demo synth golden; do
  path=$work/$model; [ $model = golden ] && path=$golden
  run "$model-inspect" inspect "$path"
  run "$model-inspect-json" inspect "$path" --json
  for format in table json csv; do run "$model-report-$format" report "$path" --no-cache --format $format; done
  run "$model-report-bs128" report "$path" --no-cache --blocksize 128 --threshold 3.5 --bins 32 --format json
  run "$model-export" export "$path" -o -
  run "$model-export-fp4-skip" export "$path" --quant fp4 --skip-worst 2 -o -
  run "$model-export-int8" export "$path" --quant int8 -o -
done
run demo-report-activations report "$work/demo" --no-cache --activations "$work/demo/activations.safetensors"
run bad-model report "$work/does-not-exist"
run help help
for command in inspect report export demo synth bench doctor; do run "help-$command" help $command; done
# What config.json decides: GPT-2's dimensions under other names (n_embd, n_layer: the training
# estimate falls back to the shapes), MoE experts, stored quantization's quantization_config.
fixtures=$root/Tests/Fixtures
"$bin" synth "$work/gpt2" --preset gpt2 --size small --layers 2 >/dev/null 2>&1
"$bin" synth "$work/mixtral" --preset mixtral --size small --layers 2 >/dev/null 2>&1
for model in gpt2 conv1d mixtral; do
  path=$work/$model; [ $model = conv1d ] && path=$fixtures/checkpoints/conv1d
  run "$model-inspect" inspect "$path"
  run "$model-export-t4" export "$path" --no-cache --transformers 4 -o -
  run "$model-plan-training" plan "$path" --no-cache --budget 24GB --training
  run "$model-plan-training-json" plan "$path" --no-cache --budget 1GB --training --format json
done
for stored in nf4 nf4-dq fp4 int8 fp8-block fp8-row gpt2-nf4-dq gpt2-int8; do
  run "stored-$stored-inspect" inspect "$fixtures/prequantized/$stored"
  run "stored-$stored-export" export "$fixtures/prequantized/$stored" --no-cache -o -
done
