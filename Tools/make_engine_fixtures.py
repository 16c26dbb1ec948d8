#!/usr/bin/env python3
"""Golden fixtures for DispoEngine from PyTorch + transformers (the reference implementation).

Builds random-initialised tiny LlamaForCausalLM / Qwen2ForCausalLM / Qwen3ForCausalLM models (GQA, q/k/v
biases, Qwen3's q/k norm with head_dim ≠ hidden/heads, tied and untied embeddings, F32 / BF16 / F16 storage,
one sharded) and writes, per model, into
Tests/DispoEngineTests/Fixtures/<name>/:
  config.json, model.safetensors (or shards + model.safetensors.index.json)   the model as transformers saves it
  expected.json       input ids; log-probs and entropies at temperatures 1 and 0.7; the fixed loss
                      Σ c·log π + Σ e·H (τ = 0.7) with its coefficients; grad norm and AdamW settings;
                      greedy generations (references in float64 from the stored weights)
  grads.safetensors   gradients of that loss (F32, HF names)
  after_adamw.safetensors   weights after clip_grad_norm_ + one torch.optim.AdamW step (computed in float64,
                      stored F32)

With --real-shape it writes Tests/DispoEngineTests/Fixtures/qwen2_real_vocab/ instead: a Qwen2.5-shaped model
reduced in depth and width but with the full vocabulary (151,936), GQA 14/2 and tied embeddings, whose
weights are NOT stored (34 MB): both sides generate them from seeds (`seeded_weights` here,
`RealShapeFixture.weights` in the tests): tensor t of the HF layout order draws u = ((x >> 40) / 2^24)·2 − 1
from SplitMix64(seed 1000 + t), exactly representable in fp32; norm weights are 1 + u/4, biases u/4, the
embedding u/2, other matrices u/8 (each rounded once to fp32). expected.json holds log-probs and entropies,
the loss's gradient summarised per tensor (norm, the dot product with seeded ±1 vectors, the values at 16
seeded indices) and greedy tokens; everything fits in a few hundred KB.

Setup (CPU-only torch; a plain `pip install torch` pulls GBs of CUDA wheels):
  python3 -m venv /work/venv-torch
  /work/venv-torch/bin/pip install "torch==2.13.0+cpu" transformers safetensors
Run:   /work/venv-torch/bin/python Tools/make_engine_fixtures.py
Check a model written by dispo (by hand):
  /work/venv-torch/bin/python Tools/make_engine_fixtures.py --check DIR --ids 1,2,3,4
prints the per-token log-probs transformers computes for those ids, to compare with `dispo score`.
Check that the files dispo writes load in transformers with the engine's numbers:
  /work/venv-torch/bin/python Tools/make_engine_fixtures.py --check-export .build/release/dispo
runs `dispo bench export` (a BF16 Qwen2 with tied embeddings, an F32 Llama with every bias; norms and biases
perturbed) into a temporary directory, scores each model's ids with transformers and compares with the
engine's dispo_logprobs.json; exits 1 when a log-prob or entropy differs by more than 1e-4.
"""
import argparse
import copy
import json
import os
import shutil

import torch
from safetensors.torch import save_file
from transformers import (AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM,
                          Qwen3Config, Qwen3ForCausalLM)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "DispoEngineTests", "Fixtures")

