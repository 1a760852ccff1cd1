extension BuiltInFormats {
    /// Google FunctionGemma: `<start_function_call>call:NAME{key:<escape>text<escape>,count:15}<end_function_call>`,
    /// strings between `<escape>` tokens, other values bare (Google's FunctionGemma formatting guide);
    /// `<start_function_response>` follows the calls as the turn's stop sequence.
    static let functiongemma = ToolParserFormat(
        name: "functiongemma", summary: "FunctionGemma: <start_function_call>call:NAME{key:<escape>v<escape>}<end_function_call>",
        engine: .markup(MarkupFormat(
            triggers: [CallTrigger("<start_function_call>", .call)],
            callEnd: "<end_function_call>",
            body: .keyValue(KeyValueCallStyle(namePrefix: "call:", stringDelimiter: "<escape>")),
            droppedMarkers: ["<start_function_response>"])),
        structural: StructuralTagTemplate(
            triggers: ["<start_function_call>"],
            callBegin: "<start_function_call>call:{name}",
            callEnd: "<end_function_call>",
            arguments: .functionGemma))
}
