#!/usr/bin/env bash
# The transfer-learning experiment of docs/transfer.md (issue 14), exactly as run there:
#   1. train the cnn on fashion-mnist classes 0-4 (2000 images per class, 2 epochs);
#   2. fine-tune it on classes 5-9 with 100 labelled images per class: frozen convolutions, a new
#      5-class head with its own learning rate;
#   3. train the same cnn from scratch on those 500 images, same epochs and seed.
# Both 2 and 3 are scored on all 5000 test images of classes 5-9. Needs Debian's
# dataset-fashion-mnist. CPU-heavy (a few minutes on 2 cores): run it on an idle machine.
# Usage: scripts/transfer-experiment.sh [OUT_DIR]   (default /tmp/lep-transfer)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/lep-transfer}
mkdir -p "$OUT"
lep() { node --import tsx src/cli/main.ts "$@"; }
timed() {
  local name=$1
  shift
  local t0 t1
  t0=$(date +%s.%N)
  lep "$@" --json > "$OUT/$name.json"
  t1=$(date +%s.%N)
  echo "$name wall_seconds $(echo "$t1 - $t0" | bc)" | tee -a "$OUT/wall.txt"
}
: > "$OUT/wall.txt"
timed base train --dataset fashion-mnist --arch cnn --classes 0-4 --per-class 2000 --epochs 2 --seed 1 --out "$OUT/base"
timed transfer train --dataset fashion-mnist --arch cnn --classes 5-9 --per-class 100 --epochs 10 --seed 1 \
  --init-from "$OUT/base/model.safetensors" --freeze 'conv*' --new-head 5 --lr-head 0.003 --out "$OUT/transfer"
timed scratch train --dataset fashion-mnist --arch cnn --classes 5-9 --per-class 100 --epochs 10 --seed 1 --out "$OUT/scratch"
for r in base transfer scratch; do
  node -e "const m = require('$OUT/$r.json'); console.log('$r', 'accuracy', m.accuracy.toFixed(4), 'train_s', (m.seconds_per_epoch * m.epochs_run).toFixed(1), 'trainable', m.transfer ? m.transfer.trainable_parameters : m.parameters, 'of', m.parameters)"
done | tee "$OUT/summary.txt"
