#!/usr/bin/env bash
# Measurement experiments (issue 4): profiles, latency of VGG / ResNet-56 at batch 1 and 32, the Lab 1
# latency table for VGG vs its 30%-channel-narrowed shape, and ResNet-56 weight plots.
# Usage: djl-pruning-examples/scripts/measurement-experiments.sh [plot-folder]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
plots="${1:-$root/docs/results/plots}"
cli="$root/bin/djl-pruning"
export DJL_DISABLE_PROGRESS_BAR=true
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) =="
for conv in conv-linear torchprofile; do
  echo "== profile vgg --convention $conv =="; "$cli" profile --model vgg --convention "$conv"
  echo "== profile resnet56 --convention $conv =="; "$cli" profile --model resnet56 --convention "$conv"
done
echo "== bench vgg vs vgg-slim70 (Lab 1 latency table) =="
"$cli" bench --model vgg --against vgg-slim70 --batch-sizes 1,32 --rounds 3
echo "== bench resnet56 (and resnet20 beside it) =="
"$cli" bench --model resnet56 --against resnet20 --batch-sizes 1,32 --rounds 3
echo "== plots resnet56 =="
"$cli" plots --model resnet56 --output "$plots"
