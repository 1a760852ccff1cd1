import Foundation
import Testing
import Schema
import ToolParsers
@testable import Grammar

/// Built-in tool-call formats' structural tags against the models' own chat templates: every
/// turn in Tests/Fixtures/tool-parsers/template_cases.json (jinja2 renders of real templates,
/// text and calls) is text the format's structural tag must accept, for the fixture's tools.
@Suite struct FormatStructuralTagTests {
    /// Formats whose structural tag checks the arguments against the tool's schema in an XML
    /// style (xgrammar's, or markers as data), with how many template renders each has.
    static let checked: [String: Int] = [
        "glm45": 5, "glm47": 5, "ling3": 5, "poolside_v1": 5, "minimax_m2": 5,
        "deepseek_v32": 5, "deepseek_v4": 5, "deepseek_v41": 5, "kimi_k3": 5, "hy_v3": 5, "minicpm5": 5,
        "minimax_m3": 5,
    ]
    /// Renders the structural tag rejects on purpose: MiniCPM 5's template writes non-string
    /// values with Python's `str()` (`True`, `{'tags': ['a', 'b'], 'max': 5}`); the tag forces
    /// JSON there, which the format's parser reads too.
    static let pythonLiterals: Set<String> = ["minicpm5 parallel_calls", "minicpm5 text_before"]

    @Test func templateRendersAreAccepted() throws {
        let root = try CompilerFixtures.json("tool-parsers/template_cases.json")
        let catalog = try ToolCatalog(tools: try #require(root["tools"]?.arrayValue))
        var recognizers: [String: ReferenceRecognizer] = [:]
        var seen: [String: Int] = [:]
        for c in try #require(root["cases"]?.arrayValue) {
            let text = try #require(c["text"]?.stringValue), id = c["case"]?.stringValue ?? ""
            for parser in (c["parsers"]?.arrayValue ?? []).compactMap(\.stringValue) where Self.checked[parser] != nil {
                if recognizers[parser] == nil {
                    let format = try #require(ToolParserRegistry.builtIn.format(named: parser))
                    let template = try #require(format.structural)
                    #expect(template.arguments != .anyText && template.arguments != .jsonSchema, "\(parser)")
                    // The renders write JSON values with json.dumps' ", " and ": " (the default JSON
                    // layout is decided elsewhere; this checks markers and values).
                    recognizers[parser] = ReferenceRecognizer(try StructuralTagGrammar.compile(
                        template.structuralTag(tools: catalog, choice: .auto),
                        schemaOptions: JSONSchemaGrammarOptions(whitespace: .flexible(maxRun: 20))))
                }
                let expected = !Self.pythonLiterals.contains("\(parser) \(id)")
                #expect(recognizers[parser]!.accepts(Array(text.utf8)) == expected, "\(parser) \(id): \(text.debugDescription)")
                seen[parser, default: 0] += 1
            }
        }
        #expect(seen == Self.checked)
    }

    /// Every format whose tag writes parameters around markers (glm_xml, minimax_xml, or markers
    /// as data), template renders or not: a call with a raw string, an enum and an integer is
    /// accepted by the tag and read back by the format's parser with the same arguments, and the
    /// same call with the integer written as text is rejected (the tag checks the arguments).
    @Test func markerFormatsForceCheckedArguments() throws {
        let root = try CompilerFixtures.json("tool-parsers/template_cases.json")
        let catalog = try ToolCatalog(tools: try #require(root["tools"]?.arrayValue))
        var checked: Set<String> = []
        for format in ToolParserRegistry.builtIn.all {
            guard let t = format.structural else { continue }
            func param(_ k: String, _ v: String) -> String? {
                switch t.arguments {
                case .glmXML: return "<arg_key>\(k)</arg_key>\n<arg_value>\(v)</arg_value>"
                case .minimaxXML: return "<parameter name=\"\(k)\">\(v)</parameter>"
                case .xml: return t.xmlMarkers.map { $0.parameterBegin + k + $0.nameEnd + $0.valueBegin + v + $0.valueEnd }
                default: return nil
                }
            }
            guard param("a", "b") != nil else { continue }
            func call(days: String) -> String {
                var c = t.callBegin.replacing("{name}", with: "get_weather") + param("city", "Rome, \"old\" town")! + "\n"
                    + param("unit", "celsius")! + param("days", days)! + "\n" + t.callEnd
                if let s = t.section { c = s.begin + c + s.end }
                return "Checking. " + c
            }
            let r = ReferenceRecognizer(try StructuralTagGrammar.compile(t.structuralTag(tools: catalog, choice: .auto)))
            #expect(r.accepts(Array(call(days: "3").utf8)), "\(format.name): \(call(days: "3").debugDescription)")
            #expect(!r.accepts(Array(call(days: "three").utf8)), "\(format.name)")
            let out = try format.makeParser(tools: catalog, options: ToolParserOptions(startsInReasoning: false)).parse(call(days: "3"))
            #expect(out.toolCalls.map(\.name) == ["get_weather"], "\(format.name)")
            let want: JSONValue = ["city": "Rome, \"old\" town", "unit": "celsius", "days": 3]
            #expect(out.toolCalls.first.flatMap { try? JSONValue.parse($0.arguments) } == want, "\(format.name): \(out.toolCalls)")
            checked.insert(format.name)
        }
        #expect(checked.isSuperset(of: ["dots", "poolside_v1", "hy_v4", "hy_v3", "k2_horizon", "minicpm5", "step3", "glm45", "minimax_m2"]),
                "\(checked.sorted())")
    }

    /// Every built-in format's structural tag compiles for the fixture's tools, under every tool choice.
    @Test func everyBuiltInTagCompiles() throws {
        let root = try CompilerFixtures.json("tool-parsers/template_cases.json")
        let catalog = try ToolCatalog(tools: try #require(root["tools"]?.arrayValue))
        var compiled = 0
        for format in ToolParserRegistry.builtIn.all {
            guard let template = format.structural else { continue }
            for choice in [ToolChoice.auto, .required, .named("search")] {
                _ = try StructuralTagGrammar.compile(template.structuralTag(tools: catalog, choice: choice))
                compiled += 1
            }
        }
        #expect(compiled >= 3 * 30)
    }
}
