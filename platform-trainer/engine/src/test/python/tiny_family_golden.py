#!/usr/bin/python3
"""Tiny random checkpoints of model families TuneForge runs, with transformers' float32 reference outputs.

For each family: transformers' own config class with tiny sizes, weights from a fixed seed, saved with
save_pretrained (model.safetensors + config.json, a few KB), and reference.json holding
  - logits (float32) of every position for fixed input ids, one sequence shorter and one longer than the
    longrope/sliding-window thresholds where the family has them,
  - the greedy continuation of a prompt by model.generate: without a cache for 10 tokens (every step a full
    forward; the sequence passes Phi-3's longrope switch at 9 tokens), and with the KV cache for 4 tokens (below the
    switch). transformers 5.18's cached generate diverges from its own uncached one once a Phi-3 sequence passes
    original_max_position_embeddings (its prepare_inputs_for_generation drops the cache but goes on feeding only the
    new token), so the long greedy reference is the uncached one, which TuneForge reproduces by recomputing the
    cached positions with the long factors at the switch.
  - the sorted checkpoint keys (what a merged model must have, no more, no less).
Weights are drawn from N(0, 0.5) rather than the default 0.02 init so that logits are not all near zero and the
comparison at 1e-4 is meaningful.

Run from the repository root with transformers 5.18 (pip install torch transformers):
    python platform-trainer/engine/src/test/python/tiny_family_golden.py \
        platform-trainer/engine/src/test/resources/models
"""
import json
import sys
from pathlib import Path

import torch
import transformers
from safetensors import safe_open
from transformers import AutoModelForCausalLM, Gemma2Config, Gemma3TextConfig, Phi3Config

SHORT_IDS = [1, 7, 33, 12, 5, 60]                                  # 6 tokens
LONG_IDS = [1, 7, 33, 12, 5, 60, 2, 41, 19, 8, 27, 50]             # 12 tokens
PROMPT = [1, 7, 33, 12]
NEW_TOKENS = 10


def phi3():
    """Phi-3 with longrope (original 8 of 32 positions: short factors up to 8 tokens, long beyond) and window 5."""
    return Phi3Config(
        vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=32, original_max_position_embeddings=8,
        rope_scaling={"type": "longrope", "short_factor": [1.0, 1.3, 1.9, 2.5],
                      "long_factor": [1.5, 2.7, 4.1, 6.3]},
        sliding_window=5, bos_token_id=1, eos_token_id=2, pad_token_id=0, tie_word_embeddings=False,
        architectures=["Phi3ForCausalLM"])


def gemma2():
    """Gemma 2: sliding layer 0 (window 4) and full layer 1, soft-capped attention and logits, query scalar 16."""
    return Gemma2Config(
        vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, head_dim=8, query_pre_attn_scalar=16, sliding_window=4, max_position_embeddings=64,
        attn_logit_softcapping=1.5, final_logit_softcapping=2.0, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        architectures=["Gemma2ForCausalLM"])


def gemma3():
    """Gemma 3 text: q/k norms, two sliding layers (local rope base 10000) and a full one (base 1e6, linear x2)."""
    return Gemma3TextConfig(
        vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=3, num_attention_heads=4,
        num_key_value_heads=2, head_dim=8, query_pre_attn_scalar=16, sliding_window=4, max_position_embeddings=64,
        layer_types=["sliding_attention", "sliding_attention", "full_attention"],
        rope_parameters={"full_attention": {"rope_type": "linear", "factor": 2.0, "rope_theta": 1000000.0},
                         "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}},
        bos_token_id=1, eos_token_id=2, pad_token_id=0, architectures=["Gemma3ForCausalLM"])


FAMILIES = {"phi3-tiny": phi3, "gemma2-tiny": gemma2, "gemma3-tiny": gemma3}


def make(name, config_fn, root):
    torch.manual_seed(1234)
    config = config_fn()
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager", dtype=torch.float32)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.5)
    model.eval()
    target = root / name
    model.save_pretrained(target, safe_serialization=True)
    with torch.no_grad():
        short = model(torch.tensor([SHORT_IDS])).logits[0]
        long = model(torch.tensor([LONG_IDS])).logits[0]
        out = model.generate(torch.tensor([PROMPT]), max_new_tokens=NEW_TOKENS, do_sample=False, use_cache=False,
                             eos_token_id=None, pad_token_id=0)
        cached = model.generate(torch.tensor([PROMPT]), max_new_tokens=4, do_sample=False, use_cache=True,
                                eos_token_id=None, pad_token_id=0)
    with safe_open(target / "model.safetensors", "pt") as f:
        keys = sorted(f.keys())
    reference = {
        "transformers": transformers.__version__,
        "architecture": config.architectures[0],
        "short_ids": SHORT_IDS, "short_logits": short.tolist(),
        "long_ids": LONG_IDS, "long_logits": long.tolist(),
        "prompt": PROMPT, "greedy": out[0, len(PROMPT):].tolist(),
        "greedy_cached": cached[0, len(PROMPT):].tolist(),
        "checkpoint_keys": keys,
    }
    (target / "reference.json").write_text(json.dumps(reference))
    (target / "generation_config.json").unlink(missing_ok=True)


def main():
    root = Path(sys.argv[1])
    for name, fn in FAMILIES.items():
        make(name, fn, root)


if __name__ == "__main__":
    main()
