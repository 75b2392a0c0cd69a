#!/usr/bin/env python3
"""Golden values for TuneForge's learning-rate schedules and optimizers, computed by the libraries themselves.

Schedules: transformers.get_scheduler for every Hugging Face lr_scheduler_type TuneForge offers, driven as the
Hugging Face Trainer drives it (one scheduler.step() after each optimizer step; reduce_lr_on_plateau stepped with the
evaluation loss after each evaluation instead). warmup_stable_decay gets LLaMA-Factory's default split
(create_custom_scheduler: a third of the steps after warmup stable, the rest decay).

Optimizers: torch.optim.SGD, torch.optim.AdamW and transformers' Adafactor with the arguments the Hugging Face Trainer
passes for optim=sgd / adamw_torch / adafactor (Adafactor: scale_parameter=False, relative_step=False), on fixed
parameters and gradients, in Hugging Face's parameter groups (weight decay except on biases and norms) and LoRA+'s
groups (LLaMA-Factory's _create_loraplus_optimizer: lora_B and 1-D parameters at lr × loraplus_lr_ratio).

Run (PyTorch CPU + transformers from the configured local index):
    python3 -m venv /tmp/venv-ref && /tmp/venv-ref/bin/pip install torch transformers
    /tmp/venv-ref/bin/python platform-trainer/engine/src/test/python/optimizers_golden.py \
        > platform-trainer/engine/src/test/resources/training/optimizers_golden.json
"""
import json
import math
import re

import torch
import transformers
from transformers import get_scheduler
from transformers.optimization import Adafactor


def warmup_of(warmup_steps, warmup_ratio, total):
    return warmup_steps if warmup_steps > 0 else math.ceil(total * warmup_ratio)


