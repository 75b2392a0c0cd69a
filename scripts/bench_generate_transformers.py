#!/usr/bin/env python3
"""Greedy decoding with Hugging Face transformers at a real model's shape, random weights: the reference that
TuneForge's `bench-generate` is compared with (docs/benchmarks.md).

Builds Qwen3-0.6B from its published config (no download; random weights, seed 0) in bf16 or fp32, generates
greedily after a random prompt and reports load time, time to first token (prefill + first token) and tokens/s
after the first token, like `bench-generate`.

    /tmp/venv-ref/bin/python scripts/bench_generate_transformers.py --dtype bf16 --threads 2 \
        --prompt-tokens 32 --new-tokens 64
"""
import argparse
import resource
import time

import torch
from transformers import Qwen3Config, Qwen3ForCausalLM

# Qwen/Qwen3-0.6B config.json (the fields that shape the model)
QWEN3_0_6B = dict(vocab_size=151936, hidden_size=1024, intermediate_size=3072, num_hidden_layers=28,
                  num_attention_heads=16, num_key_value_heads=8, head_dim=128, hidden_act="silu",
                  max_position_embeddings=40960, rms_norm_eps=1e-6, rope_theta=1000000.0,
                  tie_word_embeddings=True, bos_token_id=151643, eos_token_id=151645)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dtype", choices=["bf16", "fp32"], default="bf16")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompt-tokens", type=int, default=32)
    parser.add_argument("--new-tokens", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32

    start = time.perf_counter()
    config = Qwen3Config(**QWEN3_0_6B)
    config._attn_implementation = "sdpa"
    model = Qwen3ForCausalLM(config).to(dtype).eval()
    load = time.perf_counter() - start

    prompt = torch.randint(3, config.vocab_size, (1, args.prompt_tokens), generator=torch.Generator().manual_seed(7))
    with torch.inference_mode():
        # time to first token: prefill and one new token
        t0 = time.perf_counter()
        model.generate(prompt, max_new_tokens=1, min_new_tokens=1, do_sample=False, eos_token_id=None,
                       pad_token_id=0)
        first = time.perf_counter() - t0
        t1 = time.perf_counter()
        out = model.generate(prompt, max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens,
                             do_sample=False, eos_token_id=None, pad_token_id=0)
        total = time.perf_counter() - t1
    generated = out.shape[1] - prompt.shape[1]
    rest = max(1e-9, total - first)
    print(f"transformers {torch.__version__}, qwen3-0.6b shape, {args.dtype}, {args.threads} threads")
    print(f"model built in {load:.2f} s (random init, no checkpoint read)")
    print(f"time to first token ({args.prompt_tokens}-token prompt): {first:.3f} s")
    print(f"decoding: {(generated - 1) / rest:.2f} tokens/s ({generated - 1} tokens after the first)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")


if __name__ == "__main__":
    main()
