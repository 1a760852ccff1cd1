import Testing
import Schema
@testable import ToolParsers

@Suite struct StructuralTagTests {
    static let tools = FormatRendering.tools

    @Test func hermesTagHasXGrammarShape() throws {
        let tag = try BuiltInFormats.hermes.structuralTag(tools: Self.tools, choice: .auto)
        #expect(tag["type"] == "structural_tag")
        let format = try #require(tag["format"])
        #expect(format["type"] == "triggered_tags")
        #expect(format["triggers"] == ["<tool_call>"])
        #expect(format["at_least_one"] == false)
        #expect(format["stop_after_first"] == false)
        let tags = try #require(format["tags"]?.arrayValue)
        #expect(tags.count == 2)
        #expect(tags[0]["begin"] == "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": ")
        #expect(tags[0]["end"] == "}\n</tool_call>")
        #expect(tags[0]["content"]?["type"] == "json_schema")
        #expect(tags[0]["content"]?["json_schema"]?["properties"]?["city"] == ["type": "string"])
    }

    @Test func requiredAndNamedChoicesForceACallFromTheFirstToken() throws {
        let required = try BuiltInFormats.hermes.structuralTag(tools: Self.tools, choice: .required)
        #expect(required["format"]?["at_least_one"] == true)
        let named = try BuiltInFormats.hermes.structuralTag(tools: Self.tools, choice: .named("get_time"))
        #expect(named["format"]?["at_least_one"] == true)
        #expect(named["format"]?["tags"]?.arrayValue?.count == 1)
        #expect(named["format"]?["tags"]?[0]?["begin"] == "<tool_call>\n{\"name\": \"get_time\", \"arguments\": ")
        let none = try BuiltInFormats.hermes.structuralTag(tools: Self.tools, choice: .none)
        #expect(none["format"]?["type"] == "any_text")
    }

    @Test func sectionFormatsWrapCallsInOneTag() throws {
        let tag = try BuiltInFormats.kimiK2.structuralTag(tools: Self.tools, choice: .auto)
        let outer = try #require(tag["format"]?["tags"]?[0])
        #expect(outer["begin"] == "<|tool_calls_section_begin|>")
        #expect(outer["content"]?["type"] == "tags_with_separator")
        #expect(outer["content"]?["tags"]?.arrayValue?.count == 2)
    }

    /// What a structural tag forces (begin + arguments + end) is read back by the same format's parser.
    @Test(arguments: ToolParserRegistry.builtIn.all.filter { $0.structural?.arguments == .jsonSchema })
    func forcedTextParsesBack(_ format: ToolParserFormat) throws {
        let template = try #require(format.structural)
        let args = FormatRendering.richArguments
        // Placeholders as a model fills them: call number 0, the optional call id written out.
        let id = template.callID.map { $0.marker + "abcDEF123" } ?? ""
        var call = template.callBegin.replacingOccurrences(of: "{name}", with: "get_weather")
            .replacingOccurrences(of: "{index}", with: "0").replacingOccurrences(of: "{call_id}", with: id)
            + FormatRendering.json(args) + template.callEnd
        if let section = template.section { call = section.begin + call + section.end }
        let parser = try format.makeParser(tools: Self.tools, options: ToolParserOptions(startsInReasoning: false))
        let out = parser.parse(call)
        #expect(out.toolCalls.map(\.name) == ["get_weather"], "\(format.name): \(call.debugDescription)")
        #expect((try? JSONValue.parse(out.toolCalls.first?.arguments ?? "")) == args, "\(format.name)")
        #expect(out.content.trimmedSpaces.isEmpty, "\(format.name): \(out.content.debugDescription)")
    }

    /// `{index}` in a call begin (Kimi K3 numbers its calls: `index="1"`, `"2"`, …): the tag
    /// begins before the number, and its content reads the digits, the rest of the begin, then
    /// the arguments (xgrammar's Kimi K3 tag has the same shape).
    @Test func callNumbersAreDigitsTheModelWrites() throws {
        let tag = try BuiltInFormats.kimiK3.structuralTag(tools: Self.tools, choice: .required)
        let call = try #require(tag["format"]?["tags"]?[0]?["content"]?["tags"]?[0])
        #expect(call["begin"] == "<|open|>call tool=\"get_weather\" index=\"")
        let elements = try #require(call["content"]?["elements"]?.arrayValue)
        #expect(elements.count == 3)
        #expect(elements[0] == ["type": "regex", "pattern": "[0-9]+"])
        #expect(elements[1] == ["type": "const_string", "value": "\"<|sep|>"])
        #expect(elements[2]["style"] == "kimi_k3_xml")
        #expect(call["end"] == "<|close|>call<|sep|>")
    }

