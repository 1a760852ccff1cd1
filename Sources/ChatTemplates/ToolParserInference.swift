import Schema

/// Picks the tool-call parser (by vLLM-style registry name) whose wire format a chat template writes.
///
/// The template is rendered over a probe conversation with one tool call and one tool result; the
/// markers in that text (`<tool_call>`, `[TOOL_CALLS]`, DSML tags, …) name the format. Where the
/// template cannot render the probe (it raises, or drops the call), its source text is searched instead.
public enum ToolParserInference {
    /// A rule: the parser applies when every `all` marker and at least one `any` marker (if given) occur.
    struct Rule {
        let parser: String
        let all: [String]
        var any: [String] = []
        var none: [String] = []
    }

    /// Most specific first.
    static let rules: [Rule] = [
        Rule(parser: "openai", all: ["<|channel|>", "<|message|>"]),
        Rule(parser: "deepseek_v41", all: ["DSML", "tool_calls", "reasoning_effort_high"]),
        Rule(parser: "deepseek_v4", all: ["<｜DSML｜tool_calls>"]),
        Rule(parser: "deepseek_v4", all: ["DSML", "tool_calls"], none: ["function_calls"]),
        Rule(parser: "deepseek_v32", all: ["DSML", "function_calls"]),
        Rule(parser: "deepseek_v3", all: ["<｜tool▁calls▁begin｜>", "```json"]),
        Rule(parser: "deepseek_v31", all: ["<｜tool▁calls▁begin｜>"]),
        Rule(parser: "kimi_k2", all: ["<|tool_calls_section_begin|>"]),
        Rule(parser: "kimi_k3", all: ["<|open|>", "call tool="]),
        Rule(parser: "minimax_m2", all: ["<minimax:tool_call>"]),
        Rule(parser: "minimax_m3", all: ["]<]minimax[>["]),
        Rule(parser: "glimmer", all: ["<atem:function_calls>"]),
        Rule(parser: "seed_oss", all: ["<seed:tool_call>"]),
        Rule(parser: "hy_v3", all: ["<tool_call:opensource>"]),
        Rule(parser: "hy_v3", all: ["<｜hy_"]),
        Rule(parser: "qwen3_coder", all: ["<function=", "<parameter="]),
        Rule(parser: "ling3", all: ["<arg_key>", "<role>"]),
        Rule(parser: "glm47", all: ["<tool_call>get_weather<arg_key>"]),
        Rule(parser: "glm45", all: ["<arg_key>"]),
        Rule(parser: "gemma4", all: ["<|tool_call>"]),
        Rule(parser: "lfm2", all: [], any: ["<|tool_call_start|>", "<|tool_list_start|>"]),
        Rule(parser: "mistral", all: ["[TOOL_CALLS]"]),
        Rule(parser: "cohere_command4", all: ["<|START_ACTION|>", "<|START_TEXT|>"]),
        Rule(parser: "cohere_command3", all: ["<|START_ACTION|>"]),
        Rule(parser: "gigachat3", all: [], any: ["<|function_call|>", "function call<|role_sep|>"]),
        Rule(parser: "nemotron_json", all: ["<TOOLCALL>"]),
        Rule(parser: "apertus", all: ["<|tools_prefix|>"]),
        Rule(parser: "solar_open", all: ["<|tool_call:begin|>"]),
        Rule(parser: "minicpm5", all: ["<function name=", "<param name="]),
        Rule(parser: "minimax", all: ["<tool_calls>", "<beginning_of_sentence>"]),
        Rule(parser: "apriel", all: ["<tool_calls>"], any: ["<|begin_assistant|>", "<|assistant|>"]),
        Rule(parser: "functionary_v31", all: ["<function=get_weather>{"]),
        Rule(parser: "functionary_v31", all: ["<function=", "<|python_tag|>"]),
        Rule(parser: "functionary_v32", all: [">>>", "tool_call['function']['name']"]),
        Rule(parser: "granite", all: ["<|tool_call|>"]),
        Rule(parser: "granite4", all: ["<|start_of_role|>", "<tool_call>"]),
        Rule(parser: "mimo", all: ["<tool_call>", "MiMo"]),
        Rule(parser: "hermes", all: ["<tool_call>"]),
        Rule(parser: "llama3_json", all: ["\"parameters\""], any: ["<|start_header_id|>", "<|eot_id|>"]),
        Rule(parser: "phi4_mini_json", all: ["functools["]),
        Rule(parser: "pythonic", all: ["get_weather(city="]),
    ]

    static let probeMessages: [JSONValue] = [
        ["role": "user", "content": "What is the weather in Paris?"],
        ["role": "assistant", "content": "", "tool_calls": [
            ["id": "call00001", "type": "function",
             "function": ["name": "get_weather", "arguments": ["city": "Paris"]]],
        ]],
        ["role": "tool", "tool_call_id": "call00001", "name": "get_weather", "content": "sunny"],
    ]

    static let probeTools: [JSONValue] = [
        ["type": "function", "function": [
            "name": "get_weather", "description": "Get the weather.",
            "parameters": ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]],
        ]],
    ]

    /// The parser name for `template` (e.g. "hermes", "mistral", "qwen3_coder"), or nil when the
    /// template shows no tool-call format.
    public static func parserName(forTemplate template: String) -> String? {
        var rendered: String?
        if let parsed = try? ChatTemplate(source: template) {
            rendered = try? parsed.render(messages: probeMessages, tools: probeTools, addGenerationPrompt: false,
                                          extra: ["bos_token": "<s>", "eos_token": "</s>"])
        }
        if let rendered, rendered.contains("Paris"), let name = match(rendered, source: template) { return name }
        return match(template, source: template)
    }

    private static func match(_ text: String, source: String) -> String? {
        for rule in rules {
            let haystack = ["deepseek_v41", "mimo", "functionary_v32"].contains(rule.parser) ? source : text
            guard rule.all.allSatisfy({ haystack.contains($0) }) else { continue }
            if !rule.any.isEmpty, !rule.any.contains(where: { haystack.contains($0) }) { continue }
            if rule.none.contains(where: { haystack.contains($0) }) { continue }
            return rule.parser
        }
        return nil
    }
}
