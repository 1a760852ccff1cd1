import Schema
@testable import ToolParsers

/// Renders tool calls in each format's wire syntax (as the chat templates and model cards write
/// them), so every format can be exercised with the same scenarios.
enum FormatRendering {
    static let tools = ParserHarness.tools("""
    [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {
        "city": {"type": "string"}, "days": {"type": "integer"}, "ok": {"type": "boolean"},
        "none": {"type": "null"}, "ratio": {"type": "number"},
        "nested": {"type": "object", "properties": {"a": {"type": "array", "items": {"anyOf": [{"type": "integer"},
            {"type": "object", "properties": {"b": {"type": "array"}}}]}}}},
        "tags": {"type": "array", "items": {"type": "string"}}}}}},
     {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}]
    """)

    /// Arguments with every kind of value and awkward characters in strings.
    static let richArguments: JSONValue = .object(JSONObject([
        ("city", .string("Paris \"north\" {x} [y] \\ back\nslash ü 東京 😀")),
        ("days", .integer(3)), ("ok", .bool(true)), ("none", .null), ("ratio", .number(-0.25, source: "-0.25")),
        ("nested", .object(JSONObject([("a", .array([.integer(1), .object(JSONObject([("b", .array([]))]))]))]))),
        ("tags", .array([.string("x"), .string("y")])),
    ]))

    static let emptyArguments: JSONValue = .object(JSONObject())

    /// Formats whose calls must be the whole answer (no text before them).
    static let anchoredOnly: Set<String> = ["llama3_json", "llama4_json", "pythonic", "xlam"]

    static func json(_ v: JSONValue) -> String { v.jsonString(.python(indent: nil, ensureASCII: false)) }

    static func python(_ v: JSONValue) -> String {
        switch v {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .string(let s):
            var out = "'"
            for ch in s.unicodeScalars {
                switch ch {
                case "'": out += "\\'"
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default: out.unicodeScalars.append(ch)
                }
            }
            return out + "'"
        case .array(let a): return "[" + a.map(python).joined(separator: ", ") + "]"
        case .object(let o): return "{" + o.map { python(.string($0.key)) + ": " + python($0.value) }.joined(separator: ", ") + "}"
        default: return json(v)
        }
    }

    static func raw(_ v: JSONValue) -> String { v.stringValue ?? json(v) }

    /// A number as Python's `str` writes it (what `{{ value }}` renders in a chat template).
    static func pythonNumber(_ v: JSONValue) -> String { json(v) }

