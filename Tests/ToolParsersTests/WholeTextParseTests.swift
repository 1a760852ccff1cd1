import Testing
import Schema
@testable import ToolParsers

/// `parse(text)` takes a one-pass path for JSON-body formats; it must give exactly what streaming
/// the same text gives, one character per delta, for well-formed, odd, cut-off and malformed output.
@Suite struct WholeTextParseTests {
    static let formats = FormatPropertyTests.formats

    static func compare(_ format: String, _ text: String, _ label: String,
                        options: ToolParserOptions = FormatPropertyTests.options) throws {
        let parser = try ToolParserRegistry.builtIn.makeParser(name: format, tools: FormatRendering.tools, options: options)
        let whole = parser.parse(text)
        let (_, bytewise) = try ParserHarness.stream(format, text, tools: FormatRendering.tools, chunking: .bytes1, options: options)
        #expect(whole == bytewise, "\(format)/\(label): parse() gave \(whole), the 1-char stream \(bytewise)")
    }

    /// Whether the one-pass path (not the streaming fallback) reads `text` for `format`.
    static func readsInOnePass(_ format: String, _ text: String) -> Bool {
        guard let f = ToolParserRegistry.builtIn.format(named: format), case .markup(let m) = f.engine else { return false }
        let reader = WholeTextReader(format: m, tables: nil, catalog: try! ToolCatalog(tools: []), options: FormatPropertyTests.options)
        return reader?.parse(text) != nil
    }

    @Test(arguments: formats)
    func scenariosAndCuts(_ format: String) throws {
        for (label, text, _) in FormatPropertyTests.scenarios(format) { try Self.compare(format, text, label) }
        let rich = ("get_weather", FormatRendering.richArguments)
        let text = FormatRendering.render(format, [rich, ("get_time", FormatRendering.emptyArguments)])!
        let scalars = Array(text.unicodeScalars)
        for cut in stride(from: 0, through: scalars.count, by: 3) {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[0..<cut])
            try Self.compare(format, String(view), "cut \(cut)")
        }
        guard let f = ToolParserRegistry.builtIn.format(named: format), case .markup(let m) = f.engine else { return }
        let opener = m.triggers.first?.marker ?? m.anchoredStarts.first ?? ""
        try Self.compare(format, "Intro " + opener + " this is ] not } a \" call", "malformed")
    }

    /// Every JSON-object format reads its rendered calls in one pass (the fast path is really taken).
    @Test(arguments: formats)
    func wellFormedCallsTakeTheOnePassPath(_ format: String) throws {
        guard let f = ToolParserRegistry.builtIn.format(named: format), case .markup(let m) = f.engine,
              case .json(let style) = m.body, style.nameThenArguments == nil else { return }
        let rich = ("get_weather", FormatRendering.richArguments)
        let text = FormatRendering.render(format, [rich, ("get_time", FormatRendering.emptyArguments)])!
        #expect(Self.readsInOnePass(format, text), "\(format): \(text.debugDescription)")
    }

    static let call = #"{"name": "get_weather", "arguments": {"city": "Zürich", "days": 3}}"#

    /// Odd but well-formed and malformed hermes output: whitespace, reasoning, partial markers,
    /// escapes, non-canonical JSON, several bodies, cut-off and broken calls.
    static let hermesCases: [String] = [
        "  \n<tool_call>\n\(call)\n</tool_call>\n  ",
        "Before.\n<tool_call>\n\(call)\n</tool_call>\nAfter <b>bold</b> text.\n",
        "<think>Let me think <tool_cal about it</think>\n\n<tool_call>\(call)</tool_call>",
        "<think>unfinished reasoning <tool_ca",
        "a < b << c <<tool_call>\(call)</tool_call> <",
        "x <tool_call",
        "<tool_call>{\"arguments\": {\"x\": 1}, \"name\": \"f\"}</tool_call>",
        "<tool_call>{\"name\": \"f\"}</tool_call>",
        "<tool_call>{\"name\":\"f\",\"arguments\":{\"a\":[1,2,{\"b\":null}],\"c\":true,\"d\":-1.5e+3}}</tool_call>",
        "<tool_call>{ \"name\" : \"f\" , \"arguments\" : { \"a\" : [ ] , \"b\" : { } , \"c\" : [ 1 , ] , \"d\" : { \"e\" : false , } } }</tool_call>",
        "<tool_call>{\"name\": \"f\", \"arguments\": {\"s\": \"q\\\"b\\\\s\\/l\\u00e9\\u0041\\u000a\\u20ac\\ud83d\\ude00 raw\ttab\nnl\"}}</tool_call>",
        "<tool_call>{\"name\": \"f\", \"arguments\": {\"s\": \"lone \\udc00 surrogate\"}}</tool_call>",
        "<tool_call>{\"name\": \"f\", \"arguments\": {\"s\": \"bad \\x escape\"}}</tool_call>",
        "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1}}{\"name\": \"g\", \"arguments\": {}}</tool_call>",
        "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1}}",
        "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1}}</tool_call",
        "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1}}</tool_cal x",
        "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1",
        "<tool_call>{\"name\": \"bad name\", \"arguments\": {}}</tool_call>",
        "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 01}}</tool_call>",
        "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": tru}}</tool_call>",
        "<tool_call>{\"na\\me\": \"f\", \"arguments\": {}}</tool_call>",
        "<tool_call>{\"name\": \"f\\u0067\", \"arguments\": {}}</tool_call>",
        "<tool_call>{\"name\": \"f\", \"id\": \"x\", \"extra\": [1, {\"y\": \"z\"}], \"arguments\": \"text args\", \"arguments\": {}}</tool_call>",
        "<tool_call> not json </tool_call> then text",
        "<tool_call>[\(call)]</tool_call>",
        "   ",
        "<",
        "Plain answer: <b>bold</b>, {braces}, [brackets] and ünïcödé.",
        "<tool_call>\(call)</tool_call><tool_call>\(call)</tool_call>\n\nDone.",
        // Anchored, array and section shapes of other formats.
        " {\"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\"}}; {\"name\": \"get_time\", \"parameters\": {}}",
        "{\"name\": \"unknown_tool\", \"parameters\": {}}",
        "[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}, {\"name\": \"get_time\", \"arguments\": {}}]",
        "<|tool_call|>[{\"name\": \"get_weather\", \"arguments\": {}},, {\"name\": \"get_time\", \"arguments\": {}}]",
        "<|tool_call|>[]",
        "<tool_calls>[{\"name\": \"get_weather\", \"arguments\": {}}]</tool_calls> after",
        "<|tools_prefix|>[{\"get_weather\": {\"city\": \"Rome\"}}, {\"get_time\": {}}]<|tools_suffix|>",
    ]

    @Test(arguments: formats)
    func oddAndBrokenOutput(_ format: String) throws {
        for (k, text) in Self.hermesCases.enumerated() {
            try Self.compare(format, text, "case \(k)")
            try Self.compare(format, text, "case \(k), opened by the prompt", options: ToolParserOptions(startsInReasoning: true))
        }
    }

    @Test func hermesCasesMostlyTakeTheOnePassPath() {
        #expect(Self.readsInOnePass("hermes", Self.hermesCases[0]))
        #expect(Self.readsInOnePass("hermes", Self.hermesCases[2]))
        #expect(Self.readsInOnePass("hermes", Self.hermesCases[9]))
        #expect(Self.readsInOnePass("hermes", Self.hermesCases[10]))
        #expect(!Self.readsInOnePass("hermes", Self.hermesCases[16]))
    }
}
