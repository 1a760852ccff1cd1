import Foundation
import Testing
import Schema
@testable import ToolParsers

/// Text after a call body that begins like its end marker: a cut-off end marker only closes the call,
/// a near miss is content (scanned for markers like any other text), and neither depends on chunking.
@Suite struct AfterCallTextTests {
    static let options = ToolParserOptions(startsInReasoning: false)

    /// Formats whose end marker is read after the call body (JSON, pythonic and key/value bodies).
    static let formats: [String] = ToolParserRegistry.builtIn.all.compactMap { f in
        guard case .markup(let m) = f.engine, m.callEnd != nil, FormatRendering.render(f.name, []) != nil else { return nil }
        switch m.body {
        case .json, .pythonic, .keyValue: return f.name
        case .tagged, .nestedXML: return nil
        }
    }

    static func hasSection(_ name: String) -> Bool {
        guard case .markup(let m) = ToolParserRegistry.builtIn.format(named: name)?.engine else { return false }
        return m.triggers.contains { $0.effect == .section }
    }

    /// Streams `text` in every chunking; checks the invariants and that all chunkings agree.
    static func parse(_ format: String, _ text: String) throws -> ParsedOutput {
        var results: [ParsedOutput] = []
        for chunking in Chunking.allCases {
            let (events, out) = try ParserHarness.stream(format, text, tools: FormatRendering.tools, chunking: chunking, options: options)
            ParserHarness.checkInvariants(events, "\(format)/\(chunking)")
            results.append(out)
        }
        for r in results.dropFirst() { #expect(r == results[0], "\(format): \(text.debugDescription) depends on chunking") }
        return results[0]
    }

    static func squash(_ s: String) -> String { s.filter { !$0.isWhitespace } }

    @Test func everyEndMarkerFormatIsCovered() {
        #expect(Self.formats.count >= 20, "\(Self.formats)")
    }

    @Test(arguments: formats)
    func partialEndMarkers(_ format: String) throws {
        guard case .markup(let m) = ToolParserRegistry.builtIn.format(named: format)?.engine, let end = m.callEnd else { return }
        let rich = ("get_weather", FormatRendering.richArguments)
        let one = try #require(FormatRendering.render(format, [rich]))
        // xLAM's bare list has no end marker (its <tool_call> wrapping is in PublishedExampleTests).
        guard let range = one.range(of: end, options: .backwards) else { return }
        let head = String(one[..<range.lowerBound])
        let want = try Self.parse(format, one).toolCalls
        #expect(want.count == 1)
        let endScalars = Array(end.unicodeScalars)
        for k in 1..<endScalars.count {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: endScalars[0..<k])
            let partial = String(view)
            // Cut off inside the end marker: the call stands, nothing of the marker is content.
            let cut = try Self.parse(format, head + partial)
            #expect(cut.toolCalls == want, "\(format): \((head + partial).debugDescription)")
            #expect(Self.squash(cut.content).isEmpty, "\(format) cut after \(partial.debugDescription): content \(cut.content.debugDescription)")
            // A near miss: the call stands and the text is content, as written.
            let miss = try Self.parse(format, head + partial + "§tail")
            #expect(miss.toolCalls == want, "\(format): \((head + partial + "§tail").debugDescription)")
            #expect(Self.squash(miss.content) == Self.squash(partial + "§tail"), "\(format): content \(miss.content.debugDescription)")
            // A near miss followed by the next call: nothing of the second call is lost to content.
            if !Self.hasSection(format) {
                let next = try Self.parse(format, head + partial + one)
                #expect(next.toolCalls.map(\.name) == ["get_weather", "get_weather"], "\(format): \((head + partial + one).debugDescription)")
                #expect(next.toolCalls.last?.arguments == want.first?.arguments, "\(format) after \(partial.debugDescription)")
                #expect(Self.squash(next.content) == Self.squash(partial), "\(format): content \(next.content.debugDescription)")
            }
        }
    }

    /// A call whose arguments go wrong mid-way keeps what was read; the rest is content, but the call's
    /// end marker (and a section's markers) never is.
    @Test(arguments: formats)
    func brokenArgumentsDoNotLeakTheEndMarker(_ format: String) throws {
        guard let f = ToolParserRegistry.builtIn.format(named: format) else { return }
        let one = try #require(FormatRendering.render(format, [("get_weather", FormatRendering.richArguments)]))
        let days = try #require(one.range(of: "days"), "\(format): \(one.debugDescription)")
        let three = try #require(one[days.upperBound...].firstIndex(of: "3"))
        let broken = String(one[...three]) + " §§ " + String(one[one.index(after: three)...])
        let out = try Self.parse(format, broken)
        #expect(out.toolCalls.map(\.name) == ["get_weather"], "\(format): \(broken.debugDescription)")
        for call in out.toolCalls {
            #expect((try? JSONValue.parse(call.arguments)) != nil, "\(format): arguments \(call.arguments)")
        }
        for marker in f.markers where marker.count > 2 && !marker.hasPrefix("^") {
            #expect(!out.content.contains(marker), "\(format): marker \(marker) in content \(out.content.debugDescription)")
        }
    }

