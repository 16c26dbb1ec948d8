#!/usr/bin/env python3
"""Reference fixtures for dispo's policy losses: PyTorch autograd of each loss on random batches.

The Swift losses compute their per-token gradient coefficients analytically; this script writes the
losses as plain tensor expressions (ALGORITHMS.md §3-4) and lets autograd differentiate them, so the
test compares two independent derivations.

    python3 -m venv .venv-torch && .venv-torch/bin/pip install "torch==2.13.0+cpu"
    .venv-torch/bin/python Tools/make_loss_fixtures.py   # writes Tests/DispoLossesTests/Fixtures/autograd.json
"""
import json
import os

import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "DispoLossesTests", "Fixtures", "autograd.json")


def batch(gen, sequences):
    lengths = torch.randint(1, 10, (sequences,), generator=gen).tolist()
    n = sum(lengths)
    logp = -torch.rand(n, generator=gen) * 4 - 0.05
    old = logp + (torch.rand(n, generator=gen) * 3 - 1.5)
    mask = (torch.rand(n, generator=gen) > 0.2).double()
    adv = torch.rand(sequences, generator=gen) * 4 - 2
    adv[0] = 0.0  # one zero-advantage sequence in every batch
    ent = torch.rand(n, generator=gen) * 3
    ref = logp + (torch.rand(n, generator=gen) * 2 - 1)
    starts = [0]
    for length in lengths:
        starts.append(starts[-1] + length)
    return dict(logp=logp, old=old, mask=mask, adv=adv, ent=ent, ref=ref, starts=starts, correct=(adv > 0).tolist())


def per_token_loss(kind, cfg, logp, old, a, correct):
    r = torch.exp(torch.clamp(logp - old, -20, 20))
    if kind == "reinforce":
        return -a * logp
    if kind == "cispo":
        w = torch.clamp(r, 1 - cfg["eps_low"], 1 + cfg["eps_high"]).detach()
        return -w * a * logp
    if kind == "dispo":
        pos = correct if cfg.get("split_by") == "correctness" else a > 0
        lo = torch.where(pos, 1 - cfg["eps_pos_low"], 1 - cfg["eps_neg_low"])
        hi = torch.where(pos, 1 + cfg["eps_pos_high"], 1 + cfg["eps_neg_high"])
        w = torch.minimum(torch.maximum(r, lo), hi)
        w = torch.where(a == 0, r, w).detach()
        loss = -w * a * logp
        if cfg.get("mask_outside"):
            drop = (pos & (a != 0) & (r > 1 + cfg["eps_pos_high"])) | (~pos & (a != 0) & (r < 1 - cfg["eps_neg_low"]))
            loss = torch.where(drop, torch.zeros_like(loss), loss)
        return loss
    if kind == "ppo-clip":
        l1 = -a * r
        l2 = -a * torch.clamp(r, 1 - cfg["eps_low"], 1 + cfg["eps_high"])
        c1 = torch.maximum(l1, l2)
        dual = torch.minimum(-a * cfg["dual_clip"], c1)
        return torch.where(a < 0, dual, c1)
    raise ValueError(kind)


def aggregate(mode, losses, mask, starts, constant):
    seq_sums, seq_counts = [], []
    for s in range(len(starts) - 1):
        sl = slice(starts[s], starts[s + 1])
        seq_sums.append((losses[sl] * mask[sl]).sum())
        seq_counts.append(mask[sl].sum())
    counts = torch.stack(seq_counts)
    sums = torch.stack(seq_sums)
    live = counts > 0
    if mode == "token-mean":
        return sums.sum() / counts.sum()
    if mode == "seq-mean-token-mean":
        return (sums[live] / counts[live]).sum() / live.sum()
    if mode == "seq-mean-token-sum":
        return sums[live].sum() / live.sum()
    if mode == "seq-mean-token-sum-norm":
        return sums[live].sum() / live.sum() / constant
    raise ValueError(mode)


def k3(logp, ref):
    x = torch.clamp(ref - logp, -20, 20)
    return torch.clamp(torch.exp(x) - x - 1, -10, 10)


CONFIGS = [
    ("dispo", {"eps_pos_low": 0.2, "eps_pos_high": 0.28, "eps_neg_low": 1.0, "eps_neg_high": 4.0}),
    ("dispo", {"eps_pos_low": 0.1, "eps_pos_high": 0.05, "eps_neg_low": 0.3, "eps_neg_high": 0.2, "mask_outside": True}),
    ("dispo", {"eps_pos_low": 0.2, "eps_pos_high": 0.28, "eps_neg_low": 0.2, "eps_neg_high": 2.0, "split_by": "correctness"}),
    ("cispo", {"eps_low": 1.0, "eps_high": 4.0}),
    ("cispo", {"eps_low": 0.2, "eps_high": 0.3}),
    ("ppo-clip", {"eps_low": 0.2, "eps_high": 0.2, "dual_clip": 3.0}),
    ("ppo-clip", {"eps_low": 0.2, "eps_high": 0.28, "dual_clip": 3.0}),
    ("reinforce", {}),
]
MODES = ["token-mean", "seq-mean-token-mean", "seq-mean-token-sum", "seq-mean-token-sum-norm"]


def main():
    gen = torch.Generator().manual_seed(2024)
    cases = []
    for i, (kind, cfg) in enumerate(CONFIGS):
        for j, mode in enumerate(MODES):
            b = batch(gen, sequences=5)
            entropy_coef, kl_coef = (0.01, 0.05) if (i + j) % 2 == 0 else (0.0, 0.0)
            logp = b["logp"].clone().requires_grad_(True)
            ent = b["ent"].clone().requires_grad_(True)
            n = len(logp)
            seq = torch.zeros(n, dtype=torch.long)
            for s in range(len(b["starts"]) - 1):
                seq[b["starts"][s]:b["starts"][s + 1]] = s
            a = b["adv"][seq]
            correct = torch.tensor(b["correct"])[seq]
            token_losses = per_token_loss(kind, cfg, logp, b["old"], a, correct)
            token_losses = token_losses - entropy_coef * ent + kl_coef * k3(logp, b["ref"])
            loss = aggregate(mode, token_losses, b["mask"], b["starts"], constant=9.0)
            loss.backward()
            cases.append({
                "loss": dict(kind=kind, **cfg), "aggregation": mode, "constant": 9.0,
                "entropy_coef": entropy_coef, "kl_coef": kl_coef,
                "logprobs": b["logp"].tolist(), "old_logprobs": b["old"].tolist(), "mask": b["mask"].tolist(),
                "sequence_starts": b["starts"], "advantages": b["adv"].tolist(), "correct": b["correct"],
                "entropies": b["ent"].tolist(), "ref_logprobs": b["ref"].tolist(),
                "expected_loss": loss.item(), "expected_logprob_grad": logp.grad.tolist(),
                "expected_entropy_grad": ent.grad.tolist(),
            })
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"generator": "Tools/make_loss_fixtures.py", "torch": torch.__version__, "cases": cases}, f)
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
