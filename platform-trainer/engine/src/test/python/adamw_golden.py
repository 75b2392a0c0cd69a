#!/usr/bin/python3
"""Golden values for TuneForge's AdamW, gradient clipping and learning-rate schedules.

Reference: PyTorch's torch.optim.AdamW, torch.nn.utils.clip_grad_norm_, and Hugging Face's get_scheduler lambdas
(transformers/optimization.py: linear, cosine with num_cycles=0.5, constant, constant_with_warmup) driven through
torch.optim.lr_scheduler.LambdaLR, with warmup steps from get_warmup_steps (ceil(total * ratio) when steps == 0).

Run with Debian's python3-torch (apt-get install -y python3-torch):
    /usr/bin/python3 platform-trainer/engine/src/test/python/adamw_golden.py \
        > platform-trainer/engine/src/test/resources/training/adamw_golden.json
"""
import json
import math

import torch
from torch.optim.lr_scheduler import LambdaLR


def hf_lambda(kind, warmup, total):
    def linear(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        return max(0.0, float(total - step) / float(max(1, total - warmup)))

    def cosine(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        progress = float(step - warmup) / float(max(1, total - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))

    def constant(step):
        return 1.0

    def constant_with_warmup(step):
        if step < warmup:
            return float(step) / float(max(1.0, warmup))
        return 1.0

    return {"linear": linear, "cosine": cosine, "constant": constant,
            "constant_with_warmup": constant_with_warmup}[kind]


def schedule_lrs(kind, base_lr, warmup_steps, warmup_ratio, total):
    warmup = warmup_steps if warmup_steps > 0 else math.ceil(total * warmup_ratio)
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([param], lr=base_lr)
    sched = LambdaLR(opt, hf_lambda(kind, warmup, total))
    lrs = []
    for _ in range(total):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return {"type": kind, "base_lr": base_lr, "warmup_steps": warmup_steps, "warmup_ratio": warmup_ratio,
            "total_steps": total, "lrs": lrs}


def fixed_tensor(shape, phase):
    n = 1
    for d in shape:
        n *= d
    values = [math.sin(0.7 * i + phase) * (1.0 + 0.1 * i) for i in range(n)]
    return torch.tensor(values, dtype=torch.float32).reshape(shape)


def adamw_case(lr_list, weight_decay, max_grad_norm, grad_scale):
    shapes = {"w": (3, 4), "b": (5,)}
    params = {name: torch.nn.Parameter(fixed_tensor(shape, 0.3 + k)) for k, (name, shape) in enumerate(shapes.items())}
    opt = torch.optim.AdamW(list(params.values()), lr=lr_list[0], betas=(0.9, 0.999), eps=1e-8,
                            weight_decay=weight_decay, foreach=False)
    case = {"weight_decay": weight_decay, "max_grad_norm": max_grad_norm,
            "initial": {n: p.detach().flatten().tolist() for n, p in params.items()},
            "shapes": {n: list(s) for n, s in shapes.items()}, "steps": []}
    for step, lr in enumerate(lr_list):
        grads = {}
        for k, (name, p) in enumerate(params.items()):
            g = fixed_tensor(shapes[name], 1.1 * step + 2.0 * k) * grad_scale
            grads[name] = g.flatten().tolist()
            p.grad = g.clone()
        norm = torch.nn.utils.clip_grad_norm_(list(params.values()), max_grad_norm).item() \
            if max_grad_norm > 0 else None
        for group in opt.param_groups:
            group["lr"] = lr
        opt.step()
        opt.zero_grad()
        case["steps"].append({"lr": lr, "grads": grads, "pre_clip_norm": norm,
                              "params_after": {n: p.detach().flatten().tolist() for n, p in params.items()}})
    return case


def main():
    golden = {
        "torch_version": torch.__version__,
        "adamw": [
            adamw_case([1e-2, 5e-3, 2e-2, 1e-3, 1e-2, 3e-2], weight_decay=0.01, max_grad_norm=0.0, grad_scale=1.0),
            adamw_case([1e-1, 1e-1, 5e-2, 5e-2], weight_decay=0.1, max_grad_norm=1.0, grad_scale=3.0),
        ],
        "schedules": [
            schedule_lrs("linear", 5e-5, 3, 0.0, 10),
            schedule_lrs("cosine", 5e-5, 3, 0.0, 10),
            schedule_lrs("cosine", 1e-4, 0, 0.1, 25),
            schedule_lrs("constant", 2e-4, 3, 0.0, 6),
            schedule_lrs("constant_with_warmup", 2e-4, 3, 0.0, 6),
            schedule_lrs("linear", 1e-3, 0, 0.0, 5),
        ],
    }
    print(json.dumps(golden, indent=1))


if __name__ == "__main__":
    main()
