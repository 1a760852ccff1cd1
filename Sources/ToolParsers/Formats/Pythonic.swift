extension BuiltInFormats {
    /// Python call lists as the whole answer: `[get_weather(city="Paris"), get_time()]`.
    static let pythonic = ToolParserFormat(
        name: "pythonic", summary: "Python call list [f(a=1), g(b='x')] as the answer",
        engine: .markup(MarkupFormat(triggers: [], anchoredStarts: ["["], body: .pythonic(PythonicCallStyle()))),
        structural: nil)

    /// Llama 4: the pythonic list, optionally wrapped in `<|python_start|>…<|python_end|>`.
    static let llama4Pythonic = ToolParserFormat(
        name: "llama4_pythonic", summary: "Llama 4: pythonic list, optionally in <|python_start|>…<|python_end|>",
        engine: .markup(MarkupFormat(
            triggers: [CallTrigger("<|python_start|>", .call)], anchoredStarts: ["["],
            callEnd: "<|python_end|>", body: .pythonic(PythonicCallStyle()))),
        structural: nil)

    /// Liquid LFM2: `<|tool_call_start|>[f(a=1), g()]<|tool_call_end|>` (LFM2.5 chat template).
    static let lfm2 = ToolParserFormat(
        name: "lfm2", summary: "Liquid LFM2: <|tool_call_start|>[f(a=1)]<|tool_call_end|>",
        engine: .markup(MarkupFormat(
            reasoning: .think,
            triggers: [CallTrigger("<|tool_call_start|>", .call)],
            callEnd: "<|tool_call_end|>", body: .pythonic(PythonicCallStyle()))),
        structural: nil)
}
