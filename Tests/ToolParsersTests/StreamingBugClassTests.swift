import Foundation
import Testing
import Schema
@testable import ToolParsers

/// One test per streaming bug class users of vLLM's parsers have hit (issue 5's list).
@Suite struct StreamingBugClassTests {
    static let tools = FormatRendering.tools

    static func feed(_ name: String, _ deltas: [String], options: ToolParserOptions = ToolParserOptions()) throws -> (events: [ToolParserEvent], output: ParsedOutput) {
        let parser = try ToolParserRegistry.builtIn.makeParser(name: name, tools: tools, options: options)
        var events: [ToolParserEvent] = []
        for d in deltas { events += parser.feed(d) }
        events += parser.finish()
        return (events, ParsedOutput(events: events))
    }

    static func argumentFragments(_ events: [ToolParserEvent], index: Int) -> [String] {
        events.compactMap { if case let .toolCall(i, _, _, a) = $0, i == index { return a } else { return nil } }
    }

    @Test func argumentsAreNotSentTwiceAtTheEnd() throws {
        let text = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 3}}\n</tool_call>"
        for chunking in Chunking.allCases {
            let (events, out) = try ParserHarness.stream("hermes", text, tools: Self.tools, chunking: chunking)
            #expect(Self.argumentFragments(events, index: 0).joined() == "{\"city\": \"Paris\", \"days\": 3}")
            #expect(out.toolCalls.count == 1)
        }
    }

    @Test func argumentsAfterAnEmptyArgumentCallAreKept() throws {
        let text = "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>"
        for chunking in Chunking.allCases {
            let (_, out) = try ParserHarness.stream("hermes", text, tools: Self.tools, chunking: chunking)
            #expect(out.toolCalls.map(\.arguments) == ["{}", "{\"city\": \"Oslo\"}"], "\(chunking)")
        }
    }

    @Test func noParameterToolsGetEmptyObject() throws {
        let cases: [(String, String)] = [
            ("hermes", "<tool_call>\n{\"name\": \"get_time\"}\n</tool_call>"),
            ("qwen3_coder", "<tool_call>\n<function=get_time>\n</function>\n</tool_call>"),
            ("glm45", "<tool_call>get_time\n</tool_call>"),
            ("pythonic", "[get_time()]"),
            ("openai", "<|channel|>commentary to=functions.get_time <|constrain|>json<|message|><|call|>"),
        ]
        for (format, text) in cases {
            for chunking in Chunking.allCases {
                let (_, out) = try ParserHarness.stream(format, text, tools: Self.tools, chunking: chunking)
                #expect(out.toolCalls.map(\.arguments) == ["{}"], "\(format)/\(chunking)")
            }
        }
    }

    @Test func closingBraceSurvivesMultiTokenDeltas() throws {
        let deltas = ["<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"nested\": {\"a\": [1", "]}}}\n</tool_call>"]
        let (_, out) = try Self.feed("hermes", deltas)
        #expect(out.toolCalls.first?.arguments == "{\"nested\": {\"a\": [1]}}")
    }

    @Test func endAndStartMarkersInOneDelta() throws {
        let deltas = ["<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"A\"}}", "\n</tool_call>\n<tool_call>\n{\"name\": ", "\"get_time\", \"arguments\": {}}\n</tool_call>"]
        let (events, out) = try Self.feed("hermes", deltas)
        ParserHarness.checkInvariants(events, "markers in one delta")
        #expect(out.toolCalls.map(\.name) == ["get_weather", "get_time"])
        #expect(out.content.isEmpty)
    }

    @Test func unicodeEscapesDecodeTheSameInEveryMode() throws {
        let escaped = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"caf\\u00e9 \\ud83d\\ude00 \\u6771\"}}\n</tool_call>"
        let raw = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"café 😀 東\"}}\n</tool_call>"
        var seen: Set<String> = []
        for text in [escaped, raw] {
            for chunking in Chunking.allCases {
                let (_, out) = try ParserHarness.stream("hermes", text, tools: Self.tools, chunking: chunking)
                seen.insert(out.toolCalls.first?.arguments ?? "")
            }
        }
        #expect(seen == ["{\"city\": \"café 😀 東\"}"])
    }

    @Test func typesDoNotDriftBetweenModes() throws {
        let text = "<tool_call>\n<function=get_weather>\n<parameter=days>\n3\n</parameter>\n<parameter=ok>\ntrue\n</parameter>\n<parameter=ratio>\n0.5\n</parameter>\n<parameter=city>\n42\n</parameter>\n</function>\n</tool_call>"
        let parser = try ToolParserRegistry.builtIn.makeParser(name: "qwen3_coder", tools: Self.tools)
        let whole = parser.parse(text)
        for chunking in Chunking.allCases {
            let (_, out) = try ParserHarness.stream("qwen3_coder", text, tools: Self.tools, chunking: chunking)
            #expect(out == whole, "\(chunking)")
        }
        // integer, boolean, number by schema; a string-typed "42" stays a string.
        #expect(whole.toolCalls.first?.arguments == "{\"days\": 3, \"ok\": true, \"ratio\": 0.5, \"city\": \"42\"}")
    }

    @Test func bracesAndQuotesInsideStrings() throws {
        let text = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"a } b { c ] \\\" </tool_call> d\"}}\n</tool_call>after"
        for chunking in Chunking.allCases {
            let (_, out) = try ParserHarness.stream("hermes", text, tools: Self.tools, chunking: chunking)
            #expect(out.toolCalls.first?.arguments == "{\"city\": \"a } b { c ] \\\" </tool_call> d\"}", "\(chunking)")
            #expect(out.content == "after")
        }
    }

    @Test func markersDoNotLeakIntoContent() throws {
        let text = "Sure.\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>\n"
        for chunking in Chunking.allCases {
            let (_, out) = try ParserHarness.stream("hermes", text, tools: Self.tools, chunking: chunking)
            #expect(out.content == "Sure.\n", "\(chunking): \(out.content.debugDescription)")
        }
    }

    @Test func reasoningAndCallsDoNotSwallowEachOther() throws {
        let cases: [(String, String, ToolParserOptions, String)] = [
            ("hermes", "<think>I need the weather.</think>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>", ToolParserOptions(), "I need the weather."),
            // R1 style: the prompt opened <think>.
            ("hermes", "Plan it.</think>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>", ToolParserOptions(startsInReasoning: true), "Plan it."),
            // Reasoning never closed: a call still ends it (vLLM #19017-style loss).
            ("hermes", "<think>Plan<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>", ToolParserOptions(), "Plan"),
            ("seed_oss", "<seed:think>hmm</seed:think><seed:tool_call>\n<function=get_time>\n</function>\n</seed:tool_call>", ToolParserOptions(), "hmm"),
            ("minimax_m2", "think first</think>\n<minimax:tool_call>\n<invoke name=\"get_time\">\n</invoke>\n</minimax:tool_call>", ToolParserOptions(), "think first"),
            ("openai", "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>commentary to=functions.get_time <|constrain|>json<|message|>{}<|call|>", ToolParserOptions(), "think"),
        ]
        for (format, text, options, reasoning) in cases {
            for chunking in Chunking.allCases {
                let (events, out) = try ParserHarness.stream(format, text, tools: Self.tools, chunking: chunking, options: options)
                ParserHarness.checkInvariants(events, format)
                #expect(out.reasoning == reasoning, "\(format)/\(chunking): \(out.reasoning.debugDescription)")
                #expect(out.toolCalls.map(\.name) == ["get_time"], "\(format)/\(chunking)")
                #expect(out.content.trimmedSpaces.isEmpty, "\(format)/\(chunking): \(out.content.debugDescription)")
            }
        }
    }

    @Test func argumentsStreamBeforeTheCallEnds() throws {
        let head = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Par"
        let parser = try ToolParserRegistry.builtIn.makeParser(name: "hermes", tools: Self.tools)
        var events: [ToolParserEvent] = []
        for ch in head { events += parser.feed(String(ch)) }
        #expect(Self.argumentFragments(events, index: 0).joined() == "{\"city\": \"Par")
        let tagged = try ToolParserRegistry.builtIn.makeParser(name: "qwen3_coder", tools: Self.tools)
        let streamed = tagged.feed("<tool_call>\n<function=get_weather>\n<parameter=city>\nPar")
        #expect(Self.argumentFragments(streamed, index: 0).joined() == "{\"city\": \"Par")
    }

    @Test func resultsDoNotDependOnWhereTheTextIsCut() throws {
        let text = "Hi <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"é\\n\\\"\"}}\n</tool_call> bye"
        let whole = try ParserHarness.stream("hermes", text, tools: Self.tools, chunking: .whole).output
        let scalars = Array(text.unicodeScalars)
        for cut in 0...scalars.count {
            var a = String.UnicodeScalarView(), b = String.UnicodeScalarView()
            a.append(contentsOf: scalars[..<cut])
            b.append(contentsOf: scalars[cut...])
            let (_, out) = try Self.feed("hermes", [String(a), String(b)])
            #expect(out == whole, "cut at \(cut)")
        }
    }

    /// The llama.cpp fixture: Qwen2.5-Coder's output when forced to begin with <tool_call>, and the
    /// message llama.cpp's own parser made of it.
    @Test func matchesLlamaCppOnTheQwenFixture() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/llamacpp/qwen_chat_tools.json")
        let data = try Data(contentsOf: url)
        let root = try JSONValue.parse(bytes: Array(data))
        var checked = 0
        for conversation in root["conversations"]?.arrayValue ?? [] {
            guard let strict = conversation["constrained"]?["strict_no_leading_text"],
                  var text = strict["text"]?.stringValue, let parsed = strict["parsed"] else { continue }
            if let r = text.range(of: "<|im_end|>") { text = String(text[..<r.lowerBound]) }
            let tools = conversation["tools"]?.arrayValue ?? []
            for chunking in Chunking.allCases {
                let (_, out) = try ParserHarness.stream("hermes", text, tools: tools, chunking: chunking)
                let expected = parsed["tool_calls"]?.arrayValue ?? []
                #expect(out.toolCalls.count == expected.count)
                for (got, want) in zip(out.toolCalls, expected) {
                    #expect(got.name == want["function"]?["name"]?.stringValue)
                    #expect(got.arguments == want["function"]?["arguments"]?.stringValue)
                }
                #expect(out.content == (parsed["content"]?.stringValue ?? ""))
            }
            checked += 1
        }
        #expect(checked > 0, "no constrained case in the llama.cpp fixture")
    }
}
