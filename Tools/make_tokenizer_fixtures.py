#!/usr/bin/env python3
"""Writes the tokenizer parity fixtures of Tests/DispoTokenizersTests/Fixtures/ from Hugging Face `tokenizers`.

Outputs (all small; the tests run from them without ../shared):
  parity.json        the corpus (math texts from ../shared's datasets, copied with their source row, and texts
                     made here) and the expected ids of every text for Qwen2.5 (slow files), GPT-2
                     (tokenizer.json, as is and with ByteLevel add_prefix_space = true) and a tiny
                     Llama-3-style tokenizer, without and with special tokens. The ids come from the full
                     tokenizers.
  llama3-tiny.json   that tiny tokenizer: byte-level BPE trained here with the Llama-3 split regex, ByteLevel
                     (use_regex false), TemplateProcessing BOS `<|begin_of_text|>`, ignore_merges, and a few added
                     tokens with lstrip / single_word flags.
  compact/qwen2.5-0.5b/   vocab.json + merges.txt reduced to what the corpus, the test vectors and the long-run
                     texts use (tokenizer_subset.py), with the real tokenizer_config.json, added_tokens.json and
                     special_tokens_map.json: encodes all of them to the full tokenizer's ids (checked here).
  compact/gpt2_tokenizer.json   the same for GPT-2's tokenizer.json (both add_prefix_space settings).
  testvectors/       Hugging Face's expected ids for Qwen2.5 and GPT-2 and llama.cpp's Qwen2 cases, copied
                     from ../shared/data/tokenizers/testvectors (see its SOURCE.md; Apache-2.0 and MIT).

Needs a Python with `tokenizers` and `transformers` (no torch needed):
    python3 -m venv .venv && .venv/bin/pip install tokenizers transformers
    .venv/bin/python Tools/make_tokenizer_fixtures.py [--shared ../shared]
The shared data directory (`<repo>/../shared` by default) must hold data/tokenizers and data/math.
Single-threaded and deterministic: re-running gives the same files for the same library versions.
"""

import argparse
import json
import os
import random
import sys

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAYON_NUM_THREADS", "1")

import shutil  # noqa: E402

import tokenizers  # noqa: E402
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tokenizer_subset  # noqa: E402

QWEN2_PATTERN = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
LLAMA3_PATTERN = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FIXTURES = os.path.join(REPO, "Tests", "DispoTokenizersTests", "Fixtures")

# (dataset file relative to shared/, fields, rows): texts copied into parity.json with their source.
REFERENCES = [
    ("data/math/gsm8k/test.jsonl", ["question", "answer"], range(0, 12)),
    ("data/math/gsm8k/train.jsonl", ["question", "answer"], range(100, 108)),
    ("data/math/math500/test.jsonl", ["problem", "solution"], range(0, 12)),
    ("data/math/math_train/math.json", ["problem"], range(0, 15)),
    ("data/math/aime24/test.jsonl", ["problem"], range(0, 6)),
    ("data/math/aime24/test.jsonl", ["solution"], range(0, 2)),
    ("data/math/aime25/test.jsonl", ["problem"], [0, 4, 7, 18, 19, 27]),  # form feed / TAB / stray $ quirks
    ("data/math/amc23/test.jsonl", ["problem"], range(0, 8)),
]


