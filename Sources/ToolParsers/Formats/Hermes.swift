extension BuiltInFormats {
    /// Hermes / Qwen 2.5 / Qwen 3: `<tool_call>\n{"name": …, "arguments": {…}}\n</tool_call>`, reasoning in `<think>`.
    static let hermesMarkup = MarkupFormat(
        reasoning: .think,
        triggers: [CallTrigger("<tool_call>", .call)],
        callEnd: "</tool_call>",
        body: .json(JSONCallStyle()))

    static let hermesTag = StructuralTagTemplate(
        triggers: ["<tool_call>"],
        callBegin: "<tool_call>\n{\"name\": \"{name}\", \"arguments\": ",
        callEnd: "}\n</tool_call>")

    static let hermes = ToolParserFormat(
        name: "hermes", summary: "Hermes 2 Pro / 3, Qwen 2.5, Qwen 3: JSON object in <tool_call>",
        engine: .markup(hermesMarkup), structural: hermesTag)

    static let qwen3JSON = ToolParserFormat(
        name: "qwen3_json", summary: "Qwen 3 JSON calls (the hermes wire format)",
        engine: .markup(hermesMarkup), structural: hermesTag)

    /// IBM Granite 4 writes the hermes wire format (ibm-granite-granite-4.0 chat template).
    static let granite4 = ToolParserFormat(
        name: "granite4", summary: "IBM Granite 4: JSON object in <tool_call> (hermes wire format)",
        engine: .markup(hermesMarkup), structural: hermesTag)

    /// Xiaomi MiMo writes the hermes wire format (MiMo-VL chat template).
    static let mimo = ToolParserFormat(
        name: "mimo", summary: "Xiaomi MiMo: JSON object in <tool_call> (hermes wire format)",
        engine: .markup(hermesMarkup), structural: hermesTag)
}
