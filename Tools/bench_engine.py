#!/usr/bin/env python3
"""PyTorch CPU baseline for `dispo bench engine`: the same work as the Swift side, same thread count.

Parts (one per run, chosen with --part):
  sample-model  a whole-process run at a real model shape (`dispo bench engine --shape`): imports torch and
          transformers, loads --model DIR (config.json + safetensors, fp32), warms up with a 2-token generate
          (timed apart), then one `generate` of --new-tokens new tokens for the prompts in --prompts (JSONL of
          {"prompt_ids"}); prints {"import_s", "load_s", "warmup_s", "ttft_s", "generate_s",
          "prefill_tokens_per_s", "decode_tokens_per_s"}. The time to first token is when generate's first
          logits reach the logits processors (prefill done, before sampling).
  train   one training step = forward + cross-entropy backward + AdamW step (fp32) of a random-initialised
          LlamaForCausalLM of the given shape on a B x T batch of random tokens; --warmup steps, then --steps timed.
  sample  transformers `generate` with its KV cache: B prompts of --prompt-tokens random tokens, exactly
          --new-tokens new tokens each (no EOS), sampling at temperature 1 without top-k/top-p (or --greedy).
Prints one JSON line per measurement:
  {"part", "torch_version", "transformers_version", "threads", "tokens", "seconds": [wall per repeat],
   "cpu_seconds": [process CPU per repeat], "params"}
With --interactive (how `dispo bench engine` runs it, so that the two sides alternate step by step and share
whatever the machine is doing at the time): prints that line without the timings plus "ready": true, then
times one step for each "step" line on stdin and answers {"seconds", "cpu_seconds"}; "quit" ends it.

Needs torch (CPU) and transformers:
  python3 -m venv .venv-torch && .venv-torch/bin/pip install "torch==2.13.0+cpu" transformers \
      --extra-index-url https://download.pytorch.org/whl/cpu
then pass --python .venv-torch/bin/python to `dispo bench engine`.
"""

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

try:
    import torch
    import transformers
    from transformers import LlamaConfig, LlamaForCausalLM
except ImportError as error:
    print("bench_engine.py: torch and transformers are needed for " + sys.executable + f" ({error}).\n"
          "Install them with:  python3 -m venv .venv-torch && .venv-torch/bin/pip install \"torch==2.13.0+cpu\" "
          "transformers --extra-index-url https://download.pytorch.org/whl/cpu\n"
          "then pass --python .venv-torch/bin/python", file=sys.stderr)
    sys.exit(3)
IMPORTED = time.perf_counter()


def make_model(a):
    config = LlamaConfig(vocab_size=a.vocab, hidden_size=a.hidden, intermediate_size=a.ffn, num_hidden_layers=a.layers,
                         num_attention_heads=a.heads, num_key_value_heads=a.kv_heads, max_position_embeddings=4096,
                         rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False, attention_bias=False,
                         bos_token_id=None, eos_token_id=None, pad_token_id=0)
    torch.manual_seed(a.seed)
    model = LlamaForCausalLM(config).float()
    return model


def clock():
    return time.perf_counter(), time.process_time()


def train(a, model):
    """Returns (tokens per step, one training step)."""
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    g = torch.Generator().manual_seed(a.seed + 1)
    ids = torch.randint(0, a.vocab, (a.batch, a.length), generator=g)

    def step():
        out = model(input_ids=ids, labels=ids)
        out.loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=False)
    return a.batch * a.length, step


def sample(a, model):
    """Returns (new tokens per call, one generate call)."""
    model.eval()
    g = torch.Generator().manual_seed(a.seed + 2)
    ids = torch.randint(0, a.vocab, (a.batch, a.prompt_tokens), generator=g)
    mask = torch.ones_like(ids)
    kwargs = dict(max_new_tokens=a.new_tokens, min_new_tokens=a.new_tokens, use_cache=True, pad_token_id=0,
                  eos_token_id=None)
    if a.greedy:
        kwargs.update(do_sample=False)
    else:
        kwargs.update(do_sample=True, temperature=1.0, top_k=0, top_p=1.0)

    def step():
        with torch.inference_mode():
            out = model.generate(input_ids=ids, attention_mask=mask, **kwargs)
        assert out.shape == (a.batch, a.prompt_tokens + a.new_tokens), out.shape
    return a.batch * a.new_tokens, step


