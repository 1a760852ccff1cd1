#!/usr/bin/env python3
"""Goldens for the `gemma` json_schema style of structural tags (Tests/GrammarTests/
GemmaStyleTests): xgrammar's verdict, accept or reject, on texts in Gemma 4's argument dialect
(`{key:<|"|>string<|"|>,n:1}`: bare keys, strings raw between `<|"|>`) for several schemas.

Each case compiles `{"type":"json_schema","json_schema":SCHEMA,"style":"gemma"}` (with
`any_order` where the case says so) as a structural tag with xgrammar's defaults (whitespace
between tokens allowed, unbounded; additional properties only where the schema allows them)
and asks `xgrammar.testing._is_grammar_accept_string`, which reads the text byte by byte (so
`<|"|>` is text here, not a special token). Run with a Python that has xgrammar (0.2.9 made the
committed file):

    /work/venvs/grammar-ref/bin/python scripts/make_gemma_style_goldens.py > Tests/Fixtures/structural-tags/gemma-style.json
"""
import json
from importlib.metadata import version

import xgrammar as xgr
from xgrammar.testing import _is_grammar_accept_string

Q = '<|"|>'


def s(text):
    """A string value in the dialect."""
    return Q + text + Q


SCHEMAS = {
    "weather": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "days": {"type": "integer", "minimum": 1},
            "unit": {"enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city"],
    },
    "search": {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "filters": {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}},
                                                         "max": {"type": "integer"}}},
            "score": {"type": "number"},
            "exact": {"type": "boolean"},
        },
        "required": ["query"],
    },
    "scalars": {
        "type": "object",
        "properties": {
            "n": {"type": "null"},
            "x": {"type": "number", "maximum": 10},
            "maybe": {"type": ["string", "null"]},
            "c": {"const": "fixed value"},
            "e": {"enum": ["a\"b", 1, True, None]},
            "anything": {},
        },
    },
    "empty": {"type": "object", "properties": {}},
    "extra_ints": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "integer"}},
    "extra_any": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": True},
    "patterned": {
        "type": "object",
        "properties": {"word": {"type": "string", "pattern": "^[a-z]+$"}, "day": {"type": "string", "format": "date"}},
        "required": ["word"],
    },
    "bounded": {"type": "object", "properties": {"code": {"type": "string", "minLength": 2, "maxLength": 3}}, "required": ["code"]},
    "rows": {
        "type": "object",
        "properties": {"rows": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                                                            "required": ["id"]}, "minItems": 1}},
        "required": ["rows"],
    },
}

