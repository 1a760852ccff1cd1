extension BuiltInFormats {
    /// Mistral: `[TOOL_CALLS]name[ARGS]{…}` (tokenizer v11+, optionally `[CALL_ID]id` before `[ARGS]`)
    /// and the older `[TOOL_CALLS][{"name": …, "arguments": {…}}, …]`; reasoning in `[THINK]…[/THINK]`.
    static let mistral = ToolParserFormat(
        name: "mistral", summary: "Mistral: [TOOL_CALLS]name[ARGS]{…} or [TOOL_CALLS][{…}, …]",
        engine: .markup(MarkupFormat(
            reasoning: ReasoningMarkers(start: "[THINK]", end: "[/THINK]"),
            triggers: [CallTrigger("[TOOL_CALLS]", .call)],
            body: .json(JSONCallStyle(allowsArray: true, allowsObject: true,
                                      nameThenArguments: NameThenArguments(nameEnd: ["[ARGS]"], idMarker: "[CALL_ID]"))))),
        structural: StructuralTagTemplate(
            triggers: ["[TOOL_CALLS]"],
            callBegin: "[TOOL_CALLS]{name}{call_id}[ARGS]",
            callEnd: "",
            callID: (marker: "[CALL_ID]", pattern: "[A-Za-z0-9]{9}")))
}
