extension BuiltInFormats {
    /// AI21 Jamba: `<tool_calls>[{"name": …, "arguments": {…}}, …]</tool_calls>`.
    static let jamba = ToolParserFormat(
        name: "jamba", summary: "AI21 Jamba: JSON list of calls in <tool_calls>",
        engine: .markup(MarkupFormat(
            triggers: [CallTrigger("<tool_calls>", .call)],
            callEnd: "</tool_calls>",
            body: .json(JSONCallStyle(allowsArray: true, allowsObject: true)))),
        structural: StructuralTagTemplate(
            triggers: ["<tool_calls>"],
            section: (begin: "<tool_calls>[", end: "]</tool_calls>", separator: ", "),
            callBegin: "{\"name\": \"{name}\", \"arguments\": ",
            callEnd: "}"))
}
