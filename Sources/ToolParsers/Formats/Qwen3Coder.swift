extension BuiltInFormats {
    /// Qwen3-Coder XML parameters: `<tool_call>\n<function=NAME>\n<parameter=KEY>\nVALUE\n</parameter>\n</function>\n</tool_call>`.
    static let qwen3CoderMarkup = MarkupFormat(
        reasoning: .think,
        triggers: [CallTrigger("<tool_call>", .section), CallTrigger("<function=", .call)],
        sectionEnd: "</tool_call>",
        callStart: "<function=",
        callEnd: "</function>",
        body: .tagged(TaggedCallStyle(nameEnd: [">"], parameterStart: "<parameter=", keyEnd: ">",
                                      valueEnd: "</parameter>")))

    static let qwen3CoderTag = StructuralTagTemplate(
        triggers: ["<tool_call>"],
        callBegin: "<tool_call>\n<function={name}>\n",
        callEnd: "</function>\n</tool_call>",
        arguments: .qwenXMLParameters)

    static let qwen3Coder = ToolParserFormat(
        name: "qwen3_coder", summary: "Qwen3-Coder / Qwen 3.5: <function=NAME><parameter=KEY>VALUE</parameter> in <tool_call>",
        engine: .markup(qwen3CoderMarkup), structural: qwen3CoderTag)

    static let qwen3XML = ToolParserFormat(
        name: "qwen3_xml", summary: "Qwen3 XML parameters (the qwen3_coder wire format)",
        engine: .markup(qwen3CoderMarkup), structural: qwen3CoderTag)
}
