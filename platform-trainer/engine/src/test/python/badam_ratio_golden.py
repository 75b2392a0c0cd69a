#!/usr/bin/env python3
"""Golden updates of BAdam's ratio mode (use_badam, badam_mode: ratio), computed by BAdam's own BlockOptimizerRatio.

badam is not installable from this machine's index, so the script imports the official source file directly
(github.com/Ledzy/BAdam at bf989dcb8c1a7bbcf7360034b323e1b5616bf3e4, src/badam/block_optim.py), e.g.

    git --git-dir=BAdam.git show bf989dcb:src/badam/block_optim.py > SRC/src/badam/block_optim.py

and builds it as LLaMA-Factory's _create_badam_optimizer does for badam_mode ratio: BlockOptimizerRatio(param_groups
[no-decay, decay], named_parameters_list, update_ratio, mask_mode, include_embedding=False, lr, betas, eps) — with the
BAdam defaults LLaMA-Factory keeps (preserve_threshold 100, keep_mask True, include_lm_head False) except switch_every,
which the cases set small (2 and 3) so that the masks move within a few steps (LLaMA-Factory leaves BAdam's 100).
torch.manual_seed(SEED) is called right before the constructor, so the per-parameter scatter seeds
(torch.randint(0, 1000, (1,)) in parameter order) are reproducible.

BAdam masks each gradient in a post-accumulate-grad hook; here each step sets the gradients and fires that very hook
(optimizer.sparse_hook) on the trainable parameters in reverse parameter order, the order backward reaches the
parameters of a decoder stack, then calls optimizer.step().

Toy parameters (a one-layer Llama's names, lm_head untied as BAdam needs one):
    model.embed_tokens.weight (10, 16) frozen by BAdam; model.layers.0.self_attn.q_proj.weight (16, 16);
    model.layers.0.self_attn.o_proj.weight (16, 16); model.layers.0.mlp.gate_proj.weight (24, 16);
    model.layers.0.mlp.up_proj.weight (24, 16); model.layers.0.input_layernorm.weight (16); model.norm.weight (16);
    lm_head.weight (10, 16) frozen by BAdam.
Recorded: each trainable parameter after every step (float32 little-endian, base64) and the scatter seeds.
initial value of parameter j at flat index k: 0.5*sin(0.37*k + j); gradient at step t (0-based):
0.1*cos(0.23*k + 0.7*j + 1.3*t), float32. Learning rates per step: LRS.

Run: /tmp/venv-ref/bin/python badam_ratio_golden.py SRC ../resources/training/badam_ratio_golden.json
"""
import base64
import importlib.util
import json
import sys

import torch

SOURCE = ("Ledzy/BAdam", "bf989dcb8c1a7bbcf7360034b323e1b5616bf3e4")
SHAPES = [("model.embed_tokens.weight", (10, 16)), ("model.layers.0.self_attn.q_proj.weight", (16, 16)),
          ("model.layers.0.self_attn.o_proj.weight", (16, 16)), ("model.layers.0.mlp.gate_proj.weight", (24, 16)),
          ("model.layers.0.mlp.up_proj.weight", (24, 16)), ("model.layers.0.input_layernorm.weight", (16,)),
          ("model.norm.weight", (16,)), ("lm_head.weight", (10, 16))]
LRS = [1e-2, 2e-2, 5e-3, 1e-2, 1.5e-2]
SEED = 42


def load(src):
    spec = importlib.util.spec_from_file_location("badam_block_optim", f"{src}/src/badam/block_optim.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def b64(t):
    """float32 little-endian, base64."""
    return base64.b64encode(t.detach().contiguous().numpy().tobytes()).decode("ascii")


def flat(shape):
    n = 1
    for d in shape:
        n *= d
    return torch.arange(n, dtype=torch.float64)


def case(badam, mask_mode, ratio, switch_every):
    named = []
    for j, (name, shape) in enumerate(SHAPES):
        p = torch.nn.Parameter((0.5 * torch.sin(flat(shape) * 0.37 + j)).float().reshape(shape))
        named.append((name, p))
    decay = [p for n, p in named if not ("norm" in n or "bias" in n)]
    no_decay = [p for n, p in named if "norm" in n or "bias" in n]
    groups = [dict(params=no_decay, weight_decay=0.0), dict(params=decay, weight_decay=0.1)]
    torch.manual_seed(SEED)
    opt = badam.BlockOptimizerRatio(param_groups=groups, named_parameters_list=named, update_ratio=ratio,
                                    mask_mode=mask_mode, verbose=0, include_embedding=False, switch_every=switch_every,
                                    lr=LRS[0], betas=(0.9, 0.999), eps=1e-8)
    seeds = {n: opt.sparse_dict[p]["seed"] for n, p in named}
    steps = []
    for t, lr in enumerate(LRS):
        for g in opt.param_groups:
            g["lr"] = lr
        for j, (name, p) in enumerate(named):
            p.grad = (0.1 * torch.cos(flat(p.shape) * 0.23 + 0.7 * j + 1.3 * t)).float().reshape(p.shape) \
                if p.requires_grad else None
        for name, p in reversed(named):
            if p.requires_grad:
                opt.sparse_hook(p)
        opt.step()
        steps.append({"lr": lr, "parameters": {n: b64(p) for n, p in named if p.requires_grad}})
    return {"name": f"{mask_mode}_{ratio}_{switch_every}", "mask_mode": mask_mode, "update_ratio": ratio,
            "switch_every": switch_every, "seeds": seeds, "steps": steps}


def main():
    badam = load(sys.argv[1])
    out = {"source": SOURCE[0] + "@" + SOURCE[1], "seed": SEED, "shapes": {n: list(s) for n, s in SHAPES},
           "cases": [case(badam, "adjacent", 0.1, 3), case(badam, "adjacent", 0.3, 2),
                     case(badam, "scatter", 0.1, 3)]}
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
