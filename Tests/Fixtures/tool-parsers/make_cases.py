#!/usr/bin/env python3
"""Renders assistant tool-call turns through real chat templates (jinja2, configured as
transformers does) and writes the model-output text each template produces together with the
message it came from. These are the wire-format references for the parser tests.

Usage: python3 make_cases.py  (reads templates/, writes template_cases.json)
"""
import json, os, datetime
import jinja2, jinja2.ext

HERE = os.path.dirname(os.path.abspath(__file__))

TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Current weather",
        "parameters": {"type": "object", "properties": {
            "city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer"}}, "required": ["city"]}}},
    {"type": "function", "function": {"name": "search", "description": "Search documents",
        "parameters": {"type": "object", "properties": {
            "query": {"type": "string"},
            "filters": {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}},
                                                          "max": {"type": "integer"}}},
            "score": {"type": "number"}, "exact": {"type": "boolean"}}, "required": ["query"]}}},
    {"type": "function", "function": {"name": "get_time", "description": "Current time",
        "parameters": {"type": "object", "properties": {}}}},
]

def call(i, name, args):
    return {"id": "call%07d" % i if False else "abcDEF12%d" % i, "type": "function",
            "function": {"name": name, "arguments": args}}

CASES = {
    "one_call": {"role": "assistant", "content": "", "tool_calls": [
        call(0, "get_weather", {"city": "Paris", "days": 3})]},
    "parallel_calls": {"role": "assistant", "content": "", "tool_calls": [
        call(0, "get_weather", {"city": "Tōkyō 東京", "unit": "celsius"}),
        call(1, "search", {"query": "say \"hi\" {braces} [x] back\\slash\nnew line",
                           "filters": {"tags": ["a", "b"], "max": 5}, "score": 0.5, "exact": True})]},
    "text_before": {"role": "assistant", "content": "Let me look that up.", "tool_calls": [
        call(0, "search", {"query": "naïve café ☕", "exact": False})]},
    "empty_arguments": {"role": "assistant", "content": "", "tool_calls": [call(0, "get_time", {})]},
    "no_call": {"role": "assistant", "content": "The weather in Paris is sunny, 21 °C. {\"not\": \"a call\"}"},
}

# template file, parser names, end-of-turn text the model stops at, extra render variables
TEMPLATES = [
    ("Qwen-Qwen2.5-7B-Instruct.jinja", ["hermes", "qwen3_json"], ["<|im_end|>"], {}),
    ("ibm-granite-granite-4.0.jinja", ["granite4"], ["<|end_of_text|>"], {}),
    ("MiMo-VL.jinja", ["mimo"], ["<|im_end|>"], {}),
    ("Mistral-Small-3.2-24B-Instruct-2506.jinja", ["mistral"], ["</s>"], {}),
    ("meta-llama-Llama-3.3-70B-Instruct.jinja", ["llama3_json", "llama4_json"], ["<|eot_id|>", "<|eom_id|>"], {}),
    ("LFM2.5-8B-A1B.jinja", ["lfm2"], ["<|im_end|>"], {}),
    ("Qwen3-Coder.jinja", ["qwen3_coder", "qwen3_xml"], ["<|im_end|>"], {}),
    ("ByteDance-Seed-OSS.jinja", ["seed_oss"], ["<seed:eos>"], {}),
    ("MiniMax-M2.jinja", ["minimax_m2"], ["[e~["], {}),
    ("deepseek-ai-DeepSeek-V3.1.jinja", ["deepseek_v31"], ["<｜end▁of▁sentence｜>"], {}),
    ("deepseek-ai-DeepSeek-V3.2.jinja", ["deepseek_v32"], ["<｜end▁of▁sentence｜>"], {}),
    ("deepseek-ai-DeepSeek-V4.jinja", ["deepseek_v4"], ["<｜end▁of▁sentence｜>"], {}),
    ("deepseek-ai-DeepSeek-V4-Flash-0731.jinja", ["deepseek_v41"], ["<｜end▁of▁sentence｜>"], {}),
    ("Kimi-K2-Instruct.jinja", ["kimi_k2"], ["<|im_end|>"], {}),
    ("GLM-4.6.jinja", ["glm45"], ["<|user|>", "<|observation|>"], {}),
    ("GLM-4.7-Flash.jinja", ["glm47"], ["<|user|>", "<|observation|>"], {}),
    ("inclusionai-ling-3.0-flash.jinja", ["ling3"], ["<|role_end|>"], {}),
    ("openai-gpt-oss-120b.jinja", ["openai"], ["<|return|>", "<|call|>", "<|end|>"], {}),
    ("poolside-Laguna-XS-2.1.jinja", ["poolside_v1"], ["</assistant>"], {}),
    ("StepFun3.5-Flash.jinja", ["step3p5"], ["<|im_end|>"], {}),
    ("openbmb-MiniCPM5-1B.jinja", ["minicpm5"], ["<|im_end|>"], {}),
    ("tencent-Hy3.jinja", ["hy_v3"], ["<｜hy_eos"], {}),
    ("GigaChat3-10B-A1.8B.jinja", ["gigachat3"], ["<|message_sep|>\n\nassistant", "<|message_sep|>\n\nfunction result"], {}),
    ("Apertus-8B-Instruct.jinja", ["apertus"], ["<|assistant_end|>"], {}),
    ("Kimi-K3.jinja", ["kimi_k3"], ["<|close|>message<|sep|>"], {}),
    ("CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja", ["cohere_command3"], ["<|END_OF_TURN_TOKEN|>"], {}),
    ("Cohere2MoE.jinja", ["cohere_command4"], ["<|END_OF_TURN_TOKEN|>"], {}),
    ("MiniMax-M3.jinja", ["minimax_m3"], ["[e~["], {}),
    ("google-gemma-4-31B-it.jinja", ["gemma4"], ["<turn|>", "<|tool_response>"], {}),
]

