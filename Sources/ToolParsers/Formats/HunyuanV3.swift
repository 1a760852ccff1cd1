extension BuiltInFormats {
    /// Tencent Hy3: `<tool_calls:opensource>\n<tool_call:opensource>NAME<tool_sep:opensource>\n<arg_key:opensource>KEY</arg_key:opensource>\n<arg_value:opensource>VALUE</arg_value:opensource>\n</tool_call:opensource>\n</tool_calls:opensource>`,
    /// reasoning in `<think:opensource>` (tencent-Hy3 chat template).
    static let hyV3 = ToolParserFormat(
        name: "hy_v3", summary: "Tencent Hy3: <tool_call:opensource>NAME<tool_sep:opensource><arg_key:…>/<arg_value:…>",
        engine: .markup(MarkupFormat(
            reasoning: ReasoningMarkers(start: "<think:opensource>", end: "</think:opensource>"),
            triggers: [CallTrigger("<tool_calls:opensource>", .section)],
            sectionEnd: "</tool_calls:opensource>",
            callStart: "<tool_call:opensource>",
            callEnd: "</tool_call:opensource>",
            body: .tagged(TaggedCallStyle(nameEnd: ["<tool_sep:opensource>"], parameterStart: "<arg_key:opensource>",
                                          keyEnd: "</arg_key:opensource>", valueStart: "<arg_value:opensource>",
                                          valueEnd: "</arg_value:opensource>")))),
        structural: StructuralTagTemplate(
            triggers: ["<tool_calls:opensource>"],
            section: (begin: "<tool_calls:opensource>\n", end: "</tool_calls:opensource>", separator: ""),
            callBegin: "<tool_call:opensource>{name}<tool_sep:opensource>\n",
            // The template ends each call with a newline, the last one too.
            callEnd: "</tool_call:opensource>\n",
            markers: .init(parameterBegin: "<arg_key:opensource>", nameEnd: "</arg_key:opensource>",
                           valueBegin: "<arg_value:opensource>", valueEnd: "</arg_value:opensource>", spaceAfterName: true)))
}
