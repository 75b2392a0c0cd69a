#!/usr/bin/python3
"""Tiny random mixture-of-experts checkpoints (Mixtral, Qwen2-MoE, Qwen3-MoE) with transformers' float32 outputs.

Like tiny_family_golden.py: transformers' own config classes with tiny sizes, weights N(0, 0.5) from seed 1234,
saved with save_pretrained (transformers 5 fuses the experts in memory but writes the per-expert keys), and
reference.json with
  - logits for 6 and 12 input ids, the greedy continuation (uncached 10 tokens, cached 4),
  - routing: per sparse layer, the router logits and the top-k experts of each of the 12 tokens,
  - aux: a right-padded batch of two rows with its attention mask and transformers' aux_loss
    (load_balancing_loss_func over output_router_logits), and the loss it adds (router_aux_loss_coef set),
  - peft: a LoRA adapter in the per-expert (transformers 4) layout, with random A and B, as adapter/ beside the
    checkpoint, and the logits of the 12 ids of the model with the adapter merged (W + alpha/r·B·A per targeted
    weight, loaded by transformers with no missing or unexpected key). PEFT 0.21 converts such an adapter to
    transformers 5's fused experts on load; how far PeftModel.from_pretrained's logits are from the merged ones is
    recorded (measured: about 3e-6 for Mixtral and Qwen3-MoE; 1.6 for Qwen2-MoE, whose routed experts' LoRA PEFT
    drops when the shared expert's modules match the same names),
  - the sorted checkpoint keys.

Run from the repository root with transformers 5.18 and peft 0.21:
    python platform-trainer/engine/src/test/python/tiny_moe_golden.py platform-trainer/engine/src/test/resources/models
"""
import json
import shutil
import sys
import tempfile
from pathlib import Path

import peft
import torch
import transformers
from peft import PeftModel
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from transformers import AutoModelForCausalLM, MixtralConfig, Qwen2MoeConfig, Qwen3MoeConfig

SHORT_IDS = [1, 7, 33, 12, 5, 60]
LONG_IDS = [1, 7, 33, 12, 5, 60, 2, 41, 19, 8, 27, 50]
PROMPT = [1, 7, 33, 12]
NEW_TOKENS = 10
PAD = 0


def mixtral():
    """Mixtral: 4 experts of width 24, top 2 renormalised, window 5 (Mistral attention)."""
    return MixtralConfig(
        vocab_size=64, hidden_size=32, intermediate_size=24, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, num_local_experts=4, num_experts_per_tok=2, sliding_window=5,
        max_position_embeddings=64, router_aux_loss_coef=0.02, bos_token_id=1, eos_token_id=2, pad_token_id=PAD,
        architectures=["MixtralForCausalLM"])


def qwen2_moe():
    """Qwen2-MoE: 3 layers, layer 1 dense (mlp_only_layers), 4 experts of width 16 top 2 not renormalised, shared
    expert of width 40 with its sigmoid gate, q/k/v biases."""
    return Qwen2MoeConfig(
        vocab_size=64, hidden_size=32, intermediate_size=48, moe_intermediate_size=16,
        shared_expert_intermediate_size=40, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
        num_experts=4, num_experts_per_tok=2, norm_topk_prob=False, mlp_only_layers=[1], decoder_sparse_step=1,
        max_position_embeddings=64, router_aux_loss_coef=0.02, bos_token_id=1, eos_token_id=2, pad_token_id=PAD,
        tie_word_embeddings=False, architectures=["Qwen2MoeForCausalLM"])


def qwen3_moe():
    """Qwen3-MoE: q/k norms, 4 experts of width 16, top 2 renormalised (norm_topk_prob), head_dim 8."""
    return Qwen3MoeConfig(
        vocab_size=64, hidden_size=32, intermediate_size=48, moe_intermediate_size=16, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=8, num_experts=4, num_experts_per_tok=2,
        norm_topk_prob=True, max_position_embeddings=64, router_aux_loss_coef=0.02, bos_token_id=1,
        eos_token_id=2, pad_token_id=PAD, tie_word_embeddings=False, architectures=["Qwen3MoeForCausalLM"])


# LoRA targets per family in the per-expert layout (Mixtral: w1 gate, w3 up, w2 down; "gate" is the router)
FAMILIES = {
    "mixtral-tiny": (mixtral, ["q_proj", "v_proj", "o_proj", "w1", "w2", "w3"]),
    "qwen2moe-tiny": (qwen2_moe, ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]),
    "qwen3moe-tiny": (qwen3_moe, ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]),
}


def routing(model, ids):
    out = model(torch.tensor([ids]), output_router_logits=True)
    k = model.config.num_experts_per_tok
    layers = []
    for logits in out.router_logits:
        probs = torch.softmax(logits.float(), dim=-1)
        layers.append({"logits": logits.tolist(), "experts": torch.topk(probs, k, dim=-1).indices.tolist()})
    return layers


