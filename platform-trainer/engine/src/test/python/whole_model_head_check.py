#!/usr/bin/python3
"""transformers' AutoModelForSequenceClassification on the classifiers TuneForge saves after full / freeze tuning.

SequenceClassifierTest trains a head on stories260K with full and with freeze tuning (20 steps, seed 3, the separable
animal/person rows) and saves it as a *ForSequenceClassification model; the run was dumped at development time into
DIR/cls-full and DIR/cls-freeze with java.json (each row's text, token ids and TuneForge's class probabilities).
This script loads each folder with transformers 5.18 (no missing or unexpected key allowed), computes the class
probabilities of the same token ids, checks the predicted labels equal TuneForge's, and writes what transformers
computed to classification/whole-model-heads.json; the Java test compares its own run with that file.

    python platform-trainer/engine/src/test/python/whole_model_head_check.py /tmp/moegguf \
        platform-trainer/engine/src/test/resources/classification/whole-model-heads.json
"""
import json
import sys
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForSequenceClassification


def check(folder):
    model, info = AutoModelForSequenceClassification.from_pretrained(folder, output_loading_info=True)
    missing, unexpected = info["missing_keys"], info["unexpected_keys"]
    assert not missing and not unexpected, (folder, missing, unexpected)
    model.eval()
    rows = json.loads((Path(folder) / "java.json").read_text())
    out = []
    worst = 0.0
    for row in rows:
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([row["ids"]])).logits[0]
        p = torch.softmax(logits.double(), -1).tolist()
        label = model.config.id2label[int(torch.argmax(logits))]
        java_label = model.config.id2label[max(range(len(row["p"])), key=lambda k: row["p"][k])]
        assert label == java_label, (folder, row["text"], label, java_label)
        worst = max(worst, max(abs(a - b) for a, b in zip(p, row["p"])))
        out.append({"text": row["text"], "input_ids": row["ids"], "probabilities": p, "label": label})
    print(f"{folder}: {len(rows)} rows, labels equal, max |p_transformers - p_tuneforge| = {worst:.2e}")
    return {"architectures": model.config.architectures, "id2label": model.config.id2label, "rows": out}


def main():
    root = Path(sys.argv[1])
    result = {"generator": {"transformers": transformers.__version__, "torch": torch.__version__}}
    for tuning in ("full", "freeze"):
        result[tuning] = check(root / f"cls-{tuning}")
    Path(sys.argv[2]).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
