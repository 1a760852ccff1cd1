extension BuiltInFormats {
    /// K2 Horizon (IFM tags, default `xml` tool-call format): `<ifm|tool_calls><ifm|tool_call>NAME<ifm|arg_key>KEY</ifm|arg_key>`
    /// `<ifm|arg_value>VALUE</ifm|arg_value></ifm|tool_call></ifm|tool_calls>` (vLLM's k2_horizon parser); values are
    /// text typed by the tool's schema.
    static let k2Horizon = ToolParserFormat(
        name: "k2_horizon", summary: "K2 Horizon: <ifm|tool_call>NAME<ifm|arg_key>K</ifm|arg_key><ifm|arg_value>V</ifm|arg_value>",
        engine: .markup(MarkupFormat(
            triggers: [CallTrigger("<ifm|tool_calls>", .section)],
            sectionEnd: "</ifm|tool_calls>",
            callStart: "<ifm|tool_call>",
            callEnd: "</ifm|tool_call>",
            body: .tagged(TaggedCallStyle(nameEnd: [], parameterStart: "<ifm|arg_key>", keyEnd: "</ifm|arg_key>",
                                          valueStart: "<ifm|arg_value>", valueEnd: "</ifm|arg_value>",
                                          trimNewlines: false)))),
        structural: StructuralTagTemplate(
            triggers: ["<ifm|tool_calls>"],
            section: (begin: "<ifm|tool_calls>", end: "</ifm|tool_calls>", separator: ""),
            callBegin: "<ifm|tool_call>{name}",
            callEnd: "</ifm|tool_call>",
            markers: .init(parameterBegin: "<ifm|arg_key>", nameEnd: "</ifm|arg_key>", valueBegin: "<ifm|arg_value>",
                           valueEnd: "</ifm|arg_value>", spaceAfterName: true)))
}
