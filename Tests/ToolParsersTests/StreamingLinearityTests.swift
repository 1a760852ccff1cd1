import Testing
import Schema
@testable import ToolParsers

/// Streaming costs O(length), not O(length²): the engine's work counter (bytes scanned, held,
/// copied into its buffers, converted into Strings and concatenated by merging events) grows in
/// proportion to the output, whether it arrives whole, one character at a time, or in random pieces.
/// A parser that re-scanned or re-copied the accumulated text on every delta (vLLM's hermes parser
/// does) would show work growing with the square of the length.
@Suite struct StreamingLinearityTests {
    /// A hermes output with reasoning, text between calls, and `calls` calls with escaped, nested and non-ASCII arguments.
    func hermesOutput(calls: Int) -> String {
        let bodies = [
            #"{"name": "get_weather", "arguments": {"city": "Zürich", "days": 5, "include": ["hourly", "alerts"], "note": "say \"rain?\" — brief\n"}}"#,
            #"{"name": "search", "arguments": {"query": "reports {1990–2020}", "filters": {"exact": false, "max": 25, "lang": null}, "path": "C:\\data\\*.json"}}"#,
            #"{"name": "ping", "arguments": {}}"#,
        ]
        var text = "<think>The user wants the weather; I will call the tools.</think>Looking it up.\n"
        for k in 0..<calls {
            text += "<tool_call>\n" + bodies[k % bodies.count] + "\n</tool_call>\n"
            if k % 4 == 3 { text += "Some text between calls, with <tags> that are not markers.\n" }
        }
        return text
    }

    func work(_ text: String, _ chunking: Chunking) -> (work: Int, calls: Int) {
        let format = ToolParserRegistry.builtIn.format(named: "hermes")!
        guard let parser = try? format.makeParser(tools: [JSONValue]()) as? MarkupToolParser else { return (0, 0) }
        var output = ParsedOutput()
        for piece in chunking.split(text) { output.apply(parser.feed(piece)) }
        output.apply(parser.finish())
        return (parser.engine.work, output.toolCalls.count)
    }

    @Test(arguments: [Chunking.whole, .bytes1, .bytes3, .random])
    func workIsLinearInLength(_ chunking: Chunking) {
        let small = hermesOutput(calls: 8)
        let large = hermesOutput(calls: 128)
        let s = work(small, chunking)
        let l = work(large, chunking)
        #expect(s.calls == 8 && l.calls == 128)
        let lengthRatio = Double(large.utf8.count) / Double(small.utf8.count)
        let workRatio = Double(l.work) / Double(s.work)
        // Linear work keeps the ratios equal; quadratic work would make workRatio about lengthRatio².
        #expect(workRatio <= lengthRatio * 1.2, "work grew \(workRatio)× for \(lengthRatio)× the text (\(chunking))")
        // Each byte is scanned once, copied into the event buffer once and into a String once, plus small change.
        #expect(l.work <= 6 * large.utf8.count, "\(l.work) work units for \(large.utf8.count) bytes (\(chunking))")
        #expect(l.work >= large.utf8.count)
    }
}
