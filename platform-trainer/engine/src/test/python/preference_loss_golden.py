#!/usr/bin/env python3
"""Golden values for TuneForge's preference losses (stage dpo, pref_loss sigmoid | hinge | ipo | orpo | simpo).

A tiny random Llama (transformers' LlamaForCausalLM, float32) with a LoRA adapter on q_proj and v_proj (A and B
random, so the policy differs from the base) scores a fixed batch of two preference pairs, right-padded, with labels
only on the responses. The reference is the base with the adapter switched off. Each variant's loss (mean over
pairs), rewards, log-probabilities and the gradient of every LoRA tensor are written as JSON, next to the model and
adapter the Java test loads.

The formulas are LLaMA-Factory's CustomDPOTrainer (src/llamafactory/train/dpo/trainer.py: odds_ratio_loss,
simpo_loss, concatenated_forward's length averaging for ipo/orpo/simpo, pref_ftx's sft term) and TRL's dpo_loss for
sigmoid (with cDPO label smoothing), hinge and ipo; TRL 1.13's DPOTrainer._compute_loss has the same lines for
sigmoid, hinge and ipo (ipo normalised by the completion length).

Run (needs torch, transformers, safetensors):
    python3 platform-trainer/engine/src/test/python/preference_loss_golden.py \
        platform-trainer/engine/src/test/resources/training/preference
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM

OUT = sys.argv[1]
IGNORE = -100
torch.manual_seed(13)

config = LlamaConfig(vocab_size=48, hidden_size=16, intermediate_size=40, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                     rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False,
                     bos_token_id=1, eos_token_id=2, pad_token_id=0, torch_dtype="float32")
model = LlamaForCausalLM(config).float().eval()
with torch.no_grad():
    for p in model.parameters():
        p.normal_(0.0, 0.3)
os.makedirs(os.path.join(OUT, "model"), exist_ok=True)
model.save_pretrained(os.path.join(OUT, "model"), safe_serialization=True)

RANK, ALPHA = 4, 8.0
SCALE = ALPHA / RANK
TARGETS = ["q_proj", "v_proj"]
lora = {}
for layer in range(config.num_hidden_layers):
    for name in TARGETS:
        linear = getattr(model.model.layers[layer].self_attn, name)
        a = (torch.randn(RANK, linear.in_features) * 0.3).requires_grad_(True)
        b = (torch.randn(linear.out_features, RANK) * 0.3).requires_grad_(True)
        key = f"base_model.model.model.layers.{layer}.self_attn.{name}"
        lora[key] = (a, b)
        base_forward = linear.forward

        def forward(x, base_forward=base_forward, a=a, b=b):
            out = base_forward(x)
            if ENABLED[0]:
                out = out + SCALE * (x @ a.t() @ b.t())
            return out
        linear.forward = forward
ENABLED = [True]
os.makedirs(os.path.join(OUT, "adapter"), exist_ok=True)
save_file({k + ".lora_A.weight": v[0].detach().contiguous() for k, v in lora.items()}
          | {k + ".lora_B.weight": v[1].detach().contiguous() for k, v in lora.items()},
          os.path.join(OUT, "adapter", "adapter_model.safetensors"), metadata={"format": "pt"})
with open(os.path.join(OUT, "adapter", "adapter_config.json"), "w") as f:
    json.dump({"peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": "model", "r": RANK,
               "lora_alpha": ALPHA, "lora_dropout": 0.0, "target_modules": TARGETS, "bias": "none",
               "fan_in_fan_out": False, "use_rslora": False, "use_dora": False, "modules_to_save": None,
               "inference_mode": True}, f, indent=2)

# Two pairs: prompt + chosen, prompt + rejected; labels only on the response; right-padded with 0.
pairs = [
    ([1, 5, 9, 14, 3], [20, 21, 22, 2], [30, 31, 2]),
    ([1, 7, 8], [11, 12, 13, 14, 15, 2], [40, 41, 42, 2]),
]
rows = [p + c for p, c, _ in pairs] + [p + r for p, _, r in pairs]
labels = [[IGNORE] * len(p) + c for p, c, _ in pairs] + [[IGNORE] * len(p) + r for p, _, r in pairs]
length = max(len(r) for r in rows)
input_ids = torch.tensor([r + [0] * (length - len(r)) for r in rows])
label_ids = torch.tensor([l + [IGNORE] * (length - len(l)) for l in labels])
attention = torch.ones_like(input_ids)  # causal only, as TuneForge: right padding never reaches a real token


def batch_logps(logits, labels):
    """LLaMA-Factory's get_batch_logps: (sum of response log-probs, response length) per row."""
    labels = labels[:, 1:].clone()
    logits = logits[:, :-1, :]
    mask = labels != IGNORE
    labels[labels == IGNORE] = 0
    per_token = torch.gather(logits.log_softmax(-1), 2, labels.unsqueeze(2)).squeeze(2)
    return (per_token * mask).sum(-1), mask.sum(-1)


