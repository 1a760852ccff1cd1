extension BuiltInFormats {
    /// InternLM 2: `<|action_start|><|plugin|>\n{"name": …, "parameters": {…}}<|action_end|>`.
    static let internlm = ToolParserFormat(
        name: "internlm", summary: "InternLM 2: <|action_start|><|plugin|>{…}<|action_end|>",
        engine: .markup(MarkupFormat(
            triggers: [CallTrigger("<|action_start|><|plugin|>", .call)],
            callEnd: "<|action_end|>",
            body: .json(JSONCallStyle(argumentKeys: ["parameters", "arguments"])))),
        structural: StructuralTagTemplate(
            triggers: ["<|action_start|><|plugin|>"],
            callBegin: "<|action_start|><|plugin|>\n{\"name\": \"{name}\", \"parameters\": ",
            callEnd: "}<|action_end|>"))
}
