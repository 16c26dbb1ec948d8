#!/usr/bin/env bash
# The main job: installs what is missing, builds dispo (release), and runs the quickstart.
# For now the quickstart turns the bundled arithmetic task into token shards and summarises them;
# the training pipeline will run from here once it exists.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release --product dispo
dispo=.build/release/dispo
out=${1:-runs/quickstart}
mkdir -p "$out"
"$dispo" shard Data/arithmetic/problems.jsonl --tokenizer Data/tokenizers/char --out "$out/shards" \
  --response-field solution --split test=0.1 --seed 1 --overwrite
"$dispo" shards verify "$out/shards/train"
"$dispo" shards stats "$out/shards/train"
