import Foundation
import Testing
import Schema
@testable import ToolParsers

/// Model outputs rendered by the models' own chat templates (jinja2, Tests/Fixtures/tool-parsers/make_cases.py):
/// each must parse back into the message it was rendered from, identically under every chunking.
@Suite struct TemplateCaseTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let parser: String
        let template: String
        let id: String
        let text: String
        let content: String
        let reasoning: String
        let startsInReasoning: Bool
        let calls: [(name: String, arguments: JSONValue)]
        var testDescription: String { "\(parser) \(id)" }
    }

    static let fixture: (tools: [JSONValue], cases: [Case]) = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/tool-parsers/template_cases.json")
        guard let data = try? Data(contentsOf: url), let root = try? JSONValue.parse(bytes: Array(data)) else { return ([], []) }
        var cases: [Case] = []
        for c in root["cases"]?.arrayValue ?? [] {
            let expected = c["expected"]
            let calls = (expected?["tool_calls"]?.arrayValue ?? []).map { ($0["name"]?.stringValue ?? "", $0["arguments"] ?? .null) }
            for parser in c["parsers"]?.arrayValue ?? [] {
                cases.append(Case(parser: parser.stringValue ?? "", template: c["template"]?.stringValue ?? "",
                                  id: c["case"]?.stringValue ?? "", text: c["text"]?.stringValue ?? "",
                                  content: expected?["content"]?.stringValue ?? "",
                                  reasoning: expected?["reasoning"]?.stringValue ?? "",
                                  startsInReasoning: c["starts_in_reasoning"]?.boolValue ?? false, calls: calls))
            }
        }
        return (root["tools"]?.arrayValue ?? [], cases)
    }()

    @Test func fixtureLoaded() {
        #expect(Self.fixture.cases.count > 120, "template_cases.json missing or empty: run make_cases.py")
    }

    @Test(arguments: fixture.cases)
    func parsesRenderedTurn(_ c: Case) throws {
        // Whether the prompt (generation prompt) left reasoning open, as the template renders it.
        let options = ToolParserOptions(startsInReasoning: c.startsInReasoning)
        var results: [ParsedOutput] = []
        for chunking in Chunking.allCases {
            let (events, out) = try ParserHarness.stream(c.parser, c.text, tools: Self.fixture.tools, chunking: chunking, options: options)
            ParserHarness.checkInvariants(events, "\(c.parser)/\(c.id)/\(chunking)")
            results.append(out)
        }
        for r in results.dropFirst() { #expect(r == results[0], "\(c.parser)/\(c.id): result depends on chunking") }
        let out = results[0]
        #expect(out.content.trimmedSpaces == c.content.trimmedSpaces, "\(c.parser)/\(c.id) content: \(out.content.debugDescription)")
        #expect(out.reasoning.trimmedSpaces == c.reasoning.trimmedSpaces, "\(c.parser)/\(c.id) reasoning: \(out.reasoning.debugDescription)")
        #expect(out.toolCalls.count == c.calls.count, "\(c.parser)/\(c.id): \(out.toolCalls)")
        for (got, want) in zip(out.toolCalls, c.calls) {
            #expect(got.name == want.name)
            let parsed = try? JSONValue.parse(got.arguments)
            #expect(parsed == want.arguments, "\(c.parser)/\(c.id): arguments \(got.arguments) ≠ \(want.arguments.jsonString())")
            #expect(!got.id.isEmpty)
        }
    }
}