SPECS = [
    # name, family, tied, attention_bias (llama), storage dtype, shard size, rope theta, seed
    dict(name="llama_untied_f32", family="llama", tied=False, bias=False, dtype=torch.float32, shard=None,
         theta=10000.0, seed=1),
    dict(name="qwen2_tied_bf16", family="qwen2", tied=True, bias=None, dtype=torch.bfloat16, shard=None,
         theta=1000000.0, seed=2),
    dict(name="llama_bias_tied_f16_sharded", family="llama", tied=True, bias=True, dtype=torch.float16,
         shard="30KB", theta=500000.0, seed=3),
    # Qwen3: per-head q/k RMSNorm, head_dim 16 so NH·HS = 64 differs from hidden 32.
    dict(name="qwen3_untied_f32", family="qwen3", tied=False, bias=False, dtype=torch.float32, shard=None,
         theta=1000000.0, seed=4, head_dim=16),
]
SEQUENCES_LENGTHS = [10, 7, 4]
PROMPTS = [[3, 14, 15, 92, 65], [2, 71, 82]]
MAX_NEW = 8
TEMPS = [1.0, 0.7]
LOSS_TEMP = 0.7
ADAMW = dict(lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
MAX_NORM = 0.5


def build(spec):
    common = dict(vocab_size=97, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                  rms_norm_eps=1e-6, tie_word_embeddings=spec["tied"], initializer_range=0.1)
    if spec["family"] == "llama":
        config = LlamaConfig(attention_bias=spec["bias"], rope_theta=spec["theta"], **common)
        cls = LlamaForCausalLM
    elif spec["family"] == "qwen2":
        config = Qwen2Config(rope_theta=spec["theta"], **common)
        cls = Qwen2ForCausalLM
    else:
        config = Qwen3Config(rope_theta=spec["theta"], attention_bias=spec["bias"], head_dim=spec["head_dim"], **common)
        cls = Qwen3ForCausalLM
    config._attn_implementation = "eager"
    torch.manual_seed(spec["seed"])
    model = cls(config).float()
    with torch.no_grad():  # make norms and biases non-trivial so they are tested
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif name.endswith(".bias"):
                p.copy_(0.1 * torch.randn_like(p))
        for p in model.parameters():  # round to the storage dtype so both sides see the same weights
            p.copy_(p.to(spec["dtype"]).float())
    return model


def scores(model, seq, temperature):
    ids = torch.tensor([seq])
    logits = model(ids).logits[0, :-1] / temperature
    logp = torch.log_softmax(logits, dim=-1)
    lp = logp.gather(1, ids[0, 1:, None])[:, 0]
    ent = -(logp.exp() * logp).sum(-1)
    return lp, ent


def greedy(model, prompt):
    seq = list(prompt)
    margins = []
    with torch.no_grad():
        for _ in range(MAX_NEW):
            logits = model(torch.tensor([seq])).logits[0, -1]
            top = torch.topk(logits, 2)
            margins.append(float(top.values[0] - top.values[1]))
            seq.append(int(top.indices[0]))
    return seq[len(prompt):], min(margins)


def floats(t):
    return [float(x) for x in t.detach().reshape(-1)]


def make(spec):
    out = os.path.join(OUT, spec["name"])
    shutil.rmtree(out, ignore_errors=True)
    # Greedy tokens are only a fair test when the top two logits are well apart: move to the next seed
    # (deterministically) until every greedy step has a margin of at least 0.02.
    while min(greedy(build(spec).eval(), p)[1] for p in PROMPTS) < 0.02:
        spec["seed"] += 10
    model = build(spec)
    model.eval()
    kwargs = {"max_shard_size": spec["shard"]} if spec["shard"] else {}
    # Save a converted copy: converting the model itself would also round its rotary inv_freq buffer.
    copy.deepcopy(model).to(spec["dtype"]).save_pretrained(out, **kwargs)
    # References are computed in float64 from the stored (rounded) weights, so they are the exact values the
    # fp32 engine approximates (rotary angles stay fp32 inside transformers, as in the engine). Greedy tokens
    # come from the fp32 model, as a user of transformers would see them.
    model.double()
    gen_path = os.path.join(out, "generation_config.json")
    if os.path.exists(gen_path):
        os.remove(gen_path)

    g = torch.Generator().manual_seed(100 + spec["seed"])
    seqs = [torch.randint(0, 97, (n,), generator=g).tolist() for n in SEQUENCES_LENGTHS]
    expected = {"sequences": seqs, "logprobs": {}, "entropies": {}}
    with torch.no_grad():
        for temp in TEMPS:
            res = [scores(model, s, temp) for s in seqs]
            expected["logprobs"][str(temp)] = [floats(lp) for lp, _ in res]
            expected["entropies"][str(temp)] = [floats(e) for _, e in res]

    coeff = [floats(torch.randn(n - 1, generator=g)) for n in SEQUENCES_LENGTHS]
    ecoeff = [floats(0.3 * torch.randn(n - 1, generator=g)) for n in SEQUENCES_LENGTHS]
    model.zero_grad()
    loss = 0
    for s, c, e in zip(seqs, coeff, ecoeff):
        lp, ent = scores(model, s, LOSS_TEMP)
        loss = loss + (torch.tensor(c, dtype=torch.float64) * lp).sum() + (torch.tensor(e, dtype=torch.float64) * ent).sum()
    loss.backward()
    params = dict(model.named_parameters())  # shared (tied) parameters appear once
    save_file({k: p.grad.detach().float().contiguous() for k, p in params.items()},
              os.path.join(out, "grads.safetensors"))
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM)
    opt = torch.optim.AdamW(model.parameters(), **ADAMW)
    opt.step()
    save_file({k: p.detach().float().contiguous() for k, p in params.items()},
              os.path.join(out, "after_adamw.safetensors"))
    expected["loss"] = {"temperature": LOSS_TEMP, "logprob_coefficients": coeff, "entropy_coefficients": ecoeff,
                        "value": float(loss.detach()), "grad_norm": float(norm), "reference_precision": "float64",
                        "max_norm": MAX_NORM,
                        "adamw": {"lr": ADAMW["lr"], "beta1": ADAMW["betas"][0], "beta2": ADAMW["betas"][1],
                                  "eps": ADAMW["eps"], "weight_decay": ADAMW["weight_decay"]}}

    model = build(spec)  # fresh fp32 copy of the initial weights for generation
    model.eval()
    gens = [greedy(model, p) for p in PROMPTS]
    expected["greedy"] = {"prompts": PROMPTS, "max_new_tokens": MAX_NEW, "outputs": [o for o, _ in gens],
                          "min_margin": min(m for _, m in gens)}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print(spec["name"], "seed", spec["seed"], "loss", float(loss.detach()), "grad norm", float(norm), "min greedy margin", expected["greedy"]["min_margin"])


