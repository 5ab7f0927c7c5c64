#!/usr/bin/env bash
# Engine configuration experiments (issue 18): the doctor's tables, the wide sweep under the configuration in
# force and under oneDNN's default, ResNet-56 throughput under each configuration (rounds interleaved so load
# changes hit every configuration), and the width-aware alternative (below).
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
  "sse41 ONEDNN_MAX_CPU_ISA=SSE41")
throughput() { # name, round, environment assignments
  local name="$1" r="$2"; shift 2
  step "throughput-$name-$r" env "$@" DJL_PRUNING_ENGINE_CHECK=warn "$cli" throughput -m resnet56 \
    --steps 10 --warmup 3 --eval-images 2000
}
for r in $(seq 1 "$rounds"); do
  for c in "${configs[@]}"; do
    read -r name vars <<<"$c"
    throughput "$name" "$r" $vars
  done
done
# oneDNN off is 5-10x slower than the rest: one round.
throughput onednn-off 1 ONEDNN_MAX_CPU_ISA=SSE41 DJL_PRUNING_ONEDNN=off

# The width-aware alternative: ResNet-56 pruned to half the MACs with widths on multiples of 16, run in the
# width-aware mode (DJL_PRUNING_WIDTHS=16 picks the fastest configuration correct for such widths) and under the
# safe configuration; and with free widths under oneDNN's default, which the pruner's verification should refuse.
channel() { # name, round-to, environment assignments
  local name="$1" round="$2"; shift 2
  step "channel-$name" env "$@" "$cli" channel -m resnet56 --criterion l1 --macs 0.5 --round-to "$round" \
    --output "$out/channel-$name"
}
channel round16-widths16 16 DJL_PRUNING_WIDTHS=16
channel round16-sse41 16 ONEDNN_MAX_CPU_ISA=SSE41
channel round1-default 1 ONEDNN_MAX_CPU_ISA=ALL DJL_PRUNING_ENGINE_CHECK=warn
channel round1-sse41 1 ONEDNN_MAX_CPU_ISA=SSE41