def forward(enabled):
    ENABLED[0] = enabled
    logits = model(input_ids=input_ids, attention_mask=attention).logits.float()
    return batch_logps(logits, label_ids)


def variant(loss_type, beta, ftx=0.0, gamma=0.5, smoothing=0.0):
    for a, b in lora.values():
        a.grad = None
        b.grad = None
    logps, lengths = forward(True)
    with torch.no_grad():
        ref_logps, _ = forward(False)
    if loss_type in ("ipo", "orpo", "simpo"):
        logps = logps / lengths
        ref_logps = ref_logps / lengths
    n = len(pairs)
    pc, pr = logps[:n], logps[n:]
    rc, rr = ref_logps[:n], ref_logps[n:]
    chosen_avg = pc if loss_type in ("ipo", "orpo", "simpo") else pc / lengths[:n]
    if loss_type in ("sigmoid", "hinge", "ipo"):
        z = (pc - pr) - (rc - rr)
        if loss_type == "sigmoid":
            losses = -F.logsigmoid(beta * z) * (1 - smoothing) - F.logsigmoid(-beta * z) * smoothing
        elif loss_type == "hinge":
            losses = torch.relu(1 - beta * z)
        else:
            losses = (z - 1 / (2 * beta)) ** 2
        chosen_rewards = beta * (pc - rc).detach()
        rejected_rewards = beta * (pr - rr).detach()
    elif loss_type == "orpo":
        log_odds = (pc - pr) - (torch.log1p(-torch.exp(pc)) - torch.log1p(-torch.exp(pr)))
        losses = -pc + beta * (-F.logsigmoid(log_odds))
        chosen_rewards, rejected_rewards = beta * pc.detach(), beta * pr.detach()
    else:
        losses = -F.logsigmoid(beta * ((pc - pr) - gamma / beta))
        chosen_rewards, rejected_rewards = beta * pc.detach(), beta * pr.detach()
    if ftx > 1e-6:
        losses = losses + ftx * (-chosen_avg)
    loss = losses.mean()
    loss.backward()
    grads = {}
    for key, (a, b) in lora.items():
        grads[key + ".lora_A.weight"] = a.grad.flatten().tolist()
        grads[key + ".lora_B.weight"] = b.grad.flatten().tolist()
    return {"pref_loss": loss_type, "pref_beta": beta, "pref_ftx": ftx, "simpo_gamma": gamma,
            "dpo_label_smoothing": smoothing, "loss": loss.item(), "losses": losses.tolist(),
            "chosen_rewards": chosen_rewards.tolist(), "rejected_rewards": rejected_rewards.tolist(),
            "chosen_logps": pc.tolist(), "rejected_logps": pr.tolist(), "gradients": grads}


policy_logps, lengths = forward(True)
with torch.no_grad():
    reference_logps, _ = forward(False)
golden = {
    "input_ids": input_ids.tolist(),
    "labels": label_ids.tolist(),
    "policy_logps": policy_logps.tolist(),
    "reference_logps": reference_logps.tolist(),
    "response_tokens": lengths.tolist(),
    "variants": [
        variant("sigmoid", 0.1),
        variant("sigmoid", 0.5, ftx=0.5, smoothing=0.1),
        variant("hinge", 0.3),
        variant("ipo", 0.5),
        variant("orpo", 0.25),
        variant("simpo", 2.0, gamma=0.7),
        variant("simpo", 0.5, ftx=1.0),
    ],
}
with open(os.path.join(OUT, "preference_golden.json"), "w") as f:
    json.dump(golden, f)
print("wrote", OUT)
