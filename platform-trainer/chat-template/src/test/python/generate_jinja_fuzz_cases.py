#!/usr/bin/python3
"""Random Jinja snippets for differential checks of our interpreter against Python's jinja2 (not committed goldens).

    /usr/bin/python3 generate_jinja_fuzz_cases.py expressions SEED COUNT OUT.json
    /usr/bin/python3 generate_jinja_fuzz_cases.py whitespace  SEED COUNT OUT.json
    /usr/bin/python3 generate_jinja_fuzz_cases.py statements  SEED COUNT OUT.json

then render the goldens with render_chat_template_goldens.py FIXTURES OUT.json GOLDENS.json and compare with
io.tuneforge.trainer.template.TemplateDifferentialCheck (test sources, a main). "expressions" mixes literals,
operators, filters, tests, str/dict/list methods, slicing and conditionals; "whitespace" mixes text with block,
variable, comment and raw tags carrying -, + and none, to exercise trim_blocks/lstrip_blocks; "statements" nests
set, namespace, for (with else, filters, break/continue), if, macro, with and set blocks over a few shared names, to
exercise jinja2's frame scoping.
"""
import json
import random
import sys

STRS = ["''", "'a'", "'Hello World'", "' padded  '", "'\\n\\nx\\n'", "'héllo'", "'😀ab'", "'a,b,,c'", "'x</think>y'",
        "'ABC def'", "'1.5'", "'42'", "'  '", "'ß'", "'tab\\there'"]
NUMS = ["0", "1", "-1", "2", "3", "7", "10", "255", "1.5", "-2.5", "0.1", "1e-07", "1e16", "2.675",
        "12345678901234567890", "0.0", "3.0", "100"]
ATOMS = STRS + NUMS + ["none", "true", "false", "[]", "[1, 2, 3]", "['b', 'a', 'c']", "[1, 'a', none]", "{}",
                       "{'k': 1, 'j': [2]}", "(1, 2)", "(1,)", "x", "y", "u", "s", "lst", "d", "d.k", "d['j']",
                       "lst[0]", "lst[-1]", "lst[::-1]", "lst[1:]", "s[::2]", "s[1:-1]"]
FILTERS = ["length", "string", "upper", "lower", "trim", "tojson", "round", "int", "float", "abs", "first", "last",
           "join", "list", "reverse|list", "sort", "unique|list", "sum", "min", "max", "default('D')",
           "default('D', true)", "capitalize", "title", "wordcount", "trim('x')", "join('-')", "round(2)",
           "tojson(indent=2)", "map('string')|list", "select|list", "reject|list", "items|list", "dictsort",
           "batch(2)|list", "indent(2)", "replace('a', 'b')", "center(9)", "truncate(5, true, '..', 0)",
           "string|length", "e", "format(1)", "count", "pprint"]
METHODS = ["strip()", "strip('x')", "lstrip()", "rstrip('\\n')", "split()", "split(',')", "split(',', 1)",
           "rsplit(' ', 1)", "startswith('a')", "endswith(('d', 'x'))", "upper()", "lower()", "title()",
           "capitalize()", "replace('a', 'Z')", "find('l')", "count('a')", "splitlines()", "isdigit()", "zfill(5)",
           "center(7, '*')", "partition(',')", "format(1, 2)", "items()", "keys()", "values()", "get('k')",
           "get('zz', 0)", "index(1)", "count(1)"]
BINOPS = ["+", "-", "*", "/", "//", "%", "**", "~", "==", "!=", "<", ">", "<=", ">=", "in", "not in", "and", "or"]
TESTS = ["defined", "undefined", "none", "string", "number", "integer", "float", "mapping", "sequence", "iterable",
         "boolean", "true", "false", "even", "odd", "divisibleby 3", "in [1, 'a']", "lower", "upper", "callable",
         "eq 1", "gt 1"]
VARIABLES = {"x": "xyz😀", "y": 2.5, "u": "ünï 𝔘", "s": " some,text here ", "lst": [3, 1, 2],
             "d": {"k": 1, "j": [2, "two"]}}
TEXT = [" ", "  ", "\t", "\n", "\n\n", " \n", "\n  ", "a", "b c", "\r\n", "x\n", "  y  ", "\u00a0", "\u3000", "\x0b"]


def expression(depth=0):
    r = random.random()
    if depth > 2 or r < 0.25:
        return random.choice(ATOMS)
    if r < 0.45:
        return f"({expression(depth + 1)} {random.choice(BINOPS)} {expression(depth + 1)})"
    if r < 0.62:
        return f"({expression(depth + 1)} | {random.choice(FILTERS)})"
    if r < 0.75:
        return f"{random.choice(ATOMS)}.{random.choice(METHODS)}"
    if r < 0.83:
        return f"({expression(depth + 1)} is {'not ' if random.random() < 0.3 else ''}{random.choice(TESTS)})"
    if r < 0.9:
        return f"({'not ' if random.random() < 0.5 else '-'}{expression(depth + 1)})"
    if r < 0.95:
        return f"({expression(depth + 1)} if {expression(depth + 1)} else {expression(depth + 1)})"
    a, b, c = [random.choice(["", "-1", "1", "2", "-2", "0", "5"]) for _ in range(3)]
    return f"{random.choice(['lst', 's', 'u', 'x'])}[{a}:{b}{':' + c if random.random() < 0.5 else ''}]"


