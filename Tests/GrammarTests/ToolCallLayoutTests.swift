import Foundation
import Testing
import Schema
@testable import Grammar
import ToolParsers

/// The structural tag a tool-call format forces must accept what the model's own chat template
/// writes: every call rendered by a real template (jinja2, Tests/Fixtures/tool-parsers/make_cases.py)
/// walked byte by byte through the format's tag for the fixture's tools, under the layout the
/// shell uses for tool-call arguments by default (whitespace `auto`: flexible runs of at most 20
/// bytes). Templates render arguments as `{"city": "Paris", "days": 3}`; a tag that refused that
/// spelling would force the model off the text it was trained on.
@Suite struct ToolCallLayoutTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let parser: String
        let id: String
        let text: String
        var testDescription: String { "\(parser) \(id)" }
    }

    static let fixture: (tools: [JSONValue], cases: [Case]) = {
        guard let root = try? CompilerFixtures.json("tool-parsers/template_cases.json") else { return ([], []) }
        var cases: [Case] = []
        for c in root["cases"]?.arrayValue ?? [] {
            for parser in c["parsers"]?.arrayValue ?? [] {
                cases.append(Case(parser: parser.stringValue ?? "", id: c["case"]?.stringValue ?? "", text: c["text"]?.stringValue ?? ""))
            }
        }
        return (root["tools"]?.arrayValue ?? [], cases)
    }()

    /// The cases whose format forces its calls with a structural tag.
    static let forcedCases = fixture.cases.filter { ToolParserRegistry.builtIn.format(named: $0.parser)?.structural != nil }

    /// The default tool-call layout (the shell's whitespace `auto` inside structural tags).
    static let toolCallLayout = JSONSchemaGrammarOptions(whitespace: .flexible(maxRun: 20))

    static func tag(_ parser: String, _ layout: JSONSchemaGrammarOptions) throws -> ReferenceRecognizer {
        let format = try #require(ToolParserRegistry.builtIn.format(named: parser))
        let json = try format.structuralTag(tools: fixture.tools, choice: .auto)
        return ReferenceRecognizer(try StructuralTagGrammar.compile(json, schemaOptions: layout))
    }

    /// Templates that render an object parameter with Python's `str()` (`{'tags': ['a']}`: Seed-OSS,
    /// MiniCPM 5): the XML styles take JSON objects there (`{"tags": ["a"]}`), which these formats'
    /// parsers also read. (Python's `True`, `False` and `None` for a parameter are accepted.)
    static func rendersPythonLiterals(_ text: String) -> Bool { text.contains("{'") }

    @Test func fixtureCoversTheForcedFormats() {
        #expect(Self.forcedCases.count >= 100, "template_cases.json missing or thin: \(Self.forcedCases.count) cases")
        #expect(Set(Self.forcedCases.map(\.parser)).count >= 25)
        // The Python-literal exceptions stay few: the parallel_calls renders of seed_oss and minicpm5.
        #expect(Self.forcedCases.filter { Self.rendersPythonLiterals($0.text) }.count <= 2)
    }

    @Test(arguments: forcedCases)
    func templateRenderIsAccepted(_ c: Case) throws {
        let accepted = try Self.tag(c.parser, Self.toolCallLayout).accepts(Array(c.text.utf8))
        #expect(accepted || Self.rendersPythonLiterals(c.text), "\(c.parser)/\(c.id) rejects its template's text: \(c.text.debugDescription)")
    }

    /// Compact arguments refuse the template's spelling: the reason tool calls default to flexible.
    @Test func compactArgumentsRefuseTheTemplateSpelling() throws {
        let hermes = try #require(Self.forcedCases.first { $0.parser == "hermes" && $0.id == "one_call" })
        #expect(hermes.text.contains(#"{"city": "Paris""#))
        let compact = try Self.tag("hermes", JSONSchemaGrammarOptions(whitespace: .compact))
        let spacedFlexible = try Self.tag("hermes", Self.toolCallLayout).accepts(Array(hermes.text.utf8))
        let spacedCompact = compact.accepts(Array(hermes.text.utf8))
        let compacted = hermes.text.replacingOccurrences(of: #"{"city": "Paris", "days": 3}"#, with: #"{"city":"Paris","days":3}"#)
        let compactCompact = compact.accepts(Array(compacted.utf8))
        #expect(spacedFlexible && !spacedCompact && compactCompact)
    }

    /// xgrammar's `max_whitespace_cnt` on a `json_schema` format bounds its whitespace whatever the
    /// layout options say (0: none).
    @Test func formatWhitespaceBoundOverridesTheLayout() throws {
        func tag(_ bound: String) throws -> ReferenceRecognizer {
            let json = try JSONValue.parse(#"{"type":"tag","begin":"<c>","content":{"type":"json_schema","json_schema":{"type":"object"},"max_whitespace_cnt":"# + bound + #"},"end":"</c>"}"#)
            return ReferenceRecognizer(try StructuralTagGrammar.compile(json, schemaOptions: Self.toolCallLayout))
        }
        let verdicts = [try tag("null").accepts(Array(#"<c>{"a": 1}</c>"#.utf8)),
                        try tag("0").accepts(Array(#"<c>{"a": 1}</c>"#.utf8)),
                        try tag("0").accepts(Array(#"<c>{"a":1}</c>"#.utf8)),
                        try tag("2").accepts(Array("<c>{\"a\":  1}</c>".utf8)),
                        try tag("2").accepts(Array("<c>{\"a\":   1}</c>".utf8))]
        #expect(verdicts == [true, false, true, true, false])
        #expect(throws: StructuralTagError.self) { try tag("-1") }
        // xgrammar's excludes on json_schema content is not enforced here: an error, not ignored.
        let excludes = try JSONValue.parse(#"{"type":"json_schema","json_schema":{"type":"string"},"excludes":["<|x|>"]}"#)
        #expect(throws: StructuralTagError(path: "/format/excludes", message: "excludes inside json_schema content is not supported; "
                                           + "drop it, or forbid the texts with a pattern on the string properties")) {
            try StructuralTagGrammar.compile(excludes)
        }
        #expect(throws: StructuralTagError.self) { try tag("\"x\"") }
    }
}
