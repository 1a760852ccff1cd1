import Schema
import Testing
@testable import RemoteEnginePlugin

/// Constraints turned into llama.cpp GBNF for llama.cpp-based servers. What the grammars
/// accept is checked by the real server in LlamaServerTests (structured-output.tsh's regex and
/// choice, weather-agent.tsh's forced call in raw mode); here, their exact text.
@Suite struct GBNFTranslationTests {
    @Test func regexPieces() throws {
        #expect(try GBNFTranslation.regex("[0-9]{4}-[0-9]{2}-[0-9]{2}") == "root ::= [0-9]{4} \"-\" [0-9]{2} \"-\" [0-9]{2}\n")
        #expect(try GBNFTranslation.regex("^(yes|no)$") == "root ::= (\"yes\" | \"no\")\n")
        #expect(try GBNFTranslation.regex(#"\d+\.\d*"#) == "root ::= [0-9]+ \".\" [0-9]*\n")
        #expect(try GBNFTranslation.regex(#"a"b\\"#) == #"root ::= "a\"b\\""# + "\n")
        #expect(try GBNFTranslation.regex("(?:ab)+?c") == "root ::= (\"ab\")+ \"c\"\n")
        #expect(throws: GBNFTranslationError.self) { try GBNFTranslation.regex("(?=a)b") }
        #expect(throws: GBNFTranslationError.self) { try GBNFTranslation.regex("a)") }
    }

    @Test func choiceIsAnAlternationOfLiterals() {
        #expect(GBNFTranslation.choice(["positive", "say \"hi\""]) == "root ::= \"positive\" | \"say \\\"hi\\\"\"\n")
    }

    @Test func forcedHermesCall() throws {
        // The structural tag the hermes format builds for tool_choice required (xgrammar's
        // triggered_tags format): one tag per tool, at least one call from the first token.
        let tag = try JSONValue.parse(#"""
        {"type": "structural_tag", "format": {"type": "triggered_tags", "triggers": ["<tool_call>"],
         "tags": [{"type": "tag", "begin": "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": ",
                   "content": {"type": "json_schema", "json_schema": {"type": "object"}}, "end": "}\n</tool_call>"}],
         "at_least_one": true, "stop_after_first": false}}
        """#)
        let grammar = try #require(GBNFTranslation.structuralTag(tag))
        #expect(grammar.hasPrefix(#"root ::= ("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": " jsonobject "}\n</tool_call>")"#), "\(grammar)")
        #expect(grammar.contains("jsonobject ::= "))
        // Optional calls (tool_choice auto) are not forced.
        var optional = tag
        if case .object(var o) = tag, case .object(var f)? = o["format"] {
            f["at_least_one"] = false
            o["format"] = .object(f)
            optional = .object(o)
        }
        #expect(GBNFTranslation.structuralTag(optional) == nil)
    }
}
