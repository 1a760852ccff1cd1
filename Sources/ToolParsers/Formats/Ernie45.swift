extension BuiltInFormats {
    /// Baidu ERNIE 4.5: `<tool_call>\n{"name": …, "arguments": {…}}\n</tool_call>` per call; the thinking
    /// models end reasoning with `</think>` (the opening tag is in the prompt) and may wrap a plain answer in
    /// `<response>…</response>` (vLLM's ernie45 parser).
    static let ernie45 = ToolParserFormat(
        name: "ernie45", summary: "ERNIE 4.5: JSON object in <tool_call>, <response> wrapper dropped",
        engine: .markup(MarkupFormat(
            reasoning: .thinkOpenedByPrompt,
            triggers: [CallTrigger("<tool_call>", .call)],
            callEnd: "</tool_call>",
            body: .json(JSONCallStyle(argumentKeys: ["arguments"])),
            droppedMarkers: ["<response>", "</response>"])),
        structural: hermesTag)
}
