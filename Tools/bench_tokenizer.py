#!/usr/bin/env python3
"""Python baseline for `dispo bench tokenizer`: Hugging Face `tokenizers` (Rust) on one thread.

Encodes every line of a corpus file (the file split on "\n"; a final empty line after the last newline is dropped)
with the same tokenizer the Swift side uses, `add_special_tokens=False`, and prints one JSON line:
  {"tokenizers_version", "lines", "bytes", "tokens", "encode_seconds" (best per-line `encode` loop),
   "batch_seconds" (best `encode_batch` of all lines, single-threaded)}
With --ids-out it also writes the ids of every line (space separated, one line per corpus line) so the caller
can compare them with its own.

Tokenizer paths: a tokenizer.json, or a directory with tokenizer.json or vocab.json + merges.txt (+
tokenizer_config.json: Qwen2Tokenizer → NFC + Qwen2 split regex, GPT2Tokenizer → GPT-2 byte-level regex).

Needs `tokenizers`:  python3 -m venv .venv && .venv/bin/pip install tokenizers
"""

import argparse
import json
import os
import sys
import time

# One thread: set before tokenizers starts its Rayon pool.
os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

try:
    import tokenizers
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
except ImportError:
    print("bench_tokenizer.py: the Python package `tokenizers` is not installed for " + sys.executable + ".\n"
          "Install it with:  python3 -m venv .venv && .venv/bin/pip install tokenizers\n"
          "then pass --python .venv/bin/python", file=sys.stderr)
    sys.exit(3)

QWEN2_PATTERN = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"


def load(path):
    if os.path.isfile(path):
        return Tokenizer.from_file(path)
    if os.path.isfile(os.path.join(path, "tokenizer.json")):
        return Tokenizer.from_file(os.path.join(path, "tokenizer.json"))
    config = {}
    config_path = os.path.join(path, "tokenizer_config.json")
    if os.path.isfile(config_path):
        with open(config_path, encoding="utf-8") as f:
            config = json.load(f)
    tok = Tokenizer(models.BPE.from_file(os.path.join(path, "vocab.json"), os.path.join(path, "merges.txt")))
    cls = config.get("tokenizer_class", "GPT2Tokenizer")
    if cls.startswith("Qwen2Tokenizer"):
        tok.normalizer = normalizers.NFC()
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    else:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=config.get("add_prefix_space", False), use_regex=True)
    tok.decoder = decoders.ByteLevel()
    added = {int(k): v for k, v in config.get("added_tokens_decoder", {}).items()}
    for id_ in sorted(added):
        e = added[id_]
        tok.add_tokens([AddedToken(e["content"], single_word=e.get("single_word", False), lstrip=e.get("lstrip", False),
                                   rstrip=e.get("rstrip", False), normalized=e.get("normalized", False),
                                   special=e.get("special", False))])
        if tok.token_to_id(e["content"]) != id_:
            raise SystemExit(f"added token {e['content']!r} got id {tok.token_to_id(e['content'])}, expected {id_}")
    return tok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ids-out")
    args = parser.parse_args()

    tok = load(args.tokenizer)
    with open(args.corpus, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()

    best_encode = float("inf")
    ids = None
    for _ in range(max(1, args.repeat)):
        start = time.perf_counter()
        out = [tok.encode(line, add_special_tokens=False).ids for line in lines]
        best_encode = min(best_encode, time.perf_counter() - start)
        ids = out
    best_batch = float("inf")
    for _ in range(max(1, args.repeat)):
        start = time.perf_counter()
        tok.encode_batch(lines, add_special_tokens=False)
        best_batch = min(best_batch, time.perf_counter() - start)

    if args.ids_out:
        with open(args.ids_out, "w", encoding="utf-8") as f:
            for row in ids:
                f.write(" ".join(map(str, row)) + "\n")
    print(json.dumps({
        "tokenizers_version": tokenizers.__version__,
        "lines": len(lines),
        "bytes": sum(len(line.encode("utf-8")) for line in lines),
        "tokens": sum(len(row) for row in ids),
        "encode_seconds": best_encode,
        "batch_seconds": best_batch,
    }))


if __name__ == "__main__":
    main()
