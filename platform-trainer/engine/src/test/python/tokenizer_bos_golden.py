#!/usr/bin/python3
"""Golden token ids for TuneForge's BOS rule: transformers' `tokenizer.encode(text)` (add_special_tokens=True).

transformers 5.x, for a tokenizer directory with tokenizer.json, drops `add_bos_token`/`add_eos_token` of
tokenizer_config.json (tokenization_utils_base: "if tokenizer_file ...: init_kwargs.pop('add_bos_token')") and keeps
the `post_processor` of tokenizer.json for every tokenizer class, LlamaTokenizer(Fast) included; a tokenizer.json with
no post-processor gets a template without BOS. So the post-processor alone decides which special ids surround a text.

Each case is a shared fixture directory plus optional edits (replace tokenizer.json's post_processor, set keys of
tokenizer_config.json); the Java test applies the same edits to a copy of the fixture, read from the output JSON.

Run from the repository root with transformers 5.18 (pip install torch transformers):
    python platform-trainer/engine/src/test/python/tokenizer_bos_golden.py ../shared/fixtures \
        > platform-trainer/engine/src/test/resources/tokenizer/bos_golden.json
"""
import json
import shutil
import sys
import tempfile
from pathlib import Path

import transformers
from transformers import AutoTokenizer

LLAMA3_TEMPLATE = {  # the post-processor of Meta's Llama 3 tokenizer.json: ByteLevel, then BOS before the text
    "type": "Sequence",
    "processors": [
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                  {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [128000], "tokens": ["<|begin_of_text|>"]}}},
    ],
}

BOS_AND_EOS_TEMPLATE = {  # BOS before and EOS after the text (as a tokenizer saved with add_eos_token=True has)
    "type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
               {"SpecialToken": {"id": "</s>", "type_id": 0}}],
    "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
             {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
    "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]},
                       "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}},
}

CASES = [
    {"name": "llama3 fixture: PreTrainedTokenizerFast, ByteLevel post-processor only -> no BOS",
     "fixture": "tokenizers/llama3"},
    {"name": "llama3 with Meta's Sequence[ByteLevel, TemplateProcessing] post-processor -> BOS",
     "fixture": "tokenizers/llama3", "post_processor": LLAMA3_TEMPLATE},
    {"name": "llama3 ByteLevel only, add_bos_token true in tokenizer_config.json -> still no BOS",
     "fixture": "tokenizers/llama3", "tokenizer_config": {"add_bos_token": True}},
    {"name": "qwen3 fixture: Qwen2Tokenizer, no BOS token -> none",
     "fixture": "tokenizers/qwen3"},
    {"name": "stories260K: LlamaTokenizerFast whose template adds <s> -> BOS",
     "fixture": "models/stories260K"},
    {"name": "stories260K template with <s>, add_bos_token false -> the template still adds BOS",
     "fixture": "models/stories260K", "tokenizer_config": {"add_bos_token": False}},
    {"name": "stories260K without post-processor, add_bos_token true (LlamaTokenizerFast) -> no BOS",
     "fixture": "models/stories260K", "post_processor": None},
    {"name": "stories260K template with <s> and </s> -> both",
     "fixture": "models/stories260K", "post_processor": BOS_AND_EOS_TEMPLATE},
]

TEXTS = ["Hello world", "Once upon a time there was a dog.", "Tom, Lily & 3 cats!", "a\nb", ""]


def prepare(fixtures, case, into):
    target = into / "tok"
    shutil.copytree(fixtures / case["fixture"], target)
    if "post_processor" in case:
        tok = json.loads((target / "tokenizer.json").read_text())
        tok["post_processor"] = case["post_processor"]
        (target / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False))
    if "tokenizer_config" in case:
        cfg = json.loads((target / "tokenizer_config.json").read_text())
        cfg.update(case["tokenizer_config"])
        (target / "tokenizer_config.json").write_text(json.dumps(cfg, ensure_ascii=False))
    return target


def main():
    fixtures = Path(sys.argv[1])
    out = {"transformers": transformers.__version__, "cases": []}
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            tokenizer = AutoTokenizer.from_pretrained(prepare(fixtures, case, Path(tmp)))
            encoded = {text: tokenizer.encode(text) for text in TEXTS}
        out["cases"].append({**case, "tokenizer_class": type(tokenizer).__name__,
                             "encodings": [{"text": t, "ids": ids} for t, ids in encoded.items()]})
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