def generated_texts():
    """Texts this script makes: code, languages, white space, digits, special tokens, contractions, emoji."""
    texts = [
        "",
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        "Hello world",
        " Hello world",
        "Hello  world  ",
        "What is 6+4*2-20? 6+4=10. 10*2=20. 20-20=0. \\boxed{0}",
        "def add(a, b):\n    return a + b\n\n\nclass Foo:\n\tpass\n",
        "for (int i = 0; i < n; ++i) {\n    sum += x[i] * 2;\n}\r\n",
        "if x != None and y >= 3:\n        print(f\"{x!r} -> {y:08.3f}\")",
        "SELECT * FROM users WHERE id = 42;  -- comment\n",
        "<html><body class=\"main\">&nbsp;Text</body></html>",
        "    \n\n   \t\t  \r\n \r\r\n\n  end",
        "a\u000bb\u000cc\u0085d\u2028e\u2029f\u00a0g\u3000h",
        "tabs\tand\t\tmore\t\t\ttabs \t \t",
        "trailing spaces   ",
        "   leading spaces",
        "1234567890 12 345 6789 0.5 3.14159 1e10 -7 +8",
        "9" * 40 + " " + "1234" * 30,
        "x" * 300,
        "=" * 120 + "\n" + "-" * 77,
        "ab" * 150,
        "I'm sure you're right, they've said we'll see; it's John's and he'd know. I'M SURE YOU'RE RIGHT. It'S 'll 've",
        "don't can't won't shouldn't 're 've 'd 's 't 'm 'll",
        "'hello' \"quotes\" `backticks` ‘curly’ “double”",
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
        "<|endoftext|>Text after eos<|endoftext|><|endoftext|>",
        "Tokens <|im_end|>and<|im_start|> glued",
        "<tool_call>\n{\"name\": \"f\"}\n</tool_call>",
        "<|fim_prefix|>def f():<|fim_suffix|>\n<|fim_middle|>",
        "<|begin_of_text|>Hello<|eot_id|>",
        "A   <|mask|> with spaces before and after   ",
        "<sw> alone, in<sw>side, <sw>, x<sw> <sw>y",
        "Le café est très bon. Ça coûte 3,50 €. Où est l'hôtel?",
        "Ünïcödé façade naïve Ångström",
        "Cafe\u0301 e\u0301 A\u030a n\u0303",  # decomposed: NFC composes these
        "\u1100\u1161\u11a8 한국어 텍스트 조합",
        "日本語のテキスト、カタカナ、ひらがな。ガギグゲゴ",
        "中文文本，简体和繁體。數學問題：一加一等於二。",
        "Русский текст: привет, мир! Математика 2+2=4.",
        "Ελληνικά: α + β = γ, π ≈ 3.14",
        "עברית: שלום עולם. العربية: مرحبا بالعالم ١٢٣",
        "हिन्दी पाठ और ไทย ภาษาไทย",
        "Emoji: 😀😃😄 👍🏽 👨‍👩‍👧‍👦 🇺🇸 ❤️ ✨",
        "Math: ∑_{i=1}^{n} i² = n(n+1)/2, √2 ≈ 1.414, ∞, ∫₀¹ x dx = ½",
        "$\\frac{1}{2} + \\sqrt{3} \\cdot \\pi$ and \\[ x^2 + y^2 = r^2 \\]",
        "Mixed 123abc ABC123 a1b2c3 ١٢٣ ⅣⅫ ①②③",
        "ſ 'ſ K",
        "end with newline\n",
        "\n\n\nstart with newlines",
        "a\r\nb\rc\nd\r\n\r\ne",
        "punct!!! ??? ... ,,, ;;; ::: ((( ))) [[[ ]]] {{{ }}}",
        "https://example.com/path?query=1&b=2#frag user@example.org",
        "CamelCaseIdentifier snake_case_identifier kebab-case-identifier SCREAMING_CASE",
    ]
    rng = random.Random(1234)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789 \t\n\r.,;:!?'\"()[]{}<>+-*/=%$#@&|\\^_~`éüñçøßæ中日한ё€"
    for _ in range(20):
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(5, 120))))
    return texts


# Texts BPETokenizerTests encodes besides the corpus (runs far longer than any word).
LONG_RUNS = ["1234567890" * 2000, "ab" * 5000, " " * 10000 + "x"]

VECTOR_FILES = ["inputs.json", "Qwen__Qwen2.5-0.5B.json", "ggml-vocab-qwen2.gguf.inp", "ggml-vocab-qwen2.gguf.out",
                "gpt2_encoded_tokens.json"]


def vector_texts(shared):
    """The texts of the shared test vectors (so the compact tokenizers cover them)."""
    base = os.path.join(shared, "data/tokenizers/testvectors")
    with open(os.path.join(base, "inputs.json"), encoding="utf-8") as f:
        texts = [item["text"] for item in json.load(f)["inputs"]]
    with open(os.path.join(base, "ggml-vocab-qwen2.gguf.inp"), encoding="utf-8") as f:
        cases = f.read().split("\n__ggml_vocab_test__\n")
    texts += [c for c in cases if c]
    with open(os.path.join(base, "gpt2_encoded_tokens.json"), encoding="utf-8") as f:
        texts.append(json.load(f)["text"])
    return texts


