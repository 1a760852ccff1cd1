extension BuiltInFormats {
    /// Phi-4-mini: `functools[{"name": …, "arguments": {…}}, …]`.
    static let phi4MiniJSON = ToolParserFormat(
        name: "phi4_mini_json", summary: "Phi-4-mini: functools[{…}, …]",
        engine: .markup(MarkupFormat(
            triggers: [CallTrigger("functools", .call)],
            body: .json(JSONCallStyle(allowsArray: true, allowsObject: false)))),
        structural: StructuralTagTemplate(
            triggers: ["functools["],
            section: (begin: "functools[", end: "]", separator: ", "),
            callBegin: "{\"name\": \"{name}\", \"arguments\": ",
            callEnd: "}"))
}
