extension BuiltInFormats {
    /// MiniMax M2: `<minimax:tool_call>\n<invoke name="NAME">\n<parameter name="KEY">VALUE</parameter>\n</invoke>\n</minimax:tool_call>`;
    /// the chat template opens `<think>` in the prompt.
    static let minimaxM2 = ToolParserFormat(
        name: "minimax_m2", summary: "MiniMax M2: <invoke name=…><parameter name=…> in <minimax:tool_call>",
        engine: .markup(MarkupFormat(
            reasoning: .thinkOpenedByPrompt,
            triggers: [CallTrigger("<minimax:tool_call>", .section)],
            sectionEnd: "</minimax:tool_call>",
            callStart: "<invoke name=\"",
            callEnd: "</invoke>",
            body: .tagged(TaggedCallStyle(nameEnd: ["\">"], parameterStart: "<parameter name=\"", keyEnd: "\">",
                                          valueEnd: "</parameter>")))),
        structural: StructuralTagTemplate(
            triggers: ["<minimax:tool_call>"],
            section: (begin: "<minimax:tool_call>\n", end: "</minimax:tool_call>", separator: ""),
            callBegin: "<invoke name=\"{name}\">\n",
            // The template ends each invoke with a newline, the last one too.
            callEnd: "</invoke>\n",
            arguments: .minimaxXML))
}
