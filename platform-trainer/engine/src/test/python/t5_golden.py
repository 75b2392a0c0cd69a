#!/usr/bin/python3
"""Tiny random T5 checkpoints (T5ForConditionalGeneration) with transformers' float32 reference outputs.

Two checkpoints, each made with transformers' own T5Config and weights drawn from N(0, 0.5) with a fixed seed:
  - t5-tiny:   T5 v1.0-like: ReLU feed-forward (wi, wo), LM head tied to `shared` and the decoder output scaled by
               d_model^-0.5 (saved with save_pretrained, config.json as transformers 5 writes it).
  - flant5-tiny: Flan-T5 / T5 v1.1-like: gated-GELU (gelu_new) feed-forward (wi_0, wi_1, wo), a separate
               `lm_head.weight` and no output scaling, saved as the real Flan-T5 checkpoints are (config.json with
               "tie_word_embeddings": false, lm_head.weight in model.safetensors), which transformers 5 loads untied.
Both use inner_dim = num_heads * d_kv != d_model and relative_attention_max_distance below the long sequences, so
the logarithmic position buckets are exercised in the encoder (bidirectional) and the decoder (causal).

reference.json holds:
  - for source/target pairs: encoder ids (the source, ending with </s> = 1), decoder input ids
    ([decoder_start_token_id] + target) and the decoder's logits at every decoder position,
  - a padded batch of two sources (attention_mask) and the logits of each row,
  - greedy continuations of the sources by model.generate (with and without the KV cache),
  - the sorted checkpoint keys (what a merged model must have, no more, no less).
Each folder also gets a tiny character-level tokenizer laid out as T5's: <pad> 0, </s> 1, <unk> 2, then 61 single
characters (WordLevel; the post-processor appends </s> as T5's does), so that training, generation and the platform
can run on the checkpoints.

Run from the repository root with transformers 5.18:
    python platform-trainer/engine/src/test/python/t5_golden.py platform-trainer/engine/src/test/resources/models
"""
import json
import sys
from pathlib import Path

import torch
import transformers
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from transformers import DynamicCache, EncoderDecoderCache, T5Config, T5ForConditionalGeneration

SOURCE = [5, 9, 33, 12, 20, 1]                                     # 6 tokens, ends with </s>
TARGET = [7, 41, 19, 8, 2]
LONG_SOURCE = [3, 17, 44, 29, 8, 61, 12, 5, 38, 22, 50, 14, 9, 27, 33, 46, 11, 59, 6, 24, 40, 1]   # 22 tokens
LONG_TARGET = [13, 37, 52, 4, 18, 30, 63, 21, 9, 45, 26, 7, 55, 16, 34, 48, 10, 2]                 # 18 tokens
SHORT_SOURCE = [8, 30, 1]
NEW_TOKENS = 8


def base(**kw):
    return T5Config(vocab_size=64, d_model=32, d_kv=6, num_heads=4, relative_attention_num_buckets=8,
                    relative_attention_max_distance=16, layer_norm_epsilon=1e-6, pad_token_id=0, eos_token_id=1,
                    decoder_start_token_id=0, architectures=["T5ForConditionalGeneration"], **kw)


def t5_v10():
    return base(d_ff=40, num_layers=2, num_decoder_layers=3, feed_forward_proj="relu")


def flan_t5():
    return base(d_ff=40, num_layers=3, num_decoder_layers=2, feed_forward_proj="gated-gelu",
                tie_word_embeddings=False)


def logits(model, source, target):
    return model(input_ids=torch.tensor([source]), decoder_input_ids=torch.tensor([[0] + target])).logits[0]


