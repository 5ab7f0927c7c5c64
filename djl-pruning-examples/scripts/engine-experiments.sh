#!/usr/bin/env bash
# Engine configuration experiments (issue 18): the doctor's tables, the wide sweep under the configuration in
# force and under oneDNN's default, ResNet-56 throughput under each configuration (rounds interleaved so load
# changes hit every configuration), and the width-aware alternative: channel pruning of ResNet-56 to half the
# MACs with any widths vs multiples of 16, evaluated under oneDNN's default and under the safe configuration.
# Resumable: each step writes OUT/<step>.txt atomically and is skipped when that file exists.
# Usage: djl-pruning-examples/scripts/engine-experiments.sh [OUT] [ROUNDS]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/runs/engine}"
rounds="${2:-3}"
cli="$root/bin/djl-pruning"
export DJL_DISABLE_PROGRESS_BAR=true
mkdir -p "$out"

step() { # name, then the command (environment assignments allowed through env)
  local name="$1"; shift
  [[ -f "$out/$name.txt" ]] && { echo "== $name: done earlier"; return; }
  echo "== $name: $*"
  local start=$SECONDS
  { echo "\$ $*"; "$@"; echo "exit $? after $(( SECONDS - start )) s"; } >"$out/$name.tmp" 2>&1
  mv "$out/$name.tmp" "$out/$name.txt"
  tail -3 "$out/$name.txt"
}

step doctor "$cli" doctor
step sweep-in-force "$cli" doctor --sweep --no-candidates
step sweep-default env ONEDNN_MAX_CPU_ISA=ALL "$cli" doctor --sweep --no-candidates

# A faulty configuration runs only with DJL_PRUNING_ENGINE_CHECK=warn: its speed is measured, its numbers not used.
configs=("default ONEDNN_MAX_CPU_ISA=ALL" "avx2 ONEDNN_MAX_CPU_ISA=AVX2" "avx ONEDNN_MAX_CPU_ISA=AVX"
  "sse41 ONEDNN_MAX_CPU_ISA=SSE41" "onednn-off ONEDNN_MAX_CPU_ISA=SSE41 DJL_PRUNING_ONEDNN=off")
for r in $(seq 1 "$rounds"); do
  for c in "${configs[@]}"; do
    read -r name vars <<<"$c"
    step "throughput-$name-$r" env $vars DJL_PRUNING_ENGINE_CHECK=warn "$cli" throughput -m resnet56 \
      --steps 10 --warmup 3 --eval-images 2000
  done
done

for round in 1 16; do
  for c in "default ONEDNN_MAX_CPU_ISA=ALL" "sse41 ONEDNN_MAX_CPU_ISA=SSE41"; do
    read -r name vars <<<"$c"
    step "channel-round$round-$name" env $vars DJL_PRUNING_ENGINE_CHECK=warn "$cli" channel -m resnet56 \
      --criterion l1 --macs 0.5 --round-to "$round" --output "$out/channel-round$round-$name"
  done
done
