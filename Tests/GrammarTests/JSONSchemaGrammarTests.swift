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

    /// Fractional bounds (minimum 0.25, exclusiveMaximum -1.5) and fractional multipleOf
    /// (0.5, 0.25, 0.01, 1.5): every number text with up to three decimals in -12…12 that the
    /// grammar accepts is valid, and every valid one within the grammar's spelling is accepted.
    @Test func fractionalBoundsAndMultiplesAreExact() throws {
        var rng = SplitMix(seed: 17)
        let multiples: [(Double, String)] = [(0.5, "0.5"), (0.25, "0.25"), (0.01, "0.01"), (0.1, "0.1"), (1.5, "1.5"), (0.2, "0.2"), (2.5, "2.5")]
        var compiled = 0, accepted = 0
        for round in 0..<120 {
            var o = JSONObject()
            o["type"] = "number"
            func bound() -> JSONValue {
                let hundredths = Int64(rng.next() % 2000) - 1000
                let text = String(format: "%.2f", Double(hundredths) / 100)
                return .number(Double(text)!, source: text)
            }
            let a = bound(), b = bound()
            let (lo, hi) = a.doubleValue! <= b.doubleValue! ? (a, b) : (b, a)
            if rng.next() % 4 != 0 { o[rng.next() % 2 == 0 ? "minimum" : "exclusiveMinimum"] = lo }
            if rng.next() % 4 != 0 || round % 3 == 0 { o[rng.next() % 2 == 0 ? "maximum" : "exclusiveMaximum"] = hi }
            if round % 3 == 0 {
                let (d, text) = multiples[Int(rng.next() % UInt64(multiples.count))]
                o["multipleOf"] = .number(d, source: text)
                if rng.next() % 3 == 0 { o["minimum"] = .integer(0); o["exclusiveMinimum"] = nil; o["maximum"] = nil; o["exclusiveMaximum"] = nil }
            }
            let schema = JSONValue.object(o)
            let validator = try SchemaValidator(schema: schema)
            let g: Grammar
            do { g = try JSONSchemaGrammar.compile(schema) } catch let e as JSONSchemaGrammarError {
                // Only a fractional multipleOf under a one-sided bound may be refused.
                #expect(e.keyword == "multipleOf", "\(schema.jsonString()): \(e)")
                continue
            }
            compiled += 1
            let r = ReferenceRecognizer(g)
            for _ in 0..<120 {
                let places = Int(rng.next() % 4)
                let scale = [1, 10, 100, 1000][places]
                let n = Int(rng.next() % UInt64(24 * scale + 1)) - 12 * scale
                let whole = Int(n.magnitude) / scale, part = String(Int(n.magnitude) % scale)
                var text = String(whole)
                if places > 0 { text += "." + String(repeating: "0", count: places - part.count) + part }
                if n < 0 { text = "-" + text }
                let v = try JSONValue.parse(text)
                let valid = validator.isValid(v)
                let ok = r.accepts(text)
                if ok { accepted += 1; #expect(valid, "\(schema.jsonString()) accepted \(text)") }
                // Texts the grammar spells: no -0, no trailing zeros past the multipleOf's places.
                let mText = o["multipleOf"]?.jsonString() ?? ""
                let mPlaces = mText.contains(".") ? mText.split(separator: ".")[1].count : 99
                let trailing = text.contains(".") && text.hasSuffix("0")
                let fracDigits = text.split(separator: ".").dropFirst().first?.count ?? 0
                if valid && !ok && !(n == 0 && text.hasPrefix("-")) && !(trailing && fracDigits > mPlaces) {
                    Issue.record("\(schema.jsonString()) rejected valid \(text)")
                }
            }
        }
        #expect(compiled > 100)
        #expect(accepted > 3000)
    }

    /// Integer bounds past 64 bits (Snowplow's `maximum: 9223372036854776000`) are digit ranges.
    @Test func integerBoundsBeyond64Bits() throws {
        let schema = try JSONValue.parse(#"{"type": "integer", "minimum": 0, "maximum": 9223372036854776000}"#)
        let validator = try SchemaValidator(schema: schema)
        let r = ReferenceRecognizer(try JSONSchemaGrammar.compile(schema))
        for text in ["0", "17", "9223372036854775807", "9223372036854776000"] {
            #expect(validator.isValid(try JSONValue.parse(text)), "\(text)")
            #expect(r.accepts(text), "\(text)")
        }
        for text in ["-1", "92233720368547760000", "9223372036854777000", "1.5"] {
            #expect(!validator.isValid(try JSONValue.parse(text)), "\(text)")
            #expect(!r.accepts(text), "\(text)")
        }
    }

    // MARK: length bounds with patterns and formats

    /// `format` with `maxLength`/`minLength`: an instance exactly at the bound is accepted, one
    /// character over is rejected (by the validator too), and mutated strings around the bound
    /// are accepted only when the validator accepts them.
    @Test func formatsWithLengthBounds() throws {
        let atext = "abcdefghijklmnopqrstuvwxyz0123456789"
        func email(_ n: Int, domain: Int) -> String {
            // A local part then "@" and a domain of `domain` characters ("ddd…d.com").
            String(repeating: "a", count: n - 1 - domain) + "@" + String(repeating: "d", count: domain - 4) + ".com"
        }
        func dateTime(_ n: Int) -> String { n == 20 ? "2024-01-31T23:59:59Z" : "2024-01-31T23:59:59." + String(repeating: "1", count: n - 21) + "Z" }
        func hostname(_ n: Int) -> String { String(repeating: "h", count: n - 4) + ".org" }
        let cases: [(format: String, maxLength: Int, minLength: Int, atBound: String, over: String)] = [
            ("date-time", 20, 0, dateTime(20), dateTime(22)),   // no date-time has 21 characters
            ("date-time", 25, 22, dateTime(25), dateTime(26)),
            ("hostname", 10, 0, hostname(10), hostname(11)),
            ("hostname", 63, 5, hostname(63), hostname(64)),
            ("email", 20, 0, email(20, domain: 8), email(21, domain: 8)),
            ("email", 64, 0, email(64, domain: 30), email(65, domain: 30)),
            ("email", 100, 0, email(100, domain: 63), email(101, domain: 63)),
            ("email", 254, 3, email(254, domain: 63), email(255, domain: 63)),
        ]
        var rng = SplitMix(seed: 23)
        for k in cases {
            var o: JSONObject = ["type": "string", "format": .string(k.format), "maxLength": .integer(Int64(k.maxLength))]
            if k.minLength > 0 { o["minLength"] = .integer(Int64(k.minLength)) }
            let schema = JSONValue.object(o)
            let validator = try SchemaValidator(schema: schema, formatAssertion: true)
            let r = ReferenceRecognizer(try JSONSchemaGrammar.compile(schema))
            #expect(k.atBound.count == k.maxLength && k.over.count == k.maxLength + (k.format == "date-time" && k.maxLength == 20 ? 2 : 1))
            #expect(validator.isValid(.string(k.atBound)), "\(k.format) \(k.atBound)")
            #expect(r.accepts(JSONValue.string(k.atBound).jsonString()), "\(schema.jsonString()) rejects \(k.atBound)")
            #expect(!validator.isValid(.string(k.over)))
            #expect(!r.accepts(JSONValue.string(k.over).jsonString()), "\(schema.jsonString()) accepts \(k.over)")
            // Mutations: delete, insert or replace characters of the two samples.
            let soup = Array(atext + ".-@:TZ+")
            for _ in 0..<300 {
                var cs = Array(rng.next() % 2 == 0 ? k.atBound : k.over)
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    let i = Int(rng.next() % UInt64(cs.count))
                    switch rng.next() % 3 {
                    case 0: cs.remove(at: i)
                    case 1: cs.insert(soup[Int(rng.next() % UInt64(soup.count))], at: i)
                    default: cs[i] = soup[Int(rng.next() % UInt64(soup.count))]
                    }
                    if cs.isEmpty { cs = ["x"] }
                }
                let text = String(cs)
                if r.accepts(JSONValue.string(text).jsonString()) {
                    #expect(validator.isValid(.string(text)), "\(schema.jsonString()) accepted \(text)")
                }
            }
        }
    }

    /// Patterns (search semantics) with length bounds that no single repetition carries, from
    /// JSONSchemaBench: exact against the validator on every string of a small alphabet.
    @Test func patternsWithLengthBoundsAreExact() throws {
        // (pattern, minLength, maxLength, alphabet, longest string tried): at most ~10^4 strings each.
        let cases: [(String, Int, Int?, String, Int)] = [
            ("[0-9a-fA-F]+", 4, 4, "0aZ-", 6),
            ("[0-9]{3,3}", 3, 5, "05x", 7),
            ("^a[^@]+@b(\\.c*)*.k", 5, 7, "a@b.k", 8),
            ("x|yz", 0, 3, "xyz", 6),
            ("[a-z]{2}", 3, nil, "aB1", 7),
        ]
        for (pattern, lo, hi, alphabet, longest) in cases {
            var o: JSONObject = ["type": "string", "pattern": .string(pattern), "minLength": .integer(Int64(lo))]
            if let hi { o["maxLength"] = .integer(Int64(hi)) }
            let schema = JSONValue.object(o)
            let validator = try SchemaValidator(schema: schema)
            let r = ReferenceRecognizer(try JSONSchemaGrammar.compile(schema))
            // Every string over the alphabet up to `longest` characters.
            let chars = Array(alphabet)
            var layer = [""]
            var checked = 0, accepted = 0
            for _ in 0...longest {
                for text in layer {
                    let valid = validator.isValid(.string(text))
                    let ok = r.accepts(JSONValue.string(text).jsonString())
                    #expect(ok == valid, "\(schema.jsonString()) on \(text): grammar \(ok), validator \(valid)")
                    checked += 1
                    if ok { accepted += 1 }
                }
                layer = layer.flatMap { t in chars.map { t + String($0) } }
            }
            #expect(accepted > 0 && accepted < checked, "\(pattern)")
        }
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

    /// oneOf whose branches may overlap (each branch then excludes the others through their
    /// complements) and `not` of compound schemas, on small random schemas over required /
    /// properties / const / enum / type / numeric, length and item bounds: every instance of a
    /// small vocabulary is classified as the Schema validator does (nothing invalid accepted,
    /// nothing valid rejected), and most overlapping oneOfs compile.
    @Test func overlappingOneOfAndCompoundNotAreExact() throws {
        var rng = SplitMix(seed: 2026)
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        let names = ["a", "b", "c"]
        let values: [JSONValue] = [0, 1, 3, -2, .number(2.5, source: "2.5"), "x", "abc", .null, true, [], [1, 2], [[1], []], ["x", 1]]
        func leaf() -> JSONValue {
            switch rng.next() % 11 {
            case 9: return ["type": "array", "items": pick([["type": "number"], ["type": "array"], ["maxItems": 0]] as [JSONValue])]
            case 10: return ["oneOf": [["type": "string"], ["type": .string(pick(["integer", "array"]))]]]
            case 0: return ["type": .string(pick(["string", "number", "integer", "null", "boolean", "array"]))]
            case 1: return ["const": pick(values)]
            case 2: return ["enum": [pick(values), pick(values)]]
            case 3: return ["minimum": .integer(Int64(rng.next() % 5) - 2)]
            case 4: return ["exclusiveMaximum": .integer(Int64(rng.next() % 5) - 1)]
            case 5: return ["type": "string", "maxLength": .integer(Int64(rng.next() % 3))]
            case 6: return ["minLength": .integer(Int64(rng.next() % 3) + 1)]
            case 7: return ["maxItems": .integer(Int64(rng.next() % 2))]
            default: return ["type": ["string", "number"], "minimum": 1]
            }
        }
        func branch() -> JSONValue {
            if rng.next() % 4 == 0 { return leaf() }
            var o = JSONObject()
            if rng.next() % 2 == 0 { o["type"] = "object" }
            let req = names.filter { _ in rng.next() % 3 == 0 }
            if !req.isEmpty { o["required"] = .array(req.map { .string($0) }) }
            var props = JSONObject()
            for n in names where rng.next() % 3 == 0 { props[n] = leaf() }
            if !props.isEmpty { o["properties"] = .object(props) }
            if o.isEmpty { o["required"] = [.string(pick(names))] }
            return .object(o)
        }
        var instances: [JSONValue] = values
        for mask in 0..<8 {
            for v in [JSONValue(0), "x", .null, .number(2.5, source: "2.5")] {
                var o = JSONObject()
                for (i, n) in names.enumerated() where mask & (1 << i) != 0 { o[n] = v }
                instances.append(.object(o))
            }
        }
        instances += [["a": 1, "b": "x"], ["a": "abc", "c": 3], ["b": [1, 2], "c": -2], ["a": true, "b": .null, "c": 0]]
        var compiled = 0, overlapping = 0, accepted = 0
        for round in 0..<300 {
            var o = JSONObject()
            if round % 3 == 0 {
                o["not"] = branch()
            } else {
                o["oneOf"] = .array((0..<(2 + Int(rng.next() % 2))).map { _ in branch() })
            }
            if rng.next() % 3 == 0 { o["type"] = .string(pick(["object", "number", "string"])) }
            let schema = JSONValue.object(o)
            let validator = try SchemaValidator(schema: schema)
            let g: Grammar
            do { g = try JSONSchemaGrammar.compile(schema, options: .init(propertyOrder: .any)) } catch let e as JSONSchemaGrammarError {
                #expect(["oneOf", "not"].contains(e.keyword), "\(schema.jsonString()): \(e)")
                continue
            }
            compiled += 1
            let r = ReferenceRecognizer(g)
            var validCount = 0
            for v in instances {
                let valid = validator.isValid(v), ok = r.accepts(Array(v.jsonString().utf8))
                #expect(ok == valid, "\(schema.jsonString()) on \(v.jsonString()): validator \(valid), grammar \(ok)")
                if ok { accepted += 1 }
                if valid { validCount += 1 }
            }
            // Branches that some instance satisfies together: they overlap.
            if round % 3 != 0, let bs = o["oneOf"]?.arrayValue {
                let vs = try bs.map { try SchemaValidator(schema: $0) }
                if instances.contains(where: { v in vs.filter { $0.isValid(v) }.count > 1 }) { overlapping += 1 }
            }
        }
        print("oneOf/not: \(compiled)/300 compiled, \(overlapping) with overlapping oneOf branches, \(accepted) instances accepted")
        #expect(compiled > 180)
        #expect(overlapping > 60)
        #expect(accepted > 2000)
    }

    /// Several patterns, a pattern with a format, excluded patterns (`not: {pattern}`, also from
    /// an overlapping oneOf of patterns) and excluded strings on a constrained string: the
    /// product automaton classifies every string over {a, b, c, -} up to length 4 (and a few
    /// others) as the Schema validator does.
    @Test func intersectedAndExcludedPatternsAreExact() throws {
        let schemas: [String] = [
            #"{"type": "string", "allOf": [{"pattern": "a"}, {"pattern": "b"}]}"#,
            #"{"type": "string", "pattern": "^[ab]+$", "allOf": [{"pattern": "ba"}], "maxLength": 3}"#,
            #"{"type": "string", "not": {"pattern": "ab"}}"#,
            #"{"type": "string", "not": {"pattern": "^a|c$"}, "minLength": 2}"#,
            #"{"not": {"pattern": "b"}}"#,
            #"{"type": "string", "oneOf": [{"pattern": "a"}, {"pattern": "b"}, {"pattern": "^c"}]}"#,
            #"{"type": "string", "pattern": "^[a-c]*$", "not": {"enum": ["", "ab", "abc"]}}"#,
            #"{"type": "string", "maxLength": 2, "not": {"enum": ["a", "b", "cc"]}}"#,
            #"{"type": "string", "format": "date", "pattern": "-3"}"#,
            #"{"type": "string", "format": "ipv4", "not": {"pattern": "^10\\."}}"#,
            #"{"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "a", "not": {"pattern": "^a"}}]}"#,
        ]
        var strings: [String] = [""]
        var layer = [""]
        for _ in 0..<4 {
            layer = layer.flatMap { p in ["a", "b", "c", "-"].map { p + $0 } }
            strings += layer
        }
        strings += ["2024-01-31", "2024-03-03", "2023-02-30", "1.2.3.4", "10.0.0.1", "aé😀b", "\"a\""]
        for text in schemas {
            let schema = try JSONValue.parse(text)
            let validator = try SchemaValidator(schema: schema, formatAssertion: true)
            let r = ReferenceRecognizer(try JSONSchemaGrammar.compile(schema))
            var accepted = 0
            for str in strings {
                let v = JSONValue.string(str)
                let ok = r.accepts(Array(v.jsonString().utf8))
                #expect(ok == validator.isValid(v), "\(text) on \(v.jsonString())")
                if ok { accepted += 1 }
            }
            #expect(!r.accepts("3") || validator.isValid(3), "\(text) on 3")
            #expect(accepted > 0, "\(text) accepts nothing")
        }
    }

    /// patternProperties whose keys need splitting by which patterns they match: several
    /// patterns with different schemas, a pattern matching a declared name, additionalProperties
    /// other than false beside a pattern: every object over a small key and value vocabulary is
    /// classified as the Schema validator does.
    @Test func patternPropertiesSplitKeysExactly() throws {
        let schemas: [String] = [
            #"{"type": "object", "patternProperties": {"^a": {"type": "integer"}, "b$": {"type": "string"}}}"#,
            #"{"type": "object", "patternProperties": {"^a": {"type": "integer"}, "b": {"minimum": 2}}, "additionalProperties": false}"#,
            #"{"type": "object", "properties": {"ab": {"type": "null"}}, "patternProperties": {"a": {"type": ["integer", "null"]}}, "additionalProperties": {"type": "string"}}"#,
            #"{"type": "object", "patternProperties": {"^[^~/]": {"type": "integer"}}, "additionalProperties": {"type": "boolean"}}"#,
            #"{"type": "object", "required": ["b"], "patternProperties": {"^a|^b": {"type": "integer"}, "^ba": false}, "additionalProperties": {"const": "x"}}"#,
            #"{"type": "object", "patternProperties": {"after_[create|update]": {"type": "array"}}, "additionalProperties": {"type": "integer"}}"#,
        ]
        let keys = ["a", "b", "ab", "ba", "c", "~x", "after_c", "zz"]
        let values: [JSONValue] = [1, 3, "x", .null, true, [], .number(2.5, source: "2.5")]
        var objects: [JSONValue] = [[:]]
        for k in keys { for v in values { objects.append(.object(JSONObject([(k, v)]))) } }
        for (i, k1) in keys.enumerated() {
            for k2 in keys[(i + 1)...] {
                for (v1, v2) in [(JSONValue(1), JSONValue("x")), (3, 3), ("x", .null), (.null, 1)] {
                    objects.append(.object(JSONObject([(k1, v1), (k2, v2)])))
                }
            }
        }
        for text in schemas {
            let schema = try JSONValue.parse(text)
            let validator = try SchemaValidator(schema: schema)
            let r = ReferenceRecognizer(try JSONSchemaGrammar.compile(schema, options: .init(propertyOrder: .any)))
            var accepted = 0
            for v in objects {
                let ok = r.accepts(Array(v.jsonString().utf8))
                #expect(ok == validator.isValid(v), "\(text) on \(v.jsonString())")
                if ok { accepted += 1 }
            }
            #expect(accepted > 5, "\(text) accepts \(accepted)")
        }
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

    /// A multipleOf whose remainder automaton would be huge is refused before it is built (the
    /// JSON-Schema-Test-Suite's integer `multipleOf: 0.123456789`, i.e. integer multiples of
    /// 123,456,789, grew to 23 GB), while the same divisor between two bounds is listed exactly.
    @Test func hugeMultipleOfIsRefusedBeforeAllocating() throws {
        for text in [#"{"type": "integer", "multipleOf": 0.123456789}"#, #"{"multipleOf": 123456789}"#,
                     #"{"type": "integer", "multipleOf": 123456789, "minimum": -5}"#, #"{"multipleOf": 9.9999e-1, "minimum": 0}"#,
                     #"{"multipleOf": 7, "allOf": [{"multipleOf": 65537}, {"multipleOf": 131}]}"#] {
            let schema = try JSONValue.parse(text)
            do {
                let g = try JSONSchemaGrammar.compile(schema)
                Issue.record("\(text) compiled to \(g.rules.count) rules")
            } catch let e as JSONSchemaGrammarError {
                #expect(e.keyword == "multipleOf", "\(text): \(e)")
                #expect(e.pointer.hasSuffix("/multipleOf"), "\(text): \(e)")
            }
        }
        let bounded = try JSONValue.parse(#"{"type": "integer", "multipleOf": 0.123456789, "minimum": -300000000, "maximum": 1000000000}"#)
        let validator = try SchemaValidator(schema: bounded)
        let r = ReferenceRecognizer(try JSONSchemaGrammar.compile(bounded))
        for text in ["0", "123456789", "-246913578", "987654312", "1", "123456788", "-370370367", "1111111101", "246913578.5"] {
            let v = try JSONValue.parse(text)
            #expect(r.accepts(text) == validator.isValid(v), "\(text)")
        }
        #expect(r.accepts("987654312") && !r.accepts("123456790"))
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