    /// Gemma's argument syntax (the `format_argument` macro of Gemma 4's chat template, keys sorted
    /// and bare): strings between `quote` tokens, `true`/`false`, Python's `None` for null.
    static func gemma(_ v: JSONValue, quote: String) -> String {
        switch v {
        case .null: return "None"
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return quote + s + quote
        case .array(let a): return "[" + a.map { gemma($0, quote: quote) }.joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 }.map { "\($0.0):\(gemma($0.1, quote: quote))" }.joined(separator: ",") + "}"
        default: return pythonNumber(v)
        }
    }

    /// MiniMax M3's `to_xml` macro: members and items as namespaced elements, null members left out.
    static func minimaxXML(_ v: JSONValue) -> String {
        let ns = BuiltInFormats.minimaxM3Namespace
        switch v {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return s
        case .array(let a): return a.map { "\(ns)<item>\(minimaxXML($0))\(ns)</item>" }.joined()
        case .object(let o): return o.filter { !$0.value.isNull }.map { "\(ns)<\($0.key)>\(minimaxXML($0.value))\(ns)</\($0.key)>" }.joined()
        default: return pythonNumber(v)
        }
    }

    /// What a format can carry of these arguments: MiniMax M3's template leaves null members out.
    static func carried(_ format: String, _ v: JSONValue) -> JSONValue {
        guard format == "minimax_m3" else { return v }
        switch v {
        case .object(let o):
            var kept = JSONObject()
            for (k, value) in o where !value.isNull { kept[k] = carried(format, value) }
            return .object(kept)
        case .array(let a): return .array(a.map { carried(format, $0) })
        default: return v
        }
    }

    static func pairs(_ args: JSONValue) -> [(String, JSONValue)] { args.objectValue?.map { ($0.key, $0.value) } ?? [] }

    /// The wire text of these calls in `format`, or nil for a format without a renderer here.
    static func render(_ format: String, _ calls: [(String, JSONValue)]) -> String? {
        func each(_ f: (String, JSONValue) -> String, _ sep: String = "") -> String { calls.map { f($0.0, $0.1) }.joined(separator: sep) }
        func obj(_ n: String, _ a: JSONValue, key: String = "arguments") -> String { "{\"name\": \"\(n)\", \"\(key)\": \(json(a))}" }
        switch format {
        case "hermes", "qwen3_json", "granite4", "mimo":
            return each { "<tool_call>\n\(obj($0, $1))\n</tool_call>" }
        case "longcat":
            return each { "<longcat_tool_call>\n\(obj($0, $1))\n</longcat_tool_call>" }
        case "mistral":
            return each { "[TOOL_CALLS]\($0)[ARGS]\(json($1))" }
        case "llama3_json", "llama4_json":
            return each({ obj($0, $1, key: "parameters") }, "; ")
        case "pythonic":
            return "[" + each({ n, a in "\(n)(" + pairs(a).map { "\($0.0)=\(python($0.1))" }.joined(separator: ", ") + ")" }, ", ") + "]"
        case "llama4_pythonic":
            return "<|python_start|>" + render("pythonic", calls)! + "<|python_end|>"
        case "lfm2":
            return "<|tool_call_start|>" + render("pythonic", calls)! + "<|tool_call_end|>"
        case "qwen3_coder", "qwen3_xml", "step3p5":
            return each { n, a in "<tool_call>\n<function=\(n)>\n" + pairs(a).map { "<parameter=\($0.0)>\n\(raw($0.1))\n</parameter>\n" }.joined() + "</function>\n</tool_call>" }
        case "seed_oss":
            return each { n, a in "<seed:tool_call>\n<function=\(n)>\n" + pairs(a).map { "<parameter=\($0.0)>\(raw($0.1))</parameter>\n" }.joined() + "</function>\n</seed:tool_call>" }
        case "minimax_m2":
            return "<minimax:tool_call>\n" + each { n, a in "<invoke name=\"\(n)\">\n" + pairs(a).map { "<parameter name=\"\($0.0)\">\(raw($0.1))</parameter>\n" }.joined() + "</invoke>\n" } + "</minimax:tool_call>"
        case "deepseek_v3":
            return "<｜tool▁calls▁begin｜>" + each({ "<｜tool▁call▁begin｜>function<｜tool▁sep｜>\($0)\n```json\n\(json($1))\n```<｜tool▁call▁end｜>" }, "\n") + "<｜tool▁calls▁end｜>"
        case "deepseek_v31":
            return "<｜tool▁calls▁begin｜>" + each { "<｜tool▁call▁begin｜>\($0)<｜tool▁sep｜>\(json($1))<｜tool▁call▁end｜>" } + "<｜tool▁calls▁end｜>"
        case "deepseek_v32", "deepseek_v4", "deepseek_v41":
            let block = format == "deepseek_v32" ? "function_calls" : "tool_calls"
            return "<｜DSML｜\(block)>\n" + each { n, a in "<｜DSML｜invoke name=\"\(n)\">\n" + pairs(a).map {
                "<｜DSML｜parameter name=\"\($0.0)\" string=\"\($0.1.stringValue != nil)\">\(raw($0.1))</｜DSML｜parameter>\n" }.joined() + "</｜DSML｜invoke>\n" } + "</｜DSML｜\(block)>"
        case "kimi_k2":
            var k = -1
            return "<|tool_calls_section_begin|>" + each { n, a in k += 1; return "<|tool_call_begin|>functions.\(n):\(k)<|tool_call_argument_begin|>\(json(a))<|tool_call_end|>" } + "<|tool_calls_section_end|>"
        case "glm45", "ling3", "poolside_v1":
            return each { n, a in "<tool_call>\(n)\n" + pairs(a).map { "<arg_key>\($0.0)</arg_key>\n<arg_value>\(raw($0.1))</arg_value>\n" }.joined() + "</tool_call>" }
        case "glm47":
            return each { n, a in "<tool_call>\(n)" + pairs(a).map { "<arg_key>\($0.0)</arg_key><arg_value>\(raw($0.1))</arg_value>" }.joined() + "</tool_call>" }
        case "openai":
            return each({ "<|channel|>commentary to=functions.\($0) <|constrain|>json<|message|>\(json($1))<|call|>" }, "<|start|>assistant")
        case "granite":
            return "<|tool_call|>[" + each({ obj($0, $1) }, ", ") + "]"
        case "granite-20b-fc":
            return each({ "<function_call> \(obj($0, $1))" }, "\n")
        case "internlm":
            return each { "<|action_start|><|plugin|>\n\(obj($0, $1, key: "parameters"))<|action_end|>" }
        case "olmo3":
            return "<function_calls>" + each({ n, a in "\(n)(" + pairs(a).map { "\($0.0)=\(python($0.1))" }.joined(separator: ", ") + ")" }, "\n") + "</function_calls>"
        case "jamba", "hunyuan_a13b":
            return "<tool_calls>[" + each({ obj($0, $1) }, ", ") + "]</tool_calls>"
        case "phi4_mini_json":
            return "functools[" + each({ obj($0, $1) }, ", ") + "]"
        case "hy_v3":
            return "<tool_calls:opensource>\n" + each { n, a in "<tool_call:opensource>\(n)<tool_sep:opensource>\n" + pairs(a).map {
                "<arg_key:opensource>\($0.0)</arg_key:opensource>\n<arg_value:opensource>\(raw($0.1))</arg_value:opensource>\n" }.joined() + "</tool_call:opensource>\n" } + "</tool_calls:opensource>"
        case "gigachat3":
            return each { "<|message_sep|>\n\nfunction call<|role_sep|>\n\(obj($0, $1))" }
        case "apertus":
            return "<|tools_prefix|>[" + each({ "{\"\($0)\": \(json($1))}" }, ", ") + "]<|tools_suffix|>"
        case "minicpm5":
            return each { n, a in "<function name=\"\(n)\">" + pairs(a).map { k, v in
                let text = v.stringValue.map { "<![CDATA[\($0)]]>" } ?? json(v)
                return "<param name=\"\(k)\">\(text)</param>" }.joined() + "</function>" }
        case "kimi_k3":
            return "<|open|>tools<|sep|>" + each { n, a in "<|open|>call tool=\"\(n)\" index=\"1\"<|sep|>" + pairs(a).map { k, v in
                "<|open|>argument key=\"\(k)\" type=\"\(v.stringValue != nil ? "string" : "object")\"<|sep|>\(raw(v))<|close|>argument<|sep|>" }.joined() + "<|close|>call<|sep|>" } + "<|close|>tools<|sep|>"
        case "cohere_command3", "cohere_command4":
            return "<|START_ACTION|>[\n" + each({ "{\"tool_call_id\": \"0\", \"tool_name\": \"\($0)\", \"parameters\": \(json($1))}" }, ",\n") + "\n]<|END_ACTION|>"
        case "ernie45":
            return each { "<tool_call>\n\(obj($0, $1))\n</tool_call>\n" }
        case "xlam":
            return "[" + each({ obj($0, $1) }, ", ") + "]"
        case "step3":
            return "<｜tool_calls_begin｜>" + each({ n, a in "<｜tool_call_begin｜>function<｜tool_sep｜><steptml:invoke name=\"\(n)\">" + pairs(a).map {
                "<steptml:parameter name=\"\($0.0)\">\(raw($0.1))</steptml:parameter>" }.joined() + "</steptml:invoke><｜tool_call_end｜>" }, "\n") + "<｜tool_calls_end｜>"
        case "dots":
            return "<dots_function_call>\n" + each { n, a in "<invoke name=\"\(n)\">\n" + pairs(a).map { "<parameter name=\"\($0.0)\">\(raw($0.1))</parameter>\n" }.joined() + "</invoke>\n" } + "</dots_function_call>"
        case "plamo3":
            return "<|plamo:begin_tool_requests:plamo|>" + each { "<|plamo:begin_tool_request:plamo|><|plamo:begin_tool_name:plamo|>\($0)<|plamo:end_tool_name:plamo|><|plamo:begin_tool_arguments:plamo|>\(json($1))<|plamo:end_tool_arguments:plamo|><|plamo:end_tool_request:plamo|>" } + "<|plamo:end_tool_requests:plamo|>"
        case "k2_horizon":
            return "<ifm|tool_calls>" + each { n, a in "<ifm|tool_call>\(n)" + pairs(a).map { "<ifm|arg_key>\($0.0)</ifm|arg_key><ifm|arg_value>\(raw($0.1))</ifm|arg_value>" }.joined() + "</ifm|tool_call>" } + "</ifm|tool_calls>"
        case "gemma4":
            return each { "<|tool_call>call:\($0)\(gemma($1, quote: "<|\"|>"))<tool_call|>" }
        case "functiongemma":
            return each { "<start_function_call>call:\($0)\(gemma($1, quote: "<escape>"))<end_function_call>" }
        case "minimax_m3":
            let ns = BuiltInFormats.minimaxM3Namespace
            return "\(ns)<tool_call>\n" + each { n, a in "\(ns)<invoke name=\"\(n)\">" + minimaxXML(a) + "\(ns)</invoke>\n" } + "\(ns)</tool_call>"
        case "hy_v4":
            return "<tool_calls>" + each { n, a in "<tool_call>\(n)" + pairs(a).map { "<arg_key>\($0.0)</arg_key><arg_value>\(raw($0.1))</arg_value>" }.joined() + "</tool_call>" } + "</tool_calls>"
        default:
            return nil
        }
    }

    /// Text around calls, as the format allows it.
    static func withText(_ format: String, before: String, calls: String, after: String) -> String {
        if format == "openai" {
            return "<|channel|>commentary<|message|>\(before)<|end|><|start|>assistant" + calls + "<|start|>assistant<|channel|>final<|message|>\(after)<|return|>"
        }
        return before + calls + after
    }
}
