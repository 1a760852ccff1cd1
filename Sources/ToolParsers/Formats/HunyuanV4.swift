extension BuiltInFormats {
    /// Tencent Hy V4 with unsuffixed structural tokens: `<tool_calls><tool_call>NAME<arg_key>KEY</arg_key><arg_value>VALUE</arg_value></tool_call></tool_calls>`,
    /// reasoning in `<think>` (vLLM's hy_v4 parser). Checkpoints whose tokens carry a suffix (`<tool_call:SUFFIX>`)
    /// need a declarative user format with those markers.
    static let hyV4 = ToolParserFormat(
        name: "hy_v4", summary: "Tencent Hy V4: <tool_call>NAME<arg_key>K</arg_key><arg_value>V</arg_value> in <tool_calls>",
        engine: .markup(MarkupFormat(
            reasoning: .think,
            triggers: [CallTrigger("<tool_calls>", .section)],
            sectionEnd: "</tool_calls>",
            callStart: "<tool_call>",
            callEnd: "</tool_call>",
            body: .tagged(TaggedCallStyle(nameEnd: [], parameterStart: "<arg_key>", keyEnd: "</arg_key>",
                                          valueStart: "<arg_value>", valueEnd: "</arg_value>", trimNewlines: false)))),
        structural: StructuralTagTemplate(
            triggers: ["<tool_calls>"],
            section: (begin: "<tool_calls>", end: "</tool_calls>", separator: ""),
            callBegin: "<tool_call>{name}",
            callEnd: "</tool_call>",
            arguments: .glmXML))
}
