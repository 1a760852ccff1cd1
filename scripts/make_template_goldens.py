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

# Feature snippets: one construct each, rendered with the same environment. Context variables:
# `m` (a message with a tool call), `xs`, `d`, `s`, `n`, `f`, `none_value`, `u8`.
FEATURE_CONTEXT = {
    "m": {"role": "assistant", "content": None, "tool_calls": [call("c1", "f", {"a": 1, "b": [True, None, 1.5]})]},
    "xs": [3, 1, 2], "d": {"b": 2, "a": 1, "items": "shadowed"}, "s": "  Hello, World  ", "n": 7, "f": 2.5,
    "none_value": None, "nv": None, "u8": "Grüße 😀 ñ",
    "msgs": [{"role": "user", "content": "a"},
             {"role": "assistant", "content": "b", "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}]}], "people": [{"name": "Ann", "age": 31}, {"name": "bob", "age": 25}, {"name": "Cy"}],
}

FEATURES = [
    ("whitespace_minus", "a  {{- 1 -}}  b\n  {%- if true -%}  c  {%- endif -%}  d"),
    ("trim_lstrip", "x\n    {% if true %}\n    y\n    {% endif %}\nz\n"),
    ("lstrip_plus", "x\n    {%+ if true %}y{% endif %}"),
    ("comment", "a {# note #}\n  {#- trimmed -#}  b"),
    ("for_loop_vars", "{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}"),
    ("for_prev_next", "{% for x in xs %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}"),
    ("for_cycle", "{% for x in xs %}{{ loop.cycle('a', 'b') }}{% endfor %}"),
    ("for_else", "{% for x in [] %}x{% else %}empty{% endfor %}"),
    ("for_filter_head", "{% for x in xs | sort if x > 1 %}{{ x }}{{ loop.length }}{% endfor %}"),
    ("for_unpack_items", "{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}"),
    ("for_dict_keys", "{% for k in d %}{{ k }}{% endfor %}"),
    ("for_break_continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
    ("for_scope", "{% set y = 1 %}{% for x in xs %}{% set y = x %}{% endfor %}{{ y }}"),
    ("if_elif_else", "{% for v in [0, 1, 2] %}{% if v == 0 %}zero{% elif v == 1 %}one{% else %}many{% endif %} {% endfor %}"),
    ("set_block", "{% set t %}  inner {{ n }} {% endset %}[{{ t }}]"),
    ("set_block_filter", "{% set t | upper | trim %}  inner  {% endset %}[{{ t }}]"),
    ("set_tuple", "{% set a, b = 1, 2 %}{{ a }}{{ b }}"),
    ("namespace", "{% set ns = namespace(c=0, seen=[]) %}{% for x in xs %}{% set ns.c = ns.c + x %}{% endfor %}{{ ns.c }}{{ ns.seen }}"),
    ("namespace_dict", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}"),
    ("macro_defaults", "{% macro greet(name, greeting='Hi') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', greeting='Yo') }}"),
    ("macro_recursive", "{% macro fact(k) %}{% if k <= 1 %}1{% else %}{{ k * (fact(k - 1) | int) }}{% endif %}{% endmacro %}{{ fact(5) }}"),
    ("macro_caller", "{% macro box(title) %}[{{ title }}:{{ caller() }}]{% endmacro %}{% call box('t') %}body {{ n }}{% endcall %}"),
    ("macro_caller_args", "{% macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) each(xs) %}<{{ x }}>{% endcall %}"),
    ("macro_varargs_kwargs", "{% macro v(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ v(1, 2, 3, k=4) }}"),
    ("macro_missing_arg", "{% macro v(a, b) %}[{{ a }}][{{ b }}]{% endmacro %}{{ v(1) }}"),
    ("filter_block", "{% filter upper %}shout {{ n }}{% endfilter %}"),
    ("generation_block", "a{% generation %}gen {{ n }}{% endgeneration %}b"),
    ("with_block", "{% with a = 1, b = n %}{{ a + b }}{% endwith %}"),
    ("slices", "{{ xs[::-1] }}{{ xs[1:] }}{{ xs[:-1] }}{{ xs[-1] }}{{ s[2:7] }}{{ u8[::-1] }}{{ u8[6] }}{{ xs[::2] }}{{ xs[5:1:-1] }}"),
    ("in_not_in", "{{ 1 in xs }}{{ 9 not in xs }}{{ 'ell' in s }}{{ 'a' in d }}{{ 'z' in d }}"),
    ("inline_if", "{{ 'yes' if n > 5 else 'no' }}{{ 'x' if false }}|"),
    ("literals", "{{ [1, 'a', \"it's\", none, true, 1.5, {'k': [1]}] }}{{ (1,) }}{{ (1, 2) }}{{ {} }}{{ -0.0 }}{{ 1e20 }}{{ 1.5e-7 }}{{ 100000.0 }}{{ 0.1 + 0.2 }}"),
    ("python_printing", "{{ true }} {{ none }} {{ none_value }} {{ ['a', 1] }} {{ d }} {{ m }} {{ \"a'b\" }} {{ ['a\\nb', 'q\"'] }} {{ [u8] }}"),
    ("arith", "{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ n * 'ab' }} {{ [1] * 3 }} {{ 1 + 2.0 }} {{ true + 1 }} {{ 10 / 4 * 2 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}"),
    ("concat_tilde", "{{ 'a' ~ 1 ~ none ~ undefined_thing ~ [1] ~ true }}"),
    ("compare_chain", "{{ 1 < 2 < 3 }}{{ 1 < 3 < 2 }}{{ 'a' < 'b' }}{{ [1, 2] < [1, 3] }}{{ 1 == 1.0 }}{{ none == none }}{{ 'a' != 'a' }}"),
    ("and_or_values", "{{ 0 or 'x' }}{{ 1 and 'y' }}{{ none or [] }}{{ '' and 1 }}{{ not 0 }}"),
    ("str_methods", "{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ 'xxhixx'.strip('x') }}|{{ s.split(',') }}|{{ 'a b  c'.split() }}|{{ 'a,b,c'.rsplit(',', 1) }}|{{ s.replace('l', 'L') }}|{{ s.upper() }}{{ s.lower() }}{{ 'hello wORLD'.title() }}{{ 'hello World'.capitalize() }}|{{ s.count('l') }}{{ s.find('o') }}{{ s.find('zz') }}|{{ '-'.join(['a', 'b']) }}|{{ s.startswith('  He') }}{{ s.endswith(('x', '  ')) }}"),
    ("str_format", "{{ '{} and {}'.format(1, 'two') }}|{{ '{0}{1}{0}'.format('a', 'b') }}|{{ '{name}!'.format(name='Ann') }}|{{ '{:>5}|{:<4}|{:^6}|{:.2f}'.format('r', 'l', 'c', 3.14159) }}|{{ '%s is %d' % ('x', 3) }}"),
    ("str_unicode", "{{ u8 | length }}{{ u8.upper() }}{{ u8 | title }}{{ u8[0] }}{{ u8.split(' ') }}"),
    ("dict_methods", "{{ d.keys() | list }}{{ d.values() | list }}{{ d.get('a') }}{{ d.get('zz') }}{{ d.get('zz', 5) }}{{ d['items'] }}{{ d.items() | list }}"),
    ("attr_vs_item", "{{ m.role }}{{ m['role'] }}{{ m.tool_calls[0].function.arguments.b }}{{ m.missing }}|{{ m.tool_calls.0.id }}"),
    ("undefined_semantics", "[{{ nope }}][{{ nope | length }}][{{ nope is defined }}][{{ nope | default('dflt') }}][{% for x in nope %}x{% endfor %}][{{ nope == nope }}][{{ 'a' in nope }}][{{ nope | list }}]"),
    ("undefined_attr_raises", "{{ nope.attr }}"),
    ("none_attr_prints", "[{{ none_value.x }}][{{ m.content }}]"),
    ("none_attr_chain_raises", "{{ none_value.x.y }}"),
    ("default_boolean", "{{ '' | default('e', true) }}{{ '' | default('e') }}{{ none_value | default('n') }}{{ 0 | d(5, true) }}"),
    ("filters_text", "{{ s | trim }}|{{ 'xhix' | trim('x') }}|{{ 'a-b c(d' | title }}|{{ 'hELLO' | capitalize }}|{{ s | upper }}|{{ s | lower }}|{{ 'aaa' | replace('a', 'b', 2) }}|{{ 'one two  three' | wordcount }}|{{ 'ab' | center(6) }}|"),
    ("filters_indent", "{{ 'a\nb\n\nc' | indent }}|{{ 'a\nb' | indent(2, true) }}|{{ 'a\n\nb' | indent('>', blank=true) }}"),
    ("filters_seq", "{{ xs | first }}{{ xs | last }}{{ xs | length }}{{ xs | count }}{{ xs | sum }}{{ xs | min }}{{ xs | max }}{{ xs | sort }}{{ xs | sort(reverse=true) }}{{ xs | reverse | list }}{{ [1, 1, 2] | unique | list }}{{ xs | join(', ') }}{{ xs | list }}"),
    ("filters_batch", "{{ range(7) | batch(3) | list }}{{ range(5) | batch(2, 'x') | list }}"),
    ("filters_map_select", "{{ people | map(attribute='name') | join(',') }}|{{ people | map(attribute='age', default=0) | list }}|{{ ['a', 'b'] | map('upper') | list }}|{{ people | selectattr('age') | map(attribute='name') | list }}|{{ people | rejectattr('age') | list }}|{{ xs | select('odd') | list }}|{{ xs | reject('odd') | list }}|{{ people | selectattr('name', 'equalto', 'Ann') | list | length }}|{{ xs | select('>', 1) | list }}"),
    ("filters_numbers", "{{ '42' | int }}{{ '4.7' | int }}{{ 'x' | int }}{{ 'x' | int(9) }}{{ 3.9 | int }}{{ '2.5' | float }}{{ 'q' | float }}{{ -3 | abs }}{{ 2.675 | round(2) }}{{ 2.5 | round }}{{ 3.5 | round }}{{ 1.21 | round(1, 'ceil') }}{{ 1.29 | round(1, 'floor') }}"),
    ("filters_dict_mixed_raises", "{{ d | dictsort(by='value') }}"),
    ("filters_dict", "{{ {'b': 2, 'A': 3, 'a': 1} | dictsort }}{{ {'b': 2, 'a': 1} | dictsort(by='value', reverse=true) }}{{ d | items | list }}{{ d | length }}{{ people[:2] | sort(attribute='age') | map(attribute='name') | list }}{{ people | sort(attribute='name') | map(attribute='name') | list }}"),
    ("filters_string_list", "{{ xs | string }}{{ 12 | string | length }}{{ 'ab' | list }}{{ none_value | string }}"),
    ("tojson", "{{ m | tojson }}|{{ d | tojson(indent=2) }}|{{ u8 | tojson }}|{{ u8 | tojson(ensure_ascii=true) }}|{{ {'z': 1, 'a': [1.0, 2.5e-8, 1e16]} | tojson(sort_keys=true) }}|{{ 'q\"\\\n' | tojson }}"),
    ("tojson_generator_raises", "{{ xs | map('string') | tojson }}"),
    ("tests", "{{ 1 is number }}{{ true is number }}{{ 1 is integer }}{{ 1.0 is float }}{{ true is boolean }}{{ 's' is string }}{{ d is mapping }}{{ xs is sequence }}{{ d is iterable }}{{ 1 is iterable }}{{ none_value is none }}{{ range is callable }}{{ nope is undefined }}{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 1 is equalto 1 }}{{ 1 is eq 2 }}{{ 1 is in xs }}{{ true is true }}{{ false is false }}{{ 0 is false }}{{ 'ab' is lower }}{{ 'AB' is upper }}{{ none_value is sameas none }}{{ 'safe' is filter }}{{ 'odd' is test }}{{ nope is iterable }}{{ nope is sequence }}"),
    ("test_not", "{{ 1 is not string }}{{ xs is not mapping }}{{ none_value is not none }}"),
    ("globals_range_dict", "{{ range(3) | list }}{{ range(1, 10, 3) | list }}{{ range(5, 0, -2) | list }}{{ dict(a=1, b='x') }}{{ dict([('k', 2)]) }}"),
    ("strftime", "{{ strftime_now('%Y-%m-%d %H:%M %B %b %A %a %d') }}|{{ strftime_now('%-d %B %Y') }}"),
    ("raise_exception", "{% if true %}{{ raise_exception('Conversation roles must alternate user/assistant') }}{% endif %}"),
    ("sandbox_append_raises", "{% set l = [] %}{% set _ = l.append(1) %}{{ l }}"),
    ("sandbox_underscore", "[{{ d.__class__ }}]"),
    ("type_error_concat", "{{ 'a' + 1 }}"),
    ("type_error_none_iter", "{% for x in none_value %}{% endfor %}"),
    ("unknown_filter_conditional", "{% if false %}{{ x | nosuchfilter }}{% endif %}ok"),
    ("unknown_filter_runtime", "{% if true %}{{ 1 | nosuchfilter }}{% endif %}"),
    ("unknown_filter_toplevel", "line1\n{{ 1 | nosuchfilter }}"),
    ("unknown_test_toplevel", "{{ 1 is nosuchtest }}"),
    ("syntax_unclosed_if", "a\n{% if true %}\nb"),
    ("syntax_bad_expression", "x\ny {{ 1 + }}"),
    ("syntax_unknown_tag", "\n\n{% frobnicate %}"),
    ("syntax_stray_endfor", "{% if true %}{% endfor %}"),
    ("syntax_unclosed_string", "{{ 'abc }}"),
    ("syntax_unclosed_variable", "text {{ x "),
    ("syntax_missing_in", "{% for x xs %}{% endfor %}"),
    ("raw_block", "a\n  {% raw %}{{ not evaluated }} {% if %}{% endraw %}\nb {%- raw -%}  x  {%- endraw -%}  c"),
    ("escape_markup", "{{ '<a>' | e }}{{ '<b>' | safe + '<c>' }}{{ 'x' ~ ('<d>' | safe) }}{{ ('<e>' | safe) is escaped }}"),
    ("string_escapes", "{{ 'tab\\there' }}|{{ \"q\\\"q\" }}|{{ '\\u00e9\\x41' }}|{{ 'a' 'b' }}"),
    ("loop_nested", "{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }};{% endfor %}"),
    ("is_defined_chain", "{{ m.tool_calls is defined and m.tool_calls | length > 0 }}{{ m.nope is defined }}{{ m['tool_calls'][0]['function']['name'] }}"),
    ("messages_style", "{%- for message in messages %}{{- '<|' + message['role'] + '|>\n' + message['content'] | trim + '\n' }}{%- endfor %}{%- if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}"),
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
    # More snippets (one per `====`-separated block), found by differential runs against jinja2.
    with open(os.path.join(ROOT, "feature_snippets_extra.txt"), encoding="utf-8") as f:
        extra_snippets = f.read().split("\n====\n")
    all_features = FEATURES + [(f"extra_{i:03d}", src) for i, src in enumerate(extra_snippets)]
    features = []
    fixed_messages = [{"role": "user", "content": "  hi  "}, {"role": "assistant", "content": "yo"}]
    for name, source in all_features:
        case = {"name": name, "template": source}
        try:
            case["output"] = env.from_string(source).render(messages=fixed_messages, add_generation_prompt=True,
                                                            **FEATURE_CONTEXT)
        except TemplateRaised as e:
            case["error"] = "raise_exception: " + str(e)
        except Exception as e:
            case["error"] = f"{type(e).__name__}: {e}"
            if isinstance(e, jinja2.TemplateSyntaxError):
                case["error_line"] = e.lineno
        features.append(case)
    with open(os.path.join(ROOT, "features.json"), "w", encoding="utf-8") as f:
        json.dump({"jinja2": jinja2.__version__, "context": FEATURE_CONTEXT, "messages": fixed_messages,
                   "cases": features}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(features)} feature snippets", file=sys.stderr)


if __name__ == "__main__":
    main()
