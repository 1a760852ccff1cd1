import Foundation
import Testing
import Schema
@testable import Grammar

/// JSON Schema → grammar, checked against the Schema module's validator (which nobody here
/// wrote for this compiler): random schemas and instances, number ranges, formats, and
/// inputs built to be hostile (deep nesting, huge enums, reference cycles).
@Suite struct JSONSchemaGrammarTests {
    static func accepts(_ g: Grammar, _ v: JSONValue) -> Bool { ReferenceRecognizer(g).accepts(Array(v.jsonString().utf8)) }

    // MARK: exactness against the validator

    /// Random schemas and instances: whatever the grammar accepts, the validator accepts
    /// (0 invalid accepted), and valid instances in declared order are accepted.
    @Test func randomSchemasAcceptOnlyValidInstances() throws {
        var gen = SchemaFuzzer(rng: SplitMix(seed: 42))
        var compiled = 0, acceptedValid = 0, rejectedValid = 0, errors = 0
        var invalidAccepted: [String] = []
        for _ in 0..<400 {
            let schema = gen.schema(depth: 0)
            let validator: SchemaValidator
            do { validator = try SchemaValidator(schema: schema, formatAssertion: true) } catch { continue }
            let grammar: Grammar
            do { grammar = try JSONSchemaGrammar.compile(schema) } catch is JSONSchemaGrammarError { errors += 1; continue }
            compiled += 1
            let r = ReferenceRecognizer(grammar)
            for _ in 0..<25 {
                let v = gen.instance(for: schema, depth: 0)
                let ok = r.accepts(Array(v.jsonString().utf8))
                let valid = validator.isValid(v)
                if ok && !valid { invalidAccepted.append("schema \(schema.jsonString()) accepted \(v.jsonString())") }
                if ok && valid { acceptedValid += 1 }
                if !ok && valid { rejectedValid += 1 }
            }
        }
        for f in invalidAccepted.prefix(20) { print("  INVALID ACCEPTED: \(f)") }
        print("random schemas: \(compiled) compiled, \(errors) unsupported; valid instances accepted \(acceptedValid), rejected \(rejectedValid); invalid accepted \(invalidAccepted.count)")
        #expect(invalidAccepted.isEmpty)
        #expect(compiled > 200)
        #expect(acceptedValid > 500)
    }

    // MARK: numbers

    @Test func integerRangesAreExact() throws {
        var rng = SplitMix(seed: 3)
        for _ in 0..<300 {
            let a = Int64(rng.next() % 4000) - 2000, b = Int64(rng.next() % 4000) - 2000
            let lo: Int64? = rng.next() % 5 == 0 ? nil : min(a, b)
            let hi: Int64? = rng.next() % 5 == 0 ? nil : max(a, b)
            let g = Grammar(rules: [GrammarRule(name: "n", body: JSONNumberGrammar.integerRange(lo, hi))], root: 0)
            let r = ReferenceRecognizer(g)
            for _ in 0..<30 {
                let v = Int64(rng.next() % 5000) - 2500
                let want = (lo.map { v >= $0 } ?? true) && (hi.map { v <= $0 } ?? true)
                #expect(r.accepts(String(v)) == want, "\(String(describing: lo))...\(String(describing: hi)) \(v)")
            }
        }
    }