def write_compact(shared, qwen, gpt2, gpt2_prefix, texts, hf):
    """compact/ : Qwen2.5 slow files and GPT-2 tokenizer.json reduced to `texts`, checked against the full ones."""
    qwen_text = tokenizer_subset.subset(qwen, [(qwen, texts)])
    tokenizer_subset.check_same_ids(qwen, qwen_text, texts)
    directory = os.path.join(FIXTURES, "compact", "qwen2.5-0.5b")
    os.makedirs(directory, exist_ok=True)
    vocab, merges = tokenizer_subset.slow_files(qwen_text)
    with open(os.path.join(directory, "vocab.json"), "w", encoding="utf-8") as f:
        f.write(vocab + "\n")
    with open(os.path.join(directory, "merges.txt"), "w", encoding="utf-8") as f:
        f.write(merges)
    source = os.path.join(shared, "data/tokenizers/qwen2.5-0.5b")
    for name in ("tokenizer_config.json", "added_tokens.json", "special_tokens_map.json"):
        shutil.copy(os.path.join(source, name), directory)
    if hf is not None:  # transformers reads the compact slow files to the same ids
        from transformers import AutoTokenizer
        compact = AutoTokenizer.from_pretrained(directory)
        for text in texts:
            assert compact.encode(text, add_special_tokens=False) == hf.encode(text, add_special_tokens=False), text[:60]
    gpt2_text = tokenizer_subset.subset(gpt2, [(gpt2, texts), (gpt2_prefix, texts)])
    tokenizer_subset.check_same_ids(gpt2, gpt2_text, texts)
    with open(os.path.join(FIXTURES, "compact", "gpt2_tokenizer.json"), "w", encoding="utf-8") as f:
        f.write(gpt2_text + "\n")
    prefix = json.loads(gpt2_text)
    prefix["pre_tokenizer"]["add_prefix_space"] = True
    tokenizer_subset.check_same_ids(gpt2_prefix, json.dumps(prefix), texts)
    vectors = os.path.join(FIXTURES, "testvectors")
    os.makedirs(vectors, exist_ok=True)
    for name in VECTOR_FILES:
        shutil.copy(os.path.join(shared, "data/tokenizers/testvectors", name), vectors)


def load_rows(shared, path):
    full = os.path.join(shared, path)
    with open(full, encoding="utf-8") as f:
        if path.endswith(".jsonl"):
            return [json.loads(line) for line in f if line.strip()]
        return json.load(f)