def sign():
    return random.choice(["", "", "", "-", "+"])


def block(depth):
    kind = random.random()
    if kind < 0.5:
        otherwise = "{%" + sign() + " else " + sign() + "%}" + body(depth + 1) if random.random() < 0.3 else ""
        return ("{%" + sign() + " if " + random.choice(["true", "false", "x"]) + " " + sign() + "%}" + body(depth + 1)
                + otherwise + "{%" + sign() + " endif " + sign() + "%}")
    if kind < 0.8:
        return ("{%" + sign() + " for i in [1, 2] " + sign() + "%}" + body(depth + 1) + "{%" + sign() + " endfor "
                + sign() + "%}")
    return "{%" + sign() + " set v " + sign() + "%}" + body(depth + 1) + "{%" + sign() + " endset " + sign() + "%}[{{ v }}]"


def body(depth=0):
    out = []
    for _ in range(random.randint(1, 6)):
        r = random.random()
        if r < 0.45:
            out.append(random.choice(TEXT))
        elif r < 0.6:
            out.append("{{" + random.choice(["", "-", "+"]) + " 'v' " + random.choice(["", "-"]) + "}}")
        elif r < 0.7:
            out.append("{#" + random.choice(["", "-"]) + " c\n " + random.choice(["", "-", "+"]) + "#}")
        elif r < 0.75:
            out.append("{%" + sign() + " raw " + random.choice(["", "-"]) + "%}" + random.choice(TEXT) + "{{ r }}"
                       + random.choice(TEXT) + "{%" + sign() + " endraw " + sign() + "%}")
        elif depth < 3:
            out.append(block(depth))
    return "".join(out)


SCOPED = ["a", "b", "c"]


def value():
    return random.choice(["1", "'s'", "a", "b", "c", "loop.index if loop is defined else 0", "ns.n", "(a ~ b)",
                          "[a, b]", "c | default('d')", "x"])


def statement(depth, in_loop):
    r = random.random()
    if r < 0.25:
        return "{% set " + random.choice(SCOPED) + " = " + value() + " %}"
    if r < 0.35:
        return "{% set ns.n = " + random.choice(["ns.n ~ 'x'", "a", "1"]) + " %}"
    if r < 0.55:
        return "[{{ " + random.choice(SCOPED + ["ns.n", "loop.index0 if loop is defined else 'top'",
                                               "loop.length if loop is defined else ''", "x"]) + " }}]"
    if depth > 2:
        return "."
    if r < 0.7:
        return ("{% for " + random.choice(["i", "a", "x"]) + " in " + random.choice(["[1, 2]", "[a, b]", "range(2)", "'xy'"])
                + (" if i != 1" if random.random() < 0.2 else "") + " %}" + program(depth + 1, True)
                + ("{% else %}E" if random.random() < 0.2 else "") + "{% endfor %}")
    if r < 0.8:
        return ("{% if " + random.choice(["a", "b is defined", "not c", "true", "loop is defined"]) + " %}"
                + program(depth + 1, in_loop) + "{% else %}" + program(depth + 1, in_loop) + "{% endif %}")
    if r < 0.87:
        name = "m" + str(depth)
        return "{% macro " + name + "(a) %}" + program(depth + 1, False) + "{% endmacro %}{{ " + name + "(" + value() + ") }}"
    if r < 0.93:
        return "{% with b = " + value() + " %}" + program(depth + 1, in_loop) + "{% endwith %}"
    if r < 0.97 and in_loop:
        return random.choice(["{% break %}", "{% continue %}", "{% if a %}{% break %}{% endif %}"])
    return "{% set c %}" + program(depth + 1, in_loop) + "{% endset %}"


def program(depth=0, in_loop=False):
    return "".join(statement(depth, in_loop) for _ in range(random.randint(1, 4)))


def main():
    kind, seed, count, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    random.seed(seed)
    if kind == "expressions":
        snippets = [{"name": f"e{i}", "template": "{{ " + expression() + " }}", "variables": VARIABLES}
                    for i in range(count)]
    elif kind == "statements":
        snippets = [{"name": f"s{i}", "template": "{% set ns = namespace(n='') %}" + program()
                     + "|{{ a }}{{ b }}{{ c }}{{ ns.n }}", "variables": {"a": 5}} for i in range(count)]
    else:
        snippets = [{"name": f"w{i}", "template": body() + random.choice(["", "\n", "\n\n", "  \n"]),
                     "variables": {"x": 1}} for i in range(count)]
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"models": [], "conversations": [], "snippets": snippets}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
