#!/usr/bin/env bash
# Writes the seed corpus of the fuzz harnesses (Tools/fuzz/corpus/<harness>/), small valid inputs of each
# reader, from the repository's own files and a debug build of dispo. Rerun after a format change:
#   bash Tools/fuzz/make_corpus.sh            (from the repository root; builds dispo if needed)
# Byte 0 of each seed picks the harness's mode (see the comment at the top of each harness).
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build --product dispo >/dev/null
D=.build/debug/dispo
C=Tools/fuzz/corpus
S=$(mktemp -d)
trap 'rm -rf "$S"' EXIT
rm -rf "$C"
mkdir -p "$C"/{FuzzShards,FuzzModelFiles,FuzzSpec,FuzzTokenizer,FuzzVerifier}

# Shards: three problems with worked solutions (loss masks), one set per codec.
head -3 Data/arithmetic/problems.jsonl > "$S/p.jsonl"
for codec in none lz4 zstd; do
  $D shard "$S/p.jsonl" --tokenizer Data/tokenizers/char --out "$S/$codec" --codec "$codec" --response-field solution --quiet >/dev/null
done
# Model files: a tiny config (the one FuzzModelFiles' mode 2 loads) and its weights in f32 and bf16.
cat > "$S/tiny.json" <<'JSON'
{"model_type": "llama", "vocab_size": 8, "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
 "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": 32, "hidden_act": "silu"}
JSON
$D model init --config "$S/tiny.json" --out "$S/f32" >/dev/null
$D model init --config "$S/tiny.json" --out "$S/bf16" --dtype bf16 >/dev/null

python3 - "$S" "$C" <<'PY'
import json, sys
S, C = sys.argv[1], sys.argv[2]
def seed(harness, name, data):
    open(f"{C}/{harness}/{name}", "wb").write(data)
def read(path):
    return open(path, "rb").read()

for codec in ["none", "lz4", "zstd"]:
    seed("FuzzShards", f"shard-{codec}", b"\x00" + read(f"{S}/{codec}/shard-00000.dsh"))
seed("FuzzShards", "manifest-and-shard-none", b"\x01" + read(f"{S}/none/manifest.json") + b"\x00" + read(f"{S}/none/shard-00000.dsh"))

seed("FuzzModelFiles", "tiny-config.json", b"\x00" + read(f"{S}/tiny.json"))
seed("FuzzModelFiles", "qwen-config.json", b"\x00" + json.dumps({
    "model_type": "qwen2", "vocab_size": 16, "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 2,
    "num_attention_heads": 2, "num_key_value_heads": 2, "tie_word_embeddings": True, "eos_token_id": [1, 2],
    "rope_theta": 1000000.0, "torch_dtype": "bfloat16"}).encode())
seed("FuzzModelFiles", "tiny-safetensors", b"\x01" + read(f"{S}/f32/model.safetensors"))
seed("FuzzModelFiles", "tiny-model", b"\x02" + read(f"{S}/f32/model.safetensors"))
seed("FuzzModelFiles", "tiny-model-bf16", b"\x02" + read(f"{S}/bf16/model.safetensors"))

seed("FuzzSpec", "smoke.json", read("Pipelines/smoke.json"))
seed("FuzzSpec", "dapo.json", read("Pipelines/dapo-tiny-arith.json"))
seed("FuzzSpec", "smoke-with-sets.json", read("Pipelines/smoke.json") + b"\x00rollout.temperature=0.5\x00algorithm.loss={\"kind\": \"cispo\", \"eps_high\": 2}\x00scoring.overlong.buffer=4")

seed("FuzzTokenizer", "text-arith", b"\x00What is (6+4)*2-20? \\boxed{0} <eos>")
seed("FuzzTokenizer", "text-unicode", "\x00Ünïcödé 数学 \u00a0 <|im_start|>user\n∫ x² dx<|im_end|> \t\r\n😀".encode())
seed("FuzzTokenizer", "char-vocab", b"\x01" + read("Data/tokenizers/char/vocab.json"))
seed("FuzzTokenizer", "bpe-tokenizer", b"\x01" + read("Tests/DispoTokenizersTests/Fixtures/chat/qwen2.5-instruct/tokenizer.json"))
template = json.load(open("Tests/DispoTokenizersTests/Fixtures/chat/qwen2.5-instruct/tokenizer_config.json"))["chat_template"]
seed("FuzzTokenizer", "chat-template", b"\x02" + template.encode())

for i, (response, gold) in enumerate([
        ("The answer is \\boxed{\\frac{1}{2}}", "0.5"), ("Answer: x = 3", "3"), ("so $\\sqrt{2}$ is it", "\\sqrt 2"),
        ("The interval is [1, 2)", "[1,2)"), ("0" * 300, "0"), ("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}"),
        ("10\\%", "0.1"), ("x^2+2x+1", "(x+1)^2"), ("#### 72", "72"), ("\\csc^2 t", "1+\\cot^2 t")]):
    seed("FuzzVerifier", f"pair-{i}", response.encode() + b"\x00" + gold.encode())
PY
du -sh "$C"
