extension BuiltInFormats {
    /// GigaChat 3: a `function call` message, `<|message_sep|>\n\nfunction call<|role_sep|>\n{"name": …, "arguments": {…}}`
    /// (GigaChat3 chat template; one call per turn).
    static let gigachat3 = ToolParserFormat(
        name: "gigachat3", summary: "GigaChat 3: function call<|role_sep|> then a JSON call object",
        engine: .markup(MarkupFormat(
            triggers: [CallTrigger("<|message_sep|>\n\nfunction call<|role_sep|>", .call)],
            body: .json(JSONCallStyle()))),
        structural: StructuralTagTemplate(
            triggers: ["<|message_sep|>\n\nfunction call<|role_sep|>"],
            callBegin: "<|message_sep|>\n\nfunction call<|role_sep|>\n{\"name\": \"{name}\", \"arguments\": ",
            callEnd: "}"))
}
