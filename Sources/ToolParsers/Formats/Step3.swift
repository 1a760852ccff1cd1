extension BuiltInFormats {
    static let step3Section = (begin: "<｜tool_calls_begin｜>", end: "<｜tool_calls_end｜>")

    /// StepFun Step 3: `<｜tool_calls_begin｜><｜tool_call_begin｜>function<｜tool_sep｜><steptml:invoke name="NAME">`
    /// `<steptml:parameter name="KEY">VALUE</steptml:parameter>…</steptml:invoke><｜tool_call_end｜>…<｜tool_calls_end｜>`
    /// (vLLM's step3 parser); values are text typed by the tool's schema.
    static let step3 = ToolParserFormat(
        name: "step3", summary: "StepFun Step 3: <steptml:invoke>/<steptml:parameter> between tool-call tokens",
        engine: .markup(MarkupFormat(
            reasoning: .think,
            triggers: [CallTrigger(step3Section.begin, .section)],
            sectionEnd: step3Section.end,
            callStart: "<｜tool_call_begin｜>function<｜tool_sep｜><steptml:invoke name=\"",
            callEnd: "<｜tool_call_end｜>",
            body: .tagged(TaggedCallStyle(nameEnd: ["\">"], parameterStart: "<steptml:parameter name=\"", keyEnd: "\">",
                                          valueEnd: "</steptml:parameter>")))),
        structural: StructuralTagTemplate(
            triggers: [step3Section.begin],
            section: (begin: step3Section.begin, end: step3Section.end, separator: ""),
            callBegin: "<｜tool_call_begin｜>function<｜tool_sep｜><steptml:invoke name=\"{name}\">",
            callEnd: "</steptml:invoke><｜tool_call_end｜>",
            markers: .init(parameterBegin: "<steptml:parameter name=\"", nameEnd: "\">", valueEnd: "</steptml:parameter>")))
}
