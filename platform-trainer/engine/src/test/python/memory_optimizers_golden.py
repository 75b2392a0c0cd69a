#!/usr/bin/env python3
"""Golden updates of the memory-saving optimizers (GaLore, APOLLO, BAdam, Adam-mini, Muon), computed by their official
code.

None of galore-torch, apollo-torch, badam, adam-mini is installable from this machine's package index, so the script imports the
official source files directly from a folder (SOURCES below lists each file, its repository and the commit read).
Fetch them with git, e.g. for a bare mirror of each repository:

    git --git-dir=GaLore.git show 2cc66f88:galore_torch/adamw.py > SRC/galore_torch/adamw.py   (and so on)

Each case drives the optimizer exactly as LLaMA-Factory's trainer_utils.py builds it (_create_galore_optimizer,
_create_apollo_optimizer, _create_badam_optimizer, _create_adam_mini_optimizer, _create_muon_optimizer; arguments as the Hugging Face Trainer
passes them: lr, betas (0.9, 0.999), eps 1e-8, weight_decay) over the named parameters of a toy two-layer Llama
(hidden 8, 2 heads of 4, 1 key/value head, MLP 12, vocabulary 10, a q_proj bias as Qwen2 has), with fixed random
gradients and a changing learning rate per step. Recorded: the parameters after every step.

Muon runs Newton-Schulz in bfloat16 here as in LLaMA-Factory; TuneForge runs the same iteration inside libtorch
(src/main/python/optimizer_kernels.py), so the two agree to float32 rounding.
BAdam is built as LLaMA-Factory builds it (torch AdamW with lr, betas, eps only, weight decay in the groups), which
makes BAdam's regrouping apply PyTorch's default weight decay 0.01 to every active parameter.

Run:  /tmp/venv-ref/bin/python memory_optimizers_golden.py SRC ../resources/training/memory_optimizers_golden.json
(BAdam prints its block switches on stdout, so the JSON goes to a file.)
"""
import importlib.util
import json
import sys
import types

import torch

SOURCES = {
    "galore_torch/adamw.py": ("jiaweizzhao/GaLore", "2cc66f88cce189e505affbb91042a8e77f5bf4e9"),
    "galore_torch/galore_projector.py": ("jiaweizzhao/GaLore", "2cc66f88cce189e505affbb91042a8e77f5bf4e9"),
    "galore_torch/galore_projector_tensor.py": ("jiaweizzhao/GaLore", "2cc66f88cce189e505affbb91042a8e77f5bf4e9"),
    "src/badam/block_optim.py": ("Ledzy/BAdam", "bf989dcb8c1a7bbcf7360034b323e1b5616bf3e4"),
    "adam_mini/adam_mini.py": ("zyushun/Adam-mini", "402aadfed23719f3b92c8e78b5d49ad499ff7ada"),
    "src/llamafactory/third_party/muon/muon.py": ("hiyouga/LLaMA-Factory", "ff6d4d12eeb035d6ce06805a5733dd7b29f2ac30"),
    "apollo_torch/apollo.py": ("zhuhanqing/APOLLO", "76b34725abcbd45aa47d8fdf831c8b5ba6d34dde"),
    "apollo_torch/random_projector.py": ("zhuhanqing/APOLLO", "76b34725abcbd45aa47d8fdf831c8b5ba6d34dde"),
    "apollo_torch/svd_projector.py": ("zhuhanqing/APOLLO", "76b34725abcbd45aa47d8fdf831c8b5ba6d34dde"),
}

HIDDEN, HEADS, KV_HEADS, HEAD_DIM, INTERMEDIATE, VOCAB, LAYERS = 8, 2, 1, 4, 12, 10, 2
BETAS, EPS, WEIGHT_DECAY = (0.9, 0.999), 1e-8, 0.1
LRS = [1e-2, 2e-2, 5e-3, 1e-2, 1.5e-2]


def load(src, relative, module_name, package=None):
    spec = importlib.util.spec_from_file_location(module_name, f"{src}/{relative}")
    module = importlib.util.module_from_spec(spec)
    if package:
        module.__package__ = package
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def official(src):
    for stub in ("tensorly", "tensorly.decomposition"):  # only GaLore's >2-D projector uses it (never here)
        sys.modules[stub] = types.ModuleType(stub)
    sys.modules["tensorly"].tenalg = None
    sys.modules["tensorly.decomposition"].tucker = None
    sys.modules["galore_torch"] = types.ModuleType("galore_torch")  # its __init__ imports bitsandbytes: skip it
    sys.modules["galore_torch"].__path__ = [f"{src}/galore_torch"]
    load(src, "galore_torch/galore_projector.py", "galore_torch.galore_projector", "galore_torch")
    load(src, "galore_torch/galore_projector_tensor.py", "galore_torch.galore_projector_tensor", "galore_torch")
    galore = load(src, "galore_torch/adamw.py", "galore_torch.adamw", "galore_torch")
    badam = load(src, "src/badam/block_optim.py", "badam_block_optim")
    adam_mini = load(src, "adam_mini/adam_mini.py", "adam_mini_official")
    muon = load(src, "src/llamafactory/third_party/muon/muon.py", "llamafactory_muon")
    sys.modules["apollo_torch"] = types.ModuleType("apollo_torch")  # its __init__ imports bitsandbytes: skip it
    sys.modules["apollo_torch"].__path__ = [f"{src}/apollo_torch"]
    load(src, "apollo_torch/svd_projector.py", "apollo_torch.svd_projector", "apollo_torch")
    load(src, "apollo_torch/random_projector.py", "apollo_torch.random_projector", "apollo_torch")
    apollo = load(src, "apollo_torch/apollo.py", "apollo_torch.apollo", "apollo_torch")
    return galore, badam, adam_mini, muon, apollo