def qwen_tokenizer(shared):
    """Qwen2.5 from its slow files, built the way its tokenizer.json is: NFC, Qwen2 split, ByteLevel."""
    directory = os.path.join(shared, "data/tokenizers/qwen2.5-0.5b")
    bpe = models.BPE.from_file(os.path.join(directory, "vocab.json"), os.path.join(directory, "merges.txt"))
    tok = Tokenizer(bpe)
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    with open(os.path.join(directory, "tokenizer_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    for id_, entry in sorted(config["added_tokens_decoder"].items(), key=lambda kv: int(kv[0])):
        added = AddedToken(entry["content"], single_word=entry["single_word"], lstrip=entry["lstrip"],
                           rstrip=entry["rstrip"], normalized=entry["normalized"], special=entry["special"])
        tok.add_tokens([added])
        assert tok.token_to_id(entry["content"]) == int(id_), entry
    return tok


def check_qwen(tok, shared):
    """The Qwen tokenizer built here must reproduce the shared test vectors."""
    base = os.path.join(shared, "data/tokenizers/testvectors")
    with open(os.path.join(base, "inputs.json"), encoding="utf-8") as f:
        inputs = json.load(f)["inputs"]
    with open(os.path.join(base, "Qwen__Qwen2.5-0.5B.json"), encoding="utf-8") as f:
        entries = json.load(f)["entries"]
    for item in inputs:
        assert tok.encode(item["text"], add_special_tokens=False).ids == entries[item["id"]]["input_ids"], item["id"]
    try:  # cross-check with transformers' own loading of the slow files
        from transformers import AutoTokenizer
        hf = AutoTokenizer.from_pretrained(os.path.join(shared, "data/tokenizers/qwen2.5-0.5b"))
        for item in inputs:
            assert hf.encode(item["text"], add_special_tokens=False) == entries[item["id"]]["input_ids"], item["id"]
        return hf
    except ImportError:
        return None


def train_llama3_tiny(corpus):
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=1100, min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=["<|begin_of_text|>", "<|end_of_text|>"])
    tok.train_from_iterator(corpus, trainer=trainer)
    tok.add_special_tokens([AddedToken("<|eot_id|>", special=True, normalized=False),
                            AddedToken("<|mask|>", special=True, lstrip=True, normalized=False)])
    tok.add_tokens([AddedToken("<sw>", single_word=True, special=False, normalized=False)])
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.TemplateProcessing(single="<|begin_of_text|> $A",
                                                       special_tokens=[("<|begin_of_text|>", bos)])
    return tok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.path.join(REPO, "..", "shared"))
    args = parser.parse_args()
    shared = os.path.abspath(args.shared)

    entries = []  # {"id", "text", "source": {"file", "row", "field"}} or {"id", "text"}
    texts = []
    for path, fields, rows in REFERENCES:
        data = load_rows(shared, path)
        for row in rows:
            for field in fields:
                text = data[row][field]
                assert isinstance(text, str)
                entries.append({"id": f"{path.split('/')[2]}:{row}:{field}", "text": text,
                                "source": {"file": path, "row": row, "field": field}})
                texts.append(text)
    for index, text in enumerate(generated_texts()):
        entries.append({"id": f"generated:{index}", "text": text})
        texts.append(text)

    qwen = qwen_tokenizer(shared)
    hf = check_qwen(qwen, shared)
    gpt2_path = os.path.join(shared, "data/tokenizers/gpt2/gpt2_tokenizer.json")
    gpt2 = Tokenizer.from_file(gpt2_path)
    # The same file with ByteLevel add_prefix_space = true (HF prepends a space to every piece it splits).
    with open(gpt2_path, encoding="utf-8") as f:
        gpt2_json = json.load(f)
    gpt2_json["pre_tokenizer"]["add_prefix_space"] = True
    gpt2_prefix = Tokenizer.from_str(json.dumps(gpt2_json))
    llama = train_llama3_tiny(texts + [r["question"] + "\n" + r["answer"] for r in load_rows(shared, "data/math/gsm8k/train.jsonl")[:2000]])

    os.makedirs(FIXTURES, exist_ok=True)
    write_compact(shared, qwen, gpt2, gpt2_prefix, texts + vector_texts(shared) + LONG_RUNS, hf)
    llama_path = os.path.join(FIXTURES, "llama3-tiny.json")
    llama.save(llama_path, pretty=False)
    llama = Tokenizer.from_file(llama_path)  # expected ids come from the saved file, as the Swift test reads it

    expected = {"qwen2.5-0.5b": [], "gpt2": [], "gpt2+prefix-space": [], "llama3-tiny": [], "llama3-tiny+special": []}
    for text in texts:
        ids = qwen.encode(text, add_special_tokens=False).ids
        if hf is not None:
            assert hf.encode(text, add_special_tokens=False) == ids, text[:60]
        expected["qwen2.5-0.5b"].append(ids)
        expected["gpt2"].append(gpt2.encode(text, add_special_tokens=False).ids)
        expected["gpt2+prefix-space"].append(gpt2_prefix.encode(text, add_special_tokens=False).ids)
        expected["llama3-tiny"].append(llama.encode(text, add_special_tokens=False).ids)
        expected["llama3-tiny+special"].append(llama.encode(text, add_special_tokens=True).ids)

    out = {
        "generated_by": "Tools/make_tokenizer_fixtures.py",
        "tokenizers_version": tokenizers.__version__,
        "texts": entries,
        "expected": expected,
    }
    with open(os.path.join(FIXTURES, "parity.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    sizes = {}
    for root, _, files in os.walk(FIXTURES):
        for name in files:
            sizes[os.path.relpath(os.path.join(root, name), FIXTURES)] = os.path.getsize(os.path.join(root, name))
    print(f"{len(texts)} texts; fixture sizes: {sizes}", file=sys.stderr)


if __name__ == "__main__":
    main()
