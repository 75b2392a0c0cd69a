#!/usr/bin/env python3
"""Golden values of optim adamw_8bit (bitsandbytes' AdamW with optim_bits=8), computed by bitsandbytes' own Python code.

bitsandbytes has no wheel in this machine's package index, but its Python package imports without the native library
(cextension falls back to a mock) and then runs on the CPU through its pure-PyTorch kernels: quantize_blockwise from
backends/default/ops.py (nearest code by torch.bucketize over the midpoints of the sorted map) and
optimizer_update_8bit_blockwise / optimizer_update_32bit from backends/cpu/ops.py. Those are the kernels this script
drives. (With the compiled library, bitsandbytes' CPU quantizer looks codes up in a 65,536-entry table instead of
bucketizing: the two agree except within 1/65,535 of a midpoint.) Source read: github.com/bitsandbytes-foundation/
bitsandbytes at 95f9af309d4d5793847169c39288dcd3fcbdf564 (functional.py create_dynamic_map, optim/optimizer.py
Optimizer2State, backends/default/ops.py, backends/cpu/ops.py). Fetch it, e.g. from a bare mirror:

    git --git-dir=bitsandbytes.git archive 95f9af30 bitsandbytes | tar x -C SRC

The optimizer is built as the Hugging Face Trainer builds it for optim adamw_8bit / adamw_bnb_8bit
(trainer_optimizer._get_bitsandbytes_optimizer: bnb.optim.AdamW(groups, lr, betas, eps, optim_bits=8, is_paged=False);
groups: weight decay except biases and norms; every nn.Embedding's weight overridden to optim_bits 32 through
GlobalOptimManager.register_module_override). Parameters with fewer than min_8bit_size (4096) numbers keep 32-bit state.

Toy problem (Java rebuilds it): named parameters
    model.embed_tokens.weight (64, 64)  nn.Embedding: 32-bit state by the Trainer's override
    model.layers.0.mlp.up_proj.weight (66, 64)  4224 numbers: 8-bit, 16 full blocks of 256 and one of 128
    model.layers.0.mlp.up_proj.bias (66)  32-bit (below 4096), no weight decay
    model.norm.weight (64)  32-bit, no weight decay
initial value of parameter j (its position above) at flat index k: 0.5*sin(0.37*k + j)
target t_k = 0.3*cos(0.11*k + j), scale s_k = 10^-((k // 256) mod 4) (blocks of different magnitude)
gradient g = (p - t) * s  (the gradient of sum(0.5*s*(p - t)^2)), float32.
Three steps with learning rates 1e-2, 2e-2, 1.5e-2; betas (0.9, 0.999), eps 1e-8, weight_decay 0.1.

Recorded (float32 / uint8 little-endian, base64): both quantization maps; after every step the 8-bit parameter with the
codes of state1 (exp_avg, signed map) and state2 (exp_avg_sq, unsigned map) and both absmax vectors; after the last
step also every other parameter and its 32-bit state1 / state2.

Run: PYTHONPATH=SRC /tmp/venv-ref/bin/python adamw_8bit_golden.py ../resources/training/adamw_8bit_golden.json
"""
import base64
import json
import math
import sys

import numpy as np
import torch
from torch import nn

import bitsandbytes as bnb
import bitsandbytes.functional as F

SOURCE = ("bitsandbytes-foundation/bitsandbytes", "95f9af309d4d5793847169c39288dcd3fcbdf564")
SHAPES = [("model.embed_tokens.weight", (64, 64)), ("model.layers.0.mlp.up_proj.weight", (66, 64)),
          ("model.layers.0.mlp.up_proj.bias", (66,)), ("model.norm.weight", (64,))]
LRS = [1e-2, 2e-2, 1.5e-2]


def b64(t):
    return base64.b64encode(t.detach().contiguous().numpy().tobytes()).decode("ascii")


def flat_index(shape):
    return torch.arange(math.prod(shape), dtype=torch.float64)


def initial(j, shape):
    return (0.5 * torch.sin(flat_index(shape) * 0.37 + j)).float().reshape(shape)


def target_and_scale(j, shape):
    k = flat_index(shape)
    target = (0.3 * torch.cos(k * 0.11 + j)).float().reshape(shape)
    scale = torch.pow(10.0, -((k // 256) % 4)).float().reshape(shape)
    return target, scale


class Toy(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(64, 64)
        self.up = nn.Linear(64, 66)
        self.norm = nn.Parameter(torch.zeros(64))

    def named(self):
        return [("model.embed_tokens.weight", self.embed.weight), ("model.layers.0.mlp.up_proj.weight", self.up.weight),
                ("model.layers.0.mlp.up_proj.bias", self.up.bias), ("model.norm.weight", self.norm)]


def main(out_path):
    toy = Toy()
    named = toy.named()
    with torch.no_grad():
        for j, (name, p) in enumerate(named):
            p.copy_(initial(j, p.shape))
    decay = [p for n, p in named if not ("bias" in n or "norm" in n)]
    no_decay = [p for n, p in named if "bias" in n or "norm" in n]
    groups = [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}]
    opt = bnb.optim.AdamW(groups, lr=LRS[0], betas=(0.9, 0.999), eps=1e-8, optim_bits=8, is_paged=False)
    manager = bnb.optim.GlobalOptimManager.get_instance()
    manager.register_module_override(toy.embed, "weight", {"optim_bits": 32})
    steps = []
    for lr in LRS:
        for g in opt.param_groups:
            g["lr"] = lr
        for j, (name, p) in enumerate(named):
            target, scale = target_and_scale(j, p.shape)
            p.grad = (p.detach() - target) * scale
        opt.step()
        last = len(steps) == len(LRS) - 1
        kept = [(n, p) for n, p in named if last or opt.state[p]["state1"].dtype == torch.uint8]
        record = {"lr": lr, "parameters": {n: b64(p) for n, p in kept}, "state": {}}
        for n, p in kept:
            s = opt.state[p]
            entry = {"dtype": str(s["state1"].dtype).replace("torch.", "")}
            if s["state1"].dtype == torch.uint8:
                entry.update(state1=b64(s["state1"]), state2=b64(s["state2"]), absmax1=b64(s["absmax1"]),
                             absmax2=b64(s["absmax2"]))
            else:
                entry.update(state1=b64(s["state1"]), state2=b64(s["state2"]))
            record["state"][n] = entry
        steps.append(record)
    out = {"source": SOURCE[0] + "@" + SOURCE[1], "shapes": {n: list(s) for n, s in SHAPES},
           "signed_map": b64(F.create_dynamic_map(signed=True)),
           "unsigned_map": b64(F.create_dynamic_map(signed=False)),
           "lrs": LRS, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.1, "steps": steps}
    with open(out_path, "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
