import Testing

@testable import ChatTemplates

/// The parser each template in Tests/Fixtures/chat-templates/templates writes tool calls for,
/// decided by reading the template and its jinja2 render of an assistant tool call (goldens/*.json,
/// conversation "tool_call"). nil: the template has no tool-call format.
let expectedParsers: [String: String?] = [
    "Apertus-8B-Instruct": "apertus",                      // <|tools_prefix|>[{"name": {args}}]<|tools_suffix|>
    "Apriel-1.6-15b-Thinker-fixed": "apriel",              // <tool_calls>[{"name", "arguments", "id"}]</tool_calls>
    "Bielik-11B-v3.0-Instruct": "hermes",                  // <tool_call>\n{"name", "arguments"}\n</tool_call>
    "ByteDance-Seed-OSS": "seed_oss",                      // <seed:tool_call><function=…><parameter=…>
    "Cohere2MoE": "cohere_command4",                                // <|START_ACTION|>[{"tool_call_id", "tool_name", "parameters"}]
    "CohereForAI-c4ai-command-r7b-12-2024-tool_use": "cohere_command3",
    "GLM-4.6": "glm45",                                    // <tool_call>NAME\n<arg_key>…</arg_key>\n<arg_value>…
    "GLM-4.7-Flash": "glm47",                              // <tool_call>NAME<arg_key>…</arg_key><arg_value>… (no newlines)
    "GigaChat3-10B-A1.8B": "gigachat3",                    // function call<|role_sep|>{"name", "arguments"}
    "GigaChat3.1-10B-A1.8B": "gigachat3",                  // <|function_call|>{"name", "arguments"}
    "Kimi-K2-Instruct": "kimi_k2",                         // <|tool_calls_section_begin|><|tool_call_begin|>functions.NAME:IDX
    "Kimi-K2-Thinking": "kimi_k2",
    "Kimi-K3": "kimi_k3",                                  // <|open|>call tool="NAME" index="1"<|sep|><|open|>argument key=…
    "LFM2-8B-A1B": "lfm2",                                 // <|tool_list_start|> tools; calls as <|tool_call_start|>[f(a=1)]
    "LFM2.5-8B-A1B": "lfm2",                               // <|tool_call_start|>[get_weather(city='Paris')]<|tool_call_end|>
    "MiMo-VL": "mimo",                                     // hermes wire format
    "MiniMax-M1": "minimax",                               // <tool_calls>\n{"name", "arguments"}\n</tool_calls>
    "MiniMax-M2": "minimax_m2",                            // <minimax:tool_call><invoke name=…><parameter name=…>
    "MiniMax-M3": "minimax_m3",                            // ]<]minimax[>[<tool_call> … <invoke name=…>
    "Mistral-Small-3.2-24B-Instruct-2506": "mistral",      // [TOOL_CALLS]NAME[CALL_ID]ID[ARGS]{…}
    "NVIDIA-Nemotron-Nano-v2": "nemotron_json",            // <TOOLCALL>[{"name", "arguments"}]</TOOLCALL>
    "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use": "hermes",
    "NousResearch-Hermes-3-Llama-3.1-8B-tool_use": "hermes",
    "Qwen-QwQ-32B": "hermes",
    "Qwen-Qwen2.5-7B-Instruct": "hermes",
    "Qwen3-Coder": "qwen3_coder",                          // <tool_call>\n<function=NAME>\n<parameter=KEY>\nVALUE\n</parameter>
    "Qwen3.5-4B": "qwen3_coder",
    "Reka-Edge": "hermes",                                 // <tool_call>\n{"name", "arguments"}\n</tool_call>
    "Spark2.5": "glm47",                                   // </think><tool_call>NAME<arg_key>… (no newlines)
    "StepFun3.5-Flash": "qwen3_coder",                     // <tool_call>\n<function=NAME>\n<parameter=KEY>
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B": "deepseek_v3", // function<｜tool▁sep｜>NAME\n```json\n{…}\n```
    "deepseek-ai-DeepSeek-V3.1": "deepseek_v31",           // NAME<｜tool▁sep｜>{…}
    "deepseek-ai-DeepSeek-V3.2": "deepseek_v32",           // <｜DSML｜function_calls><｜DSML｜invoke name=…>
    "deepseek-ai-DeepSeek-V4-Flash-0731": "deepseek_v41",  // <｜DSML｜tool_calls> (V4 Flash)
    "deepseek-ai-DeepSeek-V4": "deepseek_v4",              // <｜DSML｜tool_calls><｜DSML｜invoke name=…>
    "google-gemma-2-2b-it": nil,                           // no tools
    "google-gemma-4-31B-it-interleaved": "gemma4",         // <|tool_call>call:NAME{k:<|"|>v<|"|>}<tool_call|>
    "google-gemma-4-31B-it": "gemma4",
    "ibm-granite-granite-3.3-2B-Instruct": "granite",      // <|tool_call|>[{…}]
    "ibm-granite-granite-4.0": "granite4",                 // <tool_call>\n{"name", "arguments"}\n</tool_call> in Granite roles
    "inclusionai-ling-3.0-flash": "ling3",                 // <role>ASSISTANT</role> … <tool_call>NAME\n<arg_key>
    "llama-cpp-deepseek-r1": "deepseek_v3",
    "llama-cpp-rwkv-world": nil,                           // no tools
    "meetkai-functionary-medium-v3.1": "functionary_v31",  // <function=NAME>{…}</function>, <|python_tag|>
    "meetkai-functionary-medium-v3.2": "functionary_v32",  // >>>NAME\n{…}
    "meta-llama-Llama-3.2-3B-Instruct": "llama3_json",     // {"name": NAME, "parameters": {…}}
    "meta-llama-Llama-3.3-70B-Instruct": "llama3_json",
    "microsoft-Phi-3.5-mini-instruct": nil,                // no tools
    "mistralai-Ministral-3-14B-Reasoning-2512": "mistral", // [TOOL_CALLS]NAME[ARGS]{…}
    "mistralai-Mistral-Nemo-Instruct-2407": "mistral",     // [TOOL_CALLS][{"name", "arguments", "id"}]
    "muse-glimmer": "glimmer",                             // <atem:function_calls><atem:invoke name=…>
    "openai-gpt-oss-120b": "openai",                       // Harmony: to=functions.NAME<|channel|>commentary json<|message|>
    "openbmb-MiniCPM5-1B": "minicpm5",                     // <function name="NAME"><param name="K">V</param></function>
    "poolside-Laguna-S-2.1": "glm47",                      // <tool_call>NAME<arg_key>… (no newlines)
    "poolside-Laguna-XS-2.1": "glm45",                     // <tool_call>NAME\n<arg_key>…
    "tencent-Hy3": "hy_v3",                                 // <tool_calls:opensource><tool_call:opensource>NAME<tool_sep:opensource>
    "unsloth-Apriel-1.5": "apriel",
    "unsloth-mistral-Devstral-Small-2507": "mistral",
    "upstage-Solar-Open-100B": "solar_open",               // <|tool_calls|><|tool_call:begin|>ID<|tool_call:name|>NAME<|tool_call:args|>
]

@Suite("tool-call parser inference")
struct ToolParserInferenceTests {
    @Test("the table covers every template")
    func coverage() {
        #expect(Set(expectedParsers.keys) == Set(Fixtures.templateNames))
    }

    @Test("each template names its parser", arguments: Fixtures.templateNames)
    func infer(_ name: String) throws {
        let source = try Fixtures.text("templates/\(name).jinja")
        let expected = expectedParsers[name] ?? nil
        #expect(ToolParserInference.parserName(forTemplate: source) == expected, "\(name)")
    }

    @Test("the llama.cpp Qwen 2.5 template is hermes")
    func qwenFixture() throws {
        let fixture = try Fixtures.json("qwen_chat_tools.json")
        #expect(ToolParserInference.parserName(forTemplate: fixture["chat_template"]?.stringValue ?? "") == "hermes")
    }
}
