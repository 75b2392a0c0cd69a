#!/usr/bin/env python3
"""Reference data from PEFT itself for lora_target matching, additional_target (modules_to_save) and PiSSA.

Reads the tiny random Llama of dora_golden.py (resources/dora/tiny-llama) and writes into
platform-trainer/engine/src/test/resources/peftvar/:
  targets.json           for each target_modules value (a list: names or dotted suffixes; a str: a regular
                         expression matched with re.fullmatch), the module names PEFT's LoraConfig adapts
  modules_to_save.json   the tensor keys and shapes PEFT saves for modules_to_save=["embed_tokens", "lm_head"]
  pissa.json             PiSSA (init_lora_weights="pissa", full SVD): layer 0 q_proj's scaled product s·B·A and
                         (for 20 torch seeds) how far pissa_niter_16's product lands from it, relative;
                         residual weight, the original logits and the logits of residual + adapter; then A, B set to
                         "trained" values: those logits and the logits of the ORIGINAL base with the adapter PEFT
                         converts on save (path_initial_model_for_weight_conversion), and the converted config
  pissa-converted/       that converted adapter (rank 2r)

Run: /tmp/venv-ref/bin/python platform-trainer/engine/src/test/python/peft_variants_golden.py
"""
import json
import pathlib
import shutil
import tempfile

import peft
import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import LlamaForCausalLM

RES = pathlib.Path(__file__).resolve().parents[1] / "resources"
TINY = RES / "dora" / "tiny-llama"
OUT = RES / "peftvar"
OUT.mkdir(exist_ok=True)
INPUT = torch.tensor([[1, 5, 9, 17, 33, 2, 60]])


def fresh():
    return LlamaForCausalLM.from_pretrained(TINY, torch_dtype=torch.float32).eval()


def adapted_modules(target_modules):
    model = get_peft_model(fresh(), LoraConfig(r=2, target_modules=target_modules, task_type="CAUSAL_LM"))
    prefix = "base_model.model."
    return sorted(name[len(prefix):] for name, module in model.named_modules()
                  if isinstance(module, peft.tuners.lora.LoraLayer))


TARGETS = [
    ["q_proj", "v_proj"],
    ["self_attn.o_proj", "mlp.down_proj"],
    ["model.layers.1.mlp.up_proj"],
    r".*\.(q_proj|k_proj)",
    r"model\.layers\.0\..*_proj",
    r".*layers\.[1]\.mlp\.(gate|up)_proj",
]
(OUT / "targets.json").write_text(json.dumps({
    "peft": peft.__version__,
    "cases": [{"target_modules": t, "modules": adapted_modules(t)} for t in TARGETS],
}, indent=1))

# modules_to_save
torch.manual_seed(1)
model = get_peft_model(fresh(), LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj"],
                                           modules_to_save=["embed_tokens", "lm_head"], task_type="CAUSAL_LM"))
with tempfile.TemporaryDirectory() as tmp:
    model.save_pretrained(tmp)
    from safetensors import safe_open
    with safe_open(pathlib.Path(tmp) / "adapter_model.safetensors", "pt") as f:
        keys = {k: list(f.get_tensor(k).shape) for k in f.keys()}
    saved_config = json.loads((pathlib.Path(tmp) / "adapter_config.json").read_text())
(OUT / "modules_to_save.json").write_text(json.dumps({
    "keys": keys, "modules_to_save": saved_config["modules_to_save"]}, indent=1))

# PiSSA
torch.manual_seed(2)
original = fresh()
with torch.no_grad():
    original_logits = original(INPUT).logits
pissa_config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj"],
                          init_lora_weights="pissa", task_type="CAUSAL_LM")
model = get_peft_model(fresh(), pissa_config).eval()
q = model.base_model.model.model.layers[0].self_attn.q_proj
s = q.scaling["default"]
with torch.no_grad():
    product = s * (q.lora_B["default"].weight @ q.lora_A["default"].weight)
    residual = q.base_layer.weight.clone()
    initial_logits = model(INPUT).logits
tmp = pathlib.Path(tempfile.mkdtemp())
model.peft_config["default"].init_lora_weights = True
model.save_pretrained(tmp / "pissa_init")
model.peft_config["default"].init_lora_weights = "pissa"
with torch.no_grad():
    for name, param in model.named_parameters():
        if "lora_A" in name or "lora_B" in name:
            param.add_(torch.randn_like(param) * 0.1)
    trained_logits = model(INPUT).logits
shutil.rmtree(OUT / "pissa-converted", ignore_errors=True)
model.save_pretrained(OUT / "pissa-converted", path_initial_model_for_weight_conversion=str(tmp / "pissa_init"))
(OUT / "pissa-converted" / "README.md").unlink(missing_ok=True)
converted_config = json.loads((OUT / "pissa-converted" / "adapter_config.json").read_text())
converted_config["base_model_name_or_path"] = "tiny-llama"  # no machine path in the committed file
(OUT / "pissa-converted" / "adapter_config.json").write_text(json.dumps(converted_config, indent=2, sort_keys=True))
converted = PeftModel.from_pretrained(fresh(), OUT / "pissa-converted").eval()
with torch.no_grad():
    converted_logits = converted(INPUT).logits
shutil.rmtree(tmp)

# pissa_niter_16 is randomised (torch.svd_lowrank, q = r): how far PEFT's own factors land from the full SVD's
weight = original.model.layers[0].self_attn.q_proj.weight.data
full = product  # s·B·A of the full SVD (= U_r·S_r·Vh_r)
niter_errors = []
for seed in range(20):
    torch.manual_seed(seed)
    V, S, U = torch.svd_lowrank(weight, 4, niter=16)
    approx = V @ torch.diag(S) @ U.t()
    niter_errors.append(float((approx - full).norm() / full.norm()))
(OUT / "pissa.json").write_text(json.dumps({
    "torch": torch.__version__, "peft": peft.__version__,
    "input_ids": INPUT[0].tolist(),
    "scaling": s,
    "q_proj_layer0_scaled_product": product.flatten().tolist(),
    "q_proj_layer0_residual": residual.flatten().tolist(),
    "original_logits": original_logits.flatten().tolist(),
    "initial_logits": initial_logits.flatten().tolist(),
    "trained_logits": trained_logits.flatten().tolist(),
    "converted_logits": converted_logits.flatten().tolist(),
    "niter16_relative_errors": niter_errors,
    "converted_r": converted_config["r"],
    "converted_lora_alpha": converted_config["lora_alpha"],
}))
print("ok", peft.__version__)
