#!/usr/bin/env python3
"""Reference outputs of a prefix-tuning adapter computed by PEFT itself on a tiny random Llama (GQA: 4 query heads,
2 key/value heads, so PEFT sizes the prefix by the key/value heads).

Writes into platform-trainer/engine/src/test/resources/prefix/:
  tiny-llama/            config.json + model.safetensors (transformers' save_pretrained, float32)
  adapter/               adapter_config.json + adapter_model.safetensors (PEFT's save_pretrained: one tensor,
                         prompt_embeddings (num_virtual_tokens, num_layers*2*token_dim))
  projected/             the same for prefix_projection=True (the saved tensor is the MLP's output)
  reference.json         input ids, the logits of both adapted models and of the base model

The prefix is set to random values (PEFT's default initialisation is random too, but small), so every virtual token
matters. transformers places the real tokens at positions num_virtual_tokens.. after the prefix cache (PEFT passes the
prefix as past_key_values); the logits record that.

Run: /tmp/venv-ref/bin/python platform-trainer/engine/src/test/python/prefix_tuning_golden.py
"""
import json
import pathlib

import peft
import torch
import transformers
from peft import PrefixTuningConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM

OUT = pathlib.Path(__file__).resolve().parents[1] / "resources" / "prefix"

torch.manual_seed(0)
config = LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                     initializer_range=0.2, tie_word_embeddings=False)
base = LlamaForCausalLM(config).eval()
base.save_pretrained(OUT / "tiny-llama", safe_serialization=True)
(OUT / "tiny-llama" / "generation_config.json").unlink()

input_ids = torch.tensor([[1, 5, 9, 17, 33, 2, 60]])
with torch.no_grad():
    base_logits = base(input_ids).logits


def adapted(projection, folder):
    prefix = PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=3, prefix_projection=projection,
                                encoder_hidden_size=8)
    model = get_peft_model(LlamaForCausalLM.from_pretrained(OUT / "tiny-llama").eval(), prefix).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "prompt_encoder" in name:
                param.copy_(torch.randn_like(param) * 0.5)
        logits = model(input_ids).logits
    model.save_pretrained(OUT / folder, safe_serialization=True)
    (OUT / folder / "README.md").unlink()
    return logits


plain = adapted(False, "adapter")
projected = adapted(True, "projected")

(OUT / "reference.json").write_text(json.dumps({
    "torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
    "input_ids": input_ids[0].tolist(),
    "logits_shape": list(plain.shape),
    "base_logits": base_logits.flatten().tolist(),
    "prefix_logits": plain.flatten().tolist(),
    "projected_prefix_logits": projected.flatten().tolist(),
}))