    @Test func numberBoundsAndMultiplesAreExact() throws {
        var rng = SplitMix(seed: 5)
        let samples = ["0", "-0", "1", "-1", "0.5", "-0.5", "2.25", "10", "9.999", "10.0", "10.001", "-10", "-10.5", "100", "3.14159",
                       "7", "7.0", "7.10", "6.99", "-7.01", "0.01", "0.001", "1e2", "25", "-25"]
        var accepted = 0
        for _ in 0..<150 {
            var o = JSONObject()
            o["type"] = rng.next() % 2 == 0 ? "number" : "integer"
            let a = Int64(rng.next() % 30) - 15, b = Int64(rng.next() % 30) - 15
            if rng.next() % 2 == 0 { o[rng.next() % 2 == 0 ? "minimum" : "exclusiveMinimum"] = .integer(min(a, b)) }
            if rng.next() % 2 == 0 { o[rng.next() % 2 == 0 ? "maximum" : "exclusiveMaximum"] = .integer(max(a, b)) }
            switch rng.next() % 4 {
            case 0: o["multipleOf"] = .integer(Int64(1 + rng.next() % 7))
            case 1: o["multipleOf"] = .number(0.01, source: "0.01")
            default: break
            }
            let schema = JSONValue.object(o)
            let validator = try SchemaValidator(schema: schema)
            guard let g = try? JSONSchemaGrammar.compile(schema) else { continue }
            let r = ReferenceRecognizer(g)
            for s in samples {
                let v = try JSONValue.parse(s)
                let valid = validator.isValid(v)
                if r.accepts(s) { #expect(valid, "\(schema.jsonString()) accepted \(s)"); accepted += 1 }
                // Plain decimals (no exponent, no -0, integers written as integers) that are valid are accepted.
                else if valid && !s.contains("e") && s != "-0" && !(s.contains(".") && (o["type"] == "integer" || o["multipleOf"]?.int64Value != nil)) {
                    Issue.record("\(schema.jsonString()) rejected valid \(s)")
                }
            }
        }
        #expect(accepted > 300)
    }

    // MARK: formats

    @Test func formatsAcceptOnlyWhatTheValidatorAccepts() throws {
        let known: [String: [String]] = [
            "date": ["2024-02-29", "2023-12-31", "2000-02-29"],
            "date-time": ["2024-01-31T23:59:59Z", "2024-01-31t00:00:00.123+05:30"],
            "time": ["12:34:56Z", "23:59:59.5-08:00"],
            "duration": ["P1Y2M3DT4H5M6S", "P3W", "PT1S"],
            "email": ["john.doe@example.com", "a+b@x-y.io"],
            "hostname": ["example.com", "a-b.c1.d"],
            "ipv4": ["192.168.0.1", "0.0.0.0", "255.255.255.255"],
            "ipv6": ["::1", "2001:db8::8a2e:370:7334", "1:2:3:4:5:6:7:8"],
            "uuid": ["123e4567-e89b-12d3-a456-426614174000"],
            "uri": ["https://example.com/a?b=c#d", "urn:isbn:0451450523"],
            "uri-reference": ["/a/b?c", "#frag", "https://x.y"],
        ]
        var rng = SplitMix(seed: 11)
        let alphabet = Array("0123456789-:.TZ+@/#?abcdefxyzPWYMDHS%[]".unicodeScalars)
        for (format, valid) in known {
            let g = try JSONSchemaGrammar.compile(["type": "string", "format": .string(format)])
            let r = ReferenceRecognizer(g)
            for v in valid {
                #expect(FormatChecks.check(format, v), "\(format) sample \(v)")
                #expect(r.accepts(JSONValue.string(v).jsonString()), "\(format) rejects \(v)")
            }
            // Mutations of the valid samples and random soup: accepted ⇒ valid.
            for _ in 0..<400 {
                var s = Array(valid[Int(rng.next() % UInt64(valid.count))].unicodeScalars)
                let k = Int(rng.next() % 3) + 1
                for _ in 0..<k where !s.isEmpty {
                    let i = Int(rng.next() % UInt64(s.count))
                    switch rng.next() % 3 {
                    case 0: s[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    case 1: s.remove(at: i)
                    default: s.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
                    }
                }
                var text = String.UnicodeScalarView()
                text.append(contentsOf: s)
                let str = String(text)
                if r.accepts(JSONValue.string(str).jsonString()) {
                    #expect(FormatChecks.check(format, str), "\(format) accepted \(str)")
                }
            }
        }
    }

    // MARK: keywords

    @Test func objectsKeywordsAreEnforced() throws {
        let deps: JSONValue = ["type": "object", "properties": ["a": ["type": "integer"], "b": ["type": "string"]],
                               "dependentRequired": ["a": ["b"]]]
        let g = try JSONSchemaGrammar.compile(deps)
        #expect(Self.accepts(g, ["b": "x"]))
        #expect(Self.accepts(g, ["a": 1, "b": "x"]))
        #expect(!Self.accepts(g, ["a": 1]))
        // patternProperties with additional properties allowed: the complement of a simple pattern.
        let pp: JSONValue = ["type": "object", "patternProperties": ["^x_[a-z]+$": ["type": "integer"]]]
        let g2 = try JSONSchemaGrammar.compile(pp)
        #expect(Self.accepts(g2, ["x_ab": 1, "other": "s"]))
        #expect(!Self.accepts(g2, ["x_ab": "s"]))
        #expect(Self.accepts(g2, ["x_AB": "s"]))
        // Declared order by default; any order on request.
        let ordered: JSONValue = ["type": "object", "properties": ["a": ["type": "integer"], "b": ["type": "integer"]],
                                  "required": ["a", "b"], "additionalProperties": false]
        let declared = try JSONSchemaGrammar.compile(ordered)
        let any = try JSONSchemaGrammar.compile(ordered, options: .init(propertyOrder: .any))
        let swapped = try JSONValue.parse("{\"b\":1,\"a\":2}")
        #expect(!Self.accepts(declared, swapped))
        #expect(Self.accepts(any, swapped))
        #expect(!Self.accepts(any, try JSONValue.parse("{\"b\":1,\"b\":2}")))
        // min/maxProperties with additional properties allowed.
        let counted = try JSONSchemaGrammar.compile(["type": "object", "minProperties": 2, "maxProperties": 3])
        #expect(!Self.accepts(counted, ["a": 1]))
        #expect(Self.accepts(counted, ["a": 1, "b": 2]))
        #expect(!Self.accepts(counted, ["a": 1, "b": 2, "c": 3, "d": 4]))
    }

    @Test func unenforceableKeywordsNameKeywordAndPointer() {
        #expect(throws: JSONSchemaGrammarError(keyword: "if", pointer: "/properties/a/if", message: "not supported by the grammar compiler")) {
            try JSONSchemaGrammar.compile(["properties": ["a": ["if": ["type": "string"], "then": ["minLength": 2]]]])
        }
        do {
            _ = try JSONSchemaGrammar.compile(["oneOf": [["type": "number"], ["type": "integer"]]])
            Issue.record("overlapping oneOf compiled")
        } catch let e as JSONSchemaGrammarError {
            #expect(e.keyword == "oneOf" && e.pointer == "/oneOf")
        } catch { Issue.record("\(error)") }
        do {
            _ = try JSONSchemaGrammar.compile(["type": "string", "pattern": "(?=a)b"])
            Issue.record("lookahead compiled")
        } catch let e as JSONSchemaGrammarError {
            #expect(e.keyword == "pattern" && e.pointer == "/pattern")
        } catch { Issue.record("\(error)") }
    }

    // MARK: hostile inputs

    @Test func hostileSchemasGetErrorsOrBoundedWork() throws {
        var deep: JSONValue = ["type": "integer"]
        for _ in 0..<3000 { deep = ["type": "array", "items": deep] }
        #expect(throws: JSONSchemaGrammarError.self) { try JSONSchemaGrammar.compile(deep) }
        var deepAll: JSONValue = ["type": "integer"]
        for _ in 0..<3000 { deepAll = ["allOf": [deepAll]] }
        #expect(throws: JSONSchemaGrammarError.self) { try JSONSchemaGrammar.compile(deepAll) }
        #expect(throws: JSONSchemaGrammarError.self) { try JSONSchemaGrammar.compile(["$ref": "#"]) }
        #expect(throws: JSONSchemaGrammarError.self) {
            try JSONSchemaGrammar.compile(["$defs": ["a": ["$ref": "#/$defs/b"], "b": ["$ref": "#/$defs/a"]], "$ref": "#/$defs/a"])
        }
        // Recursion through a value is fine.
        let tree: JSONValue = ["type": "object", "properties": ["kids": ["type": "array", "items": ["$ref": "#"]]]]
        let g = try JSONSchemaGrammar.compile(tree)
        #expect(Self.accepts(g, try JSONValue.parse("{\"kids\":[{\"kids\":[]},{}]}")))
        // Huge enum.
        let values: [JSONValue] = (0..<50_000).map { .string("v\($0)") }
        let big = try JSONSchemaGrammar.compile(["enum": .array(values)])
        #expect(big.rules.count < 10)
        // Nested anyOf products stay bounded.
        var wide: JSONObject = [:]
        wide["allOf"] = .array((0..<16).map { i -> JSONValue in
            let a: JSONValue = ["required": [.string("a\(i)")]]
            let b: JSONValue = ["required": [.string("b\(i)")]]
            return ["anyOf": [a, b]]
        })
        #expect(throws: JSONSchemaGrammarError.self) { try JSONSchemaGrammar.compile(.object(wide)) }
    }
}

