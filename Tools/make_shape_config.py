#!/usr/bin/env python3
"""Writes the config.json of a model *shape* (random weights come from `dispo model init --config`), for
benchmarks that need a real model's size but not its weights (docs/SCALING.md).

    python3 Tools/make_shape_config.py qwen2.5-0.5b runs/shapes/qwen2.5-0.5b.json
    .build/release/dispo model init --config runs/shapes/qwen2.5-0.5b.json --out runs/shapes/qwen2.5-0.5b

Shapes are the published Hugging Face configs of Qwen2.5-0.5B and Qwen2.5-1.5B (qwen2: QKV bias, tied
embeddings, vocabulary 151,936): 494M and 1.54B parameters.
"""
import json
import sys

COMMON = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu", "vocab_size": 151936,
    "max_position_embeddings": 32768, "rope_theta": 1000000.0, "rms_norm_eps": 1e-06, "tie_word_embeddings": True,
    "initializer_range": 0.02, "bos_token_id": 151643, "eos_token_id": 151643, "torch_dtype": "float32",
}
SHAPES = {
    "qwen2.5-0.5b": {"hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24,
                     "num_attention_heads": 14, "num_key_value_heads": 2},
    "qwen2.5-1.5b": {"hidden_size": 1536, "intermediate_size": 8960, "num_hidden_layers": 28,
                     "num_attention_heads": 12, "num_key_value_heads": 2},
}


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in SHAPES:
        sys.exit(f"usage: make_shape_config.py {{{'|'.join(SHAPES)}}} OUT.json")
    with open(sys.argv[2], "w") as out:
        json.dump({**COMMON, **SHAPES[sys.argv[1]]}, out, indent=2)
        out.write("\n")


if __name__ == "__main__":
    main()
