#!/usr/bin/env python3
"""PyTorch baseline of `dispo learn` for `dispo bench engine --shape ... --only learn`: the same DISPO update,
whole process (import, load, update, save), fp32, with torch's usual memory layout (full-vocabulary logits of
each micro-batch).

The update follows dispo's learner: group-relative advantages (unbiased std, +1e-6), rollouts split in file
order into K mini-batches, each cut into micro-batches of at most --micro-batch sequences; per micro-batch a
forward at temperature τ, log π of the response tokens and their entropies (for the metrics, without
gradient), the DISPO loss -sg(w)·A·log π with w = clip(r, 1-eps_low, 1+eps_high) (eps+ for A > 0, eps- for
A < 0), token-mean over the mini-batch, backward; then global-norm clipping and one AdamW step (torch
defaults: betas 0.9/0.999, eps 1e-8, weight decay 0). The updated model is saved as fp32 safetensors.
Prints one JSON line: {"import_s", "load_s", "update_s", "save_s", "loss", "entropy"}.

Needs torch (CPU) and transformers, as Tools/bench_engine.py.
"""

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

try:
    import torch
    import transformers
    from transformers import AutoModelForCausalLM
except ImportError as error:
    print(f"bench_learn.py: torch and transformers are needed for {sys.executable} ({error})", file=sys.stderr)
    sys.exit(3)
IMPORTED = time.perf_counter()


def advantages(rollouts):
    groups = {}
    for i, r in enumerate(rollouts):
        groups.setdefault(r["group"], []).append(i)
    out = [0.0] * len(rollouts)
    for members in groups.values():
        rewards = [rollouts[i]["reward"] for i in members]
        if len(members) == 1:
            out[members[0]] = rewards[0]
            continue
        mean = sum(rewards) / len(rewards)
        std = (sum((x - mean) ** 2 for x in rewards) / (len(rewards) - 1)) ** 0.5
        for i in members:
            out[i] = (rollouts[i]["reward"] - mean) / (std + 1e-6)
    return out


def split(count, parts):
    ranges, start = [], 0
    for p in range(parts):
        size = count // parts + (1 if p < count % parts else 0)
        ranges.append(range(start, start + size))
        start += size
    return ranges


def micro_batch_loss(model, part, adv, a, tokens_in_mini):
    """Forward of one micro-batch; returns (loss to backpropagate, summed entropy, response tokens)."""
    seqs = [r["prompt_ids"] + r["response_ids"] for r in part]
    T = max(len(s) for s in seqs)
    ids = torch.zeros((len(seqs), T), dtype=torch.long)
    mask = torch.zeros((len(seqs), T), dtype=torch.long)
    for b, s in enumerate(seqs):
        ids[b, :len(s)] = torch.tensor(s)
        mask[b, :len(s)] = 1
    logits = model(input_ids=ids, attention_mask=mask).logits / a.temperature
    logp_all = torch.log_softmax(logits, dim=-1)
    loss, entropy, count = 0.0, 0.0, 0
    for b, r in enumerate(part):
        p, n = len(r["prompt_ids"]), len(r["response_ids"])
        rows = logp_all[b, p - 1:p - 1 + n]
        target = torch.tensor(r["response_ids"]).unsqueeze(1)
        logp = rows.gather(1, target).squeeze(1)
        with torch.no_grad():
            entropy += float(-(rows.exp() * rows).sum())
            ratio = torch.exp(logp - torch.tensor(r["old_logprobs"]))
            low, high = (a.eps_pos_low, a.eps_pos_high) if adv[b] > 0 else (a.eps_neg_low, a.eps_neg_high)
            w = ratio.clamp(1 - low, 1 + high)
        loss = loss + (-(w * adv[b] * logp)).sum() / tokens_in_mini
        count += n
    return loss, entropy, count


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--rollouts", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--minibatches", type=int, default=1)
    p.add_argument("--micro-batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=1e-6)
    p.add_argument("--grad-clip", type=float, default=1.0)
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--threads", type=int, default=1)
    for name, value in [("eps-pos-low", 0.2), ("eps-pos-high", 0.28), ("eps-neg-low", 1.0), ("eps-neg-high", 4.0)]:
        p.add_argument("--" + name, type=float, default=value)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    transformers.logging.set_verbosity_error()
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    with open(a.rollouts) as f:
        rollouts = [json.loads(line) for line in f if line.strip()]
    loaded = time.perf_counter()
    adv = advantages(rollouts)
    total_loss, total_entropy, total_tokens = 0.0, 0.0, 0
    for mini in split(len(rollouts), a.minibatches):
        tokens_in_mini = sum(len(rollouts[i]["response_ids"]) for i in mini)
        micro_count = (len(mini) + a.micro_batch - 1) // a.micro_batch
        for micro in split(len(mini), micro_count):
            index = [mini.start + i for i in micro]
            loss, entropy, count = micro_batch_loss(model, [rollouts[i] for i in index], [adv[i] for i in index], a,
                                                    tokens_in_mini)
            loss.backward()
            total_loss += float(loss)
            total_entropy += entropy
            total_tokens += count
        torch.nn.utils.clip_grad_norm_(model.parameters(), a.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=False)
    updated = time.perf_counter()
    model.save_pretrained(a.out, safe_serialization=True)
    saved = time.perf_counter()
    print(json.dumps({"import_s": IMPORTED - STARTED, "load_s": loaded - IMPORTED, "update_s": updated - loaded,
                      "save_s": saved - updated, "loss": total_loss / a.minibatches,
                      "entropy": total_entropy / max(1, total_tokens), "torch_version": torch.__version__,
                      "transformers_version": transformers.__version__, "threads": torch.get_num_threads()}),
          flush=True)


if __name__ == "__main__":
    main()
