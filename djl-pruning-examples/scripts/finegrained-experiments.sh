#!/usr/bin/env bash
# Fine-grained pruning experiments (issue 5). Resumable: each step is skipped or resumed on rerun.
# Usage: djl-pruning-examples/scripts/finegrained-experiments.sh [output-folder]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/runs/finegrained}"
cli="$root/bin/djl-pruning"
export DJL_DISABLE_PROGRESS_BAR=true
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u) =="
echo "== mask upkeep overhead per training step (batch 128, 75% sparsity) =="
"$cli" throughput --model resnet56 --batch-size 128 --steps 8 --warmup 3 --eval-images 500 --mask-overhead 0.75
echo "== ResNet-20: scan, allocate to 25% nonzero size, prune, 5 epochs =="
"$cli" finegrained --model resnet20 --budget 0.25 --epochs 5 --output "$out/resnet20-budget25"
echo "== ResNet-20 to 80% sparsity, 3 epochs: one-shot vs AGP =="
"$cli" finegrained --model resnet20 --sparsity 0.8 --epochs 3 --pruning-schedule oneshot --output "$out/resnet20-oneshot80"
"$cli" finegrained --model resnet20 --sparsity 0.8 --epochs 3 --pruning-schedule agp --output "$out/resnet20-agp80"
echo "== ResNet-56: scan, allocate to 25% nonzero size, prune, 5 epochs =="
"$cli" finegrained --model resnet56 --budget 0.25 --epochs 5 --output "$out/resnet56-budget25"
echo "== done $(date -u) =="
