#!/usr/bin/env python3
"""Goldens for the XML-like json_schema styles of structural tags (Tests/GrammarTests/
XMLParameterStyleTests): xgrammar's verdict, accept or reject, on texts written in each style
for one schema, in strict and non-strict mode (minimax_m3_xml and cohere_xml: their own schema,
strict only).

xgrammar builds each style's grammar (`xgrammar.testing._json_schema_to_ebnf` with
`json_format=STYLE`, compact JSON separators) and a byte-level matcher walks each text. Run with
a Python that has xgrammar (0.2.9 made the committed file):

    /work/venvs/grammar-ref/bin/python scripts/make_xml_style_goldens.py > Tests/Fixtures/structural-tags/xml-styles.json
"""
import json
from importlib.metadata import version

import xgrammar as xgr
from xgrammar.testing import _json_schema_to_ebnf

SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "days": {"type": "integer", "minimum": 1},
        "unit": {"enum": ["c", "f"]},
        "code": {"type": "string", "maxLength": 3},
        "opts": {"type": "object", "properties": {"x": {"type": "boolean"}}, "required": ["x"]},
        "tags": {"type": "array", "items": {"type": "integer"}},
    },
    "required": ["city", "days"],
}

DSML = "\uff5cDSML\uff5c"

# The nested styles (minimax_m3_xml, cohere_xml) take fixed names only in toolshell (no
# unconstrained values, no length-bounded strings), so they have a schema of their own, compiled
# in strict mode only.
M3_SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "days": {"type": "integer", "minimum": 1},
        "unit": {"enum": ["c", "f"]},
        "opts": {"type": "object", "properties": {"x": {"type": "boolean"}, "n": {"type": "string"}}, "required": ["x"]},
        "tags": {"type": "array", "items": {"type": "integer"}},
        "note": {"type": ["string", "null"]},
    },
    "required": ["city", "days"],
}
NS = "]<]minimax[>["


def cohere_texts():
    v = lambda n, k, val: f'<cofl:value name="{n}" type="{k}">{val}</cofl:value>'
    item = lambda k, val: f'<cofl:value type="{k}">{val}</cofl:value>'
    city, days = v("city", "raw", "Paris, France"), v("days", "json", "3")
    return {
        "required only": city + days,
        "newlines between": "\n" + city + "\n" + days + "\n",
        "raw string keeps spaces": v("city", "raw", " New York\n") + days,
        "number in whitespace": city + v("days", "json", " 3\n"),
        "number as raw": city + v("days", "raw", "3"),
        "all declared in order": city + days + v("unit", "raw", "c") + v("opts", "dict", v("x", "json", "true") + v("n", "raw", "hi"))
        + v("tags", "list", item("json", "1") + item("json", "2")) + v("note", "json", "null"),
        "nested dict with whitespace": city + days + v("opts", "dict", "\n " + v("x", "json", "false") + "\n"),
        "nested dict missing its required key": city + days + v("opts", "dict", v("n", "raw", "hi")),
        "nested dict as json": city + days + v("opts", "json", '{"x":true}'),
        "empty dict": city + days + v("opts", "dict", ""),
        "list as json": city + days + v("tags", "json", "[1,2]"),
        "empty list": city + days + v("tags", "list", ""),
        "list of whitespace only": city + days + v("tags", "list", " "),
        "list items apart": city + days + v("tags", "list", item("json", "1") + "\n" + item("json", "2")),
        "list item of the wrong kind": city + days + v("tags", "list", item("raw", "1")),
        "list item not an integer": city + days + v("tags", "list", item("json", '"a"')),
        "enum raw": city + days + v("unit", "raw", "f"),
        "enum in whitespace": city + days + v("unit", "raw", " f "),
        "enum as json": city + days + v("unit", "json", '"f"'),
        "days below minimum": city + v("days", "json", "0"),
        "missing required": city,
        "wrong order": days + city,
        "parameter twice": city + city + days,
        "unknown parameter": city + days + v("extra", "raw", "x"),
        "string holding the close tag": v("city", "raw", "a</cofl:value>b") + days,
        "nullable string as text": city + days + v("note", "raw", "anything"),
        "nullable string as json null": city + days + v("note", "json", " null "),
        "empty": "",
    }


def m3_texts():
    e = lambda n, v: f"{NS}<{n}>{v}{NS}</{n}>"
    city, days = e("city", "Paris, France"), e("days", "3")
    return {
        "required only": city + days,
        "newlines between": "\n" + city + "\n" + days + "\n",
        "raw string keeps spaces": e("city", " New York\n") + days,
        "number in whitespace": city + e("days", " 3"),
        "all declared in order": city + days + e("unit", "c") + e("opts", e("x", "true") + e("n", "hi"))
        + e("tags", e("item", "1") + "\n" + e("item", "2")) + e("note", "null"),
        "nested object with whitespace": city + days + e("opts", "\n " + e("x", "false") + "\n"),
        "nested object missing its required key": city + days + e("opts", e("n", "hi")),
        "nested object as json": city + days + e("opts", '{"x":true}'),
        "empty nested object": city + days + e("opts", ""),
        "array as json": city + days + e("tags", "[1,2]"),
        "empty array": city + days + e("tags", ""),
        "array of whitespace only": city + days + e("tags", " "),
        "array item not an integer": city + days + e("tags", e("item", "a")),
        "enum raw": city + days + e("unit", "f"),
        "enum quoted": city + days + e("unit", '"f"'),
        "enum in whitespace": city + days + e("unit", " f"),
        "days below minimum": city + e("days", "0"),
        "missing required": city,
        "wrong order": days + city,
        "parameter twice": city + city + days,
        "unknown parameter": city + days + e("extra", "x"),
        "string holding the namespace": e("city", "a" + NS + "b") + days,
        "nullable string as text": city + days + e("note", "anything"),
        "empty": "",
    }