# (schema, any_order, case name, text)
CASES = [
    ("weather", False, "required only", "{city:" + s("Paris") + "}"),
    ("weather", False, "all in order", "{city:" + s("Paris") + ",days:3,unit:" + s("celsius") + "}"),
    ("weather", False, "spaces and newlines between tokens", "{ city : " + s("Paris") + " ,\n days :\t3 }"),
    ("weather", False, "whitespace before the object", " {city:" + s("Paris") + "}"),
    ("weather", False, "whitespace after the object", "{city:" + s("Paris") + "} "),
    ("weather", False, "string keeps quotes braces backslashes", "{city:" + s('say "hi" {x} [y] back\\slash') + "}"),
    ("weather", False, "string keeps newlines", "{city:" + s("line one\nline two") + "}"),
    ("weather", False, "string with a backslash escape read raw", "{city:" + s('a\\"b') + "}"),
    ("weather", False, "unicode string", "{city:" + s("Tōkyō 東京") + "}"),
    ("weather", False, "empty string", "{city:" + s("") + "}"),
    ("weather", False, "string holding the delimiter", "{city:" + s("a" + Q + "b") + "}"),
    ("weather", False, "string holding part of the delimiter", "{city:" + s('a<|"|b') + "}"),
    ("weather", False, "json quoted string", '{city:"Paris"}'),
    ("weather", False, "json quoted key", '{"city":' + s("Paris") + "}"),
    ("weather", False, "delimited key", "{" + s("city") + ":" + s("Paris") + "}"),
    ("weather", False, "missing required", "{days:3}"),
    ("weather", False, "empty object with a required property", "{}"),
    ("weather", False, "wrong order", "{days:3,city:" + s("Paris") + "}"),
    ("weather", False, "integer below minimum", "{city:" + s("Paris") + ",days:0}"),
    ("weather", False, "integer as a string", "{city:" + s("Paris") + ",days:" + s("3") + "}"),
    ("weather", False, "fraction for an integer", "{city:" + s("Paris") + ",days:2.5}"),
    ("weather", False, "enum delimited", "{city:" + s("Paris") + ",unit:" + s("fahrenheit") + "}"),
    ("weather", False, "enum bare", "{city:" + s("Paris") + ",unit:celsius}"),
    ("weather", False, "enum unknown", "{city:" + s("Paris") + ",unit:" + s("kelvin") + "}"),
    ("weather", False, "unknown key", "{city:" + s("Paris") + ",extra:1}"),
    ("weather", False, "trailing comma", "{city:" + s("Paris") + ",}"),
    ("weather", False, "key twice", "{city:" + s("Paris") + ",city:" + s("Rome") + "}"),
    ("weather", True, "any order: sorted keys", "{city:" + s("Paris") + ",days:3,unit:" + s("celsius") + "}"),
    ("weather", True, "any order: reversed keys", "{unit:" + s("celsius") + ",days:3,city:" + s("Paris") + "}"),
    ("weather", True, "any order: required first later", "{days:3,city:" + s("Paris") + "}"),
    ("search", False, "nested object and array", "{query:" + s("q") + ",filters:{tags:[" + s("a") + "," + s("b") + "],max:5},score:0.5,exact:true}"),
    ("search", False, "nested with whitespace", "{query:" + s("q") + ", filters: { tags: [ " + s("a") + " , " + s("b") + " ] } }"),
    ("search", False, "empty nested object and array", "{query:" + s("q") + ",filters:{tags:[]}}"),
    ("search", False, "nested empty object", "{query:" + s("q") + ",filters:{}}"),
    ("search", False, "nested key quoted", "{query:" + s("q") + ',filters:{"max":5}}'),
    ("search", False, "array of numbers for strings", "{query:" + s("q") + ",filters:{tags:[1]}}"),
    ("search", False, "number with exponent", "{query:" + s("q") + ",score:1e-3}"),
    ("search", False, "negative number", "{query:" + s("q") + ",score:-2.25}"),
    ("search", False, "leading zero", "{query:" + s("q") + ",score:01}"),
    ("search", False, "boolean capitalized", "{query:" + s("q") + ",exact:True}"),
    ("search", False, "unknown nested key", "{query:" + s("q") + ",filters:{other:1}}"),
    ("search", True, "any order: template sorted keys", "{exact:true,filters:{max:5,tags:[" + s("a") + "," + s("b") + "]},query:" + s("say \"hi\" {braces} [x] back\\slash\nnew line") + ",score:0.5}"),
    ("search", True, "any order: missing required", "{exact:true,score:0.5}"),
    ("scalars", False, "empty object", "{}"),
    ("scalars", False, "null", "{n:null}"),
    ("scalars", False, "null as None", "{n:None}"),
    ("scalars", False, "number at maximum", "{x:10}"),
    ("scalars", False, "number above maximum", "{x:10.5}"),
    ("scalars", False, "nullable string given a string", "{maybe:" + s("yes") + "}"),
    ("scalars", False, "nullable string given null", "{maybe:null}"),
    ("scalars", False, "nullable string given a number", "{maybe:3}"),
    ("scalars", False, "const delimited", "{c:" + s("fixed value") + "}"),
    ("scalars", False, "const other text", "{c:" + s("fixed") + "}"),
    ("scalars", False, "enum string with a quote", "{e:" + s('a"b') + "}"),
    ("scalars", False, "enum string json-escaped", "{e:" + s('a\\"b') + "}"),
    ("scalars", False, "enum number", "{e:1}"),
    ("scalars", False, "enum true", "{e:true}"),
    ("scalars", False, "enum null", "{e:null}"),
    ("scalars", False, "enum false", "{e:false}"),
    ("scalars", False, "untyped value object", "{anything:{k:[1," + s("v") + ",null]}}"),
    ("scalars", False, "untyped value string", "{anything:" + s("v") + "}"),
    ("scalars", False, "untyped value with quoted key", '{anything:{"k":1}}'),
    ("empty", False, "empty object", "{}"),
    ("empty", False, "empty object with spaces", "{ }"),
    ("empty", False, "any key", "{a:1}"),
    ("empty", False, "nothing", ""),
    ("extra_ints", False, "declared then extra", "{a:" + s("x") + ",b:2,c_3:4}"),
    ("extra_ints", False, "extra only", "{b:2}"),
    ("extra_ints", False, "extra of the wrong type", "{b:" + s("x") + "}"),
    ("extra_ints", False, "extra key starting with a digit", "{a:" + s("x") + ",1b:2}"),
    ("extra_ints", False, "extra key with a dash", "{a:" + s("x") + ",b-c:2}"),
    ("extra_ints", False, "declared name as an extra", "{a:1}"),
    ("extra_any", False, "extra nested values", "{a:" + s("x") + ",b:{c:[true," + s("d") + "]},e:null}"),
    ("extra_any", False, "extra delimited string", "{z:" + s("text") + "}"),
    ("patterned", False, "pattern and format", "{word:" + s("abc") + ",day:" + s("2024-02-29") + "}"),
    ("patterned", False, "pattern violated", "{word:" + s("Abc") + "}"),
    ("patterned", False, "format violated", "{word:" + s("abc") + ",day:" + s("2024-13-01") + "}"),
    ("bounded", False, "within bounds", "{code:" + s("ab") + "}"),
    ("bounded", False, "at the upper bound", "{code:" + s("abc") + "}"),
    ("bounded", False, "below minLength", "{code:" + s("a") + "}"),
    ("bounded", False, "above maxLength", "{code:" + s("abcd") + "}"),
    ("rows", False, "array of objects", "{rows:[{id:1,name:" + s("a") + "},{id:2}]}"),
    ("rows", False, "object missing its required key", "{rows:[{name:" + s("a") + "}]}"),
    ("rows", False, "below minItems", "{rows:[]}"),
]


def main():
    cases = []
    for schema, any_order, name, text in CASES:
        fmt = {"type": "json_schema", "json_schema": SCHEMAS[schema], "style": "gemma"}
        if any_order:
            fmt["any_order"] = True
        grammar = xgr.Grammar.from_structural_tag(json.dumps({"type": "structural_tag", "format": fmt}))
        cases.append({"schema": schema, "any_order": any_order, "name": name, "text": text,
                      "accepted": bool(_is_grammar_accept_string(grammar, text))})
    print(json.dumps({"generator": "xgrammar " + version("xgrammar"), "schemas": SCHEMAS, "cases": cases}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