REAL = dict(vocab_size=151936, hidden_size=56, intermediate_size=96, num_hidden_layers=2, num_attention_heads=14,
            num_key_value_heads=2, head_dim=4, max_position_embeddings=256, rms_norm_eps=1e-6, rope_theta=1000000.0,
            tie_word_embeddings=True)
REAL_SEQUENCES = [12, 9, 5]
REAL_PROMPTS = [[151643, 872, 17, 10], [9707, 11, 1879]]


def splitmix_uniform(seed, count):
    """u_i = ((x_i >> 40) / 2^24)·2 − 1 for the first `count` outputs x_i of SplitMix64(seed), as float64 (exact)."""
    import numpy as np
    with np.errstate(over="ignore"):
        state = np.uint64(seed) + np.arange(1, count + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z = state
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float64) / 2.0 ** 24 * 2 - 1


def layout_names(config):
    names = ["model.embed_tokens.weight"]
    for l in range(config["num_hidden_layers"]):
        p = f"model.layers.{l}."
        names += [p + "input_layernorm.weight", p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight",
                  p + "self_attn.v_proj.weight", p + "self_attn.q_proj.bias", p + "self_attn.k_proj.bias",
                  p + "self_attn.v_proj.bias", p + "self_attn.o_proj.weight", p + "post_attention_layernorm.weight",
                  p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight", p + "mlp.down_proj.weight"]
    return names + ["model.norm.weight"]


def seeded_weights(model):
    """Fills `model` with the seeded weights described in the module docstring (in float64 holding fp32 values)."""
    import numpy as np
    params = dict(model.named_parameters())
    with torch.no_grad():
        for t, name in enumerate(layout_names(REAL)):
            p = params[name]
            u = splitmix_uniform(1000 + t, p.numel())
            if name.endswith("norm.weight"):
                w = 1 + u / 4
            elif name.endswith(".bias"):
                w = u / 4
            elif name == "model.embed_tokens.weight":
                w = u / 2
            else:
                w = u / 8
            w = w.astype(np.float32).astype(np.float64)   # one rounding to fp32, as Swift's Float arithmetic
            p.copy_(torch.from_numpy(w).reshape(p.shape).to(p.dtype))


def summary(t, seed):
    """Norm, dot products with two seeded ±1 vectors and the values at 16 seeded indices of a flat tensor."""
    flat = t.detach().double().reshape(-1)
    n = flat.numel()
    u1, u2 = splitmix_uniform(seed, n), splitmix_uniform(seed + 1, n)
    s1 = torch.from_numpy((u1 >= 0) * 2.0 - 1)
    s2 = torch.from_numpy((u2 >= 0) * 2.0 - 1)
    picks = [int((v + 1) / 2 * n) % n for v in splitmix_uniform(seed + 2, 16)]
    return {"norm": float(flat.norm()), "dot1": float((flat * s1).sum()), "dot2": float((flat * s2).sum()),
            "indices": picks, "values": [float(flat[i]) for i in picks]}


def make_real():
    out = os.path.join(OUT, "qwen2_real_vocab")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    config = Qwen2Config(**REAL)
    config._attn_implementation = "eager"
    model = Qwen2ForCausalLM(config).double()
    seeded_weights(model)
    model.eval()
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(dict(REAL, model_type="qwen2", architectures=["Qwen2ForCausalLM"], hidden_act="silu",
                       torch_dtype="float32", weights="seeded: Tools/make_engine_fixtures.py --real-shape"), f, indent=1)
    g = torch.Generator().manual_seed(7)
    seqs = [torch.randint(0, REAL["vocab_size"], (n,), generator=g).tolist() for n in REAL_SEQUENCES]
    expected = {"sequences": seqs, "logprobs": {}, "entropies": {}}
    with torch.no_grad():
        for temp in TEMPS:
            res = [scores(model, s, temp) for s in seqs]
            expected["logprobs"][str(temp)] = [floats(lp) for lp, _ in res]
            expected["entropies"][str(temp)] = [floats(e) for _, e in res]
    coeff = [floats(torch.randn(n - 1, generator=g, dtype=torch.float64)) for n in REAL_SEQUENCES]
    ecoeff = [floats(0.3 * torch.randn(n - 1, generator=g, dtype=torch.float64)) for n in REAL_SEQUENCES]
    loss = 0
    for s, c, e in zip(seqs, coeff, ecoeff):
        lp, ent = scores(model, s, LOSS_TEMP)
        loss = loss + (torch.tensor(c, dtype=torch.float64) * lp).sum() + (torch.tensor(e, dtype=torch.float64) * ent).sum()
    loss.backward()
    params = dict(model.named_parameters())
    expected["loss"] = {"temperature": LOSS_TEMP, "logprob_coefficients": coeff, "entropy_coefficients": ecoeff,
                        "value": float(loss.detach()), "reference_precision": "float64"}
    expected["gradients"] = {name: summary(params[name].grad, 5000 + t) for t, name in enumerate(layout_names(REAL))}
    fp32 = Qwen2ForCausalLM(config).float()
    seeded_weights(fp32)
    fp32.eval()
    gens = [greedy(fp32, p) for p in REAL_PROMPTS]
    expected["greedy"] = {"prompts": REAL_PROMPTS, "max_new_tokens": MAX_NEW, "outputs": [o for o, _ in gens],
                          "min_margin": min(m for _, m in gens)}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print("qwen2_real_vocab loss", float(loss.detach()), "min greedy margin", expected["greedy"]["min_margin"])


def check(path, ids):
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    with torch.no_grad():
        lp, ent = scores(model, ids, 1.0)

    print(json.dumps({"ids": ids, "logprobs": floats(lp), "entropies": floats(ent)}))


def check_export(dispo, tolerance=1e-4):
    import subprocess
    import tempfile
    worst = 0.0
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([dispo, "bench", "export", "--out", out], check=True)
        for name in sorted(os.listdir(out)):
            path = os.path.join(out, name)
            with open(os.path.join(path, "dispo_logprobs.json")) as f:
                ours = json.load(f)
            model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation="eager")
            model.eval()
            with torch.no_grad():
                lp, ent = scores(model, ours["ids"], 1.0)
            diff = max(max(abs(a - b) for a, b in zip(floats(lp), ours["logprobs"])),
                       max(abs(a - b) for a, b in zip(floats(ent), ours["entropies"])))
            if len(floats(lp)) != len(ours["logprobs"]):
                diff = float("inf")
            print(f"{name}: max |transformers - dispo| over log-probs and entropies = {diff:.2e}")
            worst = max(worst, diff)
    print("export check:", "ok" if worst <= tolerance else "FAILED", f"(tolerance {tolerance:g})")
    return worst <= tolerance


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", help="model directory to score with transformers")
    parser.add_argument("--ids", default="1,2,3,4,5", help="comma-separated token ids for --check")
    parser.add_argument("--real-shape", action="store_true", help="write the full-vocabulary Qwen2.5-shaped fixture only")
    parser.add_argument("--check-export", metavar="DISPO", help="dispo executable: check its `dispo bench export` models")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.check_export:
        raise SystemExit(0 if check_export(args.check_export) else 1)
    if args.real_shape:
        make_real()
    elif args.check:
        check(args.check, [int(x) for x in args.ids.split(",")])
    else:
        for spec in SPECS:
            make(spec)
