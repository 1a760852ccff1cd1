#!/usr/bin/env python3
"""Render chat-template goldens with Python's jinja2, configured as Hugging Face transformers does.

Reads every Tests/Fixtures/chat-templates/templates/*.jinja, renders it over the conversation set
defined below (also written to Tests/Fixtures/chat-templates/conversations.json), and writes
Tests/Fixtures/chat-templates/goldens/<template>.json with one case per conversation and
add_generation_prompt setting: either the rendered `output` or the `error` jinja2 raised.

Environment (see /work/shared/data/chat-templates/README.md): ImmutableSandboxedEnvironment with
trim_blocks, lstrip_blocks, the loopcontrols extension and a `{% generation %}` tag that renders its
body; `tojson` = json.dumps(ensure_ascii=False, indent=..., no key sorting); globals
`raise_exception` and `strftime_now` (fixed to 2026-01-15 10:30:00 so goldens are stable).

Usage: python3 scripts/make_template_goldens.py   (needs jinja2 3.1.6)
"""
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "chat-templates")
FIXED_NOW = datetime(2026, 1, 15, 10, 30, 0)


class GenerationTag(Extension):
    """`{% generation %}...{% endgeneration %}` renders its body (transformers' AssistantTracker)."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


class TemplateRaised(Exception):
    pass


def raise_exception(message):
    raise TemplateRaised(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return FIXED_NOW.strftime(fmt)


def make_env():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city.",
        "parameters": {"type": "object", "properties": {
            "city": {"type": "string", "description": "City name, e.g. Paris"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "description": "Forecast days"}},
            "required": ["city"]}}},
    {"type": "function", "function": {
        "name": "search_web",
        "description": "Search the web and return the top results.",
        "parameters": {"type": "object", "properties": {
            "query": {"type": "string"},
            "max_results": {"type": "integer", "default": 5},
            "threshold": {"type": "number"},
            "filters": {"type": "object", "properties": {"site": {"type": "string"}, "safe": {"type": "boolean"}}},
            "tags": {"type": "array", "items": {"type": "string"}}},
            "required": ["query"]}}},
]


def call(cid, name, args):
    return {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}


CONVERSATIONS = [
    {"id": "plain", "messages": [{"role": "user", "content": "Hello! How are you?"}]},
    {"id": "system", "messages": [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "What is 2+2?"}]},
    {"id": "multi_turn", "messages": [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4."},
        {"role": "user", "content": "And 3+3?"}]},
    {"id": "tools_given", "tools": TOOLS, "messages": [
        {"role": "user", "content": "What's the weather in Paris?"}]},
    {"id": "tool_call", "tools": TOOLS, "messages": [
        {"role": "system", "content": "You can call tools."},
        {"role": "user", "content": "What's the weather in Paris for 3 days?"},
        {"role": "assistant", "content": "", "tool_calls": [
            call("call00001", "get_weather", {"city": "Paris", "unit": "celsius", "days": 3})]},
        {"role": "tool", "tool_call_id": "call00001", "name": "get_weather",
         "content": "{\"temperature\": 18.5, \"sky\": \"cloudy\"}"},
        {"role": "assistant", "content": "It is 18.5 degrees and cloudy in Paris."}]},
    {"id": "parallel_calls", "tools": TOOLS, "messages": [
        {"role": "user", "content": "Weather in Paris and Tokyo, and search for umbrellas."},
        {"role": "assistant", "content": None, "tool_calls": [
            call("call00001", "get_weather", {"city": "Paris"}),
            call("call00002", "get_weather", {"city": "Tokyo", "unit": "fahrenheit"}),
            call("call00003", "search_web", {"query": "umbrellas", "max_results": 3, "threshold": 0.5,
                                              "filters": {"site": "example.com", "safe": True},
                                              "tags": ["rain", "shop"]})]},
        {"role": "tool", "tool_call_id": "call00001", "name": "get_weather", "content": "18 C, cloudy"},
        {"role": "tool", "tool_call_id": "call00002", "name": "get_weather", "content": "75 F, sunny"},
        {"role": "tool", "tool_call_id": "call00003", "name": "search_web",
         "content": "[{\"title\": \"Best umbrellas\", \"url\": \"https://example.com/u\"}]"}]},
    {"id": "reasoning", "messages": [
        {"role": "user", "content": "Is 17 prime?"},
        {"role": "assistant", "content": "Yes, 17 is prime.",
         "reasoning_content": "17 is not divisible by 2, 3 or 5, and 5*5 > 17."},
        {"role": "user", "content": "And 21?"}]},
    {"id": "non_ascii", "tools": TOOLS, "messages": [
        {"role": "system", "content": "Réponds en français. 日本語も大丈夫。"},
        {"role": "user", "content": "Quel temps fait-il à Zürich ? 🌧️ «vite»"},
        {"role": "assistant", "content": "Je vérifie…", "tool_calls": [
            call("call00009", "get_weather", {"city": "Zürich", "unit": "celsius"})]},
        {"role": "tool", "tool_call_id": "call00009", "name": "get_weather", "content": "{\"ciel\": \"nuageux ☁️\", \"t\": \"12°C\"}"},
        {"role": "user", "content": "Merci ! 谢谢 \"quoted\" 'single' \\ back"}]},
    {"id": "thinking_off", "kwargs": {"enable_thinking": False, "reasoning_effort": "low"}, "messages": [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "Name a color."}]},
]

EXTRA = {"bos_token": "<s>", "eos_token": "</s>", "date_string": "15 Jan 2026"}


def main():
    assert jinja2.__version__ == "3.1.6", "goldens are made with jinja2 3.1.6, found " + jinja2.__version__
    env = make_env()
    with open(os.path.join(ROOT, "conversations.json"), "w", encoding="utf-8") as f:
        json.dump({"extra": EXTRA, "conversations": CONVERSATIONS}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    out_dir = os.path.join(ROOT, "goldens")
    os.makedirs(out_dir, exist_ok=True)
    tdir = os.path.join(ROOT, "templates")
    total = raised = 0
    for name in sorted(os.listdir(tdir)):
        if not name.endswith(".jinja"):
            continue
        with open(os.path.join(tdir, name), encoding="utf-8") as f:
            source = f.read()
        cases = []
        try:
            template = env.from_string(source)
            compile_error = None
        except Exception as e:  # a template jinja2 cannot compile
            template, compile_error = None, f"{type(e).__name__}: {e}"
        for conv in CONVERSATIONS:
            for agp in (False, True):
                case = {"conversation": conv["id"], "add_generation_prompt": agp}
                if template is None:
                    case["error"] = compile_error
                else:
                    kwargs = dict(EXTRA)
                    kwargs.update(conv.get("kwargs", {}))
                    try:
                        case["output"] = template.render(messages=conv["messages"], tools=conv.get("tools"),
                                                         add_generation_prompt=agp, **kwargs)
                    except TemplateRaised as e:
                        case["error"] = "raise_exception: " + str(e)
                    except Exception as e:
                        case["error"] = f"{type(e).__name__}: {e}"
                total += 1
                raised += "error" in case
                cases.append(case)
        with open(os.path.join(out_dir, name[:-len(".jinja")] + ".json"), "w", encoding="utf-8") as f:
            json.dump({"template": name, "jinja2": jinja2.__version__, "cases": cases}, f, ensure_ascii=False, indent=1)
            f.write("\n")
    print(f"{total} cases, {raised} raised", file=sys.stderr)


if __name__ == "__main__":
    main()
