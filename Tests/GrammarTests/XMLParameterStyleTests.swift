import Foundation
import Testing
import Schema
@testable import Grammar

/// The XML-like `json_schema` styles of structural tags (qwen_xml, minimax_xml, glm_xml,
/// deepseek_xml, kimi_k3_xml) against xgrammar: Tests/Fixtures/structural-tags/xml-styles.json
/// holds xgrammar's verdict on texts written in each style for one schema, strict and not
/// (made by scripts/make_xml_style_goldens.py). Both the reference recognizer and the production
/// matcher (over a one-byte-per-token vocabulary) must give the same verdict.
@Suite struct XMLParameterStyleTests {
    /// Texts where xgrammar, not in strict mode, reads a declared parameter as an additional one
    /// (and so takes any value for it); JSON Schema applies additionalProperties only to names
    /// not declared, so these are rejected here.
    static let declaredNameAsAdditional: Set<String> = [
        "enum quoted", "enum unknown", "bounded string too long", "object missing its required key", "array of strings",
    ]

    @Test func stylesAgreeWithXGrammar() throws {
        let golden = try CompilerFixtures.json("structural-tags/xml-styles.json")
        let schema = try #require(golden["schema"])
        let cases = try #require(golden["cases"]?.arrayValue)
        #expect(cases.count >= 200)
        let tokens = (0..<256).map { [UInt8($0)] } + [Array("<end>".utf8)]
        let vocabulary = TokenVocabulary(tokens: tokens, special: [256], endOfGeneration: [256])
        var compiled: [String: (ReferenceRecognizer, CompiledGrammar)] = [:]
        var diverging = 0
        for c in cases {
            let style = try #require(c["style"]?.stringValue), strict = c["strict"]?.boolValue == true
            let name = try #require(c["name"]?.stringValue), text = try #require(c["text"]?.stringValue)
            let key = "\(style) \(strict)"
            if compiled[key] == nil {
                let tag: JSONValue = ["type": "json_schema", "json_schema": schema, "style": .string(style)]
                let grammar = try StructuralTagGrammar.compile(tag, schemaOptions: JSONSchemaGrammarOptions(strictAdditionalProperties: strict))
                compiled[key] = (ReferenceRecognizer(grammar), try CompiledGrammar(grammar, vocabulary: vocabulary))
            }
            let (recognizer, grammar) = compiled[key]!
            var expected = c["accepted"]?.boolValue == true
            if !strict && Self.declaredNameAsAdditional.contains(name) {
                #expect(expected, "\(key) \(name): xgrammar was expected to accept a declared name as an additional parameter")
                expected = false
                diverging += 1
            }
            #expect(recognizer.accepts(Array(text.utf8)) == expected, "\(key) \(name): \(text.debugDescription)")
            let matcher = GrammarMatcher(grammar)
            let walked = matcher.accept(bytes: Array(text.utf8)) || text.isEmpty
            #expect((walked && matcher.accept(token: 256)) == expected, "matcher, \(key) \(name): \(text.debugDescription)")
        }
        #expect(diverging == 25)
    }

    @Test func unsupportedValuesAreTypedErrorsWithTheirPath() {
        let bad: [(JSONValue, String)] = [
            (["type": "object", "properties": ["p": ["type": "string", "pattern": "^a"]]], "/properties/p"),
            (["type": "object", "properties": ["p": ["type": ["string", "integer"]]]], "/properties/p/type"),
            (["type": "object", "properties": ["p": ["enum": [["a": 1]]]]], "/properties/p"),
            (["type": "array"], "/json_schema"),
        ]
        for (schema, pointer) in bad {
            let tag: JSONValue = ["type": "json_schema", "json_schema": schema, "style": "glm_xml"]
            #expect {
                _ = try StructuralTagGrammar.compile(tag)
            } throws: { error in
                guard let e = error as? StructuralTagError else { return false }
                return e.path.hasSuffix(pointer) || e.path.contains(pointer)
            }
        }
        let unknown: JSONValue = ["type": "json_schema", "json_schema": ["type": "object"], "style": "yaml"]
        #expect(throws: StructuralTagError.self) { _ = try StructuralTagGrammar.compile(unknown) }
    }

    @Test func additionalNamesNeverSpellADeclaredOne() {
        let r = ReferenceRecognizer(Grammar(rules: [GrammarRule(name: "root", body: StructuralTagCompiler.name(excluding: ["city", "c", "days"]))], root: 0))
        for n in ["ci", "cit", "cityx", "ca", "d", "day", "daysy", "x", "_1", "C"] { #expect(r.accepts(Array(n.utf8)), "\(n)") }
        for n in ["city", "c", "days", "1a", ""] { #expect(!r.accepts(Array(n.utf8)), "\(n)") }
    }
}
