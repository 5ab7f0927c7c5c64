#!/usr/bin/env bash
# Foundation experiments (issue 3): 1-epoch fine-tune of ResNet-20, a killed-and-resumed run, and
# throughput. Resumable: each training run continues from its newest checkpoint when rerun.
# Usage: djl-pruning-examples/scripts/foundation-experiments.sh [output-folder]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/runs/foundation}"
mkdir -p "$out"
cli="$root/bin/djl-pruning"
export DJL_DISABLE_PROGRESS_BAR=true

echo "== fine-tune ResNet-20 from its checkpoint, 1 epoch, lr 0.01 =="
"$cli" evaluate --model resnet20
"$cli" train --model resnet20 --init pretrained --epochs 1 --lr 0.01 --output "$out/finetune-resnet20"

echo "== kill and resume: ResNet-20, 2 epochs on the first 10,000 training images =="
run="$out/resume-resnet20"
if [[ ! -f "$run/epoch-001.json" ]]; then
  "$cli" train --model resnet20 --init pretrained --epochs 2 --lr 0.01 --train-limit 10000 --output "$run" &
  pid=$!
  # Kill the run as soon as epoch 1's checkpoint is complete (its JSON is written last).
  while kill -0 "$pid" 2>/dev/null && [[ ! -f "$run/epoch-001.json" ]]; do sleep 1; done
  sleep 3
  kill -9 "$pid" 2>/dev/null && echo "killed the run (pid $pid) after: $(ls "$run" | tr '\n' ' ')"
  wait "$pid" 2>/dev/null
fi
echo "-- started again with the same command --"
"$cli" train --model resnet20 --init pretrained --epochs 2 --lr 0.01 --train-limit 10000 --output "$run"

echo "== throughput, batch 128 =="
"$cli" throughput --model resnet20,resnet56 --batch-size 128 --steps 20 --warmup 5
