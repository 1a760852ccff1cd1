extension BuiltInFormats {
    /// Kimi K2: `<|tool_calls_section_begin|><|tool_call_begin|>functions.NAME:IDX<|tool_call_argument_begin|>{…}<|tool_call_end|><|tool_calls_section_end|>`;
    /// the `functions.NAME:IDX` text is also the call id.
    static let kimiK2 = ToolParserFormat(
        name: "kimi_k2", summary: "Kimi K2: functions.NAME:IDX<|tool_call_argument_begin|>{…} in the calls section",
        engine: .markup(MarkupFormat(
            reasoning: .think,
            triggers: [CallTrigger("<|tool_calls_section_begin|>", .section), CallTrigger("<|tool_call_begin|>", .call)],
            sectionEnd: "<|tool_calls_section_end|>",
            callStart: "<|tool_call_begin|>",
            callEnd: "<|tool_call_end|>",
            body: .json(JSONCallStyle(allowsObject: false, nameThenArguments: NameThenArguments(
                nameEnd: ["<|tool_call_argument_begin|>"], namespacedID: true))))),
        structural: StructuralTagTemplate(
            triggers: ["<|tool_calls_section_begin|>"],
            section: (begin: "<|tool_calls_section_begin|>", end: "<|tool_calls_section_end|>", separator: ""),
            callBegin: "<|tool_call_begin|>functions.{name}:{index}<|tool_call_argument_begin|>",
            callEnd: "<|tool_call_end|>"))
}
