extension BuiltInFormats {
    static let deepseekSection = (begin: "<｜tool▁calls▁begin｜>", end: "<｜tool▁calls▁end｜>")

    /// DeepSeek V3 / R1: `<｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{…}\n```<｜tool▁call▁end｜>`
    /// inside `<｜tool▁calls▁begin｜>…<｜tool▁calls▁end｜>`.
    static let deepseekV3 = ToolParserFormat(
        name: "deepseek_v3", summary: "DeepSeek V3 / R1: function<｜tool▁sep｜>NAME + ```json fenced arguments",
        engine: .markup(MarkupFormat(
            reasoning: .think,
            triggers: [CallTrigger(deepseekSection.begin, .section)],
            sectionEnd: deepseekSection.end,
            callStart: "<｜tool▁call▁begin｜>",
            callEnd: "<｜tool▁call▁end｜>",
            body: .json(JSONCallStyle(allowsObject: false, nameThenArguments: NameThenArguments(
                nameEnd: ["```json"], dropThrough: "<｜tool▁sep｜>", argumentsSuffix: "```"))))),
        structural: StructuralTagTemplate(
            triggers: [deepseekSection.begin],
            section: (begin: deepseekSection.begin, end: deepseekSection.end, separator: "\n"),
            callBegin: "<｜tool▁call▁begin｜>function<｜tool▁sep｜>{name}\n```json\n",
            callEnd: "\n```<｜tool▁call▁end｜>"))

    /// DeepSeek V3.1: `<｜tool▁call▁begin｜>NAME<｜tool▁sep｜>{…}<｜tool▁call▁end｜>` inside the calls section.
    static let deepseekV31 = ToolParserFormat(
        name: "deepseek_v31", summary: "DeepSeek V3.1: NAME<｜tool▁sep｜>{…} between tool-call tokens",
        engine: .markup(MarkupFormat(
            reasoning: .think,
            triggers: [CallTrigger(deepseekSection.begin, .section)],
            sectionEnd: deepseekSection.end,
            callStart: "<｜tool▁call▁begin｜>",
            callEnd: "<｜tool▁call▁end｜>",
            body: .json(JSONCallStyle(allowsObject: false, nameThenArguments: NameThenArguments(nameEnd: ["<｜tool▁sep｜>"]))))),
        structural: StructuralTagTemplate(
            triggers: [deepseekSection.begin],
            section: (begin: deepseekSection.begin, end: deepseekSection.end, separator: ""),
            callBegin: "<｜tool▁call▁begin｜>{name}<｜tool▁sep｜>",
            callEnd: "<｜tool▁call▁end｜>"))

    /// DeepSeek DSML (V3.2: `function_calls` block; V4: `tool_calls` block):
    /// `<｜DSML｜invoke name="NAME">\n<｜DSML｜parameter name="KEY" string="true|false">VALUE</｜DSML｜parameter>\n</｜DSML｜invoke>`.
    static func dsml(name: String, block: String, summary: String) -> ToolParserFormat {
        ToolParserFormat(
            name: name, summary: summary,
            engine: .markup(MarkupFormat(
                reasoning: .think,
                triggers: [CallTrigger("<｜DSML｜\(block)>", .section)],
                sectionEnd: "</｜DSML｜\(block)>",
                callStart: "<｜DSML｜invoke name=\"",
                callEnd: "</｜DSML｜invoke>",
                body: .tagged(TaggedCallStyle(nameEnd: ["\">"], parameterStart: "<｜DSML｜parameter name=\"", keyEnd: "\"",
                                              attributesEnd: ">", valueEnd: "</｜DSML｜parameter>", trimNewlines: false)))),
            structural: StructuralTagTemplate(
                triggers: ["<｜DSML｜\(block)>"],
                section: (begin: "<｜DSML｜\(block)>\n", end: "</｜DSML｜\(block)>", separator: ""),
                callBegin: "<｜DSML｜invoke name=\"{name}\">\n",
                callEnd: "</｜DSML｜invoke>\n",
                arguments: .deepseekXML))
    }

    static let deepseekV32 = dsml(name: "deepseek_v32", block: "function_calls",
                                  summary: "DeepSeek V3.2 DSML: <｜DSML｜invoke>/<｜DSML｜parameter> in <｜DSML｜function_calls>")
    static let deepseekV4 = dsml(name: "deepseek_v4", block: "tool_calls",
                                 summary: "DeepSeek V4 DSML: <｜DSML｜invoke>/<｜DSML｜parameter> in <｜DSML｜tool_calls>")
    static let deepseekV41 = dsml(name: "deepseek_v41", block: "tool_calls",
                                  summary: "DeepSeek V4 Flash DSML (the deepseek_v4 wire format)")
}
