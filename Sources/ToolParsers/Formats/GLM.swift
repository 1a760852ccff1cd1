extension BuiltInFormats {
    static let glmMarkup = MarkupFormat(
        reasoning: .think,
        triggers: [CallTrigger("<tool_call>", .call)],
        callEnd: "</tool_call>",
        body: .tagged(TaggedCallStyle(nameEnd: ["\n"], parameterStart: "<arg_key>", keyEnd: "</arg_key>",
                                      valueStart: "<arg_value>", valueEnd: "</arg_value>")))

    /// GLM 4.5 / 4.6: `<tool_call>NAME\n<arg_key>KEY</arg_key>\n<arg_value>VALUE</arg_value>\n</tool_call>`.
    static let glm45 = ToolParserFormat(
        name: "glm45", summary: "GLM 4.5/4.6: <tool_call>NAME\\n<arg_key>K</arg_key><arg_value>V</arg_value>",
        engine: .markup(glmMarkup),
        structural: StructuralTagTemplate(triggers: ["<tool_call>"], callBegin: "<tool_call>{name}\n",
                                          callEnd: "</tool_call>", arguments: .glmXML))

    /// GLM 4.7: the same tags without newlines: `<tool_call>NAME<arg_key>KEY</arg_key><arg_value>VALUE</arg_value></tool_call>`.
    static let glm47 = ToolParserFormat(
        name: "glm47", summary: "GLM 4.7: <tool_call>NAME<arg_key>K</arg_key><arg_value>V</arg_value></tool_call>",
        engine: .markup(glmMarkup),
        structural: StructuralTagTemplate(triggers: ["<tool_call>"], callBegin: "<tool_call>{name}",
                                          callEnd: "</tool_call>", arguments: .glmXML))

    /// inclusionAI Ling 3: the GLM 4.5 layout (inclusionai-ling-3.0-flash chat template).
    static let ling3 = ToolParserFormat(
        name: "ling3", summary: "Ling 3: the GLM 4.5 <arg_key>/<arg_value> layout",
        engine: .markup(glmMarkup),
        structural: StructuralTagTemplate(triggers: ["<tool_call>"], callBegin: "<tool_call>{name}\n",
                                          callEnd: "</tool_call>", arguments: .glmXML))
}
