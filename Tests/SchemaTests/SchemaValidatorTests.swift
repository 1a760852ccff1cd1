import Foundation
import Testing
@testable import Schema

@Suite struct SchemaValidatorTests {
    static func validator(_ text: String, draft: SchemaDraft? = nil, formatAssertion: Bool = false) throws -> SchemaValidator {
        try SchemaValidator(schema: try JSONValue.parse(text), draft: draft, formatAssertion: formatAssertion)
    }

    @Test func errorsCarryInstanceAndSchemaPointers() throws {
        let v = try Self.validator(##"""
        {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/$defs/item"}}},
         "required": ["items", "name"], "$defs": {"item": {"type": "object", "properties": {"n": {"type": "integer", "maximum": 3}}}}}
        """##)
        let errors = v.validate(try JSONValue.parse(##"{"items": [{"n": 1}, {"n": 7}, {"n": "x"}]}"##))
        let pairs = Set(errors.map { "\($0.instancePointer) \($0.schemaPointer)" })
        #expect(pairs == [
            " /required",
            "/items/1/n /properties/items/items/$ref/properties/n/maximum",
            "/items/2/n /properties/items/items/$ref/properties/n/type",
        ])
        #expect(errors.contains { $0.keyword == "required" && $0.message.contains("\"name\"") })
        #expect(v.isValid(try JSONValue.parse(##"{"items": [], "name": "x"}"##)))
    }

    @Test func cyclicRefIsAnErrorNotAHang() throws {
        let v = try Self.validator(##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}"##)
        let errors = v.validate(.integer(1))
        #expect(errors.contains { $0.message.contains("cyclic") })
        let selfRef = try Self.validator(##"{"$ref": "#"}"##)
        #expect(!selfRef.validate(.null).isEmpty)
        // Recursion that consumes the instance is fine.
        let tree = try Self.validator(##"{"type": "object", "properties": {"child": {"$ref": "#"}}, "additionalProperties": false}"##)
        #expect(tree.isValid(try JSONValue.parse(##"{"child": {"child": {}}}"##)))
        #expect(!tree.isValid(try JSONValue.parse(##"{"child": {"child": {"x": 1}}}"##)))
    }

    @Test func badSchemasFailToLoadWithPointers() throws {
        func loadError(_ text: String) throws -> SchemaLoadError? {
            do { _ = try Self.validator(text); return nil } catch let e as SchemaLoadError { return e }
        }
        #expect(try loadError(##"{"properties": {"a": {"$ref": "#/$defs/missing"}}}"##)?.pointer == "/properties/a/$ref")
        #expect(try loadError(##"{"properties": {"a": {"pattern": "(unclosed"}}}"##)?.pointer == "/properties/a/pattern")
        #expect(try loadError("3")?.pointer == "")
        #expect(try loadError(##"{"$ref": "http://example.com/not-available.json"}"##) != nil)
    }

    @Test func formatIsAnnotationUnlessAsserted() throws {
        let text = ##"{"format": "date-time"}"##
        #expect(try Self.validator(text).isValid("not a date"))
        let asserting = try Self.validator(text, formatAssertion: true)
        #expect(!asserting.isValid("not a date"))
        #expect(asserting.isValid("2026-11-25T10:00:00Z"))
        #expect(!asserting.isValid("2026-02-30T10:00:00Z"))
        for (format, good, bad) in [("email", "a.b@example.com", "a@@b"), ("ipv4", "10.0.0.1", "256.1.1.1"),
                                    ("ipv6", "::1", "1:::2"), ("uuid", "123e4567-e89b-12d3-a456-426614174000", "123"),
                                    ("date", "2024-02-29", "2023-02-29"), ("hostname", "example.com", "-bad-.com"),
                                    ("uri", "https://x.org/a?b#c", "no scheme"), ("json-pointer", "/a~1b", "a"),
                                    ("duration", "P1DT2H", "P1H"), ("time", "23:59:60Z", "24:00:00Z")] {
            let v = try SchemaValidator(schema: ["format": .string(format)], formatAssertion: true)
            #expect(v.isValid(.string(good)), "\(format) \(good)")
            #expect(!v.isValid(.string(bad)), "\(format) \(bad)")
        }
    }

    @Test func draftSelection() throws {
        // draft 7: $ref overrides siblings; 2020-12: siblings apply.
        let text = ##"{"$defs": {"s": {"type": "string"}}, "$ref": "#/$defs/s", "maxLength": 2}"##
        #expect(try Self.validator(text, draft: .draft7).isValid("long string"))
        #expect(!(try Self.validator(text, draft: .draft2020_12).isValid("long string")))
        let v7 = try Self.validator(##"{"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "integer"}], "additionalItems": false}"##)
        #expect(v7.draft == .draft7)
        #expect(!v7.isValid([1, 2]))
    }

    @Test func metaschemasAreBuiltIn() throws {
        let meta = try Self.validator(##"{"$ref": "https://json-schema.org/draft/2020-12/schema"}"##)
        #expect(meta.isValid(try JSONValue.parse(##"{"type": "object", "properties": {"a": {"type": "string"}}}"##)))
        #expect(!meta.isValid(try JSONValue.parse(##"{"type": 12}"##)))
        let meta7 = try Self.validator(##"{"$ref": "http://json-schema.org/draft-07/schema#"}"##, draft: .draft7)
        #expect(!meta7.isValid(try JSONValue.parse(##"{"minLength": -1}"##)))
    }

    @Test func oneMegabyteSchemaLoadsQuickly() throws {
        // ~1 MB: 4000 object definitions, each referencing the next, with patterns and enums.
        var defs: [String] = []
        for i in 0..<4000 {
            let name = "d\(i)", next = "d\((i + 1) % 4000)"
            defs.append("\"\(name)\": {\"type\": \"object\", \"properties\": {\"name\": {\"type\": \"string\", \"pattern\": \"^[a-z]+\(i % 50)$\"}, \"kind\": {\"enum\": [\"a\(i)\", \"b\(i)\", \"c\(i)\"]}, \"next\": {\"$ref\": \"#/$defs/\(next)\"}, \"extra\": {\"type\": \"array\", \"items\": {\"type\": \"integer\", \"minimum\": \(i)}}}, \"required\": [\"name\"]}")
        }
        let text = "{\"$ref\": \"#/$defs/d0\", \"$defs\": {" + defs.joined(separator: ",") + "}}"
        #expect(text.utf8.count > 1_000_000)
        let start = Date()
        let schema = try JSONValue.parse(text)
        let parsed = Date()
        let validator = try SchemaValidator(schema: schema)
        print("1 MB schema: parse \(parsed.timeIntervalSince(start)) s, compile \(Date().timeIntervalSince(parsed)) s")
        let elapsed = Date().timeIntervalSince(start)
        // Measured in release here: ~0.2 s. The bound only catches super-linear loading (a quadratic
        // pass over 4000 definitions takes minutes), so it holds on a machine busy with other builds.
        let bound = 10.0
        #expect(elapsed < bound, "loading a \(text.utf8.count)-byte schema took \(elapsed) s")
        #expect(validator.isValid(try JSONValue.parse(##"{"name": "abc0", "next": {"name": "x1"}}"##)))
        #expect(!validator.isValid(try JSONValue.parse(##"{"name": "abc0", "next": {"kind": "zz"}}"##)))
    }
}

@Suite struct LegacyDraftTests {
    @Test func draft4BooleanExclusiveBoundsAndNoIfThenElse() throws {
        let v = try SchemaValidator(schema: try JSONValue.parse(##"{"$schema": "http://json-schema.org/draft-04/schema#", "maximum": 5, "exclusiveMaximum": true, "minimum": 1, "exclusiveMinimum": false}"##))
        #expect(v.draft == .draft7)
        #expect(v.isValid(4.5))
        #expect(!v.isValid(5))
        #expect(v.isValid(1))
        let ifThen = ##"{"if": {"type": "string"}, "then": {"maxLength": 1}}"##
        let legacy = try SchemaValidator(schema: try JSONValue.parse(##"{"$schema": "http://json-schema.org/draft-04/schema#", "allOf": ["## + ifThen + "]}"))
        #expect(legacy.isValid("long"))
        #expect(!(try SchemaValidator(schema: try JSONValue.parse(ifThen), draft: .draft7)).isValid("long"))
    }
}
