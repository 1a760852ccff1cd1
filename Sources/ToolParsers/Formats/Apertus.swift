extension BuiltInFormats {
    /// Swiss AI Apertus: `<|tools_prefix|>[{"NAME": {arguments}}, …]<|tools_suffix|>` (Apertus chat template).
    static let apertus = ToolParserFormat(
        name: "apertus", summary: "Apertus: <|tools_prefix|>[{\"NAME\": {…}}, …]<|tools_suffix|>",
        engine: .markup(MarkupFormat(
            triggers: [CallTrigger("<|tools_prefix|>", .call)],
            callEnd: "<|tools_suffix|>",
            body: .json(JSONCallStyle(allowsArray: true, allowsObject: true, nameIsKey: true)))),
        structural: StructuralTagTemplate(
            triggers: ["<|tools_prefix|>"],
            section: (begin: "<|tools_prefix|>[", end: "]<|tools_suffix|>", separator: ", "),
            callBegin: "{\"{name}\": ",
            callEnd: "}"))
}
