extension BuiltInFormats {
    /// Meituan LongCat: the hermes layout with `<longcat_tool_call>` tags.
    static let longcat = ToolParserFormat(
        name: "longcat", summary: "LongCat: JSON object in <longcat_tool_call>",
        engine: .markup(MarkupFormat(
            reasoning: .think,
            triggers: [CallTrigger("<longcat_tool_call>", .call)],
            callEnd: "</longcat_tool_call>",
            body: .json(JSONCallStyle()))),
        structural: StructuralTagTemplate(
            triggers: ["<longcat_tool_call>"],
            callBegin: "<longcat_tool_call>\n{\"name\": \"{name}\", \"arguments\": ",
            callEnd: "}\n</longcat_tool_call>"))
}
