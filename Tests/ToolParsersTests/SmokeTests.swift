import Testing
import Schema
@testable import ToolParsers

@Suite struct SmokeTests {
    @Test func hermesBasic() throws {
        let text = "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"n\": [1, 2.5e3, true, null], \"q\": \"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"noargs\"}\n</tool_call>"
        for c in Chunking.allCases {
            let (events, out) = try ParserHarness.stream("hermes", text, chunking: c)
            ParserHarness.checkInvariants(events, "\(c)")
            #expect(out.content == "Let me check.\n", "\(c)")
            #expect(out.toolCalls.count == 2, "\(c)")
            #expect(out.toolCalls.first?.arguments == "{\"city\": \"Paris\", \"n\": [1, 2.5e3, true, null], \"q\": \"a\\\"b\\\\c\\né😀\"}", "\(c)")
            #expect(out.toolCalls.last?.arguments == "{}", "\(c)")
        }
    }
}
