"""Reference for TuneForge's classification head (issue #15, item 4), run once at development time:

    /tmp/venv-ref/bin/python platform-trainer/engine/src/test/python/sequence_classification_golden.py \
        ../shared/fixtures/models/stories260K platform-trainer/engine/src/test/resources/classification

transformers' LlamaForSequenceClassification on the real TinyStories 260K backbone with a 3-label score head and a
PEFT LoRA adapter (task_type SEQ_CLS, r=4 on q_proj and v_proj, B and the head seeded random) is saved with PEFT's
save_pretrained (the head lands in adapter_model.safetensors as base_model.model.score.weight, modules_to_save lists
it); its pooled logits (the score of each text's last token) for three texts, and the config and tensor names of the
merged model as transformers writes them, go to golden.json. The Java test needs no Python.
"""
import json
import sys
from pathlib import Path

import torch
from peft import LoraConfig, TaskType, get_peft_model
from safetensors import safe_open
from transformers import AutoTokenizer, LlamaForSequenceClassification

model_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
labels = ["negative", "neutral", "positive"]
torch.manual_seed(7)
model = LlamaForSequenceClassification.from_pretrained(
    model_dir, num_labels=3, id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)},
    dtype=torch.float32)
tokenizer = AutoTokenizer.from_pretrained(model_dir)
model.config.pad_token_id = 0
peft_model = get_peft_model(model, LoraConfig(task_type=TaskType.SEQ_CLS, r=4, lora_alpha=8,
                                              target_modules=["q_proj", "v_proj"]))
with torch.no_grad():
    for name, p in peft_model.named_parameters():
        if "lora_B" in name or "modules_to_save" in name:
            p.copy_(torch.randn_like(p) * 0.3)
peft_model.eval()
adapter = out / "adapter"
peft_model.save_pretrained(adapter)

texts = ["Lily was sad because her toy broke.", "The dog ran in the park.", "Tom was very happy with his cake!"]
rows = []
with torch.no_grad():
    for text in texts:
        ids = tokenizer(text, return_tensors="pt").input_ids  # BOS + text, as the Llama tokenizer adds it
        logits = peft_model(input_ids=ids).logits[0]
        rows.append({"text": text, "input_ids": ids[0].tolist(), "logits": logits.tolist()})

merged = peft_model.merge_and_unload()
merged_dir = out / "merged-tmp"
merged.save_pretrained(merged_dir)
with safe_open(merged_dir / "model.safetensors", "pt") as f:
    merged_names = sorted(f.keys())
config = json.loads((merged_dir / "config.json").read_text())
golden = {
    "labels": labels,
    "rows": rows,
    "merged": {"architectures": config["architectures"], "id2label": config["id2label"],
               "label2id": config["label2id"], "tensor_names": merged_names},
}
(out / "golden.json").write_text(json.dumps(golden, indent=1) + "\n")
for f in merged_dir.iterdir():
    f.unlink()
merged_dir.rmdir()
print("pooled logits", [r["logits"] for r in rows])