def sample_model(a, started, imported):
    """The whole-process sampling run of --part sample-model; prints its phases as one JSON line."""
    from transformers import AutoModelForCausalLM, LogitsProcessor, LogitsProcessorList
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32)
    model.eval()
    loaded = time.perf_counter()
    with open(a.prompts) as f:
        prompts = [json.loads(line)["prompt_ids"] for line in f if line.strip()]
    ids = torch.tensor(prompts, dtype=torch.long)
    batch, length = ids.shape
    kwargs = dict(use_cache=True, pad_token_id=0, eos_token_id=None, do_sample=not a.greedy)
    if not a.greedy:
        kwargs.update(temperature=1.0, top_k=0, top_p=1.0)
    first = []

    class Mark(LogitsProcessor):
        def __call__(self, input_ids, scores):
            if not first:
                first.append(time.perf_counter())
            return scores

    with torch.inference_mode():
        warm = ids[:, :min(8, length)]
        model.generate(input_ids=warm, attention_mask=torch.ones_like(warm), max_new_tokens=2, min_new_tokens=2, **kwargs)
        warmed = time.perf_counter()
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=a.new_tokens,
                             min_new_tokens=a.new_tokens, logits_processor=LogitsProcessorList([Mark()]), **kwargs)
    done = time.perf_counter()
    assert out.shape == (batch, length + a.new_tokens), out.shape
    ttft = first[0] - warmed
    print(json.dumps({"part": "sample-model", "torch_version": torch.__version__,
                      "transformers_version": transformers.__version__, "threads": torch.get_num_threads(),
                      "import_s": imported - started, "load_s": loaded - imported, "warmup_s": warmed - loaded,
                      "ttft_s": ttft, "generate_s": done - warmed, "prefill_tokens_per_s": batch * length / ttft,
                      "decode_tokens_per_s": batch * (a.new_tokens - 1) / (done - first[0])}), flush=True)


def timed(step):
    w0, c0 = clock()
    step()
    w1, c1 = clock()
    return w1 - w0, c1 - c0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--part", choices=["train", "sample", "sample-model"], required=True)
    p.add_argument("--model", help="model directory (sample-model)")
    p.add_argument("--prompts", help="JSONL of {\"prompt_ids\": [...]} (sample-model)")
    p.add_argument("--name", default=None, help="label echoed in the output")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=None)
    p.add_argument("--ffn", type=int, default=768)
    p.add_argument("--vocab", type=int, default=512)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--length", type=int, default=256)
    p.add_argument("--prompt-tokens", type=int, default=64)
    p.add_argument("--new-tokens", type=int, default=128)
    p.add_argument("--greedy", action="store_true")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--interactive", action="store_true",
                   help="build the model, print a ready line, then time one step per 'step' line read from stdin")
    a = p.parse_args()
    if a.kv_heads is None:
        a.kv_heads = a.heads
    torch.set_num_threads(a.threads)
    transformers.logging.set_verbosity_error()
    if a.part == "sample-model":
        sample_model(a, STARTED, IMPORTED)
        return
    model = make_model(a)
    tokens, step = (train if a.part == "train" else sample)(a, model)
    info = {"part": a.name or a.part, "torch_version": torch.__version__,
            "transformers_version": transformers.__version__, "threads": torch.get_num_threads(),
            "tokens": tokens, "params": sum(t.numel() for t in model.parameters())}
    if a.interactive:
        # One step per "step" line on stdin, answered with its timing, until "quit" or end of input.
        print(json.dumps(dict(info, ready=True)), flush=True)
        for line in sys.stdin:
            if line.strip() == "quit":
                break
            wall, cpu = timed(step)
            print(json.dumps({"seconds": wall, "cpu_seconds": cpu}), flush=True)
        return
    walls, cpus = [], []
    for i in range(a.warmup + a.steps):
        wall, cpu = timed(step)
        if i >= a.warmup:
            walls.append(wall)
            cpus.append(cpu)
    print(json.dumps(dict(info, seconds=walls, cpu_seconds=cpus)), flush=True)


if __name__ == "__main__":
    main()
