extension BuiltInFormats {
    /// AllenAI OLMo 3: Python calls, one per line, in `<function_calls>…</function_calls>` (vLLM's olmo3 parser).
    static let olmo3 = ToolParserFormat(
        name: "olmo3", summary: "OLMo 3: newline-separated Python calls in <function_calls>",
        engine: .markup(MarkupFormat(
            triggers: [CallTrigger("<function_calls>", .call)],
            callEnd: "</function_calls>",
            body: .pythonic(PythonicCallStyle(bracketed: false)))),
        structural: nil)
}
