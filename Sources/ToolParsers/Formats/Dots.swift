extension BuiltInFormats {
    /// rednote dots: `<dots_function_call>\n<invoke name="NAME">\n<parameter name="KEY">VALUE</parameter>\n</invoke>\n</dots_function_call>`,
    /// one or more invokes per block (vLLM's dots parser); values are text typed by the tool's schema.
    static let dots = ToolParserFormat(
        name: "dots", summary: "dots: <invoke name=…><parameter name=…> in <dots_function_call>",
        engine: .markup(MarkupFormat(
            reasoning: .think,
            triggers: [CallTrigger("<dots_function_call>", .section)],
            sectionEnd: "</dots_function_call>",
            callStart: "<invoke name=\"",
            callEnd: "</invoke>",
            body: .tagged(TaggedCallStyle(nameEnd: ["\">"], parameterStart: "<parameter name=\"", keyEnd: "\">",
                                          valueEnd: "</parameter>")))),
        structural: StructuralTagTemplate(
            triggers: ["<dots_function_call>"],
            section: (begin: "<dots_function_call>\n", end: "</dots_function_call>", separator: ""),
            callBegin: "<invoke name=\"{name}\">\n",
            // The template ends each invoke with a newline, the last one too.
            callEnd: "</invoke>\n",
            arguments: .minimaxXML))
}
