#!/usr/bin/python3
"""Renders LLaMA-Factory's own chat templates (src/llamafactory/data/template.py) into a golden file.

Reference for io.tuneforge.trainer.template.BuiltinFormats: each conversation is encoded with LLaMA-Factory's
Template.encode_multiturn using a fake tokenizer whose "token ids" are the text pieces themselves, so the result is
the template's string slots (prompt, answer) per turn, exactly as LLaMA-Factory assembles them before tokenizing.
The tokenizer is first fixed as LLaMA-Factory's get_template_and_fix_tokenizer does (replace_eos, fallback EOS,
enable_thinking), and for efficient_eos templates the EOS the supervised processor appends is recorded as "suffix".

Usage (development only; the Java tests read the JSON without Python):

    MIRROR=/work/.mirror/hiyouga+LLaMA-Factory/repo
    rm -rf /tmp/lf /tmp/lf-old && mkdir -p /tmp/lf /tmp/lf-old
    git --git-dir=$MIRROR archive HEAD src | tar -x -C /tmp/lf
    git --git-dir=$MIRROR archive 5fb5d7ebd3a8b7b5b4873f18e2b7318cffbec58c src | tar -x -C /tmp/lf-old
    python3 platform-trainer/chat-template/src/test/python/llamafactory_golden.py /tmp/lf /tmp/lf-old [OUT]

The second checkout is the last revision that still defines templates LLaMA-Factory later removed as obsolete
(baichuan2, in commit 5cccaeec "clean obsolete models"). Only jinja-free pure Python is imported: the package
__init__ files, datasets/fsspec and the multimodal plugins are stubbed.
"""
import importlib
import json
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "templates", "llamafactory_goldens.json")

# The names TuneForge mirrors, rendered from LLaMA-Factory's current template.py.
NAMES = ["default", "empty", "alpaca", "vicuna", "chatml", "llama2", "llama3", "mistral", "qwen", "qwen3",
         "qwen3_nothink", "gemma", "gemma3", "phi", "phi4", "deepseek", "deepseek3", "yi", "chatglm3", "glm4",
         "intern2", "cohere", "olmo"]
# Names only the older checkout still defines.
OLD_NAMES = ["baichuan2"]

# Fake tokenizers: with a BOS (Llama-like) and without one (Qwen-like: no BOS, EOS <|endoftext|>).
TOKENIZERS = {
    "bos": {"bos_token": "<s>", "eos_token": "</s>"},
    "nobos": {"bos_token": None, "eos_token": "<|endoftext|>"},
}

# Conversations in LLaMA-Factory's shape: an optional system text, then user/observation and assistant messages.
CONVERSATIONS = {
    "system_multiturn": {"system": "You are terse.", "messages": [
        ("user", "Hi"), ("assistant", "Hello!"), ("user", "2+2?"), ("assistant", "4")]},
    "no_system": {"system": None, "messages": [("user", "Name a color."), ("assistant", "Blue.")]},
    "empty_system": {"system": "", "messages": [("user", "Hi"), ("assistant", "Hey")]},
    "think": {"system": "Think first.", "messages": [
        ("user", "Why?"), ("assistant", "<think>\nBecause.\n</think>\n\nIt is so."),
        ("user", "And?"), ("assistant", "<think>\nMore.\n</think>\n\nDone.")]},
    "think_mixed": {"system": None, "messages": [
        ("user", "A?"), ("assistant", "Plain answer."), ("user", "B?"), ("assistant", "<think>x</think>y")]},
    "non_ascii": {"system": "Réponds en français — 简短。", "messages": [
        ("user", "Grüße! 你好 👋"), ("assistant", "Ça va — 很好 ✓")]},
    "observation": {"system": None, "messages": [
        ("user", "Weather?"), ("assistant", "Checking."), ("observation", "{\"temp\": 21}"),
        ("assistant", "21 degrees.")]},
}


