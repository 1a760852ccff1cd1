extension BuiltInFormats {
    static let plamo3Tags = (
        requests: "<|plamo:begin_tool_requests:plamo|>", requestsEnd: "<|plamo:end_tool_requests:plamo|>",
        callBegin: "<|plamo:begin_tool_request:plamo|><|plamo:begin_tool_name:plamo|>",
        nameEnd: "<|plamo:end_tool_name:plamo|><|plamo:begin_tool_arguments:plamo|>",
        argumentsEnd: "<|plamo:end_tool_arguments:plamo|>", callEnd: "<|plamo:end_tool_request:plamo|>")

    /// PLaMo 3: `<|plamo:begin_tool_requests:plamo|>` then per call `<|plamo:begin_tool_request:plamo|><|plamo:begin_tool_name:plamo|>NAME`
    /// `<|plamo:end_tool_name:plamo|><|plamo:begin_tool_arguments:plamo|>{…}<|plamo:end_tool_arguments:plamo|><|plamo:end_tool_request:plamo|>`,
    /// closed by `<|plamo:end_tool_requests:plamo|>`; the tags follow each other with nothing between (vLLM's plamo3 parser).
    static let plamo3 = ToolParserFormat(
        name: "plamo3", summary: "PLaMo 3: <|plamo:begin_tool_name:plamo|>NAME…<|plamo:begin_tool_arguments:plamo|>{…}",
        engine: .markup(MarkupFormat(
            triggers: [CallTrigger(plamo3Tags.requests, .section)],
            sectionEnd: plamo3Tags.requestsEnd,
            callStart: plamo3Tags.callBegin,
            callEnd: plamo3Tags.callEnd,
            body: .json(JSONCallStyle(allowsObject: false, nameThenArguments: NameThenArguments(
                nameEnd: [plamo3Tags.nameEnd], argumentsSuffix: plamo3Tags.argumentsEnd))))),
        structural: StructuralTagTemplate(
            triggers: [plamo3Tags.requests],
            section: (begin: plamo3Tags.requests, end: plamo3Tags.requestsEnd, separator: ""),
            callBegin: plamo3Tags.callBegin + "{name}" + plamo3Tags.nameEnd,
            callEnd: plamo3Tags.argumentsEnd + plamo3Tags.callEnd))
}
