"""Reference data for pure_bf16 (DD040): PyTorch's float32 -> bfloat16 rounding, and a few steps of pure-bf16 full
fine-tuning of TinyStories 260K (the model cast with .to(torch.bfloat16), AdamW on the bf16 parameters, no autocast).

Run from the repository root with PyTorch and transformers installed (development time only; tests read the JSON):
    python platform-trainer/engine/src/test/python/pure_bf16_golden.py ../shared/fixtures/models/stories260K
Writes platform-trainer/engine/src/test/resources/precision/pure-bf16-reference.json.
"""
import json
import random
import struct
import sys
from pathlib import Path

import torch
from transformers import AutoTokenizer, LlamaForCausalLM

OUT = Path(__file__).resolve().parents[1] / "resources" / "precision" / "pure-bf16-reference.json"

STORIES = [
    "Once upon a time, there was a little girl named Lily. She loved to play in the park.",
    "Tom had a big red ball. He liked to throw it to his dog every day.",
    "One day, the cat saw a bird in the tree. The cat wanted to play with the bird.",
    "Lily and her mom went to the store. They bought apples and a new toy.",
]
TOKENS = 20          # every sample cut to the same length: no padding in the batch
STEPS = 4
LR = 1e-3
MAX_GRAD_NORM = 1.0


def float_bits(values):
    return [struct.unpack("<i", struct.pack("<f", v))[0] for v in values]


def rounding_cases():
    """float32 bit patterns: ties to even both ways, subnormals, overflow, signed zeros, NaN, infinities, random."""
    special = [0x00000000, 0x80000000, 0x3F800000, 0x3F808000, 0x3F818000, 0x3F807FFF, 0x3F808001, 0xBF808000,
               0xBF818000, 0x00000001, 0x00008000, 0x00018000, 0x0000FFFF, 0x807FFFFF, 0x00800000, 0x7F7FFFFF,
               0x7F7F7FFF, 0x7F7F8000, 0xFF7F8000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFFC12345,
               0x33800000, 0x3DCCCCCD, 0xC2F6E979]
    rng = random.Random(40)
    patterns = special + [rng.getrandbits(32) for _ in range(4000)]
    patterns = [p - (1 << 32) if p >= 1 << 31 else p for p in patterns]          # as Java ints
    x = torch.tensor(patterns, dtype=torch.int32).view(torch.float32)
    rounded = x.to(torch.bfloat16).view(torch.int16).to(torch.int32) & 0xFFFF
    return patterns, rounded.tolist()


def training(model_dir):
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    ids = []
    for story in STORIES:
        encoded = tokenizer(story, add_special_tokens=False)["input_ids"]
        ids.append(([tokenizer.bos_token_id] + encoded)[:TOKENS])
    batch = torch.tensor(ids)                                                        # (B, T)
    torch.manual_seed(0)
    model = LlamaForCausalLM.from_pretrained(model_dir, attn_implementation="sdpa").to(torch.bfloat16)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, foreach=False)
    probe = "model.layers.0.self_attn.q_proj.weight"
    named = dict(model.named_parameters())
    before = named[probe].detach().float().flatten().tolist()
    losses, norms = [], []
    for _ in range(STEPS):
        out = model(input_ids=batch, labels=batch)        # loss over the shifted labels, logits upcast to float32
        out.loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(params, MAX_GRAD_NORM)))
        optimizer.step()
        optimizer.zero_grad()
        losses.append(float(out.loss))
    after = named[probe].detach().float().flatten().tolist()
    exp_avg = optimizer.state[named[probe]]["exp_avg"]
    return {"input_ids": ids, "steps": STEPS, "learning_rate": LR, "max_grad_norm": MAX_GRAD_NORM,
            "losses": losses, "grad_norms": norms, "probe": probe, "probe_before": before, "probe_after": after,
            "probe_dtype": str(named[probe].dtype), "exp_avg_dtype": str(exp_avg.dtype)}


def main():
    patterns, rounded = rounding_cases()
    result = {"torch": torch.__version__, "rounding": {"float_bits": patterns, "bf16_bits": rounded},
              "full_sft": training(sys.argv[1])}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result) + "\n")
    print(OUT, result["full_sft"]["losses"], result["full_sft"]["grad_norms"])


if __name__ == "__main__":
    main()
