extension BuiltInFormats {
    /// Salesforce xLAM: a JSON list `[{"name": …, "arguments": {…}}, …]` as the whole answer or in
    /// `<tool_call>…</tool_call>`; reasoning may precede it up to `</think>` (vLLM's xlam parser; the xLAM
    /// model cards' output format). vLLM also looks for the list after `[TOOL_CALLS]` and in code fences;
    /// those openers are not built in (an answer starting with `[` is read as the list).
    static let xlam = ToolParserFormat(
        name: "xlam", summary: "Salesforce xLAM: JSON list of {\"name\", \"arguments\"} as the answer",
        engine: .markup(MarkupFormat(
            reasoning: .think,
            triggers: [CallTrigger("<tool_call>", .call)],
            anchoredStarts: ["["],
            callEnd: "</tool_call>",
            body: .json(JSONCallStyle(argumentKeys: ["arguments"], allowsArray: true, allowsObject: false)))),
        structural: StructuralTagTemplate(
            triggers: ["[{\"name\": "],
            section: (begin: "[", end: "]", separator: ", "),
            callBegin: "{\"name\": \"{name}\", \"arguments\": ",
            callEnd: "}"))
}
