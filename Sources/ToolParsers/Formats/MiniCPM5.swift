extension BuiltInFormats {
    /// OpenBMB MiniCPM 5: `<function name="NAME"><param name="KEY">VALUE</param>…</function>`, string values
    /// with markup wrapped in `<![CDATA[…]]>` (openbmb-MiniCPM5 chat template).
    static let minicpm5 = ToolParserFormat(
        name: "minicpm5", summary: "MiniCPM 5: <function name=…><param name=…>VALUE</param></function>",
        engine: .markup(MarkupFormat(
            reasoning: .think,
            triggers: [CallTrigger("<function name=\"", .call)],
            callEnd: "</function>",
            body: .tagged(TaggedCallStyle(nameEnd: ["\">"], parameterStart: "<param name=\"", keyEnd: "\">",
                                          valueEnd: "</param>", trimNewlines: false, unwrapCDATA: true)))),
        structural: StructuralTagTemplate(
            triggers: ["<function name=\""],
            callBegin: "<function name=\"{name}\">",
            callEnd: "</function>",
            markers: .init(parameterBegin: "<param name=\"", nameEnd: "\">", valueEnd: "</param>", cdata: true)))
}
