#!/usr/bin/env bash
# Release-build check, part of the test command: the tests run a debug build, but users run the optimised one.
# 1. Builds `dispo` in release mode.
# 2. Fails if a throwing Swift function ends in a tail call to memcpy/memmove/memset. Swift 6.3's LLVM does
#    not restore the error register (r12) on that path (swiftlang/swift#90477); when the register was reused
#    the caller sees a garbage "thrown" error and crashes. Such a function must hand the copy to a
#    non-throwing helper (see SafetensorsFile.convert).
# 3. Runs the engine's CLI on a random tiny model: `model init`, `sample`, `score`, each output checked.
# 4. With DISPO_RELEASE_QWEN05=1 (off by default: several minutes and ~8 GiB): the Qwen pipeline, 2 steps of
#    Pipelines/shape-qwen2.5-1.5b-lean.json on the Qwen2.5-0.5B shape (random weights, full vocabulary, GQA 14/2,
#    tied embeddings) over a small arithmetic shard set; checks its metrics, summary and final model.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product dispo
dispo=.build/release/dispo

suspects=$(objdump -d --no-show-raw-insn "$dispo" | awk '
  /^[0-9a-f]+ <.*>:$/ { name = substr($2, 2, length($2) - 3); next }
  /\tjmp +[0-9a-f]+ <(memcpy|memmove|memset)@plt>$/ { print name }' | sort -u | swift demangle | grep ' throws' || true)
if [ -n "$suspects" ]; then
  echo "release check: throwing functions that tail-call memcpy/memmove/memset (swiftlang/swift#90477):" >&2
  echo "$suspects" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/config.json" <<'JSON'
{"model_type": "qwen2", "vocab_size": 64, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
 "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64, "rms_norm_eps": 1e-6,
 "rope_theta": 10000.0, "tie_word_embeddings": true, "eos_token_id": 0}
JSON
"$dispo" model init --config "$work/config.json" --out "$work/model" --seed 7 > /dev/null
printf '{"prompt_ids": [1, 2, 3]}\n{"prompt_ids": [4, 5]}\n' > "$work/prompts.jsonl"
"$dispo" sample --model "$work/model" --input "$work/prompts.jsonl" --n 3 --max-new-tokens 8 --seed 1 > "$work/samples.jsonl"
[ "$(wc -l < "$work/samples.jsonl")" -eq 6 ] || { echo "release check: dispo sample wrote $(wc -l < "$work/samples.jsonl") lines, expected 6" >&2; exit 1; }
grep -c '"finish_reason":"\(stop\|length\)"' "$work/samples.jsonl" | grep -qx 6 \
  || { echo "release check: dispo sample lines without finish_reason" >&2; exit 1; }
printf '{"ids": [1, 2, 3, 4, 5]}\n{"ids": [6, 7, 8], "start": 2}\n' > "$work/score.jsonl"
"$dispo" score --model "$work/model" --input "$work/score.jsonl" > "$work/scores.jsonl"
[ "$(grep -c '"logprobs":\[' "$work/scores.jsonl")" -eq 2 ] && [ "$(grep -c '"entropies":\[' "$work/scores.jsonl")" -eq 2 ] \
  || { echo "release check: dispo score output unexpected:" >&2; cat "$work/scores.jsonl" >&2; exit 1; }
if [ "${DISPO_RELEASE_QWEN05:-0}" = 1 ]; then
  started=$(date +%s)
  cat > "$work/qwen2.5-0.5b.json" <<'JSON'
{"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu", "vocab_size": 151936,
 "hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
 "num_key_value_heads": 2, "max_position_embeddings": 32768, "rope_theta": 1000000.0, "rms_norm_eps": 1e-06,
 "tie_word_embeddings": true, "initializer_range": 0.02, "bos_token_id": 151643, "eos_token_id": 151643}
JSON
  "$dispo" gen arithmetic --count 200 --seed 1 --out "$work/arithmetic.jsonl" > /dev/null
  "$dispo" shard "$work/arithmetic.jsonl" --tokenizer Data/tokenizers/char --out "$work/data" --response-field solution \
    --split test=0.05 --seed 1 --quiet > /dev/null
  "$dispo" run Pipelines/shape-qwen2.5-1.5b-lean.json --run-dir "$work/qwen05" --set model.config="$work/qwen2.5-0.5b.json" \
    --set data.train="$work/data/train" > "$work/qwen05.log" 2>&1 \
    || { echo "release check: the 0.5B-shape pipeline failed:" >&2; tail -20 "$work/qwen05.log" >&2; exit 1; }
  [ "$(wc -l < "$work/qwen05/metrics.jsonl")" -eq 2 ] && grep -q '"steps" : 2' "$work/qwen05/summary.json" \
    && [ -f "$work/qwen05/final/model.safetensors" ] \
    || { echo "release check: the 0.5B-shape pipeline's outputs are incomplete" >&2; cat "$work/qwen05.log" >&2; exit 1; }
  echo "release check: Qwen2.5-0.5B-shape pipeline, 2 steps: $(( $(date +%s) - started )) s"
fi
echo "release check: passed ($("$dispo" env | grep 'engine compiled for'))"