def schedule_case(kind, total, warmup_steps=0, warmup_ratio=0.0, kwargs=None, base_lr=2e-4, eval_losses=None):
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=base_lr)
    warmup = warmup_of(warmup_steps, warmup_ratio, total)
    used = dict(kwargs or {})
    if kind == "warmup_stable_decay":  # LLaMA-Factory's create_custom_scheduler defaults
        remaining = total - warmup
        used.setdefault("num_stable_steps", remaining // 3)
        used.setdefault("num_decay_steps", remaining - remaining // 3)
    sched = get_scheduler(kind, opt, num_warmup_steps=warmup, num_training_steps=total,
                          scheduler_specific_kwargs=used)
    out = {"type": kind, "base_lr": base_lr, "warmup_steps": warmup_steps, "warmup_ratio": warmup_ratio,
           "total_steps": total, "kwargs": kwargs or {}}
    if kind == "reduce_lr_on_plateau":
        lrs = []
        for loss in eval_losses:
            sched.step(loss)
            lrs.append(opt.param_groups[0]["lr"])
        out["eval_losses"] = eval_losses
        out["lrs_after_eval"] = lrs
        return out
    lrs = []
    for _ in range(total):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    out["lrs"] = lrs
    return out


def schedules():
    cases = [
        schedule_case("linear", 20, warmup_steps=3),
        schedule_case("cosine", 20, warmup_ratio=0.1),
        schedule_case("cosine_with_restarts", 20, warmup_steps=2),
        schedule_case("cosine_with_restarts", 23, warmup_steps=2, kwargs={"num_cycles": 3}),
        schedule_case("polynomial", 20, warmup_steps=4),
        schedule_case("polynomial", 20, warmup_steps=2, kwargs={"power": 2.0, "lr_end": 1e-5}),
        schedule_case("constant", 10, warmup_steps=3),
        schedule_case("constant_with_warmup", 10, warmup_steps=3),
        schedule_case("inverse_sqrt", 30, warmup_steps=5),
        schedule_case("inverse_sqrt", 30, warmup_steps=0, kwargs={"timescale": 7}),
        schedule_case("cosine_with_min_lr", 20, warmup_steps=2, kwargs={"min_lr_rate": 0.1}),
        schedule_case("cosine_with_min_lr", 20, warmup_steps=2, kwargs={"min_lr": 1e-5}),
        schedule_case("cosine_warmup_with_min_lr", 20, warmup_steps=3, kwargs={"min_lr_rate": 0.1}),
        schedule_case("cosine_warmup_with_min_lr", 20, warmup_steps=4,
                      kwargs={"min_lr": 1e-5, "warmup_lr_rate": 0.2, "num_cycles": 0.4}),
        schedule_case("warmup_stable_decay", 20, warmup_steps=3),
        schedule_case("warmup_stable_decay", 24, warmup_steps=4,
                      kwargs={"num_stable_steps": 5, "num_decay_steps": 10, "decay_type": "linear",
                              "warmup_type": "cosine", "min_lr_ratio": 0.05}),
        schedule_case("warmup_stable_decay", 20, warmup_steps=4,
                      kwargs={"decay_type": "1-sqrt", "warmup_type": "1-sqrt"}),
        schedule_case("reduce_lr_on_plateau", 0, kwargs={"patience": 1},
                      eval_losses=[2.0, 1.9, 1.95, 1.96, 1.9, 1.8, 1.85, 1.86, 1.87, 1.7]),
        schedule_case("reduce_lr_on_plateau", 0,
                      eval_losses=[1.0] + [1.0] * 12 + [0.5] + [0.6] * 12),
    ]
    return cases


def fixed_tensor(shape, phase):
    n = math.prod(shape)
    return torch.tensor([math.sin(phase + 0.37 * i) * (0.5 + 0.1 * (i % 5)) for i in range(n)],
                        dtype=torch.float32).reshape(shape)


PARAMS = {  # name -> shape: a LoRA pair, a norm weight and a bias (no weight decay in Hugging Face's groups)
    "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": [3, 5],
    "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight": [4, 3],
    "model.layers.0.input_layernorm.weight": [4],
    "model.layers.0.mlp.up_proj.bias": [2],
}


def no_decay(name):
    # Hugging Face's Trainer.get_decay_parameter_names: biases and normalisation weights are not decayed
    patterns = [r"bias", r"layernorm", r"rmsnorm", r"(?:^|\.)norm(?:$|\.)", r"_norm(?:$|\.)"]
    return any(re.search(p, name.lower()) for p in patterns)


def groups(params, lr, weight_decay, loraplus_ratio):
    if loraplus_ratio is None:
        decay = [p for n, p in params.items() if not no_decay(n)]
        nodecay = [p for n, p in params.items() if no_decay(n)]
        return [dict(params=decay, weight_decay=weight_decay), dict(params=nodecay, weight_decay=0.0)]
    a, b, b_nodecay = [], [], []
    for n, p in params.items():
        if "lora_B" in n or p.ndim == 1:
            (b_nodecay if no_decay(n) else b).append(p)
        else:
            a.append(p)
    return [dict(params=a, lr=lr, weight_decay=weight_decay),
            dict(params=b, lr=lr * loraplus_ratio, weight_decay=weight_decay),
            dict(params=b_nodecay, lr=lr * loraplus_ratio, weight_decay=0.0)]


def optimizer_case(optim, weight_decay, loraplus_ratio=None, steps=4, lrs=(1e-2, 2e-2, 1.5e-2, 5e-3), extra=None):
    params = {n: torch.nn.Parameter(fixed_tensor(s, 0.3 * k)) for k, (n, s) in enumerate(PARAMS.items())}
    base_lr = lrs[0]
    param_groups = groups(params, base_lr, weight_decay, loraplus_ratio)
    extra = extra or {}
    if optim == "adamw_torch":
        opt = torch.optim.AdamW(param_groups, lr=base_lr, betas=(0.9, 0.999), eps=1e-8)
    elif optim == "sgd":
        opt = torch.optim.SGD(param_groups, lr=base_lr, **extra)
    elif optim == "adafactor":
        opt = Adafactor(param_groups, lr=base_lr, scale_parameter=False, relative_step=False)
    else:
        raise ValueError(optim)
    initial_lrs = [g["lr"] for g in opt.param_groups]
    initial = {n: p.detach().flatten().tolist() for n, p in params.items()}
    out_steps = []
    for t in range(steps):
        factor = lrs[t] / base_lr  # the scheduler multiplies every group's initial lr by the same factor
        for g, lr0 in zip(opt.param_groups, initial_lrs):
            g["lr"] = lr0 * factor
        grads = {}
        for k, (n, p) in enumerate(params.items()):
            p.grad = fixed_tensor(PARAMS[n], 1.1 * t + 0.7 * k + 0.2)
            grads[n] = p.grad.flatten().tolist()
        opt.step()
        out_steps.append({"lr": lrs[t], "grads": grads,
                          "params_after": {n: p.detach().flatten().tolist() for n, p in params.items()}})
    return {"optim": optim, "weight_decay": weight_decay, "loraplus_lr_ratio": loraplus_ratio, "extra": extra,
            "shapes": PARAMS, "initial": initial, "steps": out_steps}


def optimizers():
    return [
        optimizer_case("adamw_torch", 0.1),
        optimizer_case("adamw_torch", 0.0, loraplus_ratio=16.0),
        optimizer_case("sgd", 0.0),
        optimizer_case("sgd", 0.05, loraplus_ratio=4.0),
        optimizer_case("adafactor", 0.0),
        optimizer_case("adafactor", 0.1, loraplus_ratio=2.0),
    ]


if __name__ == "__main__":
    print(json.dumps({"torch": torch.__version__, "transformers": transformers.__version__,
                      "schedules": schedules(), "optimizers": optimizers()}))
