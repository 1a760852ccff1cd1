import Foundation
import Testing
import Schema
@testable import ToolParsers

/// vLLM's streaming bug classes checked on every format, not only on hermes (StreamingBugClassTests):
/// results that depend on where one delta ends, arguments held back until the call ends, and
/// unicode escapes decoding differently from the raw characters.
@Suite struct BugClassPropertyTests {
    static let options = ToolParserOptions(startsInReasoning: false)
    static let formats = FormatPropertyTests.formats
    static let rich = ("get_weather", FormatRendering.richArguments)

    static func body(_ name: String) -> CallBodyStyle? {
        if case .markup(let m) = ToolParserRegistry.builtIn.format(named: name)?.engine { return m.body }
        return nil
    }

    /// Two deltas cut at every character (end and start markers in one delta, a marker split anywhere)
    /// give the result of the whole text.
    @Test(arguments: formats)
    func everyTwoPieceSplitMatchesTheWholeText(_ format: String) throws {
        let text = FormatRendering.withText(format, before: "Hi {", calls: try #require(FormatRendering.render(format, [Self.rich, ("get_time", FormatRendering.emptyArguments), Self.rich])), after: "} bye")
        let shown = FormatRendering.anchoredOnly.contains(format) ? try #require(FormatRendering.render(format, [Self.rich, Self.rich])) : text
        let parser = try ToolParserRegistry.builtIn.makeParser(name: format, tools: FormatRendering.tools, options: Self.options)
        let whole = parser.parse(shown)
        #expect(whole.toolCalls.count >= 2, "\(format)")
        let scalars = Array(shown.unicodeScalars)
        for cut in 1..<scalars.count {
            var a = String.UnicodeScalarView(), b = String.UnicodeScalarView()
            a.append(contentsOf: scalars[..<cut])
            b.append(contentsOf: scalars[cut...])
            let p = try ToolParserRegistry.builtIn.makeParser(name: format, tools: FormatRendering.tools, options: Self.options)
            var events = p.feed(String(a))
            events += p.feed(String(b))
            events += p.finish()
            let out = ParsedOutput(events: events)
            #expect(out == whole, "\(format): cut at \(cut) of \(shown.debugDescription)")
            if out != whole { break }
        }
    }

    /// A string argument streams while it is written: once the model has written part of it, that part
    /// has gone out as arguments, before the call (or even the value) ends.
    @Test(arguments: formats)
    func stringArgumentsStreamBeforeTheCallEnds(_ format: String) throws {
        let one = try #require(FormatRendering.render(format, [Self.rich]))
        let text = FormatRendering.withText(format, before: "", calls: one, after: "")
        let mark = try #require(text.range(of: "東京"), "\(format)")
        let prefix = String(text[..<mark.upperBound])
        let parser = try ToolParserRegistry.builtIn.makeParser(name: format, tools: FormatRendering.tools, options: Self.options)
        var arguments = ""
        for ch in prefix.unicodeScalars {
            for e in parser.feed(String(ch)) {
                if case let .toolCall(_, _, _, a) = e { arguments += a }
            }
        }
        #expect(arguments.contains("back\\nslash ü 東"), "\(format): streamed only \(arguments.debugDescription) of \(prefix.debugDescription)")
    }

    /// JSON arguments written with `\u` escapes (surrogate pairs included) give the same arguments as the
    /// raw characters, in every JSON-body format and chunking.
    @Test(arguments: formats.filter { if case .json = body($0) { return true } else { return false } })
    func unicodeEscapesDecodeLikeRawText(_ format: String) throws {
        let raw = try #require(FormatRendering.render(format, [Self.rich]))
        #expect(raw.contains("ü 東京 😀"))
        let escaped = raw.replacingOccurrences(of: "ü 東京 😀", with: "\\u00fc \\u6771\\u4eac \\ud83d\\ude00")
        let want = try ParserHarness.stream(format, raw, tools: FormatRendering.tools, chunking: .whole, options: Self.options).output
        #expect(want.toolCalls.count == 1)
        for chunking in Chunking.allCases {
            let got = try ParserHarness.stream(format, escaped, tools: FormatRendering.tools, chunking: chunking, options: Self.options).output
            #expect(got == want, "\(format)/\(chunking): \(got.toolCalls.map(\.arguments))")
        }
    }
}
