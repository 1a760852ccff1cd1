import Foundation
import Testing
import Schema
@testable import Grammar

/// The `gemma` `json_schema` style of structural tags (Gemma 4's `{key:<|"|>text<|"|>,n:1}`)
/// against xgrammar: Tests/Fixtures/structural-tags/gemma-style.json holds xgrammar's verdict on
/// texts in the dialect for several schemas (made by scripts/make_gemma_style_goldens.py). Both
/// the reference recognizer and the production matcher (one byte per token) must agree with it.
@Suite struct GemmaStyleTests {
    /// xgrammar's structural-tag defaults: whitespace between tokens, additional properties only
    /// where the schema allows them. (xgrammar's whitespace runs are unbounded; the goldens' runs
    /// are short.)
    static let options = JSONSchemaGrammarOptions(whitespace: .flexible(maxRun: 8), strictAdditionalProperties: true)

    /// Cases where toolshell deliberately gives the other verdict, and why.
    static let deliberate: [String: String] = [
        // xgrammar drops minLength/maxLength of strings it filters for the delimiter (it warns
        // "Ignoring the length constraints"); the bounds are enforced here on the raw characters.
        "bounded/below minLength": "length bounds enforced",
        "bounded/above maxLength": "length bounds enforced",
        // xgrammar's any_order checks neither presence nor uniqueness of keys; here any order is
        // every permutation of the declared properties, required ones present.
        "search/any order: missing required": "required enforced in any order",
        // strictAdditionalProperties closes every object without additionalProperties, untyped
        // values' objects included (as in the JSON style); xgrammar's strict mode leaves objects
        // of an untyped value open.
        "scalars/untyped value object": "untyped objects closed under strict",
        "extra_any/extra nested values": "untyped objects closed under strict",
    ]
    /// Cases xgrammar rejects that toolshell deliberately accepts, and why.
    static let deliberateAccepts: [String: String] = [
        // Gemma 4's chat template renders null as Python's None (and the gemma4 parser reads it).
        "scalars/null as None": "the template's spelling of null",
    ]

    static func tag(_ schema: JSONValue, anyOrder: Bool, delimiter: JSONValue? = nil) -> JSONValue {
        var f: [(String, JSONValue)] = [("type", "json_schema"), ("json_schema", schema), ("style", "gemma")]
        if anyOrder { f.append(("any_order", true)) }
        if let delimiter { f.append(("string_delimiter", delimiter)) }
        return .object(JSONObject(f))
    }

