#!/usr/bin/env python3
"""Golden values for GGUF export, computed with numpy: the row orders of llama.cpp's q/k permutation
(convert_hf_to_gguf.py, LlamaModel.permute) and Llama 3.1's rope_freqs factors (Llama 3.1 8B's rope_scaling).

    /usr/bin/python3 platform-trainer/engine/src/test/python/gguf_permute_golden.py

Writes src/test/resources/export/permute_golden.json: for each (rows, n_head, n_head_kv) case, the HF row index that
ends up at each GGUF row. The permute function below is llama.cpp's: reshape to (n_head, 2, rows / n_head / 2, cols),
swap axes 1 and 2, reshape back; with n_head_kv given and different from n_head, n_head_kv heads are used.
"""
import json
import math
import os

import numpy as np


def permute(weights, n_head, n_head_kv):
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2)
            .reshape(weights.shape))


CASES = [
    {"name": "stories260K q_proj", "rows": 64, "n_head": 8, "n_head_kv": 8},
    {"name": "stories260K k_proj", "rows": 32, "n_head": 8, "n_head_kv": 4},
    {"name": "llama-7b-like head_dim 128, 2 heads", "rows": 256, "n_head": 2, "n_head_kv": 2},
    {"name": "GQA k_proj 8 kv heads of 64", "rows": 512, "n_head": 32, "n_head_kv": 8},
]


def llama3_rope_factors(base, dim, factor, low_freq_factor, high_freq_factor, old_context_len):
    """convert_hf_to_gguf.py's LlamaModel.generate_extra_tensors (torch.arange/float32 replaced by numpy float32)."""
    freqs = 1.0 / (base ** (np.arange(0, dim, 2, dtype=np.float32) / dim))
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    factors = []
    for freq in freqs:
        wavelen = 2 * math.pi / float(freq)
        if wavelen < high_freq_wavelen:
            factors.append(1.0)
        elif wavelen > low_freq_wavelen:
            factors.append(factor)
        else:
            smooth = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
            factors.append(1 / ((1 - smooth) / factor + smooth))
    return [float(np.float32(f)) for f in factors]


def main():
    out = []
    for case in CASES:
        index = np.arange(case["rows"], dtype=np.int64).reshape(case["rows"], 1).repeat(3, axis=1)
        order = permute(index, case["n_head"], case["n_head_kv"])[:, 0].tolist()
        out.append({**case, "hfRowAtGgufRow": order})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "export", "permute_golden.json")
    with open(path, "w") as f:
        rope = {"rope_theta": 500000.0, "head_dim": 128, "factor": 8.0, "low_freq_factor": 1.0,
                "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}
        rope["factors"] = llama3_rope_factors(rope["rope_theta"], rope["head_dim"], rope["factor"],
                                              rope["low_freq_factor"], rope["high_freq_factor"],
                                              rope["original_max_position_embeddings"])
        json.dump({"generator": "src/test/python/gguf_permute_golden.py", "numpy": np.__version__, "cases": out,
                   "llama3Rope": rope}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