/// Random schemas and instances built from a small vocabulary of names and values, so that
/// instances often (not always) satisfy the schemas.
struct SchemaFuzzer {
    var rng: SplitMix
    let names = ["a", "b", "c", "x_1"]
    let strings = ["", "a", "ab", "abc", "hello", "2024-01-31", "2024-02-30", "a@b.co", "::1", "1.2.3.4", "x_1", "\"q\"\n", "é😀"]
    let patterns = ["^a", "b$", "^[a-z]+$", "\\d", "^.{2,3}$", "a|b"]
    let formats = ["date", "email", "ipv4", "ipv6", "hostname", "unknown-format"]

    mutating func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
    mutating func chance(_ n: UInt64) -> Bool { rng.next() % n == 0 }

    mutating func schema(depth: Int) -> JSONValue {
        var o = JSONObject()
        let kind = depth >= 2 ? pick(["string", "integer", "number", "boolean", "null"]) : pick(["string", "integer", "number", "object", "array", "combo", "enum"])
        switch kind {
        case "string":
            o["type"] = "string"
            if chance(3) { o["minLength"] = .integer(Int64(rng.next() % 3)) }
            if chance(3) { o["maxLength"] = .integer(Int64(rng.next() % 5)) }
            if chance(3) { o["pattern"] = .string(pick(patterns)) }
            if chance(4) { o["format"] = .string(pick(formats)) }
        case "integer", "number":
            o["type"] = .string(kind)
            if chance(2) { o[pick(["minimum", "exclusiveMinimum"])] = .integer(Int64(rng.next() % 10) - 5) }
            if chance(2) { o[pick(["maximum", "exclusiveMaximum"])] = .integer(Int64(rng.next() % 10)) }
            if chance(4) { o["multipleOf"] = pick([.integer(2), .integer(3), .number(0.5, source: "0.5"), .number(0.1, source: "0.1")]) }
        case "boolean", "null": o["type"] = .string(kind)
        case "object":
            o["type"] = "object"
            var props = JSONObject()
            for n in names where chance(2) { props[n] = schema(depth: depth + 1) }
            o["properties"] = .object(props)
            if chance(2) { o["required"] = .array(names.filter { _ in chance(2) }.map { .string($0) }) }
            if chance(2) { o["additionalProperties"] = chance(2) ? false : schema(depth: depth + 1) }
            if chance(5) { o["patternProperties"] = ["^x": schema(depth: depth + 1)] }
            if chance(5) { o["minProperties"] = .integer(Int64(rng.next() % 3)) }
            if chance(5) { o["maxProperties"] = .integer(Int64(rng.next() % 3)) }
            if chance(6) { o["dependentRequired"] = ["a": ["b"]] }
            if chance(6) { o["propertyNames"] = ["maxLength": 1] }
        case "array":
            o["type"] = "array"
            if chance(3) { o["prefixItems"] = [schema(depth: depth + 1), schema(depth: depth + 1)] }
            if chance(2) { o["items"] = chance(5) ? false : schema(depth: depth + 1) }
            if chance(3) { o["minItems"] = .integer(Int64(rng.next() % 3)) }
            if chance(3) { o["maxItems"] = .integer(Int64(rng.next() % 4)) }
            if chance(5) { o["uniqueItems"] = true; o["items"] = ["enum": [1, 2, "a"]] }
            if chance(6) { o["contains"] = ["type": "integer"] }
        case "combo":
            let k = pick(["anyOf", "oneOf", "allOf", "not"])
            if k == "not" { o["not"] = schema(depth: depth + 1) } else {
                o[k] = .array([schema(depth: depth + 1), schema(depth: depth + 1)])
            }
        default:
            o["enum"] = .array([.string(pick(strings)), .integer(Int64(rng.next() % 5)), .null, ["a": 1], [1, "a"]])
        }
        return .object(o)
    }