def aux(model):
    rows = [LONG_IDS, SHORT_IDS + [PAD] * (len(LONG_IDS) - len(SHORT_IDS))]
    mask = [[1] * len(LONG_IDS), [1] * len(SHORT_IDS) + [0] * (len(LONG_IDS) - len(SHORT_IDS))]
    labels = [[t if m else -100 for t, m in zip(r, mm)] for r, mm in zip(rows, mask)]
    model.config.output_router_logits = True
    out = model(torch.tensor(rows), attention_mask=torch.tensor(mask), labels=torch.tensor(labels),
                output_router_logits=True)
    model.config.output_router_logits = False
    plain = model(torch.tensor(rows), attention_mask=torch.tensor(mask), labels=torch.tensor(labels))
    return {"ids": rows, "mask": mask, "aux_loss": out.aux_loss.item(), "coef": model.config.router_aux_loss_coef,
            "loss_with_aux": out.loss.item(), "loss": plain.loss.item()}


def lora_adapter(model, target, keys, modules):
    """Random LoRA A (r, in) and B (out, r) for every targeted linear of the per-expert checkpoint layout."""
    r, alpha = 2, 4
    gen = torch.Generator().manual_seed(99)
    tensors = {}
    shapes = {}
    with safe_open(target / "model.safetensors", "pt") as f:
        for k in keys:
            shapes[k] = f.get_slice(k).get_shape()
    for key in keys:
        if not key.endswith(".weight") or ".layers." not in key:
            continue
        module = key[: -len(".weight")]
        if module.rsplit(".", 1)[1] not in modules or len(shapes[key]) != 2:
            continue
        out_f, in_f = shapes[key]
        tensors[f"base_model.model.{module}.lora_A.weight"] = torch.randn(r, in_f, generator=gen) * 0.3
        tensors[f"base_model.model.{module}.lora_B.weight"] = torch.randn(out_f, r, generator=gen) * 0.3
    adapter = target / "adapter"
    adapter.mkdir(exist_ok=True)
    save_file(tensors, adapter / "adapter_model.safetensors")
    config = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": r, "lora_alpha": alpha, "lora_dropout": 0.0,
              "target_modules": modules, "bias": "none", "fan_in_fan_out": False, "use_rslora": False,
              "use_dora": False, "base_model_name_or_path": None, "inference_mode": True}
    (adapter / "adapter_config.json").write_text(json.dumps(config, indent=2))
    # the adapter's meaning: every targeted weight W + (alpha/r)·B·A, as a merged checkpoint transformers loads
    state = load_file(target / "model.safetensors")
    for key in list(state):
        a = tensors.get(f"base_model.model.{key[:-len('.weight')]}.lora_A.weight")
        if a is not None:
            state[key] = state[key] + (alpha / r) * tensors[f"base_model.model.{key[:-len('.weight')]}.lora_B.weight"] @ a
    with tempfile.TemporaryDirectory() as merged:
        save_file(state, Path(merged) / "model.safetensors", metadata={"format": "pt"})
        shutil.copy(target / "config.json", Path(merged) / "config.json")
        reloaded, info = AutoModelForCausalLM.from_pretrained(merged, dtype=torch.float32, output_loading_info=True)
        assert not info["missing_keys"] and not info["unexpected_keys"], info
        merged_logits = reloaded.eval()(torch.tensor([LONG_IDS])).logits[0]
    # PEFT loading the same adapter into transformers 5's fused experts (its v4 -> v5 conversion)
    base = AutoModelForCausalLM.from_pretrained(target, dtype=torch.float32)
    tuned = PeftModel.from_pretrained(base, adapter)
    tuned.eval()
    peft_logits = tuned(torch.tensor([LONG_IDS])).logits[0]
    peft_gap = (peft_logits - merged_logits).abs().max().item()
    return {"targets": modules, "r": r, "alpha": alpha, "long_logits": merged_logits.tolist(),
            "peft_from_pretrained_max_abs_diff": peft_gap}


def make(name, config_fn, modules, root):
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
                             eos_token_id=None, pad_token_id=PAD)
        cached = model.generate(torch.tensor([PROMPT]), max_new_tokens=4, do_sample=False, use_cache=True,
                                eos_token_id=None, pad_token_id=PAD)
        routes = routing(model, LONG_IDS)
        aux_ref = aux(model)
    with safe_open(target / "model.safetensors", "pt") as f:
        keys = sorted(f.keys())
    with torch.no_grad():
        adapter_ref = lora_adapter(model, target, keys, modules)
    reference = {
        "transformers": transformers.__version__, "peft": peft.__version__,
        "architecture": config.architectures[0],
        "short_ids": SHORT_IDS, "short_logits": short.tolist(),
        "long_ids": LONG_IDS, "long_logits": long.tolist(),
        "prompt": PROMPT, "greedy": out[0, len(PROMPT):].tolist(),
        "greedy_cached": cached[0, len(PROMPT):].tolist(),
        "routing": routes, "aux": aux_ref, "peft": adapter_ref,
        "checkpoint_keys": keys,
    }
    (target / "reference.json").write_text(json.dumps(reference))
    (target / "generation_config.json").unlink(missing_ok=True)


def main():
    root = Path(sys.argv[1])
    for name, (fn, modules) in FAMILIES.items():
        make(name, fn, modules, root)


if __name__ == "__main__":
    main()
