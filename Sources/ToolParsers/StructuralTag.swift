import Schema

/// What constrained decoding needs to force a format's calls to be well formed, in xgrammar's
/// structural-tag JSON (`{"type":"structural_tag","format":{…}}`).
public struct StructuralTagTemplate: Sendable, Equatable {
    /// How a call's arguments are written between its begin and end.
    /// (The raw value is the name in a format file's `arguments`.)
    public enum Arguments: String, Sendable, CaseIterable {
        /// JSON matching the tool's parameters schema.
        case jsonSchema = "json_schema"
        /// Qwen3-Coder XML parameters (xgrammar's `qwen_xml_parameter`) for the parameters schema.
        case qwenXMLParameters = "qwen_xml_parameter"
        /// GLM 4.5+ `<arg_key>K</arg_key><arg_value>V</arg_value>` (xgrammar's `glm_xml` style).
        case glmXML = "glm_xml"
        /// MiniMax M2 `<parameter name="K">V</parameter>` (xgrammar's `minimax_xml` style).
        case minimaxXML = "minimax_xml"
        /// DeepSeek DSML `<｜DSML｜parameter name="K" string="true|false">V</｜DSML｜parameter>` (`deepseek_xml`).
        case deepseekXML = "deepseek_xml"
        /// Kimi K3 `<|open|>argument key="K" type="T"<|sep|>V<|close|>argument<|sep|>` (`kimi_k3_xml`).
        case kimiK3XML = "kimi_k3_xml"
        /// Gemma 4 `{key:<|"|>text<|"|>,n:1}`: xgrammar's `gemma` style, keys sorted as the chat
        /// template writes them (`templateKeyOrder`), not in declared order.
        case gemma = "gemma"
        /// FunctionGemma: the `gemma` style with strings between `<escape>` (toolshell's
        /// `string_delimiter` extension), keys sorted likewise.
        case functionGemma = "function_gemma"
        /// MiniMax M3 `NS<key>V NS</key>`, objects and lists as nested elements (`minimax_m3_xml`).
        case minimaxM3XML = "minimax_m3_xml"
        /// Parameters around markers given as data (`xmlMarkers`; toolshell's `"style": "xml"`
        /// extension, for formats whose markers match none of xgrammar's styles).
        case xml = "xml"
        /// Free text up to the call's end (formats whose argument syntax xgrammar cannot express).
        case anyText = "any_text"
    }

    /// A format's own parameter markers: `parameterBegin` NAME `nameEnd` [whitespace when
    /// `spaceAfterName`] `valueBegin` VALUE `valueEnd`, values written as in xgrammar's XML styles
    /// (strings raw, other values JSON); `cdata`: a raw string may be one `<![CDATA[…]]>` section.
    public struct XMLMarkers: Sendable, Equatable {
        public var parameterBegin: String
        public var nameEnd: String
        public var valueBegin: String
        public var valueEnd: String
        public var spaceAfterName: Bool
        public var cdata: Bool

        public init(parameterBegin: String, nameEnd: String, valueBegin: String = "", valueEnd: String,
                    spaceAfterName: Bool = false, cdata: Bool = false) {
            self.parameterBegin = parameterBegin
            self.nameEnd = nameEnd
            self.valueBegin = valueBegin
            self.valueEnd = valueEnd
            self.spaceAfterName = spaceAfterName
            self.cdata = cdata
        }

        /// The structural tag's `xml_markers` object.
        public var json: JSONValue {
            var o = JSONObject([("parameter_begin", .string(parameterBegin)), ("name_end", .string(nameEnd))])
            if !valueBegin.isEmpty { o["value_begin"] = .string(valueBegin) }
            o["value_end"] = .string(valueEnd)
            if spaceAfterName { o["space_after_name"] = true }
            if cdata { o["cdata"] = true }
            return .object(o)
        }
    }

    /// Text that starts tool calls in free text (each a prefix of the begin of the tags it opens).
    public var triggers: [String]
    /// A wrapper around all calls of one turn: begin, end, and the separator between calls.
    public var section: (begin: String, end: String, separator: String)?
    /// A call's begin; `{name}` stands for the tool name, `{index}` for a call number the model
    /// writes (Kimi K3's `index="1"`, Kimi K2's `functions.NAME:0`, Cohere's `"tool_call_id": "0"`:
    /// digits), `{call_id}` for the optional call id `callID` describes.
    public var callBegin: String
    /// A call's end.
    public var callEnd: String
    public var arguments: Arguments
    /// The call id a model may write where `{call_id}` stands: its marker, then text matching
    /// `pattern` (Mistral: `[CALL_ID]` and nine letters or digits). Optional in the forced text.
    public var callID: (marker: String, pattern: String)?
    /// The parameter markers when `arguments` is `.xml`.
    public var xmlMarkers: XMLMarkers?

    public init(triggers: [String], section: (begin: String, end: String, separator: String)? = nil,
                callBegin: String, callEnd: String, arguments: Arguments = .jsonSchema,
                callID: (marker: String, pattern: String)? = nil) {
        self.triggers = triggers
        self.section = section
        self.callBegin = callBegin
        self.callEnd = callEnd
        self.arguments = arguments
        self.callID = callID
    }

    /// The placeholders of `callBegin` other than `{name}`.
    static let placeholders = ["{index}", "{call_id}"]

