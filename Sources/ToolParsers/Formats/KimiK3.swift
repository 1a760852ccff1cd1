extension BuiltInFormats {
    /// Kimi K3: `<|open|>tools<|sep|><|open|>call tool="NAME" index="N"<|sep|><|open|>argument key="KEY" type="T"<|sep|>VALUE<|close|>argument<|sep|>…<|close|>call<|sep|>…`
    /// (Kimi-K3 chat template); `type="string"` values are text, other types JSON.
    static let kimiK3 = ToolParserFormat(
        name: "kimi_k3", summary: "Kimi K3: <|open|>call tool=…<|sep|><|open|>argument key=… type=…<|sep|>VALUE<|close|>argument",
        engine: .markup(MarkupFormat(
            triggers: [CallTrigger("<|open|>tools<|sep|>", .section)],
            sectionEnd: "<|close|>tools<|sep|>",
            callStart: "<|open|>call tool=\"",
            callEnd: "<|close|>call<|sep|>",
            body: .tagged(TaggedCallStyle(nameEnd: ["\""], parameterStart: "<|open|>argument key=\"", keyEnd: "\"",
                                          attributesEnd: "<|sep|>", valueEnd: "<|close|>argument<|sep|>", trimNewlines: false)),
            droppedMarkers: ["<|close|>response<|sep|>"])),
        structural: StructuralTagTemplate(
            triggers: ["<|open|>tools<|sep|>"],
            section: (begin: "<|open|>tools<|sep|>", end: "<|close|>tools<|sep|>", separator: ""),
            callBegin: "<|open|>call tool=\"{name}\" index=\"{index}\"<|sep|>",
            callEnd: "<|close|>call<|sep|>",
            arguments: .kimiK3XML))
}
