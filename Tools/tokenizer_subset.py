"""Compact copies of byte-level BPE tokenizers, used by the fixture scripts in this folder.

A compact tokenizer keeps the original ids, all 256 byte tokens, every added token, and only the vocabulary
entries and merges that encoding a given corpus uses. It encodes that corpus to exactly the same ids as the full
tokenizer: each merge that fires while encoding it is kept, with its rank order, and BPE picks the lowest-ranked
applicable merge, which stays the same once merges that never apply are gone. The scripts check that claim by
encoding the corpus with both and comparing.

The reduction follows each produced token back through the one merge that creates it, so it needs a merges
table with one merge per token (true of GPT-2 and Qwen2/Qwen2.5/Qwen3: merges = vocabulary - 256 bytes).
"""

import json

from tokenizers import Tokenizer


def byte_alphabet():
    """GPT-2's byte → character table (the 256 single-character byte tokens)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            chars.append(256 + n)
            n += 1
    return {chr(c) for c in chars}


def subset(full, encodings):
    """The tokenizer.json text of a compact copy of `full` (a tokenizers.Tokenizer).

    `encodings` lists (tokenizer, texts) pairs: every id that any of these tokenizers (all sharing `full`'s
    vocabulary) produces for these texts is kept, with the merges that build it.
    """
    data = json.loads(full.to_str())
    model = data["model"]
    assert model["type"] == "BPE" and not model.get("ignore_merges"), "only plain byte-level BPE models"
    vocab = model["vocab"]
    pairs = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    creation = {}
    for a, b in pairs:
        assert a + b not in creation, f"{a + b!r} is made by two merges"
        creation[a + b] = (a, b)
    id_to_token = {i: t for t, i in vocab.items()}
    keep = {t for t in byte_alphabet() if t in vocab}

    def add(token):
        stack = [token]
        while stack:
            t = stack.pop()
            if t in keep:
                continue
            keep.add(t)
            if t in creation:
                stack.extend(creation[t])

    for tokenizer, texts in encodings:
        for text in texts:
            for i in tokenizer.encode(text, add_special_tokens=False).ids:
                if i in id_to_token:
                    add(id_to_token[i])
    kept = {t: i for t, i in vocab.items() if t in keep}
    # Added tokens go into the model's vocabulary too: with holes in the ids, `tokenizers` would otherwise give
    # them new ids after the largest one.
    kept.update({t["content"]: t["id"] for t in data["added_tokens"]})
    model["vocab"] = dict(sorted(kept.items(), key=lambda kv: kv[1]))
    model["merges"] = [[a, b] for a, b in pairs if a + b in keep]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def check_same_ids(full, compact_text, texts, special=(False,)):
    """Asserts that the compact tokenizer (its JSON text) encodes `texts` to the ids `full` gives."""
    compact = Tokenizer.from_str(compact_text)
    for text in texts:
        for add_special in special:
            want = full.encode(text, add_special_tokens=add_special).ids
            got = compact.encode(text, add_special_tokens=add_special).ids
            assert got == want, f"compact tokenizer differs on {text[:60]!r}"
    return compact


def slow_files(compact_text):
    """vocab.json and merges.txt texts (the "slow" Qwen2/GPT-2 form) of a compact tokenizer.json text. Unlike
    the real vocab.json, it lists the added tokens too: with holes in the ids, transformers would otherwise
    number them after the largest id."""
    model = json.loads(compact_text)["model"]
    vocab = json.dumps(model["vocab"], ensure_ascii=False, separators=(",", ":"))
    merges = "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in model["merges"])
    return vocab, merges
