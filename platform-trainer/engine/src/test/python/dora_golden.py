#!/usr/bin/env python3
"""Reference outputs of a DoRA adapter computed by PEFT itself on a tiny random Llama.

Writes into platform-trainer/engine/src/test/resources/dora/:
  tiny-llama/            config.json + model.safetensors (transformers' save_pretrained, float32)
  adapter/               adapter_config.json + adapter_model.safetensors (PEFT's save_pretrained, use_dora=True)
  reference.json         input ids, the adapted model's logits, the merged model's logits (merge_and_unload) and the
                         merged weight of layer 0's q_proj

A, B and the magnitude are set to random values after PEFT's initialisation (B = 0 and m = ‖W‖ would make DoRA the
identity), so every part of the formula matters.

Run (PyTorch CPU, transformers and peft from the configured local index):
    /tmp/venv-ref/bin/python platform-trainer/engine/src/test/python/dora_golden.py
"""
import json
import pathlib

import peft
import torch
import transformers
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM

OUT = pathlib.Path(__file__).resolve().parents[1] / "resources" / "dora"

torch.manual_seed(0)
config = LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                     initializer_range=0.2, tie_word_embeddings=False)
model = LlamaForCausalLM(config).eval()
model.save_pretrained(OUT / "tiny-llama", safe_serialization=True)
(OUT / "tiny-llama" / "generation_config.json").unlink()

lora = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "v_proj", "down_proj"],
                  use_dora=True, task_type="CAUSAL_LM")
peft_model = get_peft_model(model, lora).eval()
with torch.no_grad():
    for name, param in peft_model.named_parameters():
        if "lora_A" in name or "lora_B" in name:
            param.copy_(torch.randn_like(param) * 0.3)
        elif "lora_magnitude_vector" in name:
            param.mul_(1.0 + 0.2 * torch.randn_like(param))
peft_model.save_pretrained(OUT / "adapter", safe_serialization=True)
(OUT / "adapter" / "README.md").unlink()  # PEFT's model card: not needed by the tests

input_ids = torch.tensor([[1, 5, 9, 17, 33, 2, 60]])
with torch.no_grad():
    adapted = peft_model(input_ids).logits
    merged_model = peft_model.merge_and_unload()
    merged = merged_model(input_ids).logits
    q_proj = merged_model.model.layers[0].self_attn.q_proj.weight

(OUT / "reference.json").write_text(json.dumps({
    "torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
    "input_ids": input_ids[0].tolist(),
    "logits_shape": list(adapted.shape),
    "adapted_logits": adapted.flatten().tolist(),
    "merged_logits": merged.flatten().tolist(),
    "merged_q_proj_layer0": q_proj.flatten().tolist(),
}))