    static func goldens() throws -> (schemas: JSONValue, cases: [JSONValue]) {
        let golden = try CompilerFixtures.json("structural-tags/gemma-style.json")
        return (try #require(golden["schemas"]), try #require(golden["cases"]?.arrayValue))
    }

    @Test func styleAgreesWithXGrammar() throws {
        let (schemas, cases) = try Self.goldens()
        #expect(cases.count >= 60)
        #expect(cases.contains { $0["accepted"] == true } && cases.contains { $0["accepted"] == false })
        let vocabulary = byteVocabulary()
        var compiled: [String: (ReferenceRecognizer, CompiledGrammar)] = [:]
        var diverging = 0
        for c in cases {
            let schemaName = try #require(c["schema"]?.stringValue), anyOrder = c["any_order"]?.boolValue == true
            let name = try #require(c["name"]?.stringValue), text = try #require(c["text"]?.stringValue)
            let key = "\(schemaName) \(anyOrder)"
            if compiled[key] == nil {
                let grammar = try StructuralTagGrammar.compile(Self.tag(try #require(schemas[schemaName]), anyOrder: anyOrder),
                                                               schemaOptions: Self.options)
                compiled[key] = (ReferenceRecognizer(grammar), try CompiledGrammar(grammar, vocabulary: vocabulary))
            }
            let (recognizer, grammar) = compiled[key]!
            var expected = c["accepted"]?.boolValue == true
            if Self.deliberate["\(schemaName)/\(name)"] != nil {
                #expect(expected, "\(schemaName)/\(name): xgrammar was expected to accept")
                expected = false
                diverging += 1
            }
            if Self.deliberateAccepts["\(schemaName)/\(name)"] != nil {
                #expect(!expected, "\(schemaName)/\(name): xgrammar was expected to reject")
                expected = true
                diverging += 1
            }
            #expect(recognizer.accepts(Array(text.utf8)) == expected, "\(key) \(name): \(text.debugDescription)")
            #expect(grammar.acceptsWhole(text) == expected, "matcher, \(key) \(name): \(text.debugDescription)")
        }
        #expect(diverging == Self.deliberate.count + Self.deliberateAccepts.count)
    }

    /// The delimiter extension (FunctionGemma's `<escape>`): every golden text with `<escape>` in
    /// place of `<|"|>` gets the same verdict (the dialect is the same but for the delimiter).
    @Test func otherDelimiterGivesTheSameVerdicts() throws {
        let (schemas, cases) = try Self.goldens()
        var compiled: [String: ReferenceRecognizer] = [:]
        for c in cases {
            let schemaName = try #require(c["schema"]?.stringValue), anyOrder = c["any_order"]?.boolValue == true
            let name = try #require(c["name"]?.stringValue), text = try #require(c["text"]?.stringValue)
            let key = "\(schemaName) \(anyOrder)"
            if compiled[key] == nil {
                let tag = Self.tag(try #require(schemas[schemaName]), anyOrder: anyOrder, delimiter: "<escape>")
                compiled[key] = ReferenceRecognizer(try StructuralTagGrammar.compile(tag, schemaOptions: Self.options))
            }
            let expected = (c["accepted"]?.boolValue == true && Self.deliberate["\(schemaName)/\(name)"] == nil)
                || Self.deliberateAccepts["\(schemaName)/\(name)"] != nil
            let swapped = text.replacing("<|\"|>", with: "<escape>")
            #expect(compiled[key]!.accepts(Array(swapped.utf8)) == expected, "\(key) \(name): \(swapped.debugDescription)")
        }
        // With <escape> delimiting, <|"|> is plain string text.
        let weather = try #require(schemas["weather"])
        let r = ReferenceRecognizer(try StructuralTagGrammar.compile(Self.tag(weather, anyOrder: false, delimiter: "<escape>")))
        #expect(r.accepts("{city:<escape>a<|\"|>b<escape>}"))
        #expect(!r.accepts("{city:<escape>a<escape>b<escape>}"))
    }

    /// A delimiter that is a special token of the vocabulary must be that token; the same text
    /// spelled out is string content only when it is not the whole delimiter.
    @Test func specialTokenDelimiters() throws {
        let schema: JSONValue = ["type": "object", "properties": ["city": ["type": "string"], "tags": ["type": "array", "items": ["enum": ["a", "b"]]]]]
        let r = ReferenceRecognizer(try StructuralTagGrammar.compile(Self.tag(schema, anyOrder: false), specialTokens: ["<|\"|>"]))
        let q = ReferenceRecognizer.special("<|\"|>")
        #expect(r.accepts(Array("{city:".utf8) + q + Array("Paris".utf8) + q + Array(",tags:[".utf8) + q + [0x61] + q + Array("]}".utf8)))
        #expect(!r.accepts(Array("{city:<|\"|>Paris<|\"|>}".utf8)))
        #expect(!r.accepts(Array("{city:".utf8) + q + Array("a<|\"|>b".utf8) + q + [0x7D]))
        #expect(r.accepts(Array("{city:".utf8) + q + Array("a<|\"|b".utf8) + q + [0x7D]))
        // The production matcher over a vocabulary where <|"|> is special token 257.
        let vocabulary = byteVocabulary(specials: ["<|\"|>"])
        let grammar = try CompiledGrammar(try StructuralTagGrammar.compile(Self.tag(schema, anyOrder: false), specialTokens: ["<|\"|>"]),
                                          vocabulary: vocabulary)
        let m = GrammarMatcher(grammar)
        #expect(m.accept(bytes: Array("{city:".utf8)) && m.accept(token: 257) && m.accept(bytes: Array("Paris".utf8)) && m.accept(token: 257)
                && m.accept(bytes: Array("}".utf8)) && m.accept(token: 256))
        let spelled = GrammarMatcher(grammar)
        #expect(spelled.accept(bytes: Array("{city:".utf8)) && !spelled.accept(bytes: Array("<".utf8)))
    }

    /// Without strictAdditionalProperties an untyped value's object takes any bare keys (the two
    /// golden cases that differ under strict), and an object without additionalProperties takes
    /// other bare names.
    @Test func untypedObjectsAreOpenWithoutStrictAdditionalProperties() throws {
        let (schemas, _) = try Self.goldens()
        let open = JSONSchemaGrammarOptions(whitespace: .flexible(maxRun: 8))
        let scalars = ReferenceRecognizer(try StructuralTagGrammar.compile(Self.tag(try #require(schemas["scalars"]), anyOrder: false), schemaOptions: open))
        #expect(scalars.accepts("{anything:{k:[1,<|\"|>v<|\"|>,null]}}"))
        #expect(scalars.accepts("{x:1,other_name:<|\"|>v<|\"|>}"))
        #expect(!scalars.accepts("{x:1,x:2}"))
        #expect(!scalars.accepts("{anything:{\"k\":1}}"))
    }

    @Test func enumStringsHoldingTheDelimiterAreLeftOut() throws {
        let schema: JSONValue = ["type": "object", "properties": ["e": ["enum": ["x<|\"|>y", "ok"]]], "required": ["e"]]
        let r = ReferenceRecognizer(try StructuralTagGrammar.compile(Self.tag(schema, anyOrder: false)))
        #expect(r.accepts("{e:<|\"|>ok<|\"|>}"))
        #expect(!r.accepts("{e:<|\"|>x<|\"|>y<|\"|>}"))
    }

    @Test func badDelimitersAndKeyConstraintsAreTypedErrorsWithTheirPath() {
        let weather: JSONValue = ["type": "object", "properties": ["city": ["type": "string"]]]
        for bad: JSONValue in [3, "", "<<x", "aa", "1x", " <e>", "{", "\"q"] {
            let f = Self.tag(weather, anyOrder: false, delimiter: bad)
            #expect { _ = try StructuralTagGrammar.compile(f) } throws: { e in
                (e as? StructuralTagError)?.path == "/format/string_delimiter" || (e as? StructuralTagError)?.path == "/string_delimiter"
            }
        }
        let json: JSONValue = ["type": "json_schema", "json_schema": weather, "string_delimiter": "<escape>"]
        #expect { _ = try StructuralTagGrammar.compile(json) } throws: { e in
            (e as? StructuralTagError)?.message.contains("gemma style only") == true
        }
        let keyed: [(JSONValue, String)] = [
            (["type": "object", "patternProperties": ["^x": ["type": "integer"]]], "/json_schema/patternProperties/^x"),
            (["type": "object", "properties": ["o": ["type": "object", "propertyNames": ["maxLength": 3]]]], "/json_schema/properties/o/propertyNames"),
        ]
        for (schema, pointer) in keyed {
            #expect { _ = try StructuralTagGrammar.compile(Self.tag(schema, anyOrder: false)) } throws: { e in
                guard let e = e as? StructuralTagError else { return false }
                return e.path.hasSuffix(pointer) && e.message.contains("bare names")
            }
        }
    }
}
