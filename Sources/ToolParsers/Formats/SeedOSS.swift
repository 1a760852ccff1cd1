extension BuiltInFormats {
    /// ByteDance Seed-OSS: `<seed:tool_call>\n<function=NAME>\n<parameter=KEY>VALUE</parameter>\n</function>\n</seed:tool_call>`,
    /// reasoning in `<seed:think>…</seed:think>`.
    static let seedOSS = ToolParserFormat(
        name: "seed_oss", summary: "Seed-OSS: <function=…><parameter=…> in <seed:tool_call>, <seed:think> reasoning",
        engine: .markup(MarkupFormat(
            reasoning: ReasoningMarkers(start: "<seed:think>", end: "</seed:think>"),
            triggers: [CallTrigger("<seed:tool_call>", .section)],
            sectionEnd: "</seed:tool_call>",
            callStart: "<function=",
            callEnd: "</function>",
            body: .tagged(TaggedCallStyle(nameEnd: [">"], parameterStart: "<parameter=", keyEnd: ">",
                                          valueEnd: "</parameter>")))),
        structural: StructuralTagTemplate(
            triggers: ["<seed:tool_call>"],
            callBegin: "<seed:tool_call>\n<function={name}>\n",
            callEnd: "</function>\n</seed:tool_call>",
            arguments: .qwenXMLParameters))
}
