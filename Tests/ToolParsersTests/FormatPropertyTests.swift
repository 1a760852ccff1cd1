import Testing
import Schema
@testable import ToolParsers

/// Every built-in format, the same scenarios: one call, parallel calls, no call, text before and
/// after, empty arguments, nested values, awkward strings, non-ASCII, numbers/booleans/null;
/// each under whole, 1-char, 3-char and random chunking, checking the event invariants.
@Suite struct FormatPropertyTests {
    static let formats: [String] = ToolParserRegistry.builtIn.names.filter { FormatRendering.render($0, []) != nil }

    /// These outputs never open reasoning (formats whose prompt opens it are tested for that separately).
    static let options = ToolParserOptions(startsInReasoning: false)

    struct Expectation {
        var content: String
        var calls: [(String, JSONValue)]
    }

    static func scenarios(_ format: String) -> [(String, String, Expectation)] {
        let rich = ("get_weather", FormatRendering.richArguments)
        let empty = ("get_time", FormatRendering.emptyArguments)
        var list: [(String, String, Expectation)] = []
        let one = FormatRendering.render(format, [rich])!
        list.append(("one call", one, Expectation(content: "", calls: [rich])))
        let parallel = FormatRendering.render(format, [rich, empty, rich])!
        list.append(("parallel calls", parallel, Expectation(content: "", calls: [rich, empty, rich])))
        let emptyFirst = FormatRendering.render(format, [empty, rich])!
        list.append(("empty arguments then a call", emptyFirst, Expectation(content: "", calls: [empty, rich])))
        let plain = "Plain answer: <b>bold</b>, {braces}, [brackets] and ünïcödé."
        list.append(("no call", format == "openai" ? "<|channel|>final<|message|>\(plain)<|return|>" : plain,
                     Expectation(content: plain, calls: [])))
        if !FormatRendering.anchoredOnly.contains(format) {
            let text = FormatRendering.withText(format, before: "Let me check — ok?", calls: one, after: "Done.")
            list.append(("text before and after", text, Expectation(content: "Let me check — ok?Done.", calls: [rich])))
        }
        return list
    }

    /// Content is compared without the whitespace formats put around calls.
    static func squash(_ s: String) -> String { s.filter { !$0.isWhitespace } }

    @Test(arguments: formats)
    func scenariosUnderEveryChunking(_ format: String) throws {
        for (label, text, expected) in Self.scenarios(format) {
            var results: [ParsedOutput] = []
            for chunking in Chunking.allCases {
                let (events, out) = try ParserHarness.stream(format, text, tools: FormatRendering.tools, chunking: chunking, options: Self.options)
                ParserHarness.checkInvariants(events, "\(format)/\(label)/\(chunking)")
                results.append(out)
            }
            for r in results.dropFirst() { #expect(r == results[0], "\(format)/\(label): result depends on chunking") }
            let out = results[0]
            #expect(Self.squash(out.content) == Self.squash(expected.content), "\(format)/\(label): content \(out.content.debugDescription)")
            #expect(out.toolCalls.count == expected.calls.count, "\(format)/\(label): \(out.toolCalls.map(\.name))")
            for (got, want) in zip(out.toolCalls, expected.calls) {
                #expect(got.name == want.0, "\(format)/\(label)")
                #expect((try? JSONValue.parse(got.arguments)) == FormatRendering.carried(format, want.1), "\(format)/\(label): \(got.arguments)")
            }
            // No marker text leaks into content.
            for marker in ToolParserRegistry.builtIn.format(named: format)?.markers ?? [] where marker.count > 2 && !marker.hasPrefix("^") {
                #expect(!out.content.contains(marker), "\(format)/\(label): marker \(marker) in content")
            }
        }
    }

    /// Output cut off anywhere: never throws, invariants hold, whole and 1-char agree, every
    /// call's arguments are valid JSON (closed at the cut), and no text is lost before a call begins.
    @Test(arguments: formats)
    func truncatedAnywhere(_ format: String) throws {
        let rich = ("get_weather", FormatRendering.richArguments)
        let text = FormatRendering.render(format, [rich, ("get_time", FormatRendering.emptyArguments)])!
        let scalars = Array(text.unicodeScalars)
        for cut in 0...scalars.count {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[0..<cut])
            let prefix = String(view)
            let (events, whole) = try ParserHarness.stream(format, prefix, tools: FormatRendering.tools, chunking: .whole, options: Self.options)
            ParserHarness.checkInvariants(events, "\(format)/cut \(cut)")
            let (_, bytewise) = try ParserHarness.stream(format, prefix, tools: FormatRendering.tools, chunking: .bytes1, options: Self.options)
            #expect(whole == bytewise, "\(format): cut at \(cut) depends on chunking")
            for call in whole.toolCalls {
                #expect(!call.name.isEmpty)
                #expect((try? JSONValue.parse(call.arguments)) != nil, "\(format) cut \(cut): arguments \(call.arguments) are not JSON")
            }
            if whole.toolCalls.isEmpty && format != "openai" {
                #expect(Self.squash(whole.content) == Self.squash(prefix), "\(format) cut \(cut): text lost: \(whole.content.debugDescription)")
            }
        }
    }

    /// A trigger followed by something that is not a call is content, whole.
    @Test(arguments: formats)
    func malformedIsContent(_ format: String) throws {
        guard format != "openai", let f = ToolParserRegistry.builtIn.format(named: format), case .markup(let m) = f.engine else { return }
        let opener = m.triggers.first?.marker ?? m.anchoredStarts.first ?? ""
        let text = "Intro " + opener + " this is ] not } a \" call"
        let intro = FormatRendering.anchoredOnly.contains(format) ? opener + " this is ] not } a \" call" : text
        for chunking in Chunking.allCases {
            let (events, out) = try ParserHarness.stream(format, intro, tools: FormatRendering.tools, chunking: chunking, options: Self.options)
            ParserHarness.checkInvariants(events, "\(format)/malformed/\(chunking)")
            #expect(out.toolCalls.isEmpty, "\(format)/\(chunking): \(out.toolCalls)")
            #expect(out.content == intro, "\(format)/\(chunking): \(out.content.debugDescription)")
        }
    }

    @Test func everyBuiltInFormatIsCovered() {
        let missing = ToolParserRegistry.builtIn.names.filter { FormatRendering.render($0, []) == nil }
        #expect(missing.isEmpty, "formats without scenario rendering: \(missing)")
    }
}
