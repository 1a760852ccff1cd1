extension BuiltInFormats {
    /// IBM Granite 3.x: `<|tool_call|>[{"name": …, "arguments": {…}}, …]`.
    static let granite = ToolParserFormat(
        name: "granite", summary: "IBM Granite 3.x: <|tool_call|> then a JSON list of calls",
        engine: .markup(MarkupFormat(
            reasoning: ReasoningMarkers(start: "<think>", end: "</think>"),
            triggers: [CallTrigger("<|tool_call|>", .call)],
            body: .json(JSONCallStyle(allowsArray: true, allowsObject: true)))),
        structural: StructuralTagTemplate(
            triggers: ["<|tool_call|>"],
            section: (begin: "<|tool_call|>[", end: "]", separator: ", "),
            callBegin: "{\"name\": \"{name}\", \"arguments\": ",
            callEnd: "}"))

    /// IBM granite-20b-functioncalling: each call `<function_call> {"name": …, "arguments": {…}}`.
    static let granite20bFC = ToolParserFormat(
        name: "granite-20b-fc", summary: "granite-20b-functioncalling: <function_call> {…} per call",
        engine: .markup(MarkupFormat(
            triggers: [CallTrigger("<function_call>", .call)],
            body: .json(JSONCallStyle()))),
        structural: StructuralTagTemplate(
            triggers: ["<function_call>"],
            callBegin: "<function_call> {\"name\": \"{name}\", \"arguments\": ",
            callEnd: "}"))
}
