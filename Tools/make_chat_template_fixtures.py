#!/usr/bin/env python3
"""Writes the chat-template fixtures of Tests/DispoTokenizersTests/Fixtures/chat/ from transformers.

Outputs:
  jinja_cases.json       small templates exercising the Jinja subset (white-space control, operators, filters,
                         tests, methods, loops, namespaces, macros, errors) with the output transformers' own
                         Jinja environment renders for each (or "error": true when it raises).
  <family>/cases.json    conversations rendered with the model's real chat template by
                         `tokenizer.apply_chat_template`: messages, add_generation_prompt, extra variables, the
                         text (tokenize=False) and the ids (tokenize=True).
  <family>/tokenizer.json        a compact copy of the family's tokenizer that encodes these texts to the same
                                 ids (see tokenizer_subset.py), so the tests run without ../shared;
  <family>/tokenizer_config.json the family's real config (it holds the template), copied byte for byte.
Families: qwen2.5-instruct, qwen2.5-math, qwen3, deepseek-r1-distill (Apache-2.0 / MIT files), and llama-3.2,
whose files are under the Llama 3.2 Community License: for it only cases.json is written, and the tests read
the template and tokenizer from ../shared.

DeepSeek-R1-Distill's tokenizer.json is not in ../shared; as its SOURCE.md describes, a stand-in is built from the
Qwen2.5 vocabulary and merges with DeepSeek's added tokens (151643..151664), so its ids are the stand-in's.

Needs a Python with transformers, tokenizers and jinja2 (no torch):
    .venv/bin/python Tools/make_chat_template_fixtures.py [--shared ../shared]
Deterministic: re-running gives the same files for the same library versions.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import transformers  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402
from transformers.utils.chat_template_utils import _compile_jinja_template  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tokenizer_subset  # noqa: E402
from jinja_cases import JINJA_CASES  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OUT = os.path.join(REPO, "Tests", "DispoTokenizersTests", "Fixtures", "chat")

SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."
PROBLEM = "Let $f(x) = 3x^2 - 5$. What is $f(f(1))$?"
ANSWER = "First $f(1) = 3 - 5 = -2$, then $f(-2) = 12 - 5 = 7$. The answer is $\\boxed{7}$."
THINKING = "<think>\nf(1) = -2, f(-2) = 7.\n</think>\n\nSo $f(f(1)) = \\boxed{7}$."


def conversations():
    """(name, messages, add_generation_prompt) cases shared by every family."""
    user = {"role": "user", "content": PROBLEM}
    return [
        ("user", [user], True),
        ("user-no-generation-prompt", [user], False),
        ("system-user", [{"role": "system", "content": SYSTEM}, user], True),
        ("system-user-no-generation-prompt", [{"role": "system", "content": SYSTEM}, user], False),
        ("multi-turn", [{"role": "system", "content": "You are a careful mathematician."}, user,
                        {"role": "assistant", "content": ANSWER},
                        {"role": "user", "content": "And $f(f(f(1)))$?  "}], True),
        ("multi-turn-no-system", [user, {"role": "assistant", "content": ANSWER},
                                  {"role": "user", "content": "Now compute $f(0)$."},
                                  {"role": "assistant", "content": "$f(0) = -5$."}], False),
        ("thinking-history", [user, {"role": "assistant", "content": THINKING},
                              {"role": "user", "content": "Thanks! And f(2)?"}], True),
        ("unicode-and-spaces", [{"role": "system", "content": "  Réponds en français.\n"},
                                {"role": "user", "content": "  Combien font ½ + ⅓ ? 数学 😀\n\n"}], True),
        ("special-token-in-content", [{"role": "user", "content": "Repeat <|im_end|> and <|eot_id|> literally."}], True),
    ]


FAMILIES = {
    # name: (tokenizer folder(s), extra variables per case, committed)
    "qwen2.5-instruct": ("qwen2.5-0.5b-instruct", [{}], True),
    "qwen2.5-math": ("qwen2.5-math-1.5b", [{}], True),
    "qwen3": ("qwen3", [{}, {"enable_thinking": False}, {"enable_thinking": True}], True),
    "deepseek-r1-distill": ("deepseek-r1-distill-qwen-1.5b", [{}], True),
    "llama-3.2": ("llama-3.2-1b-instruct", [{"date_string": "26 Jul 2024"}], False),
}

# DeepSeek-R1-Distill's added tokens (its SOURCE.md): 151643..151649, then Qwen2.5's 151650..151664.
DEEPSEEK_ADDED = ["<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>", "<｜begin▁of▁sentence｜>", "<|EOT|>", "<think>", "</think>"]


def qwen_directory(shared, config_folder, scratch):
    """A directory transformers can load: Qwen2.5 vocab/merges with the family's configs."""
    d = os.path.join(scratch, config_folder)
    os.makedirs(d)
    for f in ("vocab.json", "merges.txt"):
        shutil.copy(os.path.join(shared, "data/tokenizers/qwen2.5-0.5b", f), d)
    for f in os.listdir(os.path.join(shared, "data/tokenizers", config_folder)):
        if f.endswith(".json"):
            shutil.copy(os.path.join(shared, "data/tokenizers", config_folder, f), d)
    return d


