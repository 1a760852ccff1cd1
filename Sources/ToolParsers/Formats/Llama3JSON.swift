extension BuiltInFormats {
    /// Llama 3.x / 4 JSON calls: `{"name": …, "parameters": {…}}` as the whole answer (optionally after
    /// `<|python_tag|>`), several separated by `;`.
    static let llama3JSONMarkup = MarkupFormat(
        triggers: [CallTrigger("<|python_tag|>", .call)],
        anchoredStarts: ["{"],
        chainSeparators: ";",
        body: .json(JSONCallStyle(argumentKeys: ["parameters", "arguments"])))

    static let llama3JSONTag = StructuralTagTemplate(
        triggers: ["{\"name\": "],
        callBegin: "{\"name\": \"{name}\", \"parameters\": ",
        callEnd: "}")

    static let llama3JSON = ToolParserFormat(
        name: "llama3_json", summary: "Llama 3.1-3.3: bare {\"name\", \"parameters\"} JSON, ';'-separated",
        engine: .markup(llama3JSONMarkup), structural: llama3JSONTag)

    static let llama4JSON = ToolParserFormat(
        name: "llama4_json", summary: "Llama 4 JSON calls (the llama3_json wire format)",
        engine: .markup(llama3JSONMarkup), structural: llama3JSONTag)
}
