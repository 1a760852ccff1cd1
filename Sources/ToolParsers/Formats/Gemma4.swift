extension BuiltInFormats {
    /// Google Gemma 4: `<|tool_call>call:NAME{key:<|"|>text<|"|>,count:42,flag:true,nested:{k:…},list:[…]}<tool_call|>`,
    /// keys bare, strings between `<|"|>` tokens; reasoning in `<|channel>thought\n…<channel|>`; after its calls
    /// the model writes `<|tool_response>` (google-gemma-4-31B-it chat template).
    static let gemma4 = ToolParserFormat(
        name: "gemma4", summary: "Gemma 4: <|tool_call>call:NAME{key:<|\"|>v<|\"|>,n:1}<tool_call|>",
        engine: .markup(MarkupFormat(
            reasoning: ReasoningMarkers(start: "<|channel>thought", end: "<channel|>"),
            triggers: [CallTrigger("<|tool_call>", .call)],
            callEnd: "<tool_call|>",
            body: .keyValue(KeyValueCallStyle(namePrefix: "call:", stringDelimiter: "<|\"|>")),
            droppedMarkers: ["<|tool_response>", "<turn|>"])),
        structural: StructuralTagTemplate(
            triggers: ["<|tool_call>"],
            callBegin: "<|tool_call>call:{name}",
            callEnd: "<tool_call|>",
            arguments: .gemma))
}