    /// Formats whose structural tag writes arguments in one of xgrammar's XML styles or its gemma
    /// style: a call written in that style (strings raw, other values as JSON, the spelling
    /// xgrammar's style grammars accept, see Tests/Fixtures/structural-tags/xml-styles.json and
    /// gemma-style.json) is read back by the same format's parser with the same arguments.
    @Test(arguments: ToolParserRegistry.builtIn.all.filter { f in
        guard let a = f.structural?.arguments else { return false }
        return [.glmXML, .minimaxXML, .deepseekXML, .kimiK3XML, .minimaxM3XML, .xml, .gemma, .functionGemma].contains(a)
    })
    func xmlStyledTextParsesBack(_ format: ToolParserFormat) throws {
        let template = try #require(format.structural)
        guard case .object(let args) = FormatRendering.richArguments else { return }
        var body = ""
        for (key, value) in args {
            let text = value.stringValue ?? value.jsonString(.compact)
            switch template.arguments {
            case .glmXML: body += "<arg_key>\(key)</arg_key><arg_value>\(text)</arg_value>"
            case .minimaxXML: body += "<parameter name=\"\(key)\">\(text)</parameter>\n"
            case .deepseekXML:
                body += "<\u{FF5C}DSML\u{FF5C}parameter name=\"\(key)\" string=\"\(value.stringValue != nil)\">\(text)</\u{FF5C}DSML\u{FF5C}parameter>\n"
            case .kimiK3XML:
                let type: String
                switch value {
                case .string: type = "string"
                case .integer, .number: type = "number"
                case .bool: type = "boolean"
                case .null: type = "null"
                case .array: type = "array"
                case .object: type = "object"
                }
                body += "<|open|>argument key=\"\(key)\" type=\"\(type)\"<|sep|>\(text)<|close|>argument<|sep|>"
            case .gemma, .functionGemma:
                // The whole object in the dialect (braces added below), keys sorted as the chat template writes them.
                break
            case .minimaxM3XML:
                // Every value in an element; objects' members and lists' items nest as elements.
                func element(_ tag: String, _ v: JSONValue) -> String {
                    let ns = "]<]minimax[>["
                    let inner: String
                    switch v {
                    case .object(let o): inner = o.map { element($0.0, $0.1) }.joined()
                    case .array(let a): inner = a.map { element("item", $0) }.joined(separator: "\n")
                    default: inner = v.stringValue ?? v.jsonString(.compact)
                    }
                    return ns + "<" + tag + ">" + inner + ns + "</" + tag + ">"
                }
                body += element(key, value)
            case .xml:
                let m = try #require(template.xmlMarkers)
                body += m.parameterBegin + key + m.nameEnd + m.valueBegin + text + m.valueEnd
            default: Issue.record("\(format.name): not an XML style")
            }
        }
        if template.arguments == .gemma || template.arguments == .functionGemma {
            body = GemmaDialect.text(FormatRendering.richArguments, delimiter: template.arguments == .gemma ? "<|\"|>" : "<escape>",
                                     sortedKeys: true)
        }
        try parsesBack(format, body)
        // Strings as CDATA sections where the markers allow them (the parser unwraps them).
        if let m = template.xmlMarkers, m.cdata {
            var cdata = ""
            for (key, value) in args {
                let text = value.stringValue.map { "<![CDATA[" + $0 + "]]>" } ?? value.jsonString(.compact)
                cdata += m.parameterBegin + key + m.nameEnd + m.valueBegin + text + m.valueEnd
            }
            try parsesBack(format, cdata)
        }
    }

    private func parsesBack(_ format: ToolParserFormat, _ body: String) throws {
        let template = try #require(format.structural)
        var call = template.callBegin.replacingOccurrences(of: "{name}", with: "get_weather")
            .replacingOccurrences(of: "{index}", with: "1") + body + template.callEnd
        if let section = template.section { call = section.begin + call + section.end }
        let parser = try format.makeParser(tools: Self.tools, options: ToolParserOptions(startsInReasoning: false))
        let out = parser.parse(call)
        #expect(out.toolCalls.map(\.name) == ["get_weather"], "\(format.name): \(call.debugDescription)")
        #expect((try? JSONValue.parse(out.toolCalls.first?.arguments ?? "")) == FormatRendering.richArguments,
                "\(format.name): \(out.toolCalls.first?.arguments ?? "")")
        #expect(out.content.trimmedSpaces.isEmpty, "\(format.name): \(out.content.debugDescription)")
    }
}

extension ToolParserFormat: CustomTestStringConvertible {
    public var testDescription: String { name }
}

private extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            result += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return result + rest
    }
}

@Suite struct RegistryTests {
    static let declarative = """
    {"formats": [{"name": "pipes", "summary": "test format",
      "reasoning": {"start": "<r>", "end": "</r>"},
      "triggers": [{"marker": "<<CALL>>", "effect": "call"}], "call_end": "<</CALL>>",
      "arguments": {"style": "json", "name_then_arguments": {"name_end": ["|"]}},
      "structural_tag": {"triggers": ["<<CALL>>"], "call_begin": "<<CALL>>{name}|", "call_end": "<</CALL>>"}},
     {"name": "xmlish", "triggers": [{"marker": "<call ", "effect": "call"}], "call_end": "</call>",
      "arguments": {"style": "tagged", "name_end": [">"], "parameter_start": "<arg ", "key_end": ">", "value_end": "</arg>"}}]}
    """

    @Test func userFormatsFromADeclarativeFile() throws {
        var registry = ToolParserRegistry.builtIn
        let names = try registry.loadDeclarativeFormats(Self.declarative, path: "formats.json")
        #expect(names == ["pipes", "xmlish"])
        for chunking in Chunking.allCases {
            let parser = try registry.makeParser(name: "pipes", tools: FormatRendering.tools)
            var events: [ToolParserEvent] = []
            for piece in chunking.split("<r>hm</r>Hi<<CALL>>get_weather|{\"days\": 2}<</CALL>>") { events += parser.feed(piece) }
            events += parser.finish()
            let out = ParsedOutput(events: events)
            #expect(out == ParsedOutput(content: "Hi", reasoning: "hm", toolCalls: [ParsedToolCall(id: "call_0", name: "get_weather", arguments: "{\"days\": 2}")]))
            let xml = try registry.makeParser(name: "xmlish", tools: FormatRendering.tools).parse("<call get_weather><arg days>4</arg><arg city>Rome</arg></call>")
            #expect(xml.toolCalls.first?.arguments == "{\"days\": 4, \"city\": \"Rome\"}")
        }
        let tag = try registry.require("pipes").structuralTag(tools: FormatRendering.tools, choice: .required)
        #expect(tag["format"]?["tags"]?[0]?["begin"] == "<<CALL>>get_weather|")
    }

    @Test func declarativeErrorsNameTheFileAndPointer() {
        let bad: [(String, String)] = [
            ("{\"formats\": [{\"name\": \"x\", \"triggers\": [{\"marker\": \"<a>\", \"effect\": \"bogus\"}], \"arguments\": {\"style\": \"json\"}}]}", "/formats/0/triggers/0/effect"),
            ("{\"formats\": [{\"name\": \"x\", \"triggers\": [{\"marker\": \"<a\"}, {\"marker\": \"<ab\"}], \"arguments\": {\"style\": \"json\"}}]}", "/formats/0/triggers/1/marker"),
            ("{\"formats\": [{\"name\": \"x\", \"triggers\": [{\"marker\": \"<a>\"}], \"arguments\": {\"style\": \"yaml\"}}]}", "/formats/0/arguments/style"),
            ("{\"formats\": [{\"triggers\": []}]}", "/formats/0/name"),
            ("{\"formats\": 3}", ""),
        ]
        for (text, pointer) in bad {
            var registry = ToolParserRegistry.builtIn
            #expect(throws: ToolParserError.self) { try registry.loadDeclarativeFormats(text, path: "f.json") }
            do {
                try registry.loadDeclarativeFormats(text, path: "f.json")
            } catch {
                if case let .badFormatFile(path, p, _) = error {
                    #expect(path == "f.json")
                    #expect(p == pointer, "\(error)")
                } else {
                    Issue.record("unexpected error \(error)")
                }
            }
        }
        #expect(throws: ToolParserError.self) { try DeclarativeFormats.load("not json", path: "f.json") }
    }

    @Test func unknownParserAndBadToolsAreTypedErrors() {
        #expect(throws: ToolParserError.self) { try ToolParserRegistry.builtIn.makeParser(name: "nope", tools: []) }
        #expect(throws: ToolParserError.self) { try ToolParserRegistry.builtIn.makeParser(name: "hermes", tools: [.integer(3)]) }
    }

    @Test func builtInNamesMatchVLLM() {
        let names = Set(ToolParserRegistry.builtIn.names)
        for name in ["hermes", "mistral", "llama3_json", "pythonic", "qwen3_coder", "deepseek_v3", "deepseek_v31",
                     "kimi_k2", "glm45", "openai", "granite", "minimax_m2", "seed_oss"] {
            #expect(names.contains(name), "\(name) missing")
        }
    }
}
