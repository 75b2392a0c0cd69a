#!/usr/bin/env python3
"""Reference data from PEFT itself for OFT (finetuning_type: oft), PEFT's default OFTConfig as LLaMA-Factory builds it.

Reads the tiny random Llama of dora_golden.py (resources/dora/tiny-llama, hidden 16, intermediate 32) and writes into
platform-trainer/engine/src/test/resources/oft/:
  adapter/      PEFT's save_pretrained of an OFT adapter (r=0, oft_block_size=4, every decoder linear,
                use_cayley_neumann=True), its oft_R weights random (seeded normal, std 0.1 x 3)
  oft.json      input ids; the base logits; the logits of base + adapter (Cayley-Neumann, PEFT's default);
                the logits with use_cayley_neumann=False (exact Cayley) on the same weights;
                layer 0 q_proj: its block-diagonal rotation (get_delta_weight), its merged weight after
                merge_and_unload, and the gradient of the mean causal-LM loss on the input with respect to its oft_R

Run: /tmp/venv-ref/bin/python platform-trainer/engine/src/test/python/oft_golden.py
"""
import json
import pathlib
import shutil

import peft
import torch
from peft import OFTConfig, PeftModel, get_peft_model
from transformers import LlamaForCausalLM

RES = pathlib.Path(__file__).resolve().parents[1] / "resources"
TINY = RES / "dora" / "tiny-llama"
OUT = RES / "oft"
OUT.mkdir(exist_ok=True)
INPUT = torch.tensor([[1, 5, 9, 17, 33, 2, 60]])
ALL = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
Q0 = "base_model.model.model.layers.0.self_attn.q_proj"


def fresh():
    return LlamaForCausalLM.from_pretrained(TINY, torch_dtype=torch.float32).eval()


def flat(t):
    return t.detach().reshape(-1).tolist()


with torch.no_grad():
    base_logits = fresh()(INPUT).logits

torch.manual_seed(7)
config = OFTConfig(r=0, oft_block_size=4, target_modules=ALL, module_dropout=0.0, init_weights=False,
                   task_type="CAUSAL_LM")
model = get_peft_model(fresh(), config)
with torch.no_grad():
    for name, p in model.named_parameters():
        if "oft_R" in name:
            p.mul_(3.0)
model.eval()
adapter_dir = OUT / "adapter"
if adapter_dir.exists():
    shutil.rmtree(adapter_dir)
model.save_pretrained(adapter_dir)
cfg_file = adapter_dir / "adapter_config.json"
cfg = json.loads(cfg_file.read_text())
cfg["base_model_name_or_path"] = "tiny-llama"
cfg_file.write_text(json.dumps(cfg, indent=2, sort_keys=True))
readme = adapter_dir / "README.md"
if readme.exists():
    readme.unlink()

q0 = dict(model.named_modules())[Q0]
rotation = q0.get_delta_weight("default")
out = model(INPUT, labels=INPUT)
out.loss.backward()
grad = q0.oft_R["default"].weight.grad
oft_logits = out.logits.detach()

exact = PeftModel.from_pretrained(fresh(), adapter_dir)
for module in exact.modules():
    if isinstance(module, peft.tuners.oft.layer.OFTRotationModule):
        module.use_cayley_neumann = False
with torch.no_grad():
    exact_logits = exact(INPUT).logits

merged = PeftModel.from_pretrained(fresh(), adapter_dir).merge_and_unload()
with torch.no_grad():
    merged_logits = merged(INPUT).logits
merged_q0 = merged.model.layers[0].self_attn.q_proj.weight

(OUT / "oft.json").write_text(json.dumps({
    "peft": peft.__version__,
    "torch": torch.__version__,
    "input": INPUT[0].tolist(),
    "vocab": base_logits.shape[-1],
    "base_logits": flat(base_logits),
    "oft_logits": flat(oft_logits),
    "exact_cayley_logits": flat(exact_logits),
    "merged_logits": flat(merged_logits),
    "loss": out.loss.item(),
    "q0_rotation": flat(rotation),
    "q0_merged_weight": flat(merged_q0),
    "q0_oft_R_grad": flat(grad),
    "q0_oft_R_shape": list(grad.shape),
}, indent=1))
print("loss", out.loss.item(), "grad shape", grad.shape, "rotation", rotation.shape)
