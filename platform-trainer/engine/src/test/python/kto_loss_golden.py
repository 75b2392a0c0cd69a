#!/usr/bin/env python3
"""Golden values for TuneForge's KTO loss (stage kto), computed by TRL 1.13's own KTOTrainer._compute_loss.

The tiny random Llama and LoRA adapter of preference_loss_golden.py (training/preference/model and .../adapter,
q_proj and v_proj, rank 4) are loaded into a PEFT model. A fixed batch of four KTO examples (tags true, false, true,
false), right-padded, is scored by TRL's KTOTrainer._compute_loss (loss_type "kto", reference = the same PEFT model
with its adapter disabled, KL rows = each prompt with the previous example's completion, cycled as TRL's
KL_completion_ids and LLaMA-Factory's feedback processor build them). The trainer object is created without its
__init__ (which would need a dataset and a tokenizer) and given just the attributes _compute_loss reads.

Every number is then recomputed by hand with the formulas (KL = clamp(mean(pi_KL - ref_KL), 0), desirable
1 - sigmoid(beta (r - KL)), undesirable 1 - sigmoid(beta (KL - r)), weighted, mean) and both must agree to 1e-6.
LLaMA-Factory's pref_ftx term (CustomKTOTrainer.get_batch_loss_metrics: + ftx * mean(-chosen_logps_avg) / n_chosen
* batch) has no TRL counterpart and is added by hand in the ftx variant.

Written: losses, TRL's logged metrics (rewards/chosen, rewards/rejected, rewards/margins, logps/chosen,
logps/rejected, kl) and the gradient of every LoRA tensor, for each variant.

Run (needs torch, transformers, peft, trl, accelerate):
    python3 platform-trainer/engine/src/test/python/kto_loss_golden.py \
        platform-trainer/engine/src/test/resources/training/preference \
        platform-trainer/engine/src/test/resources/training/kto
"""
import json
import os
import sys
from collections import defaultdict
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from accelerate import Accelerator
from peft import PeftModel
from transformers import LlamaForCausalLM
from trl import KTOTrainer

SOURCE, OUT = sys.argv[1], sys.argv[2]
IGNORE = -100

base = LlamaForCausalLM.from_pretrained(os.path.join(SOURCE, "model"), torch_dtype=torch.float32)
model = PeftModel.from_pretrained(base, os.path.join(SOURCE, "adapter"), is_trainable=True)
model.train()  # no dropout anywhere (lora_dropout 0, attention_dropout 0)

examples = [  # (prompt, completion, kto_tag)
    ([1, 5, 9, 14, 3], [20, 21, 22, 2], True),
    ([1, 7, 8], [11, 12, 13, 14, 15, 2], False),
    ([1, 30, 31, 32], [40, 41, 2], True),
    ([1, 6], [25, 26, 27, 2], False),
]
kl_completions = [examples[-1][1]] + [e[1] for e in examples[:-1]]


def padded(rows):
    length = max(len(r) for r in rows)
    return torch.tensor([r + [0] * (length - len(r)) for r in rows])


rows = [p + c for p, c, _ in examples]
kl_rows = [p + k for (p, _, _), k in zip(examples, kl_completions)]
batch = {
    "input_ids": padded(rows),
    "attention_mask": padded([[1] * len(r) for r in rows]),
    "completion_mask": padded([[0] * len(p) + [1] * len(c) for p, c, _ in examples]),
    "KL_input_ids": padded(kl_rows),
    "KL_attention_mask": padded([[1] * len(r) for r in kl_rows]),
    "KL_completion_mask": padded([[0] * len(p) + [1] * len(k) for (p, _, _), k in zip(examples, kl_completions)]),
    "label": torch.tensor([t for _, _, t in examples]),
}
labels = [[IGNORE] * len(p) + c for p, c, _ in examples]
kl_labels = [[IGNORE] * len(p) + k for (p, _, _), k in zip(examples, kl_completions)]


