extension BuiltInFormats {
    static let cohereMarkup = MarkupFormat(
        reasoning: ReasoningMarkers(start: "<|START_THINKING|>", end: "<|END_THINKING|>"),
        triggers: [CallTrigger("<|START_ACTION|>", .call)],
        callEnd: "<|END_ACTION|>",
        body: .json(JSONCallStyle(nameKeys: ["tool_name"], argumentKeys: ["parameters"], allowsArray: true)),
        droppedMarkers: ["<|START_TEXT|>", "<|END_TEXT|>", "<|START_RESPONSE|>", "<|END_RESPONSE|>"])

    static let cohereTag = StructuralTagTemplate(
        triggers: ["<|START_ACTION|>"],
        section: (begin: "<|START_ACTION|>[\n    ", end: "\n]<|END_ACTION|>", separator: ",\n    "),
        callBegin: "{\"tool_call_id\": \"{index}\", \"tool_name\": \"{name}\", \"parameters\": ",
        callEnd: "}")

    /// Cohere Command R7B / Command A: `<|START_ACTION|>[{"tool_call_id": …, "tool_name": …, "parameters": {…}}, …]<|END_ACTION|>`,
    /// reasoning in `<|START_THINKING|>…<|END_THINKING|>` (c4ai-command-r7b and Cohere2MoE chat templates).
    static let cohereCommand3 = ToolParserFormat(
        name: "cohere_command3", summary: "Cohere Command: JSON list in <|START_ACTION|>…<|END_ACTION|>",
        engine: .markup(cohereMarkup), structural: cohereTag)

    static let cohereCommand4 = ToolParserFormat(
        name: "cohere_command4", summary: "Cohere Command (MoE template): the cohere_command3 wire format",
        engine: .markup(cohereMarkup), structural: cohereTag)
}