def make(name, config_fn, untied, root):
    torch.manual_seed(1234)
    config = config_fn()
    model = T5ForConditionalGeneration(config)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.5)
    target = root / name
    model.save_pretrained(target, safe_serialization=True)
    if untied:
        # Flan-T5's layout: its own lm_head.weight and "tie_word_embeddings": false in config.json.
        weights = load_file(target / "model.safetensors")
        weights["lm_head.weight"] = torch.randn(config.vocab_size, config.d_model) * 0.3
        save_file(weights, target / "model.safetensors", metadata={"format": "pt"})
        config_json = json.loads((target / "config.json").read_text())
        config_json["tie_word_embeddings"] = False
        config_json.pop("scale_decoder_outputs", None)
        (target / "config.json").write_text(json.dumps(config_json, indent=2))
    model = T5ForConditionalGeneration.from_pretrained(target, dtype=torch.float32)
    model.eval()
    assert (model.lm_head.weight.data_ptr() == model.shared.weight.data_ptr()) != untied
    with torch.no_grad():
        short = logits(model, SOURCE, TARGET)
        long = logits(model, LONG_SOURCE, LONG_TARGET)
        padded = torch.tensor([SOURCE, SHORT_SOURCE + [0] * (len(SOURCE) - len(SHORT_SOURCE))])
        mask = (torch.arange(len(SOURCE))[None, :] < torch.tensor([[len(SOURCE)], [len(SHORT_SOURCE)]])).long()
        batch = model(input_ids=padded, attention_mask=mask,
                      decoder_input_ids=torch.tensor([[0] + TARGET[:3], [0] + TARGET[:3]])).logits
        greedy = {}
        for label, source in (("source", SOURCE), ("long_source", LONG_SOURCE), ("short_source", SHORT_SOURCE)):
            for cached in (False, True):
                # An explicit dynamic cache: transformers 5.18 sizes its default one by num_layers, which fails
                # (IndexError) when num_decoder_layers is larger.
                cache = EncoderDecoderCache(DynamicCache(), DynamicCache()) if cached else None
                out = model.generate(input_ids=torch.tensor([source]), max_new_tokens=NEW_TOKENS, do_sample=False,
                                     use_cache=cached, past_key_values=cache, eos_token_id=None, pad_token_id=0)
                greedy[label + ("_cached" if cached else "")] = out[0, 1:].tolist()
    with safe_open(target / "model.safetensors", "pt") as f:
        keys = sorted(f.keys())
    reference = {
        "transformers": transformers.__version__,
        "architecture": config.architectures[0],
        "source": SOURCE, "target": TARGET, "logits": short.tolist(),
        "long_source": LONG_SOURCE, "long_target": LONG_TARGET, "long_logits": long.tolist(),
        "short_source": SHORT_SOURCE, "batch_target": TARGET[:3],
        "batch_logits": batch.tolist(),
        "greedy": greedy,
        "checkpoint_keys": keys,
    }
    (target / "reference.json").write_text(json.dumps(reference))
    (target / "generation_config.json").unlink(missing_ok=True)


SPECIALS = ["<pad>", "</s>", "<unk>"]
CHARACTERS = " abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,?!':#\n"


def write_tokenizer(target):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors
    from tokenizers import AddedToken
    assert len(SPECIALS) + len(CHARACTERS) == 64
    vocab = {token: i for i, token in enumerate(SPECIALS + list(CHARACTERS))}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIALS])
    tokenizer.pre_tokenizer = pre_tokenizers.Split(Regex("[\\s\\S]"), behavior="isolated")
    tokenizer.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>",
                                                             special_tokens=[("</s>", 1)])
    tokenizer.decoder = decoders.Fuse()
    tokenizer.save(str(target / "tokenizer.json"))
    (target / "tokenizer_config.json").write_text(json.dumps(
        {"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>",
         "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512}, indent=2))
    assert tokenizer.encode("ab").ids == [4, 5, 1], tokenizer.encode("ab").ids


def main():
    root = Path(sys.argv[1])
    make("t5-tiny", t5_v10, False, root)
    make("flant5-tiny", flan_t5, True, root)
    for name in ("t5-tiny", "flant5-tiny"):
        write_tokenizer(root / name)


if __name__ == "__main__":
    main()