class GenerationExtension(jinja2.ext.Extension):
    """`{% generation %}…{% endgeneration %}` renders its body (as transformers does)."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.Scope(body, lineno=lineno)


def raise_exception(msg):
    raise jinja2.exceptions.TemplateError(msg)

def make_env():
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True,
                             extensions=[jinja2.ext.loopcontrols, GenerationExtension])
    env.filters["tojson"] = lambda x, indent=None, separators=None, sort_keys=False, ensure_ascii=False: \
        json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.datetime(2026, 1, 2).strftime(fmt)
    return env

def render(env, source, messages, gen):
    t = env.from_string(source)
    return t.render(messages=messages, tools=TOOLS, add_generation_prompt=gen, bos_token="<s>",
                    eos_token="</s>", enable_thinking=False, thinking=False)

def main():
    env = make_env()
    out = []
    problems = []
    user = {"role": "user", "content": "What's the weather in Paris?"}
    for fname, parsers, stops, extra in TEMPLATES:
        source = open(os.path.join(HERE, "templates", fname), encoding="utf-8").read()
        for case_id, assistant in CASES.items():
            try:
                prefix = render(env, source, [user], True)
                full = render(env, source, [user, assistant], False)
            except Exception as e:  # a template that cannot render this turn
                problems.append(f"{fname} {case_id}: {e}")
                continue
            opened = ""
            if full.startswith(prefix):
                text = full[len(prefix):]
            else:
                # The generation prompt opens something the rendered history does not (MiniMax M2 and
                # DeepSeek V3.2 end the prompt with an opening think tag): cut at the common prefix and
                # record what the prompt adds, so the test knows the output does not start inside it.
                k = 0
                while k < min(len(prefix), len(full)) and prefix[k] == full[k]:
                    k += 1
                # Back up to a token boundary (after a newline or a closing '>').
                while k > 0 and full[k - 1] not in "\n>":
                    k -= 1
                opened = prefix[k:]
                text = full[k:]
                if text.startswith("</think>"):
                    # DeepSeek V3.2 non-thinking: the prompt ends with "</think>" already.
                    text = text[len("</think>"):]
                    opened = "</think>"
            cut = min([text.find(s, 1) for s in stops if text.find(s, 1) >= 0] or [len(text)])
            text = text[:cut]
            if text.endswith("<|message_sep|>\n\n"):  # GigaChat closes every message so
                text = text[:-len("<|message_sep|>\n\n")]
            expected_calls = [{"name": c["function"]["name"], "arguments": c["function"]["arguments"]}
                              for c in assistant.get("tool_calls", [])]
            expected = {"content": assistant.get("content", ""), "reasoning": "", "tool_calls": expected_calls}
            if expected["content"] and expected["content"] not in text:
                expected["content"] = ""  # the template drops text next to tool calls
            if fname.startswith("GigaChat3"):
                expected["tool_calls"] = expected_calls[:1]  # the template renders one call per message
            if fname.startswith("openai-gpt-oss"):
                # gpt-oss renders one call per message and a tool-calling turn's text in the analysis channel.
                if assistant.get("content") and expected_calls:
                    expected = {"content": "", "reasoning": assistant["content"], "tool_calls": []}
                else:
                    expected["tool_calls"] = expected_calls[:1]
            out.append({"template": fname, "parsers": parsers, "case": case_id, "text": text,
                        "prompt_tail": prefix[-80:], "prompt_opens": opened,
                        "starts_in_reasoning": not opened and prefix.rstrip().endswith(("<think>", "<think:opensource>")),
                        "expected": expected})
    json.dump({"tools": TOOLS, "cases": out, "problems": problems},
              open(os.path.join(HERE, "template_cases.json"), "w", encoding="utf-8"), ensure_ascii=False, indent=1)
    print(len(out), "cases;", len(problems), "problems")
    for p in problems:
        print(" ", p)

main()
