extension BuiltInFormats {
    /// gpt-oss Harmony channels (see `HarmonyToolParser`).
    static let openai = ToolParserFormat(
        name: "openai", summary: "gpt-oss Harmony: analysis/commentary/final channels, to=functions.NAME calls",
        engine: .harmony,
        structural: StructuralTagTemplate(
            triggers: ["<|channel|>commentary to="],
            callBegin: "<|channel|>commentary to=functions.{name} <|constrain|>json<|message|>",
            callEnd: "<|call|>"),
        markers: ["<|start|>", "<|channel|>", "<|message|>", "<|constrain|>", "<|end|>", "<|call|>", "<|return|>"])
}
