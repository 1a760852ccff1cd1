extension BuiltInFormats {
    /// Tencent Hunyuan-A13B: a JSON list of `{"name", "arguments"}` in `<tool_calls>…</tool_calls>`, reasoning in
    /// `<think>` (vLLM's hunyuan_a13b parser).
    static let hunyuanA13B = ToolParserFormat(
        name: "hunyuan_a13b", summary: "Hunyuan-A13B: JSON list of calls in <tool_calls>",
        engine: .markup(MarkupFormat(
            reasoning: .think,
            triggers: [CallTrigger("<tool_calls>", .call)],
            callEnd: "</tool_calls>",
            body: .json(JSONCallStyle(allowsArray: true, allowsObject: true)))),
        structural: StructuralTagTemplate(
            triggers: ["<tool_calls>"],
            section: (begin: "<tool_calls>[", end: "]</tool_calls>", separator: ", "),
            callBegin: "{\"name\": \"{name}\", \"arguments\": ",
            callEnd: "}"))
}
