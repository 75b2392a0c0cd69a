#!/usr/bin/env python3
"""Golden row orders of llama.cpp's q/k permutation (convert_hf_to_gguf.py, LlamaModel.permute), computed with numpy.

    /usr/bin/python3 platform-trainer/src/test/python/gguf_permute_golden.py

Writes src/test/resources/export/permute_golden.json: for each (rows, n_head, n_head_kv) case, the HF row index that
ends up at each GGUF row. The permute function below is llama.cpp's: reshape to (n_head, 2, rows / n_head / 2, cols),
swap axes 1 and 2, reshape back; with n_head_kv given and different from n_head, n_head_kv heads are used.
"""
import json
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


def main():
    out = []
    for case in CASES:
        index = np.arange(case["rows"], dtype=np.int64).reshape(case["rows"], 1).repeat(3, axis=1)
        order = permute(index, case["n_head"], case["n_head_kv"])[:, 0].tolist()
        out.append({**case, "hfRowAtGgufRow": order})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "export", "permute_golden.json")
    with open(path, "w") as f:
        json.dump({"generator": "src/test/python/gguf_permute_golden.py", "numpy": np.__version__, "cases": out}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