def param(style, name, value, kind):
    """`name` = `value` in `style`; kind: "string" (raw), "number", "boolean", "object", "array"."""
    if style == "qwen_xml":
        return f"<parameter={name}>{value}</parameter>"
    if style == "minimax_xml":
        return f'<parameter name="{name}">{value}</parameter>'
    if style == "glm_xml":
        return f"<arg_key>{name}</arg_key><arg_value>{value}</arg_value>"
    if style == "deepseek_xml":
        flag = "true" if kind == "string" else "false"
        return f'<{DSML}parameter name="{name}" string="{flag}">{value}</{DSML}parameter>'
    if style == "deepseek_v4_1_xml":
        flag = "true" if kind == "string" else "false"
        return f'<{DSML} parameter name="{name}" string="{flag}">{value}</{DSML} parameter>'
    if style == "kimi_k3_xml":
        return f'<|open|>argument key="{name}" type="{kind}"<|sep|>{value}<|close|>argument<|sep|>'
    raise ValueError(style)


def texts(style):
    p = lambda n, v, k: param(style, n, v, k)
    city, days = p("city", "Paris, France", "string"), p("days", "3", "number")
    out = {
        "required only": city + days,
        "newlines between": "\n" + city + "\n" + days + "\n",
        "raw string keeps spaces": p("city", " New York\n", "string") + days,
        "json value in whitespace": city + p("days", "\n3\n", "number"),
        "all declared in order": city + days + p("unit", "c", "string") + p("code", "ab", "string")
        + p("opts", '{"x":true}', "object") + p("tags", "[1,2]", "array"),
        "missing required": city,
        "wrong order": days + city,
        "days below minimum": city + p("days", "0", "number"),
        "days not a number": city + p("days", "three", "number"),
        "enum raw": city + days + p("unit", "f", "string"),
        "enum quoted": city + days + p("unit", '"f"', "string"),
        "enum unknown": city + days + p("unit", "k", "string"),
        "bounded string at bound": city + days + p("code", "abc", "string"),
        "bounded string too long": city + days + p("code", "abcd", "string"),
        "object missing its required key": city + days + p("opts", "{}", "object"),
        "array of strings": city + days + p("tags", '["a"]', "array"),
        "unknown parameter": city + days + p("extra", "hello", "string"),
        "unknown parameter as json": city + days + p("extra", "[1]", "array"),
        "parameter twice": city + city + days,
        "empty": "",
    }
    if style == "deepseek_v4_1_xml":
        out["v3.2 spelling without the space"] = param("deepseek_xml", "city", "Paris", "string") + days
    if style in ("deepseek_xml", "deepseek_v4_1_xml"):
        out["string flag false on a string"] = p("city", "Paris", "number") + days
        out["string flag true on a number"] = city + p("days", "3", "string")
    if style == "kimi_k3_xml":
        out["integer written as integer type"] = city + p("days", "3", "integer")
        out["type string on a number"] = city + p("days", "3", "string")
    return out


def accepts(grammar, text):
    m = xgr.GrammarMatcher(grammar, terminate_without_stop_token=True)
    for b in text.encode():
        if not m.accept_token(b):
            return False
    return m.is_terminated() or m.accept_token(256)


def main():
    tokens = [bytes([i]) for i in range(256)] + [b""]
    info = xgr.TokenizerInfo(tokens, xgr.VocabType.RAW, vocab_size=257, stop_token_ids=[256])
    compiler = xgr.GrammarCompiler(info, cache_enabled=False)
    cases = []
    for style in ["qwen_xml", "minimax_xml", "glm_xml", "deepseek_xml", "deepseek_v4_1_xml", "kimi_k3_xml"]:
        for strict in [True, False]:
            ebnf = _json_schema_to_ebnf(json.dumps(SCHEMA), json_format=style, any_whitespace=False,
                                        separators=(",", ":"), strict_mode=strict)
            grammar = compiler.compile_grammar(ebnf)
            for name, text in texts(style).items():
                cases.append({"style": style, "strict": strict, "name": name, "text": text, "accepted": accepts(grammar, text)})
    for style, made in [("minimax_m3_xml", m3_texts()), ("cohere_xml", cohere_texts())]:
        ebnf = _json_schema_to_ebnf(json.dumps(M3_SCHEMA), json_format=style, any_whitespace=False,
                                    separators=(",", ":"), strict_mode=True)
        grammar = compiler.compile_grammar(ebnf)
        for name, text in made.items():
            cases.append({"style": style, "strict": True, "name": name, "text": text, "accepted": accepts(grammar, text)})
    print(json.dumps({"generator": "xgrammar " + version("xgrammar"), "schema": SCHEMA,
                      "style_schemas": {"minimax_m3_xml": M3_SCHEMA, "cohere_xml": M3_SCHEMA}, "cases": cases},
                     indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