    /// Where the first of `placeholders` stands in `text`, if any does.
    static func firstPlaceholder(in text: Substring) -> Range<Substring.Index>? {
        placeholders.compactMap { text.firstRange(of: $0) }.min { $0.lowerBound < $1.lowerBound }
    }

    /// The structural-tag elements for `text`, the part of a call's begin from its first
    /// placeholder on: literal text as constants, `{index}` as digits, `{call_id}` as the
    /// optional id.
    func beginElements(_ text: String) -> [JSONValue] {
        var elements: [JSONValue] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let next = Self.firstPlaceholder(in: rest)
            let literal = rest[..<(next?.lowerBound ?? rest.endIndex)]
            if !literal.isEmpty { elements.append(["type": "const_string", "value": .string(String(literal))]) }
            guard let next else { break }
            if rest[next] == "{index}" {
                elements.append(["type": "regex", "pattern": "[0-9]+"])
            } else if let callID {
                elements.append(["type": "optional", "content": ["type": "sequence", "elements": [
                    ["type": "const_string", "value": .string(callID.marker)], ["type": "regex", "pattern": .string(callID.pattern)]]]])
            }
            rest = rest[next.upperBound...]
        }
        return elements
    }

    /// A template whose arguments are parameters around `markers` (`arguments` is `.xml`).
    public init(triggers: [String], section: (begin: String, end: String, separator: String)? = nil,
                callBegin: String, callEnd: String, markers: XMLMarkers) {
        self.init(triggers: triggers, section: section, callBegin: callBegin, callEnd: callEnd, arguments: .xml)
        xmlMarkers = markers
    }

    public static func == (a: StructuralTagTemplate, b: StructuralTagTemplate) -> Bool {
        a.triggers == b.triggers && a.section?.begin == b.section?.begin && a.section?.end == b.section?.end
            && a.section?.separator == b.section?.separator && a.callBegin == b.callBegin
            && a.callEnd == b.callEnd && a.arguments == b.arguments && a.xmlMarkers == b.xmlMarkers
            && a.callID?.marker == b.callID?.marker && a.callID?.pattern == b.callID?.pattern
    }

    /// The structural tag for these tools and this tool choice. `required` and a named choice
    /// make a call obligatory from the first token (`at_least_one`).
    public func structuralTag(tools catalog: ToolCatalog, choice: ToolChoice) -> JSONValue {
        if choice == .none || catalog.tools.isEmpty {
            return ["type": "structural_tag", "format": ["type": "any_text"]]
        }
        var names = catalog.names
        if case .named(let only) = choice { names = names.filter { $0 == only } }
        let callTags: [JSONValue] = names.map { name in
            let schema = catalog.parametersSchema(tool: name) ?? ["type": "object"]
            var content: JSONValue
            switch arguments {
            case .jsonSchema: content = ["type": "json_schema", "json_schema": schema]
            case .qwenXMLParameters: content = ["type": "qwen_xml_parameter", "json_schema": schema]
            case .glmXML, .minimaxXML, .deepseekXML, .kimiK3XML, .minimaxM3XML:
                content = ["type": "json_schema", "json_schema": schema, "style": .string(arguments.rawValue)]
            case .gemma, .functionGemma:
                var fields: [(String, JSONValue)] = [("type", "json_schema"), ("json_schema", Self.templateKeyOrder(schema)), ("style", "gemma")]
                if arguments == .functionGemma { fields.append(("string_delimiter", "<escape>")) }
                content = .object(JSONObject(fields))
            case .xml:
                content = ["type": "json_schema", "json_schema": schema, "style": "xml", "xml_markers": xmlMarkers?.json ?? .null]
            case .anyText: content = ["type": "any_text"]
            }
            var begin = callBegin.replacingOccurrences(of: "{name}", with: name)
            if let first = Self.firstPlaceholder(in: begin[...]) {
                // The tag begins before the first placeholder; what the model writes there and the
                // rest of the begin come first in its content.
                var elements = beginElements(String(begin[first.lowerBound...]))
                elements.append(content)
                content = ["type": "sequence", "elements": .array(elements)]
                begin = String(begin[..<first.lowerBound])
            }
            return .object(JSONObject([
                ("type", "tag"),
                ("begin", .string(begin)),
                ("content", content),
                ("end", .string(callEnd)),
            ]))
        }
        let required = choice != .auto
        let tags: [JSONValue]
        let triggerList: [String]
        if let section {
            let inner: JSONValue = .object(JSONObject([
                ("type", "tags_with_separator"), ("tags", .array(callTags)), ("separator", .string(section.separator)),
                ("at_least_one", true), ("stop_after_first", false),
            ]))
            tags = [.object(JSONObject([("type", "tag"), ("begin", .string(section.begin)), ("content", inner), ("end", .string(section.end))]))]
            triggerList = [section.begin]
        } else {
            tags = callTags
            triggerList = triggers
        }
        let format: JSONValue = .object(JSONObject([
            ("type", "triggered_tags"),
            ("triggers", .array(triggerList.map { .string($0) })),
            ("tags", .array(tags)),
            ("at_least_one", .bool(required)),
            ("stop_after_first", false),
        ]))
        return .object(JSONObject([("type", "structural_tag"), ("format", format)]))
    }
}

private extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
