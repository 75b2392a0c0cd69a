#!/usr/bin/python3
"""Renders the chat-template golden files with Python's jinja2 exactly as Hugging Face transformers does.

Reference for io.tuneforge.trainer.template.jinja (our own Jinja interpreter). Run with Debian's python3-jinja2:

    /usr/bin/python3 platform-trainer/chat-template/src/test/python/render_chat_template_goldens.py [FIXTURES_DIR [CASES [OUT]]]

Reads  platform-trainer/chat-template/src/test/resources/templates/chat_template_cases.json
Writes platform-trainer/chat-template/src/test/resources/templates/chat_template_goldens.json

Settings mirror transformers' `_compile_jinja_template` / `render_jinja_template`:
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols, generation block]),
globals raise_exception and strftime_now, filter tojson = json.dumps(ensure_ascii=False, indent, separators,
sort_keys=False); render(messages=..., tools=None-or-list, documents=None, add_generation_prompt=..., **special
tokens that are set, **user variables).
"""
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCES = os.path.join(HERE, "..", "resources", "templates")
SPECIAL_TOKENS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token",
                  "additional_special_tokens"]


class GenerationBlock(Extension):
    """Hugging Face's AssistantTracker, without mask tracking: {% generation %} renders its body."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return datetime.now().strftime(format)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationBlock, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def token_text(token):
    return token["content"] if isinstance(token, dict) else token


def special_tokens(config):
    """transformers' special_tokens_map: only the tokens that are set."""
    tokens = {}
    for name in SPECIAL_TOKENS:
        value = config.get(name)
        if value is None:
            continue
        tokens[name] = [token_text(t) for t in value] if isinstance(value, list) else token_text(value)
    return tokens


def render(env, source, variables):
    try:
        return {"output": env.from_string(source).render(**variables)}
    except jinja2.exceptions.TemplateError as e:
        return {"error": type(e).__name__ + ": " + str(e)}
    except Exception as e:  # Python errors inside the template (TypeError, ...)
        return {"error": type(e).__name__ + ": " + str(e)}


def model_template(config, has_tools):
    template = config["chat_template"]
    if isinstance(template, list):
        named = {t["name"]: t["template"] for t in template}
        return named["tool_use"] if has_tools and "tool_use" in named else named["default"]
    return template


def main():
    fixtures = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "..", "..", "..", "shared", "fixtures")
    cases_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(RESOURCES, "chat_template_cases.json")
    out_path = sys.argv[3] if len(sys.argv) > 3 else os.path.join(RESOURCES, "chat_template_goldens.json")
    with open(cases_path, encoding="utf-8") as f:
        cases = json.load(f)
    env = environment()
    goldens = {"jinja2_version": jinja2.__version__, "models": {}, "snippets": {}}
    for model in cases["models"]:
        with open(os.path.join(fixtures, "tokenizers", model, "tokenizer_config.json"), encoding="utf-8") as f:
            config = json.load(f)
        results = {}
        for case in cases["conversations"]:
            tools = case.get("tools")
            variables = dict(special_tokens(config))
            variables.update(case.get("variables", {}))
            variables.update(messages=case["messages"], tools=tools, documents=None,
                             add_generation_prompt=case.get("add_generation_prompt", False))
            results[case["name"]] = render(env, model_template(config, tools is not None), variables)
        goldens["models"][model] = results
    for snippet in cases["snippets"]:
        goldens["snippets"][snippet["name"]] = render(env, snippet["template"], snippet.get("variables", {}))
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(goldens, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
