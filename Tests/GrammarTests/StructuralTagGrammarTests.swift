import Foundation
import Testing
import Schema
@testable import Grammar

/// Structural tags in xgrammar's format, with the accept/reject behaviour its documentation
/// gives for each format (docs/structural_tag: triggered_tags, tags_with_separator, tag with
/// any_text ending at the first end marker, at_least_one forbidding leading text, …).
@Suite struct StructuralTagGrammarTests {
    static func grammar(_ json: String, special: Set<String> = []) throws -> ReferenceRecognizer {
        ReferenceRecognizer(try StructuralTagGrammar.compile(try JSONValue.parse(json), specialTokens: special))
    }

    static let weather = """
    {"type":"tag","begin":"<function=get_weather>","content":{"type":"json_schema","json_schema":
    {"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},"end":"</function>"}
    """

    @Test func triggeredTagsAllowTextAroundCalls() throws {
        let r = try Self.grammar(#"{"type":"structural_tag","format":{"type":"triggered_tags","triggers":["<function="],"tags":["# + Self.weather + #"]}}"#)
        #expect(r.accepts(#"I will call a tool now. <function=get_weather>{"city":"San Francisco"}</function>"#))
        #expect(r.accepts(#"<function=get_weather>{"city":"A"}</function> and again <function=get_weather>{"city":"B"}</function>!"#))
        #expect(r.accepts("no call at all"))
        #expect(!r.accepts(#"<function=get_weather>{"town":"A"}</function>"#))
        // A trigger in the text must start a tag.
        #expect(!r.accepts("text <function=other>"))
    }

    @Test func atLeastOneAndStopAfterFirst() throws {
        let r = try Self.grammar(#"{"type":"triggered_tags","triggers":["<function="],"tags":["# + Self.weather + #"],"at_least_one":true,"stop_after_first":true}"#)
        #expect(r.accepts(#"<function=get_weather>{"city":"A"}</function>"#))
        #expect(!r.accepts(#"text first <function=get_weather>{"city":"A"}</function>"#))
        #expect(!r.accepts(#"<function=get_weather>{"city":"A"}</function>more"#))
        #expect(!r.accepts(""))
    }

    @Test func tagsWithSeparator() throws {
        let item = #"{"type":"tag","begin":"<item>","content":{"type":"json_schema","json_schema":{"type":"integer"}},"end":"</item>"}"#
        let r = try Self.grammar(#"{"type":"tags_with_separator","tags":["# + item + #"],"separator":","}"#)
        #expect(r.accepts(""))
        #expect(r.accepts("<item>1</item>"))
        #expect(r.accepts("<item>1</item>,<item>2</item>,<item>3</item>"))
        #expect(!r.accepts("<item>1</item><item>2</item>"))
        #expect(!r.accepts("x<item>1</item>"))
        let one = try Self.grammar(#"{"type":"tags_with_separator","tags":["# + item + #"],"separator":",","at_least_one":true}"#)
        #expect(!one.accepts(""))
    }

    @Test func anyTextStopsAtTheFirstEnd() throws {
        let r = try Self.grammar(#"{"type":"tag","begin":"<think>","content":{"type":"any_text"},"end":"</think>"}"#)
        #expect(r.accepts("<think>step 1\nstep 2 </thi nk></think>"))
        #expect(!r.accepts("<think>a</think>b</think>"))
        #expect(!r.accepts("<think>unfinished"))
        let ex = try Self.grammar(#"{"type":"any_text","excludes":["STOP"]}"#)
        #expect(ex.accepts("free text STO P"))
        #expect(!ex.accepts("free STOP text"))
    }

    @Test func sequencesChoicesConstantsRegexAndGBNF() throws {
        let r = try Self.grammar(#"""
        {"type":"sequence","elements":[{"type":"const_string","value":"Answer: "},
          {"type":"or","elements":[{"type":"regex","pattern":"[A-Z]{3}-[0-9]{2}"},{"type":"grammar","grammar":"root ::= \"yes\" | \"no\""}]},
          {"type":"optional","content":{"type":"const_string","value":"!"}}]}
        """#)
        #expect(r.accepts("Answer: ABC-12"))
        #expect(r.accepts("Answer: no!"))
        #expect(!r.accepts("Answer: maybe"))
        #expect(!r.accepts("Answer: AB-12"))
    }

    @Test func markersThatAreSpecialTokensMustBeThoseTokens() throws {
        let json = #"{"type":"triggered_tags","triggers":["<tool_call>"],"tags":[{"begin":"<tool_call>\n","content":{"type":"json_schema","json_schema":{"type":"object","properties":{"x":{"type":"integer"}},"required":["x"],"additionalProperties":false}},"end":"\n</tool_call>"}]}"#
        let r = try Self.grammar(json, special: ["<tool_call>", "</tool_call>"])
        let call = ReferenceRecognizer.special("<tool_call>") + Array("\n{\"x\":1}\n".utf8) + ReferenceRecognizer.special("</tool_call>")
        #expect(r.accepts(Array("hi ".utf8) + call))
        // The end must be the special token too, not its spelling.
        #expect(!r.accepts(ReferenceRecognizer.special("<tool_call>") + Array("\n{\"x\":1}\n</tool_call>".utf8)))
        // Free text may hold the marker's characters (they are not the token).
        #expect(r.accepts("about <tool_call> tags"))
    }

    @Test func qwenXMLParameters() throws {
        let json = #"""
        {"type":"tag","begin":"<function=get_weather>","content":{"type":"qwen_xml_parameter","json_schema":
          {"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer","minimum":1},"unit":{"enum":["c","f"]}},
           "required":["city"]}},"end":"</function>"}
        """#
        let r = try Self.grammar(json)
        #expect(r.accepts("<function=get_weather>\n<parameter=city>\nParis, France\n</parameter>\n<parameter=days>\n3\n</parameter>\n</function>"))
        #expect(r.accepts("<function=get_weather><parameter=city>Oslo</parameter><parameter=unit>c</parameter></function>"))
        #expect(!r.accepts("<function=get_weather>\n<parameter=days>\n3\n</parameter>\n</function>"))
        #expect(!r.accepts("<function=get_weather>\n<parameter=city>\nX\n</parameter>\n<parameter=days>\n0\n</parameter>\n</function>"))
        #expect(!r.accepts("<function=get_weather>\n<parameter=city>\nX\n</parameter>\n<parameter=unit>\nk\n</parameter>\n</function>"))
    }

    /// A tag whose content is a sequence ending in free text (or a choice with one) ends once:
    /// the free text stops at the end and reads it, other contents are followed by it.
    @Test func tagContentsEndOnce() throws {
        let r = try Self.grammar(#"""
        {"type":"tags_with_separator","separator":"","at_least_one":true,"tags":[{"type":"tag","begin":"<call n=\"",
          "content":{"type":"sequence","elements":[{"type":"regex","pattern":"[0-9]+"},{"type":"const_string","value":"\">"},
            {"type":"any_text"}]},"end":"</call>"},
          {"type":"tag","begin":"<or>","content":{"type":"or","elements":[{"type":"any_text"},{"type":"const_string","value":"x"}]},"end":"</or>"}]}
        """#)
        #expect(r.accepts("<call n=\"1\">hello</call>"))
        #expect(r.accepts("<call n=\"1\">a</call><call n=\"12\">b</call>"))
        #expect(r.accepts("<or>x</or>") && r.accepts("<or>text</or>") && r.accepts("<or></or>"))
        #expect(!r.accepts("<call n=\"1\">hello</call></call>"))
        #expect(!r.accepts("<call n=\"\">hello</call>"))
        #expect(!r.accepts("<or>x</or></or>"))
    }

    @Test func badInputIsATypedErrorWithItsPath() {
        #expect(throws: StructuralTagError.self) { try StructuralTagGrammar.compile(["type": "structural_tag", "format": ["type": "nope"]]) }
        do {
            _ = try StructuralTagGrammar.compile(try JSONValue.parse(#"{"type":"sequence","elements":[{"type":"regex","pattern":"(?=x)"}]}"#))
            Issue.record("lookahead compiled")
        } catch let e as StructuralTagError {
            #expect(e.path == "/format/elements/0/pattern")
        } catch { Issue.record("\(error)") }
        do {
            _ = try StructuralTagGrammar.compile(try JSONValue.parse(#"{"type":"json_schema","json_schema":{"type":"object","if":{}}}"#))
            Issue.record("if compiled")
        } catch let e as StructuralTagError {
            #expect(e.path == "/format/json_schema/if")
        } catch { Issue.record("\(error)") }
    }
}
