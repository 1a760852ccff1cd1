import Foundation
import Testing
import Schema
@testable import Grammar

/// The XML-like `json_schema` styles of structural tags (qwen_xml, minimax_xml, glm_xml,
/// deepseek_xml, deepseek_v4_1_xml, kimi_k3_xml, and the nested minimax_m3_xml, cohere_xml) against xgrammar: Tests/Fixtures/structural-tags/xml-styles.json
/// holds xgrammar's verdict on texts written in each style for one schema, strict and not
/// (the nested styles: a schema of their own, strict only)
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
        let vocabulary = byteVocabulary()
        var compiled: [String: (ReferenceRecognizer, CompiledGrammar)] = [:]
        var diverging = 0
        for c in cases {
            let style = try #require(c["style"]?.stringValue), strict = c["strict"]?.boolValue == true
            let name = try #require(c["name"]?.stringValue), text = try #require(c["text"]?.stringValue)
            let key = "\(style) \(strict)"
            if compiled[key] == nil {
                let tag: JSONValue = ["type": "json_schema", "json_schema": golden["style_schemas"]?[style] ?? schema, "style": .string(style)]
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
            #expect(grammar.acceptsWhole(text) == expected, "matcher, \(key) \(name): \(text.debugDescription)")
        }
        #expect(diverging == 30)
    }

    /// toolshell's `"style": "xml"` (markers as data, an extension xgrammar does not have): the
    /// markers of qwen_xml, minimax_xml and glm_xml given as data give xgrammar's verdicts for
    /// those styles on every golden text.
    @Test func markersAsDataMatchTheNamedStyles() throws {
        let markers: [String: JSONValue] = [
            "qwen_xml": ["parameter_begin": "<parameter=", "name_end": ">", "value_end": "</parameter>"],
            "minimax_xml": ["parameter_begin": "<parameter name=\"", "name_end": "\">", "value_end": "</parameter>"],
            "glm_xml": ["parameter_begin": "<arg_key>", "name_end": "</arg_key>", "value_begin": "<arg_value>",
                        "value_end": "</arg_value>", "space_after_name": true],
        ]
        let golden = try CompilerFixtures.json("structural-tags/xml-styles.json")
        let schema = try #require(golden["schema"])
        var recognizers: [String: ReferenceRecognizer] = [:]
        var checked = 0
        for c in try #require(golden["cases"]?.arrayValue) {
            let style = try #require(c["style"]?.stringValue), strict = c["strict"]?.boolValue == true
            guard let m = markers[style] else { continue }
            let name = try #require(c["name"]?.stringValue), text = try #require(c["text"]?.stringValue)
            let key = "\(style) \(strict)"
            if recognizers[key] == nil {
                let tag: JSONValue = ["type": "json_schema", "json_schema": schema, "style": "xml", "xml_markers": m]
                recognizers[key] = ReferenceRecognizer(try StructuralTagGrammar.compile(
                    tag, schemaOptions: JSONSchemaGrammarOptions(strictAdditionalProperties: strict)))
            }
            let expected = c["accepted"]?.boolValue == true && (strict || !Self.declaredNameAsAdditional.contains(name))
            #expect(recognizers[key]!.accepts(Array(text.utf8)) == expected, "xml as \(key) \(name): \(text.debugDescription)")
            checked += 1
        }
        #expect(checked == 120)
    }

    /// `cdata`: a raw string may be one CDATA section, which may hold the value's end marker.
    @Test func markersMayLetStringsBeCDATA() throws {
        let schema: JSONValue = ["type": "object", "properties": ["q": ["type": "string"], "n": ["type": "integer"]], "required": ["q"]]
        let m: JSONValue = ["parameter_begin": "<param name=\"", "name_end": "\">", "value_end": "</param>", "cdata": true]
        let r = ReferenceRecognizer(try StructuralTagGrammar.compile(["type": "json_schema", "json_schema": schema, "style": "xml", "xml_markers": m]))
        for ok in [#"<param name="q">a b</param>"#, #"<param name="q"><![CDATA[x </param> y]]></param>"#,
                   #"<param name="q"><![CDATA[]]></param><param name="n">2</param>"#] {
            #expect(r.accepts(Array(ok.utf8)), "\(ok)")
        }
        for bad in [#"<param name="q"><![CDATA[x </param> y]]>tail</param>"#, #"<param name="q">a</param><param name="n"><![CDATA[2]]></param>"#] {
            #expect(!r.accepts(Array(bad.utf8)), "\(bad)")
        }
    }

    @Test func badMarkersAreTypedErrorsNamingTheField() {
        let schema: JSONValue = ["type": "object"]
        let bad: [(JSONValue?, String, String)] = [
            (nil, "/xml_markers", "xml_markers"),
            (["name_end": ">", "value_end": "</p>"], "/xml_markers/parameter_begin", "missing"),
            (["parameter_begin": "", "name_end": ">", "value_end": "</p>"], "/xml_markers/parameter_begin", "non-empty"),
            (["parameter_begin": "<p ", "name_end": "x>", "value_end": "</p>"], "/xml_markers/name_end", "delimiter"),
            (["parameter_begin": "<p ", "name_end": ">", "value_end": "</p>", "cdata": "yes"], "/xml_markers/cdata", "true or false"),
            (["parameter_begin": "<p ", "name_end": ">", "value_end": "</p>", "value_start": "<v>"], "/xml_markers/value_start", "parameter_begin"),
        ]
        for (markers, pointer, hint) in bad {
            let tag: JSONValue = markers.map { ["type": "json_schema", "json_schema": schema, "style": "xml", "xml_markers": $0] }
                ?? ["type": "json_schema", "json_schema": schema, "style": "xml"]
            #expect {
                _ = try StructuralTagGrammar.compile(["type": "tag", "begin": "<c>", "content": tag, "end": "</c>"])
            } throws: { error in
                guard let e = error as? StructuralTagError else { return false }
                return e.path == "/format/content" + pointer && e.message.contains(hint)
            }
        }
        let markersWithoutStyle: JSONValue = ["type": "json_schema", "json_schema": schema, "style": "glm_xml",
                                              "xml_markers": ["parameter_begin": "<p ", "name_end": ">", "value_end": "</p>"]]
        #expect(throws: StructuralTagError(path: "/format/xml_markers",
                                           message: "markers are read only with \"style\": \"xml\"; set that style or drop them")) {
            _ = try StructuralTagGrammar.compile(markersWithoutStyle)
        }
    }

    /// The nested styles take fixed names and typed values only: the rest is an error at its pointer.
    @Test func nestedStylesRejectWhatTheyCannotSpell() {
        let bad: [(JSONValue, String)] = [
            (["type": "object", "properties": ["p": ["type": "string"]], "additionalProperties": true], "/json_schema/additionalProperties"),
            (["type": "object", "properties": ["p": ["type": "string", "maxLength": 3]]], "/json_schema/properties/p"),
            (["type": "object", "properties": ["p": [:]]], "/json_schema/properties/p"),
            (["type": "object", "properties": ["p": ["type": "array", "items": ["type": ["object", "null"]]]]], "/json_schema/properties/p/items/type"),
        ]
        for style in ["minimax_m3_xml", "cohere_xml"] {
            for (schema, pointer) in bad {
                #expect {
                    _ = try StructuralTagGrammar.compile(["type": "json_schema", "json_schema": schema, "style": .string(style)])
                } throws: { error in
                    (error as? StructuralTagError)?.path == "/format" + pointer
                }
            }
        }
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
