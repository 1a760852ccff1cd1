import Testing
import Schema
@testable import ToolParsers

/// Formats without a chat template in the shared set: outputs as the formats' published descriptions write
/// them (vLLM's and SGLang's parser docs and tests, the model cards), including the variants the generic
/// scenarios do not render (alternative openers, whitespace between tags, reasoning and wrapper tags).
@Suite struct PublishedExampleTests {
    struct Example: Sendable, CustomTestStringConvertible {
        let parser: String
        let label: String
        let text: String
        let content: String
        let reasoning: String
        let calls: [(String, String)]
        var startsInReasoning: Bool = false
        var testDescription: String { "\(parser) \(label)" }
    }

    static let tools = ParserHarness.tools("""
    [{"type": "function", "function": {"name": "search", "parameters": {"type": "object", "properties": {
        "query": {"type": "string"}, "limit": {"type": "integer"}}}}},
     {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {
        "city": {"type": "string"}, "unit": {"type": "string"}, "days": {"type": "integer"}}}}}]
    """)

    static let examples: [Example] = [
        // xLAM: the bare list, and the list in <tool_call> after text or reasoning.
        Example(parser: "xlam", label: "bare list", text: "[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 3}}, {\"name\": \"search\", \"arguments\": {\"query\": \"x\"}}]",
                content: "", reasoning: "", calls: [("get_weather", "{\"city\":\"Paris\",\"days\":3}"), ("search", "{\"query\":\"x\"}")]),
        Example(parser: "xlam", label: "tool_call tags after text", text: "I will check.<tool_call>[{\"name\": \"search\", \"arguments\": {\"query\": \"a \\\"b\\\"\"}}]</tool_call>",
                content: "I will check.", reasoning: "", calls: [("search", "{\"query\":\"a \\\"b\\\"\"}")]),
        Example(parser: "xlam", label: "reasoning then tags", text: "<think>Need weather.</think><tool_call>[{\"name\": \"get_weather\", \"arguments\": {}}]</tool_call>",
                content: "", reasoning: "Need weather.", calls: [("get_weather", "{}")]),
        Example(parser: "xlam", label: "prose starting with a bracket", text: "[citation needed] no call here",
                content: "[citation needed] no call here", reasoning: "", calls: []),
        // ERNIE 4.5: reasoning closed by </think> (opened by the prompt), <response> wrapper, <tool_call> blocks.
        Example(parser: "ernie45", label: "thinking then call", text: "abc\n</think>\n\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Beijing\", \"unit\": \"c\"}}\n</tool_call>\n",
                content: "", reasoning: "abc", calls: [("get_weather", "{\"city\":\"Beijing\",\"unit\":\"c\"}")], startsInReasoning: true),
        Example(parser: "ernie45", label: "response wrapper", text: "abc\n</think>\n\n<response>\nIt is sunny.\n</response>",
                content: "It is sunny.", reasoning: "abc", calls: [], startsInReasoning: true),
        Example(parser: "ernie45", label: "two calls", text: "<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"q\", \"limit\": 2}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n",
                content: "", reasoning: "", calls: [("search", "{\"query\":\"q\",\"limit\":2}"), ("get_weather", "{\"city\":\"Paris\"}")]),
        // Step 3: newlines between the tokens and tags, values typed by the schema.
        Example(parser: "step3", label: "sglang example", text: "Let me help you.\n<｜tool_calls_begin｜>\n<｜tool_call_begin｜>function<｜tool_sep｜><steptml:invoke name=\"search\">\n<steptml:parameter name=\"query\">rust programming</steptml:parameter>\n<steptml:parameter name=\"limit\">10</steptml:parameter>\n</steptml:invoke><｜tool_call_end｜>\n<｜tool_calls_end｜>\nHere are the results...",
                content: "Let me help you.\n\nHere are the results...", reasoning: "", calls: [("search", "{\"query\":\"rust programming\",\"limit\":10}")]),
        Example(parser: "step3", label: "two calls", text: "<｜tool_calls_begin｜><｜tool_call_begin｜>function<｜tool_sep｜><steptml:invoke name=\"get_weather\"><steptml:parameter name=\"city\">NYC</steptml:parameter></steptml:invoke><｜tool_call_end｜><｜tool_call_begin｜>function<｜tool_sep｜><steptml:invoke name=\"search\"><steptml:parameter name=\"limit\">1</steptml:parameter></steptml:invoke><｜tool_call_end｜><｜tool_calls_end｜>",
                content: "", reasoning: "", calls: [("get_weather", "{\"city\":\"NYC\"}"), ("search", "{\"limit\":1}")]),
        // dots: vLLM's docstring example, and two invokes in one block.
        Example(parser: "dots", label: "docstring example", text: "<dots_function_call>\n<invoke name=\"search\">\n<parameter name=\"query\">weather in Shanghai</parameter>\n</invoke>\n</dots_function_call>",
                content: "", reasoning: "", calls: [("search", "{\"query\":\"weather in Shanghai\"}")]),
        Example(parser: "dots", label: "two invokes", text: "Sure.\n<dots_function_call>\n<invoke name=\"search\">\n<parameter name=\"limit\">3</parameter>\n</invoke>\n<invoke name=\"get_weather\">\n</invoke>\n</dots_function_call>",
                content: "Sure.\n", reasoning: "", calls: [("search", "{\"limit\":3}"), ("get_weather", "{}")]),
        // PLaMo 3: the tags back to back.
        Example(parser: "plamo3", label: "docstring example", text: "Checking.<|plamo:begin_tool_requests:plamo|><|plamo:begin_tool_request:plamo|><|plamo:begin_tool_name:plamo|>get_weather<|plamo:end_tool_name:plamo|><|plamo:begin_tool_arguments:plamo|>{\"city\": \"Tokyo\"}<|plamo:end_tool_arguments:plamo|><|plamo:end_tool_request:plamo|><|plamo:end_tool_requests:plamo|>",
                content: "Checking.", reasoning: "", calls: [("get_weather", "{\"city\":\"Tokyo\"}")]),
        // K2 Horizon: whitespace between the argument tags is allowed; a call without arguments.
        Example(parser: "k2_horizon", label: "whitespace between tags", text: "<ifm|tool_calls>\n<ifm|tool_call>get_weather\n<ifm|arg_key>city</ifm|arg_key>\n<ifm|arg_value>Paris</ifm|arg_value>\n<ifm|arg_key>days</ifm|arg_key> <ifm|arg_value>2</ifm|arg_value>\n</ifm|tool_call>\n<ifm|tool_call>search</ifm|tool_call>\n</ifm|tool_calls>",
                content: "", reasoning: "", calls: [("get_weather", "{\"city\":\"Paris\",\"days\":2}"), ("search", "{}")]),
        // Hy V4 (unsuffixed tokens): reasoning then calls.
        Example(parser: "hy_v4", label: "reasoning then call", text: "<think>Look it up.</think><tool_calls><tool_call>search<arg_key>query</arg_key><arg_value>a < b</arg_value><arg_key>limit</arg_key><arg_value>5</arg_value></tool_call></tool_calls>",
                content: "", reasoning: "Look it up.", calls: [("search", "{\"query\":\"a < b\",\"limit\":5}")]),
        // FunctionGemma: the calls in Google's formatting guide, the parallel form, and the response stop sequence.
        Example(parser: "functiongemma", label: "guide weather call", text: "<start_function_call>call:get_current_weather{location:<escape>Tokyo, Japan<escape>}<end_function_call>",
                content: "", reasoning: "", calls: [("get_current_weather", "{\"location\":\"Tokyo, Japan\"}")]),
        Example(parser: "functiongemma", label: "guide two arguments", text: "<start_function_call>call:get_current_temperature{location:<escape>Paris<escape>,unit:<escape>celsius<escape>}<end_function_call><start_function_response>",
                content: "", reasoning: "", calls: [("get_current_temperature", "{\"location\":\"Paris\",\"unit\":\"celsius\"}")]),
        Example(parser: "functiongemma", label: "bare number and braces in a string", text: "<start_function_call>call:search{limit:15,query:<escape>a {b}, c:d<escape>}<end_function_call><start_function_call>call:get_weather{}<end_function_call>",
                content: "", reasoning: "", calls: [("search", "{\"limit\":15,\"query\":\"a {b}, c:d\"}"), ("get_weather", "{}")]),
        Example(parser: "functiongemma", label: "plain answer", text: "The current weather in Tokyo is sunny with a temperature of 15 degrees Celsius.",
                content: "The current weather in Tokyo is sunny with a temperature of 15 degrees Celsius.", reasoning: "", calls: []),
        // Gemma 4: vLLM's documented forms (bare number, nested object, list), reasoning in the thought channel.
        Example(parser: "gemma4", label: "thought then call", text: "<|channel>thought\nNeed the weather.<channel|><|tool_call>call:get_weather{city:<|\"|>San Francisco<|\"|>,days:3}<tool_call|><|tool_response>",
                content: "", reasoning: "Need the weather.", calls: [("get_weather", "{\"city\":\"San Francisco\",\"days\":3}")]),
        Example(parser: "gemma4", label: "nested and list", text: "<|tool_call>call:search{filters:{exact:false,tags:[<|\"|>a<|\"|>,<|\"|>b<|\"|>]},query:<|\"|>x, y: z<|\"|>}<tool_call|>",
                content: "", reasoning: "", calls: [("search", "{\"filters\":{\"exact\":false,\"tags\":[\"a\",\"b\"]},\"query\":\"x, y: z\"}")]),
        // MiniMax M3: the example in the chat template's tool instructions (two invokes, a list of objects).
        Example(parser: "minimax_m3", label: "template instructions example", text: "</mm:think>\(BuiltInFormats.minimaxM3Namespace)<tool_call>\n\(BuiltInFormats.minimaxM3Namespace)<invoke name=\"tool-name-1\">\(BuiltInFormats.minimaxM3Namespace)<param-1>value-1\(BuiltInFormats.minimaxM3Namespace)</param-1>\(BuiltInFormats.minimaxM3Namespace)<param-2>\(BuiltInFormats.minimaxM3Namespace)<item>\(BuiltInFormats.minimaxM3Namespace)<key-a>val-a\(BuiltInFormats.minimaxM3Namespace)</key-a>\(BuiltInFormats.minimaxM3Namespace)<key-b>val-b\(BuiltInFormats.minimaxM3Namespace)</key-b>\(BuiltInFormats.minimaxM3Namespace)</item>\(BuiltInFormats.minimaxM3Namespace)</param-2>\(BuiltInFormats.minimaxM3Namespace)</invoke>\n\(BuiltInFormats.minimaxM3Namespace)<invoke name=\"tool-name-2\">\(BuiltInFormats.minimaxM3Namespace)<param-1>value-1\(BuiltInFormats.minimaxM3Namespace)</param-1>\(BuiltInFormats.minimaxM3Namespace)</invoke>\n\(BuiltInFormats.minimaxM3Namespace)</tool_call>",
                content: "", reasoning: "", calls: [("tool-name-1", "{\"param-1\":\"value-1\",\"param-2\":[{\"key-a\":\"val-a\",\"key-b\":\"val-b\"}]}"), ("tool-name-2", "{\"param-1\":\"value-1\"}")]),
        Example(parser: "minimax_m3", label: "reasoning then call", text: "<mm:think>Look it up.</mm:think>Sure.\(BuiltInFormats.minimaxM3Namespace)<tool_call>\n\(BuiltInFormats.minimaxM3Namespace)<invoke name=\"search\">\(BuiltInFormats.minimaxM3Namespace)<query>a < b\(BuiltInFormats.minimaxM3Namespace)</query>\(BuiltInFormats.minimaxM3Namespace)<limit>5\(BuiltInFormats.minimaxM3Namespace)</limit>\(BuiltInFormats.minimaxM3Namespace)</invoke>\n\(BuiltInFormats.minimaxM3Namespace)</tool_call>",
                content: "Sure.", reasoning: "Look it up.", calls: [("search", "{\"query\":\"a < b\",\"limit\":5}")]),
    ]

