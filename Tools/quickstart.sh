#!/usr/bin/env bash
# The main job: installs what is missing, builds dispo (release), makes the built-in arithmetic task's shards,
# and runs Pipelines/quickstart.json — DISPO on the tiny char model from the shipped warm start — then
# plots the run. About 2 minutes on 2 cores after the first build (≈ 2 minutes). Output: runs/quickstart/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release --product dispo
dispo=.build/release/dispo
data=runs/data/quickstart
if [ ! -f "$data/train/manifest.json" ] || [ ! -f "$data/test/manifest.json" ]; then
  mkdir -p runs/data
  "$dispo" gen arithmetic --count 20000 --seed 1 --out runs/data/arithmetic-20000.jsonl
  "$dispo" shard runs/data/arithmetic-20000.jsonl --tokenizer Data/tokenizers/char --out "$data" \
    --response-field solution --split test=0.05 --seed 1 --overwrite --quiet
fi
"$dispo" run Pipelines/quickstart.json --overwrite "$@"
"$dispo" plot runs/quickstart