    mutating func instance(for schema: JSONValue, depth: Int) -> JSONValue {
        if depth > 3 { return .null }
        if let e = schema["enum"]?.arrayValue, !e.isEmpty, !chance(4) { return pick(e) }
        let type = schema["type"]?.stringValue ?? pick(["string", "integer", "number", "object", "array", "boolean", "null"])
        switch chance(8) ? pick(["string", "integer", "object", "null"]) : type {
        case "string": return .string(pick(strings))
        case "integer": return .integer(Int64(rng.next() % 14) - 6)
        case "number": return pick([.integer(Int64(rng.next() % 10) - 3), .number(2.5, source: "2.5"), .number(0.3, source: "0.3"), .number(-1.5, source: "-1.5")])
        case "boolean": return .bool(chance(2))
        case "object":
            var o = JSONObject()
            let props = schema["properties"]?.objectValue
            for n in names where chance(2) { o[n] = instance(for: props?[n] ?? [:], depth: depth + 1) }
            if chance(4) { o["zz"] = .integer(1) }
            return .object(o)
        case "array":
            let n = Int(rng.next() % 4)
            let items = schema["items"] ?? [:]
            return .array((0..<n).map { i in instance(for: schema["prefixItems"]?[i] ?? items, depth: depth + 1) })
        default: return .null
        }
    }
}