    @Test(arguments: examples)
    func parsesPublishedExample(_ e: Example) throws {
        let options = ToolParserOptions(startsInReasoning: e.startsInReasoning)
        var results: [ParsedOutput] = []
        for chunking in Chunking.allCases {
            let (events, out) = try ParserHarness.stream(e.parser, e.text, tools: Self.tools, chunking: chunking, options: options)
            ParserHarness.checkInvariants(events, "\(e.parser)/\(e.label)/\(chunking)")
            results.append(out)
        }
        for r in results.dropFirst() { #expect(r == results[0], "\(e.parser)/\(e.label): result depends on chunking") }
        let out = results[0]
        #expect(out.content.trimmedSpaces == e.content.trimmedSpaces, "\(e.parser)/\(e.label): content \(out.content.debugDescription)")
        #expect(out.reasoning.trimmedSpaces == e.reasoning.trimmedSpaces, "\(e.parser)/\(e.label): reasoning \(out.reasoning.debugDescription)")
        #expect(out.toolCalls.count == e.calls.count, "\(e.parser)/\(e.label): \(out.toolCalls)")
        for (got, want) in zip(out.toolCalls, e.calls) {
            #expect(got.name == want.0, "\(e.parser)/\(e.label)")
            #expect((try? JSONValue.parse(got.arguments)) == (try? JSONValue.parse(want.1)), "\(e.parser)/\(e.label): \(got.arguments)")
        }
    }

    /// The fixed text a structural tag forces around free-text arguments is the text the format writes:
    /// the wire rendering of one call starts with the section and call begin and ends with the call and
    /// section end, and what the tag forces, filled with that rendering's arguments, parses back.
    @Test(arguments: ["step3", "dots", "k2_horizon", "hy_v4", "gemma4", "functiongemma", "minimax_m3"])
    func structuralTagMatchesWire(_ name: String) throws {
        let format = try #require(ToolParserRegistry.builtIn.format(named: name))
        let tag = try #require(format.structural)
        let args = FormatRendering.richArguments
        let wire = try #require(FormatRendering.render(name, [("get_weather", args)]))
        let begin = (tag.section?.begin ?? "") + tag.callBegin.replacingOccurrences(of: "{name}", with: "get_weather")
        let end = tag.callEnd + (tag.section?.end ?? "")
        let squash = { (s: String) in s.filter { !$0.isWhitespace } }
        #expect(squash(wire).hasPrefix(squash(begin)), "\(name): \(wire.debugDescription) does not start with \(begin.debugDescription)")
        #expect(squash(wire).hasSuffix(squash(end)), "\(name): \(wire.debugDescription) does not end with \(end.debugDescription)")
        let parser = try format.makeParser(tools: FormatRendering.tools, options: ToolParserOptions(startsInReasoning: false))
        let out = parser.parse(wire)
        #expect(out.toolCalls.map(\.name) == ["get_weather"], "\(name)")
        #expect((try? JSONValue.parse(out.toolCalls.first?.arguments ?? "")) == FormatRendering.carried(name, args), "\(name)")
    }
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