    @Test func brokenArgumentsInHermes() throws {
        let cut = try Self.parse("hermes", "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"days\": 12</tool_call>after")
        #expect(cut.content == "after")
        #expect(cut.toolCalls.map(\.arguments) == ["{\"days\": 12}"])
        let junk = try Self.parse("hermes", "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"days\": 12 oops}}\n</tool_call>\nafter<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>")
        #expect(Self.squash(junk.content) == "oops}}after", "\(junk.content.debugDescription)")
        #expect(junk.toolCalls.map(\.name) == ["get_weather", "get_time"])
        #expect(junk.toolCalls.map(\.arguments) == ["{\"days\": 12}", "{}"])
        // Inside a section the next call is still read.
        let kimi = try Self.parse("kimi_k2", "<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{\"days\": 1 x}<|tool_call_end|><|tool_call_begin|>functions.get_time:1<|tool_call_argument_begin|>{}<|tool_call_end|><|tool_calls_section_end|>")
        #expect(kimi.toolCalls.map(\.name) == ["get_weather", "get_time"])
        #expect(kimi.content == "x}")
    }

    @Test func hermesNearMisses() throws {
        let call = "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n"
        let cases: [(String, String, String, [String])] = [
            // (label, text, content, call names)
            ("cut off", call + "</tool_ca", "", ["get_time"]),
            ("cut off after the slash", call + "</", "", ["get_time"]),
            ("misspelt end", call + "</tool_cax and more", "</tool_cax and more", ["get_time"]),
            ("a call right after a near miss", call + "</tool_ca" + call + "</tool_call>", "</tool_ca", ["get_time", "get_time"]),
            ("reasoning right after a near miss", call + "</tool_<think>why</think>done", "</tool_done", ["get_time"]),
            ("cut-off trigger after a call", call + "</tool_call><tool_ca", "<tool_ca", ["get_time"]),
            ("near-miss trigger after a call body", call + "<tool_cat>", "<tool_cat>", ["get_time"]),
        ]
        for (label, text, content, names) in cases {
            let out = try Self.parse("hermes", text)
            #expect(out.content == content, "\(label): \(out.content.debugDescription)")
            #expect(out.toolCalls.map(\.name) == names, "\(label)")
            #expect(out.toolCalls.allSatisfy { $0.arguments == "{}" }, "\(label)")
        }
        let reasoning = try Self.parse("hermes", call + "</tool_<think>why</think>done").reasoning
        #expect(reasoning == "why")
    }

    /// Inside a calls section the text after a near miss is scanned for the next call's start.
    @Test func sectionNearMisses() throws {
        let begin = "<|tool_calls_section_begin|>"
        let first = "<|tool_call_begin|>functions.get_time:0<|tool_call_argument_begin|>{}"
        let second = "<|tool_call_begin|>functions.get_weather:1<|tool_call_argument_begin|>{\"city\": \"Rome\"}<|tool_call_end|>"
        let end = "<|tool_calls_section_end|>"
        let out = try Self.parse("kimi_k2", begin + first + "<|tool_call_en" + second + end)
        #expect(out.toolCalls.map(\.name) == ["get_time", "get_weather"])
        #expect(out.toolCalls.map(\.arguments) == ["{}", "{\"city\": \"Rome\"}"])
        #expect(out.content == "<|tool_call_en")
        // Stray words inside a section keep their spaces whatever the chunking.
        let stray = try Self.parse("kimi_k2", begin + first + "<|tool_call_end|>\nnot a call, sorry\n" + second + end)
        #expect(stray.content == "\nnot a call, sorry", "\(stray.content.debugDescription)")
        #expect(stray.toolCalls.count == 2)
    }

    /// A near miss of Gemma 4's end marker followed by a marker the format drops: the marker is still dropped.
    @Test func droppedMarkerAfterANearMiss() throws {
        let out = try Self.parse("gemma4", "<|tool_call>call:get_time{}<tool_call<|tool_response>")
        #expect(out.toolCalls.map(\.name) == ["get_time"])
        #expect(out.content == "<tool_call")
    }
}
