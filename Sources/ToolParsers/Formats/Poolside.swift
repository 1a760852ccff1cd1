extension BuiltInFormats {
    /// poolside Laguna: the GLM 4.5 tags, `<tool_call>NAME\n<arg_key>KEY</arg_key>\n<arg_value>VALUE</arg_value>\n</tool_call>`
    /// (poolside-Laguna chat templates).
    static let poolsideV1 = ToolParserFormat(
        name: "poolside_v1", summary: "poolside Laguna: <tool_call>NAME\\n<arg_key>K</arg_key><arg_value>V</arg_value>",
        engine: .markup(glmMarkup),
        structural: StructuralTagTemplate(triggers: ["<tool_call>"], callBegin: "<tool_call>{name}\n",
                                          callEnd: "</tool_call>", arguments: .glmXML))
}
