extension BuiltInFormats {
    /// StepFun Step 3.5: the Qwen3-Coder XML parameters in `<tool_call>`; the chat template opens `<think>` in the prompt.
    static let step3p5 = ToolParserFormat(
        name: "step3p5", summary: "StepFun 3.5: <function=NAME><parameter=KEY> in <tool_call>, prompt-opened <think>",
        engine: .markup({ var m = qwen3CoderMarkup; m.reasoning = .thinkOpenedByPrompt; return m }()),
        structural: qwen3CoderTag)
}
