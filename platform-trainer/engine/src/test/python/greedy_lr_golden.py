"""Reference learning rates of transformers' GreedyLR (lr_scheduler_type: greedy) for GreedyLrTest.

Steps transformers' own scheduler with fixed metric sequences and writes the learning rate after every step.
Run at development time: python greedy_lr_golden.py > ../resources/training/greedy_lr_golden.json
"""
import json
import math

import torch
from transformers.optimization import GreedyLR


def metrics(n, seed):
    g = torch.Generator().manual_seed(seed)
    values, level = [], 2.0
    for i in range(n):
        # phases: falling, flat, falling again, rising: every branch of GreedyLR is taken
        if i < 40:
            level *= 0.97
        elif i < 90:
            pass
        elif i < 130:
            level *= 0.98
        else:
            level *= 1.01
        values.append(level + 0.01 * float(torch.randn(1, generator=g)))
    return values


CASES = [
    ("defaults", 0.1, {}),
    ("small_patience", 0.01, {"patience": 3, "factor": 0.5, "min_lr": 1e-4, "max_lr": 0.2}),
    ("cooldown_warmup", 0.01, {"patience": 2, "cooldown": 3, "warmup": 2, "min_lr": 1e-5, "threshold": 1e-3,
                               "threshold_mode": "rel"}),
    ("smooth_reset", 0.01, {"patience": 2, "factor": 0.5, "min_lr": 0.002, "smooth": True, "window_size": 5,
                            "reset_start": 4}),
    ("max_mode", 0.05, {"mode": "max", "patience": 3, "min_lr": 1e-3}),
]

out = []
for name, lr, kwargs in CASES:
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = GreedyLR(opt, **kwargs)
    ms = metrics(200, 7)
    lrs = []
    for m in ms:
        sched.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    out.append({"name": name, "lr": lr, "kwargs": kwargs, "metrics": ms, "learning_rates": lrs})
print(json.dumps(out, indent=1))
