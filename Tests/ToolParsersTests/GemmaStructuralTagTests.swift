import Testing
import Schema
import Grammar
@testable import ToolParsers

/// Gemma 4's and FunctionGemma's argument dialect, written out for tests: bare keys, strings raw
/// between `delimiter`, other values as compact JSON.
enum GemmaDialect {
    static func text(_ v: JSONValue, delimiter q: String, sortedKeys: Bool) -> String {
        switch v {
        case .string(let s): return q + s + q
        case .object(let o):
            var pairs = o.map { ($0.0, $0.1) }
            if sortedKeys { pairs.sort { $0.0 < $1.0 } }
            return "{" + pairs.map { "\($0.0):" + text($0.1, delimiter: q, sortedKeys: sortedKeys) }.joined(separator: ",") + "}"
        case .array(let a): return "[" + a.map { text($0, delimiter: q, sortedKeys: sortedKeys) }.joined(separator: ",") + "]"
        default: return v.jsonString(.compact)
        }
    }
}

/// The Gemma formats' structural tags (xgrammar's `gemma` style; FunctionGemma with `<escape>`
/// strings) compiled by the grammar compiler: what the models' chat templates render is accepted,
/// and what the grammar accepts is read back by the formats' parsers.
@Suite struct GemmaStructuralTagTests {
    /// Whether the structural tag of `format` for `tools` accepts `text` (one byte per token, so
    /// markers are text; the end token after the text).
    static func accepts(_ format: ToolParserFormat, tools: [JSONValue], options: JSONSchemaGrammarOptions = .init(), _ text: String) throws -> Bool {
        let tag = try format.structuralTag(tools: tools, choice: .auto)
        let grammar = try StructuralTagGrammar.compile(tag, schemaOptions: options)
        let vocabulary = TokenVocabulary(tokens: (0..<256).map { [UInt8($0)] } + [Array("<end>".utf8)], special: [256], endOfGeneration: [256])
        let matcher = GrammarMatcher(try CompiledGrammar(grammar, vocabulary: vocabulary))
        return (text.isEmpty || matcher.accept(bytes: Array(text.utf8))) && matcher.accept(token: 256)
    }

    /// Every Gemma 4 turn the real chat template renders (Tests/Fixtures/tool-parsers/
    /// template_cases.json, parser gemma4; keys sorted by the template, not in declared order) is
    /// accepted by the gemma4 structural tag for the fixture's tools, with additional properties
    /// open (the default) and closed, in compact and flexible whitespace.
    @Test func templateRendersAreAccepted() throws {
        let cases = TemplateCaseTests.fixture.cases.filter { $0.parser == "gemma4" }
        let tools = TemplateCaseTests.fixture.tools
        let strict = JSONSchemaGrammarOptions(whitespace: .flexible(maxRun: 4), strictAdditionalProperties: true)
        #expect(cases.count >= 4)
        #expect(cases.contains { $0.text.contains("filters:{max:") }, "a render with keys out of declared order")
        for c in cases {
            #expect(try Self.accepts(BuiltInFormats.gemma4, tools: tools, c.text), "\(c.id): \(c.text.debugDescription)")
            #expect(try Self.accepts(BuiltInFormats.gemma4, tools: tools, options: strict, c.text), "strict \(c.id): \(c.text.debugDescription)")
        }
        // An undeclared key: an additional property unless they are closed.
        let extra = "<|tool_call>call:get_weather{city:<|\"|>Paris<|\"|>,hours:3}<tool_call|>"
        #expect(try Self.accepts(BuiltInFormats.gemma4, tools: tools, extra))
        #expect(try !Self.accepts(BuiltInFormats.gemma4, tools: tools, options: strict, extra))
        // The same calls off the schema are rejected: a JSON-quoted string, a string for an
        // integer, a missing required property, a value outside the enum.
        for bad in ["<|tool_call>call:get_weather{city:\"Paris\"}<tool_call|>",
                    "<|tool_call>call:get_weather{city:<|\"|>Paris<|\"|>,days:<|\"|>3<|\"|>}<tool_call|>",
                    "<|tool_call>call:search{exact:true}<tool_call|>",
                    "<|tool_call>call:get_weather{city:<|\"|>Paris<|\"|>,unit:<|\"|>kelvin<|\"|>}<tool_call|>"] {
            #expect(try !Self.accepts(BuiltInFormats.gemma4, tools: tools, bad), "\(bad.debugDescription)")
        }
    }