class FakeTokenizer:
    """A tokenizer whose ids are text: encode(text) == [text]; special tokens are their own ids."""

    def __init__(self, bos_token, eos_token):
        self.bos_token = bos_token
        self.eos_token = eos_token
        self.pad_token = None
        self.additional_special_tokens = []

    @property
    def bos_token_id(self):
        return self.bos_token

    @property
    def eos_token_id(self):
        return self.eos_token

    @property
    def pad_token_id(self):
        return self.pad_token

    def encode(self, text, add_special_tokens=False):
        return [text]

    def convert_tokens_to_ids(self, token):
        return token

    def add_special_tokens(self, tokens, replace_additional_special_tokens=False):
        if "eos_token" in tokens:
            self.eos_token = tokens["eos_token"]
        self.additional_special_tokens += tokens.get("additional_special_tokens", [])
        return 0


def stub_module(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


def load_template_module(src):
    """Imports llamafactory.data.template from a checkout's src folder without running heavy package imports."""
    for name in [n for n in sys.modules if n == "llamafactory" or n.startswith("llamafactory.")]:
        del sys.modules[name]
    root = os.path.join(src, "llamafactory")
    stub_module("llamafactory", __path__=[root])
    stub_module("llamafactory.data", __path__=[os.path.join(root, "data")])
    stub_module("llamafactory.extras", __path__=[os.path.join(root, "extras")])

    class Logger:
        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    stub_module("llamafactory.extras.logging", get_logger=lambda name=None: Logger())
    stub_module("fsspec")
    stub_module("datasets", DatasetDict=dict, concatenate_datasets=None, interleave_datasets=None,
                Dataset=object, IterableDataset=object)

    class BasePlugin:
        def process_messages(self, messages, *args):
            return messages

    stub_module("llamafactory.data.mm_plugin", get_mm_plugin=lambda *args, **kwargs: BasePlugin(),
                BasePlugin=BasePlugin)
    return importlib.import_module("llamafactory.data.template")


def render(module, name, tokenizer_spec, conversation, enable_thinking):
    template = module.TEMPLATES[name]
    saved = (template.enable_thinking, getattr(template, "preserve_thinking", False))
    tokenizer = FakeTokenizer(**tokenizer_spec)
    try:
        if isinstance(template, module.ReasoningTemplate):  # as get_template_and_fix_tokenizer does
            template.enable_thinking = enable_thinking
            template.preserve_thinking = False  # LLaMA-Factory's default
        template.fix_special_tokens(tokenizer)
        messages = [{"role": role, "content": content} for role, content in conversation["messages"]]
        pairs = template.encode_multiturn(tokenizer, messages, conversation["system"], None)
    finally:
        template.enable_thinking, template.preserve_thinking = saved
    return {
        "pairs": [["".join(prompt), "".join(answer)] for prompt, answer in pairs],
        "suffix": tokenizer.eos_token if template.efficient_eos else "",
        "eos": tokenizer.eos_token,
        "stop_words": list(template.stop_words),
    }


def cases(module, names, source):
    out = []
    for name in names:
        reasoning = isinstance(module.TEMPLATES[name], module.ReasoningTemplate)
        for thinking in ([True, False] if reasoning else [True]):
            for tokenizer_name, tokenizer_spec in TOKENIZERS.items():
                for conversation_name, conversation in CONVERSATIONS.items():
                    case = {"template": name, "source": source, "tokenizer": tokenizer_name,
                            "enable_thinking": thinking, "conversation": conversation_name}
                    case.update(render(module, name, tokenizer_spec, conversation, thinking))
                    out.append(case)
    return out


def main():
    head_src = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "/tmp/lf", "src")
    old_src = os.path.join(sys.argv[2] if len(sys.argv) > 2 else "/tmp/lf-old", "src")
    out_path = sys.argv[3] if len(sys.argv) > 3 else OUT
    golden = {"tokenizers": TOKENIZERS,
              "conversations": {k: {"system": v["system"], "messages": [list(m) for m in v["messages"]]}
                                for k, v in CONVERSATIONS.items()},
              "cases": cases(load_template_module(head_src), NAMES, "HEAD")
              + cases(load_template_module(old_src), OLD_NAMES, "5fb5d7eb")}
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(golden['cases'])} cases to {out_path}")


if __name__ == "__main__":
    main()