def deepseek_directory(shared, scratch):
    """The DeepSeek stand-in: Qwen2.5's tokenizer.json with DeepSeek's added tokens, and DeepSeek's config."""
    qwen = AutoTokenizer.from_pretrained(qwen_directory(shared, "qwen2.5-0.5b", os.path.join(scratch, "q")))
    data = json.loads(qwen.backend_tokenizer.to_str())
    added = [t for t in data["added_tokens"] if t["id"] >= 151650]
    specials = [{"id": 151643 + i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
                 "normalized": False, "special": c not in ("<think>", "</think>")} for i, c in enumerate(DEEPSEEK_ADDED)]
    data["added_tokens"] = specials + added
    d = os.path.join(scratch, "deepseek")
    os.makedirs(d)
    with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    shutil.copy(os.path.join(shared, "data/tokenizers/deepseek-r1-distill-qwen-1.5b/tokenizer_config.json"), d)
    return d


def load_family(name, folder, shared, scratch):
    if name == "deepseek-r1-distill":
        return deepseek_directory(shared, scratch)
    if name in ("qwen2.5-instruct", "qwen2.5-math"):
        return qwen_directory(shared, folder, scratch)
    return os.path.join(shared, "data/tokenizers", folder)


def family_cases(tok, variants):
    cases = []
    for variables in variants:
        for name, messages, generation in conversations():
            text = tok.apply_chat_template(messages, add_generation_prompt=generation, tokenize=False, **variables)
            ids = tok.apply_chat_template(messages, add_generation_prompt=generation, tokenize=True, **variables)["input_ids"]
            assert ids == tok(text, add_special_tokens=False)["input_ids"], name
            suffix = "".join(f"+{k}={json.dumps(v)}" for k, v in variables.items())
            cases.append({"name": name + suffix, "messages": messages, "add_generation_prompt": generation,
                          "variables": variables, "text": text, "ids": ids})
    return cases


def jinja_cases():
    out = []
    for name, template, variables in JINJA_CASES:
        context = {"messages": [], "add_generation_prompt": False}
        context.update(variables)
        case = {"name": name, "template": template, "variables": variables}
        try:
            case["output"] = _compile_jinja_template(template).render(tools=None, documents=None, **context)
        except Exception as error:  # noqa: BLE001 - any failure of the reference is an expected error
            case["error"] = type(error).__name__
        out.append(case)
    return out


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=1)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.path.join(REPO, "..", "shared"))
    args = parser.parse_args()
    shared = os.path.abspath(args.shared)
    os.makedirs(OUT, exist_ok=True)
    write_json(os.path.join(OUT, "jinja_cases.json"), {"generated_by": "Tools/make_chat_template_fixtures.py",
                                                       "transformers_version": transformers.__version__,
                                                       "cases": jinja_cases()})
    with tempfile.TemporaryDirectory() as scratch:
        for family, (folder, variants, committed) in FAMILIES.items():
            directory = load_family(family, folder, shared, scratch)
            tok = AutoTokenizer.from_pretrained(directory)
            cases = family_cases(tok, variants)
            target = os.path.join(OUT, family)
            os.makedirs(target, exist_ok=True)
            write_json(os.path.join(target, "cases.json"), {
                "generated_by": "Tools/make_chat_template_fixtures.py", "transformers_version": transformers.__version__,
                "source": os.path.join("data/tokenizers", folder), "cases": cases})
            if not committed:
                continue
            full = tok.backend_tokenizer
            texts = [c["text"] for c in cases]
            compact = tokenizer_subset.subset(full, [(full, texts)])
            tokenizer_subset.check_same_ids(full, compact, texts)
            with open(os.path.join(target, "tokenizer.json"), "w", encoding="utf-8") as f:
                f.write(compact + "\n")
            shutil.copy(os.path.join(directory, "tokenizer_config.json"), target)
            check = AutoTokenizer.from_pretrained(target)  # the committed pair renders and encodes alike
            for case in cases:
                ids = check.apply_chat_template(case["messages"], add_generation_prompt=case["add_generation_prompt"],
                                                tokenize=True, **case["variables"])["input_ids"]
                assert ids == case["ids"], (family, case["name"])
            print(f"{family}: {len(cases)} cases", file=sys.stderr)
    sizes = {}
    for root, _, files in os.walk(OUT):
        for f in files:
            sizes[os.path.relpath(os.path.join(root, f), OUT)] = os.path.getsize(os.path.join(root, f))
    print(f"fixture sizes: {sizes}", file=sys.stderr)


if __name__ == "__main__":
    main()