    /// Arguments with every kind of value, written in each format's dialect with keys sorted as
    /// the chat templates write them: the structural tag accepts the call and the parser reads
    /// the same arguments back. The declared order (not sorted here) is not what the tag forces.
    @Test(arguments: [(BuiltInFormats.gemma4, "<|\"|>"), (BuiltInFormats.functiongemma, "<escape>")])
    func richArgumentsAreAcceptedAndParseBack(_ format: ToolParserFormat, _ delimiter: String) throws {
        let template = try #require(format.structural)
        let declared = template.callBegin.replacing("{name}", with: "get_weather")
            + GemmaDialect.text(FormatRendering.richArguments, delimiter: delimiter, sortedKeys: false) + template.callEnd
        #expect(try !Self.accepts(format, tools: FormatRendering.tools, declared), "\(format.name): \(declared.debugDescription)")
        let call = template.callBegin.replacing("{name}", with: "get_weather")
            + GemmaDialect.text(FormatRendering.richArguments, delimiter: delimiter, sortedKeys: true) + template.callEnd
        #expect(try Self.accepts(format, tools: FormatRendering.tools, call), "\(format.name): \(call.debugDescription)")
        let out = try format.makeParser(tools: FormatRendering.tools, options: ToolParserOptions(startsInReasoning: false)).parse(call)
        #expect(out.toolCalls.map(\.name) == ["get_weather"], "\(format.name): \(call.debugDescription)")
        #expect((try? JSONValue.parse(out.toolCalls.first?.arguments ?? "")) == FormatRendering.richArguments)
        // The other format's delimiter is not a string here.
        let other = delimiter == "<escape>" ? "<|\"|>" : "<escape>"
        let wrong = template.callBegin.replacing("{name}", with: "get_weather")
            + GemmaDialect.text(FormatRendering.richArguments, delimiter: other, sortedKeys: true) + template.callEnd
        #expect(try !Self.accepts(format, tools: FormatRendering.tools, wrong), "\(format.name): \(wrong.debugDescription)")
    }

    @Test func tagsHaveXGrammarsGemmaShape() throws {
        let tag = try BuiltInFormats.gemma4.structuralTag(tools: FormatRendering.tools, choice: .auto)
        let call = try #require(tag["format"]?["tags"]?[0])
        #expect(call["begin"] == "<|tool_call>call:get_weather")
        #expect(call["end"] == "<tool_call|>")
        #expect(call["content"]?["style"] == "gemma")
        #expect(call["content"]?["any_order"] == nil)
        // Keys in Jinja dictsort order (lowercased, ties as given), nested ones too.
        let properties = try #require(call["content"]?["json_schema"]?["properties"]?.objectValue)
        #expect(properties.map(\.0) == ["city", "days", "nested", "none", "ok", "ratio", "tags"])
        let mixed: JSONValue = ["type": "object", "properties": .object(JSONObject([
            ("b", ["type": "object", "properties": ["z": true, "Y": true]]), ("Z", true), ("a", true), ("A", true), ("_x", true)]))]
        let order = StructuralTagTemplate.templateKeyOrder(mixed)
        #expect(order["properties"]?.objectValue?.map(\.0) == ["_x", "a", "A", "b", "Z"])
        #expect(order["properties"]?["b"]?["properties"]?.objectValue?.map(\.0) == ["Y", "z"])
        #expect(call["content"]?["string_delimiter"] == nil)
        let fg = try BuiltInFormats.functiongemma.structuralTag(tools: FormatRendering.tools, choice: .auto)
        #expect(fg["format"]?["tags"]?[0]?["content"]?["string_delimiter"] == "<escape>")
    }
}