def trl_trainer(beta, desirable_weight, undesirable_weight):
    trainer = KTOTrainer.__new__(KTOTrainer)
    trainer.model = model
    trainer.ref_model = None
    trainer.accelerator = Accelerator(cpu=True)
    trainer.precompute_ref_logps = False
    trainer.calculate_KL = True
    trainer.use_liger_kernel = False
    trainer.loss_type = "kto"
    trainer.beta = beta
    trainer.desirable_weight = desirable_weight
    trainer.undesirable_weight = undesirable_weight
    trainer.aux_loss_enabled = False
    trainer._metrics = {"train": defaultdict(list), "eval": defaultdict(list)}
    trainer._total_train_tokens = 0
    trainer._tp_size = 1
    trainer.args = SimpleNamespace(gradient_checkpointing_kwargs=None)
    return trainer


def sequence_logps(logits, ids, mask):
    per_token = torch.gather(logits[:, :-1].log_softmax(-1), 2, ids[:, 1:].unsqueeze(2)).squeeze(2)
    return (per_token * mask[:, 1:]).sum(-1)


def by_hand(beta, wd, wu, ftx):
    """The same loss from the formulas: returns (loss, per-example losses, rewards, logps, kl, completion lengths)."""
    with torch.no_grad():
        with model.disable_adapter():
            ref = sequence_logps(model(batch["input_ids"]).logits, batch["input_ids"], batch["completion_mask"])
            ref_kl = sequence_logps(model(batch["KL_input_ids"]).logits, batch["KL_input_ids"],
                                    batch["KL_completion_mask"])
        pol_kl = sequence_logps(model(batch["KL_input_ids"]).logits, batch["KL_input_ids"],
                                batch["KL_completion_mask"])
    logps = sequence_logps(model(batch["input_ids"]).logits, batch["input_ids"], batch["completion_mask"])
    kl = (pol_kl - ref_kl).mean().clamp(min=0)
    r = logps - ref
    tags = batch["label"]
    losses = torch.where(tags, wd * (1 - torch.sigmoid(beta * (r - kl))), wu * (1 - torch.sigmoid(beta * (kl - r))))
    loss = losses.mean()
    lengths = batch["completion_mask"].sum(-1)
    if ftx > 1e-6:
        chosen_avg = (logps / lengths)[tags]
        loss = loss + ftx * (-chosen_avg).mean() / len(chosen_avg) * len(tags)
    return loss, losses, beta * r.detach(), logps.detach(), kl.item(), lengths


def variant(beta, wd, wu, ftx):
    for p in model.parameters():
        p.grad = None
    trainer = trl_trainer(beta, wd, wu)
    trl_loss = trainer._compute_loss(model, dict(batch), False)
    metrics = {k: v[-1] for k, v in trainer._metrics["train"].items()}
    hand_loss, losses, rewards, logps, kl, lengths = by_hand(beta, wd, wu, ftx)
    if ftx <= 1e-6:
        assert abs(trl_loss.item() - hand_loss.item()) < 1e-6, (trl_loss.item(), hand_loss.item())
        loss = trl_loss
    else:
        loss = hand_loss
    assert abs(metrics["kl"] - kl) < 1e-6
    tags = batch["label"]
    assert abs(metrics["rewards/chosen"] - rewards[tags].mean().item()) < 1e-5
    assert abs(metrics["rewards/rejected"] - rewards[~tags].mean().item()) < 1e-5
    for p in model.parameters():
        p.grad = None
    loss.backward()
    grads = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            key = name.replace(".default.weight", ".weight")
            grads[key] = p.grad.flatten().tolist()
    return {"pref_beta": beta, "kto_chosen_weight": wd, "kto_rejected_weight": wu, "pref_ftx": ftx,
            "loss": loss.item(), "losses": losses.tolist(), "rewards": rewards.tolist(), "logps": logps.tolist(),
            "response_tokens": lengths.tolist(), "kl": kl,
            "metrics": {k: metrics[k] for k in ("rewards/chosen", "rewards/rejected", "rewards/margins",
                                                "logps/chosen", "logps/rejected", "kl")},
            "gradients": grads}


golden = {
    "input_ids": [p + c for p, c, _ in examples],
    "labels": labels,
    "kl_input_ids": kl_rows,
    "kl_labels": kl_labels,
    "kto_tags": [t for _, _, t in examples],
    "variants": [variant(0.1, 1.0, 1.0, 0.0), variant(0.5, 1.3, 0.7, 0.0), variant(0.3, 1.0, 1.0, 0.5)],
}
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "kto_golden.json"), "w") as f:
    json.dump(golden, f)
print("wrote", OUT, [(v["loss"], v["kl"]) for v in golden["variants"]])