def shapes():
    out = {"model.embed_tokens.weight": (VOCAB, HIDDEN)}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        out[p + "self_attn.q_proj.weight"] = (HEADS * HEAD_DIM, HIDDEN)
        out[p + "self_attn.q_proj.bias"] = (HEADS * HEAD_DIM,)
        out[p + "self_attn.k_proj.weight"] = (KV_HEADS * HEAD_DIM, HIDDEN)
        out[p + "self_attn.v_proj.weight"] = (KV_HEADS * HEAD_DIM, HIDDEN)
        out[p + "self_attn.o_proj.weight"] = (HIDDEN, HEADS * HEAD_DIM)
        out[p + "mlp.gate_proj.weight"] = (INTERMEDIATE, HIDDEN)
        out[p + "mlp.up_proj.weight"] = (INTERMEDIATE, HIDDEN)
        out[p + "mlp.down_proj.weight"] = (HIDDEN, INTERMEDIATE)
        out[p + "input_layernorm.weight"] = (HIDDEN,)
        out[p + "post_attention_layernorm.weight"] = (HIDDEN,)
    out["model.norm.weight"] = (HIDDEN,)
    out["lm_head.weight"] = (VOCAB, HIDDEN)
    return out


def initial_parameters():
    g = torch.Generator().manual_seed(7)
    params = {}
    for name, shape in shapes().items():
        values = torch.randn(shape, generator=g) * 0.5
        if name.endswith("norm.weight"):
            values = 1.0 + 0.1 * values
        params[name] = torch.nn.Parameter(values)
    return params


def gradients(steps):
    g = torch.Generator().manual_seed(11)
    return [{name: torch.randn(shape, generator=g) for name, shape in shapes().items()} for _ in range(steps)]


def flat(t):
    return [float(f"{x:.9g}") for x in t.detach().reshape(-1).tolist()]  # 9 digits: float32 round-trips


def decays(name):  # transformers' get_parameter_names(model, ALL_LAYERNORM_LAYERS) minus biases
    return "bias" not in name and "norm" not in name


def run(case_name, steps, build, extra=None, before_step=None):
    params = initial_parameters()
    grads = gradients(steps)
    initial = {n: flat(p) for n, p in params.items()}
    optimizer = build(params)
    out_steps = []
    for s in range(steps):
        lr = LRS[s % len(LRS)]
        for group in optimizer.param_groups:
            group["lr"] = lr
        for name, p in params.items():
            p.grad = grads[s][name].clone() if p.requires_grad else None
        if before_step:
            before_step(optimizer, s)
        optimizer.step()
        out_steps.append({"lr": lr, "params_after": {n: flat(p) for n, p in params.items()}})
    case = {"name": case_name, "steps": out_steps}
    case.update(extra or {})
    return case


def galore_projection_case(galore, targets, rank, gap, scale, steps):
    """Runs GaLore and records each GaLore parameter's projection matrix after every step."""
    params = initial_parameters()
    grads = gradients(steps)
    linear = [n for n in params if n.endswith(".weight") and params[n].ndim == 2
              and "embed_tokens" not in n and "lm_head" not in n]
    galore_names = [n for n in linear if targets == ["all"] or any(t in n[: -len(".weight")] for t in targets)]
    kwargs = {"rank": rank, "update_proj_gap": gap, "scale": scale, "proj_type": "std"}
    others = [n for n in params if n not in galore_names]
    groups = [dict(params=[params[n] for n in others if not decays(n)], weight_decay=0.0),
              dict(params=[params[n] for n in others if decays(n)], weight_decay=WEIGHT_DECAY),
              dict(params=[params[n] for n in galore_names], weight_decay=WEIGHT_DECAY, **kwargs)]
    optimizer = galore.AdamW(groups, lr=LRS[0], betas=BETAS, eps=EPS, no_deprecation_warning=True)
    initial = {n: flat(p) for n, p in params.items()}
    out_steps = []
    for s in range(steps):
        lr = LRS[s % len(LRS)]
        for group in optimizer.param_groups:
            group["lr"] = lr
        for name, p in params.items():
            p.grad = grads[s][name].clone()
        optimizer.step()
        projections = {n: flat(optimizer.state[params[n]]["projector"].ortho_matrix) for n in galore_names}
        projection_shapes = {n: list(optimizer.state[params[n]]["projector"].ortho_matrix.shape) for n in galore_names}
        out_steps.append({"lr": lr, "params_after": {n: flat(p) for n, p in params.items()},
                          "projections": projections, "projection_shapes": projection_shapes})
    return {"name": f"galore_gap{gap}", "steps": out_steps,
            "galore": {"target": targets, "rank": rank, "update_interval": gap, "scale": scale,
                       "parameters": galore_names}}


