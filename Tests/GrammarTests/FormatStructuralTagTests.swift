import Foundation
import Testing
import Schema
import ToolParsers
@testable import Grammar

/// Built-in tool-call formats whose structural tags write parameters in an XML style: they check
/// the arguments (their template renders are walked by ToolCallLayoutTests), and a checked call
/// in each is accepted and read back.
@Suite struct FormatStructuralTagTests {
    /// Formats whose structural tag checks the arguments against the tool's schema in an XML
    /// style (xgrammar's, or markers as data); ToolCallLayoutTests walks their template renders.
    static let checked = ["glm45", "glm47", "ling3", "poolside_v1", "minimax_m2", "deepseek_v32", "deepseek_v4",
                          "deepseek_v41", "kimi_k3", "hy_v3", "minicpm5", "minimax_m3"]

    @Test func xmlFormatsCheckTheirArguments() throws {
        for parser in Self.checked {
            let template = try #require(ToolParserRegistry.builtIn.format(named: parser)?.structural)
            #expect(template.arguments != .anyText && template.arguments != .jsonSchema, "\(parser)")
        }
        let rendered = Set(ToolCallLayoutTests.forcedCases.map(\.parser))
        #expect(rendered.isSuperset(of: Self.checked), "\(Set(Self.checked).subtracting(rendered))")
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
