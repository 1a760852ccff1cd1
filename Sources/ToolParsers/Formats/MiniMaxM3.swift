extension BuiltInFormats {
    /// MiniMax M3's namespace token, written before every tag of a tool call.
    static let minimaxM3Namespace = "]<]minimax[>["

    /// MiniMax M3: one `NS<tool_call>` block of `NS<invoke name="NAME">NS<key>VALUE NS</key>…NS</invoke>` calls
    /// (NS = `]<]minimax[>[`); objects nest as child elements, lists as `NS<item>` elements, null members are
    /// left out; reasoning in `<mm:think>…</mm:think>`, and an answer without reasoning starts with
    /// `</mm:think>` (MiniMax-M3 chat template).
    static let minimaxM3 = ToolParserFormat(
        name: "minimax_m3", summary: "MiniMax M3: ]<]minimax[>[<invoke name=…> with nested ]<]minimax[>[<key> elements",
        engine: .markup(MarkupFormat(
            reasoning: ReasoningMarkers(start: "<mm:think>", end: "</mm:think>"),
            triggers: [CallTrigger(minimaxM3Namespace + "<tool_call>", .section)],
            sectionEnd: minimaxM3Namespace + "</tool_call>",
            callStart: minimaxM3Namespace + "<invoke name=\"",
            callEnd: minimaxM3Namespace + "</invoke>",
            body: .nestedXML(NestedXMLCallStyle(tagPrefix: minimaxM3Namespace)),
            droppedMarkers: ["</mm:think>"])),
        structural: StructuralTagTemplate(
            triggers: [minimaxM3Namespace + "<tool_call>"],
            section: (begin: minimaxM3Namespace + "<tool_call>\n", end: minimaxM3Namespace + "</tool_call>", separator: ""),
            callBegin: minimaxM3Namespace + "<invoke name=\"{name}\">",
            // The template ends each invoke with a newline, the last one too.
            callEnd: minimaxM3Namespace + "</invoke>\n",
            arguments: .minimaxM3XML))
}