def apollo_case(apollo, name, targets, rank, gap, scale, scale_type, steps, proj="random"):
    """LLaMA-Factory's _create_apollo_optimizer: groups no-decay, decay, APOLLO (scale_front in the group is unread)."""
    def build(params):
        linear = [n for n in params if n.endswith(".weight") and params[n].ndim == 2
                  and "embed_tokens" not in n and "lm_head" not in n]
        apollo_names = [n for n in linear if targets == ["all"] or any(t in n[: -len(".weight")] for t in targets)]
        kwargs = {"rank": rank, "proj": proj, "proj_type": "std", "update_proj_gap": gap, "scale": scale,
                  "scale_type": scale_type, "scale_front": False}
        others = [n for n in params if n not in apollo_names]
        groups = [dict(params=[params[n] for n in others if not decays(n)], weight_decay=0.0),
                  dict(params=[params[n] for n in others if decays(n)], weight_decay=WEIGHT_DECAY),
                  dict(params=[params[n] for n in apollo_names], weight_decay=WEIGHT_DECAY, **kwargs)]
        return apollo.AdamW(groups, lr=LRS[0], betas=BETAS, eps=EPS)

    return run(name, steps, build, {"apollo": {"target": targets, "rank": rank, "update_interval": gap,
                                               "scale": scale, "scale_type": scale_type, "proj": proj}})


def badam_case(badam, name, switch_mode, switch_every, start_block, steps):
    def build(params):
        named = list(params.items())
        groups = [dict(params=[p for n, p in named if not decays(n)], weight_decay=0.0),
                  dict(params=[p for n, p in named if decays(n)], weight_decay=WEIGHT_DECAY)]
        base = torch.optim.AdamW(groups, lr=LRS[0], betas=BETAS, eps=EPS)
        return badam.BlockOptimizer(base_optimizer=base, named_parameters_list=named, block_prefix_list=None,
                                    switch_block_every=switch_every, start_block=start_block,
                                    switch_mode=switch_mode, verbose=0)

    return run(name, steps, build, {"badam": {"switch_mode": switch_mode, "switch_interval": switch_every,
                                              "start_block": start_block}})


def adam_mini_case(adam_mini, steps):
    def build(params):
        return adam_mini.Adam_mini(named_parameters=list(params.items()), lr=LRS[0], betas=BETAS, eps=EPS,
                                   weight_decay=WEIGHT_DECAY, dim=HIDDEN, n_heads=HEADS, n_kv_heads=KV_HEADS,
                                   verbose=False)

    return run("adam_mini", steps, build, {"adam_mini": {"hidden_size": HIDDEN, "num_attention_heads": HEADS,
                                                         "num_key_value_heads": KV_HEADS}})


def muon_case(muon, name, steps):
    def build(params):
        muon_params = [p for n, p in params.items() if p.ndim == 2 and "embed" not in n and "lm_head" not in n]
        adamw_params = [p for n, p in params.items() if not (p.ndim == 2 and "embed" not in n and "lm_head" not in n)]
        return muon.Muon(lr=LRS[0], wd=WEIGHT_DECAY, muon_params=muon_params, adamw_params=adamw_params,
                         adamw_betas=BETAS, adamw_eps=EPS)

    return run(name, steps, build)


def main():
    src = sys.argv[1]
    galore, badam, adam_mini, muon, apollo = official(src)
    cases = [
        galore_projection_case(galore, ["all"], 2, 200, 2.0, 4),
        galore_projection_case(galore, ["self_attn"], 3, 2, 0.25, 4),
        badam_case(badam, "badam_ascending", "ascending", 2, None, 5),
        badam_case(badam, "badam_descending", "descending", 3, None, 5),
        badam_case(badam, "badam_fixed", "fixed", 2, 1, 3),
        adam_mini_case(adam_mini, 4),
        muon_case(muon, "muon", 4),
        apollo_case(apollo, "apollo_channel", ["all"], 3, 2, 32.0, "channel", 5),
        apollo_case(apollo, "apollo_tensor", ["mlp"], 2, 200, 4.0, "tensor", 3),
        apollo_case(apollo, "apollo_svd", ["all"], 3, 2, 32.0, "channel", 5, proj="svd"),
    ]
    json.dump({"generator": "memory_optimizers_golden.py", "torch": torch.__version__,
               "sources": {k: {"repository": r, "commit": c} for k, (r, c) in SOURCES.items()},
               "betas": list(BETAS), "eps": EPS, "weight_decay": WEIGHT_DECAY,
               "shapes": {n: list(s) for n, s in shapes().items()},
               "initial": {n: flat(p) for n, p in initial_parameters().items()},
               "grads": [{n: flat(g) for n, g in step.items()} for step in gradients(5)], "cases": cases},
              open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
