import Engine
import Foundation
import Grammar
import Schema
import Testing
@testable import Shell

/// Generation with the default model (Qwen2.5-Coder-0.5B-Instruct, greedy) under varied JSON
/// Schemas: every generation ends because the grammar is complete, and the Schema module's
/// validator (format assertion on) accepts the document.
///
/// Every schema here has a finite language, checked on its compiled grammar: max tokens is the
/// grammar's longest document in bytes plus one, so a generation that ends on the token limit
/// is a failure of the matcher or the generator, never of the model's taste for long strings.
/// Real schemas from JSONSchemaBench (Tests/Fixtures/schema/jsonschemabench) are tightened
/// (strings capped, integers bounded, numbers stepped, arrays capped, extra properties closed);
/// the document must be valid against the original schema as well.
@Suite(.serialized) struct SchemaGenerationTests {
    struct Case {
        var name: String
        var schema: JSONValue
        /// The schema as published, when `schema` is its tightened form.
        var original: JSONValue?
        var prompt: String
    }

    static func json(_ text: String) -> JSONValue {
        do { return try JSONValue.parse(text) } catch { fatalError("bad schema literal: \(error)\n\(text)") }
    }

    static let handWritten: [Case] = [
        Case(name: "nested objects", schema: json(#"""
            {"type": "object", "additionalProperties": false, "required": ["name", "age", "address"],
             "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 20},
                            "age": {"type": "integer", "minimum": 0, "maximum": 120},
                            "address": {"type": "object", "additionalProperties": false, "required": ["street", "city", "zip"],
                                        "properties": {"street": {"type": "string", "maxLength": 30},
                                                       "city": {"type": "string", "maxLength": 20},
                                                       "zip": {"type": "string", "pattern": "^[0-9]{5}$"}}}}}
            """#), prompt: "A person living in Springfield, as JSON."),
        Case(name: "array with min/maxItems", schema: json(#"""
            {"type": "array", "minItems": 2, "maxItems": 4, "items": {"type": "string", "minLength": 1, "maxLength": 12}}
            """#), prompt: "A JSON array of fruit names."),
        Case(name: "enum and const", schema: json(#"""
            {"type": "object", "additionalProperties": false, "required": ["kind", "status", "version"],
             "properties": {"kind": {"const": "user"}, "status": {"enum": ["active", "inactive", "pending"]},
                            "version": {"const": 2}, "flags": {"enum": [1, "two", null, true]}}}
            """#), prompt: "The status record of an active user, as JSON."),
        Case(name: "string patterns", schema: json(#"""
            {"type": "object", "additionalProperties": false, "required": ["sku", "color"],
             "properties": {"sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
                            "color": {"type": "string", "pattern": "^#[0-9a-f]{6}$"}}}
            """#), prompt: "A product with a stock-keeping unit and a hex color, as JSON."),
        Case(name: "formats date, email, uuid, ipv4, ipv6", schema: json(#"""
            {"type": "object", "additionalProperties": false, "required": ["birthday", "email", "id", "ip", "ip6"],
             "properties": {"birthday": {"type": "string", "format": "date"},
                            "email": {"type": "string", "format": "email"},
                            "id": {"type": "string", "format": "uuid"},
                            "ip": {"type": "string", "format": "ipv4"},
                            "ip6": {"type": "string", "format": "ipv6"}}}
            """#), prompt: "A user account with birthday, email, id, IPv4 and IPv6 address, as JSON."),
        Case(name: "integer and number ranges, multipleOf", schema: json(#"""
            {"type": "object", "additionalProperties": false, "required": ["price", "quantity", "discount", "temperature"],
             "properties": {"price": {"type": "number", "minimum": 0, "maximum": 1000, "multipleOf": 0.01},
                            "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
                            "discount": {"type": "integer", "minimum": 0, "maximum": 100, "multipleOf": 5},
                            "temperature": {"type": "number", "exclusiveMinimum": -50, "exclusiveMaximum": 60, "multipleOf": 0.1}}}
            """#), prompt: "An order line with price, quantity, discount percent and storage temperature, as JSON."),
        Case(name: "anyOf", schema: json(#"""
            {"type": "object", "additionalProperties": false, "required": ["contact"],
             "properties": {"contact": {"anyOf": [{"type": "string", "format": "email"},
                                                  {"type": "string", "pattern": "^\\+[0-9]{7,12}$"},
                                                  {"type": "integer", "minimum": 1000, "maximum": 9999}]}}}
            """#), prompt: "How to reach the support team, as JSON."),
        Case(name: "oneOf", schema: json(#"""
            {"oneOf": [{"type": "object", "additionalProperties": false, "required": ["kind", "radius"],
                        "properties": {"kind": {"const": "circle"}, "radius": {"type": "integer", "minimum": 1, "maximum": 100}}},
                       {"type": "object", "additionalProperties": false, "required": ["kind", "w", "h"],
                        "properties": {"kind": {"const": "rect"}, "w": {"type": "integer", "minimum": 1, "maximum": 100},
                                       "h": {"type": "integer", "minimum": 1, "maximum": 100}}}]}
            """#), prompt: "A rectangle 3 wide and 4 high, as JSON."),
        Case(name: "$ref and $defs", schema: json(#"""
            {"$defs": {"point": {"type": "object", "additionalProperties": false, "required": ["x", "y"],
                                 "properties": {"x": {"type": "integer", "minimum": -100, "maximum": 100},
                                                "y": {"type": "integer", "minimum": -100, "maximum": 100}}}},
             "type": "object", "additionalProperties": false, "required": ["start", "end"],
             "properties": {"start": {"$ref": "#/$defs/point"}, "end": {"$ref": "#/$defs/point"}}}
            """#), prompt: "A line segment from the origin to (3, 4), as JSON."),
        // A recursive $defs tree, its depth limited by a second schema conjoined with allOf.
        Case(name: "$ref recursion bounded by allOf", schema: json(#"""
            {"$defs": {"node": {"type": "object", "additionalProperties": false, "required": ["name"],
                                "properties": {"name": {"type": "string", "maxLength": 10},
                                               "children": {"type": "array", "maxItems": 2, "items": {"$ref": "#/$defs/node"}}}}},
             "allOf": [{"$ref": "#/$defs/node"},
                       {"properties": {"children": {"items": {"properties": {"children": {"items": {"properties": {"children": {"maxItems": 0}}}}}}}}}]}
            """#), prompt: "A small family tree, as JSON."),
        Case(name: "optional properties, additionalProperties false", schema: json(#"""
            {"type": "object", "additionalProperties": false,
             "properties": {"enabled": {"type": "boolean"}, "label": {"type": "string", "maxLength": 10}, "parent": {"type": "null"}}}
            """#), prompt: "A feature toggle, as JSON."),
        Case(name: "minLength and maxLength", schema: json(#"""
            {"type": "object", "additionalProperties": false, "required": ["code", "title"],
             "properties": {"code": {"type": "string", "minLength": 4, "maxLength": 4},
                            "title": {"type": "string", "minLength": 3, "maxLength": 15}}}
            """#), prompt: "A course with a four-character code and a title, as JSON."),
        Case(name: "array of objects", schema: json(#"""
            {"type": "array", "minItems": 1, "maxItems": 3,
             "items": {"type": "object", "additionalProperties": false, "required": ["task", "done"],
                       "properties": {"task": {"type": "string", "maxLength": 15}, "done": {"type": "boolean"}}}}
            """#), prompt: "A to-do list, as JSON."),
        Case(name: "prefixItems tuple", schema: json(#"""
            {"type": "array", "prefixItems": [{"type": "string", "maxLength": 10}, {"type": "integer", "minimum": 0, "maximum": 150},
                                              {"type": "boolean"}], "items": false, "minItems": 3}
            """#), prompt: "Name, age and whether they are a student, as a JSON array."),
        Case(name: "nullable type lists", schema: json(#"""
            {"type": "object", "additionalProperties": false, "required": ["nickname", "score"],
             "properties": {"nickname": {"type": ["string", "null"], "maxLength": 12},
                            "score": {"type": ["integer", "null"], "minimum": 0, "maximum": 10}}}
            """#), prompt: "A player who has no nickname yet, as JSON."),
        Case(name: "date-time, time and hostname", schema: json(#"""
            {"type": "object", "additionalProperties": false, "required": ["start", "at", "host"],
             "properties": {"start": {"type": "string", "format": "date-time"},
                            "at": {"type": "string", "format": "time"},
                            "host": {"type": "string", "format": "hostname"}}}
            """#), prompt: "A maintenance window on a server, as JSON."),
        Case(name: "uniqueItems", schema: json(#"""
            {"type": "array", "items": {"enum": ["red", "green", "blue"]}, "uniqueItems": true, "minItems": 2, "maxItems": 3}
            """#), prompt: "The colors of a flag, as a JSON array."),
        Case(name: "allOf merged number", schema: json(#"""
            {"allOf": [{"type": "integer", "minimum": 0}, {"maximum": 50}, {"multipleOf": 5}]}
            """#), prompt: "How many minutes is a short meeting? Answer with a JSON number."),
        Case(name: "top-level enum", schema: json(#"""
            {"enum": ["north", "south", "east", "west", 0, 90, 180, 270]}
            """#), prompt: "Which way does the sun rise? Answer in JSON."),
        Case(name: "dependentRequired", schema: json(#"""
            {"type": "object", "additionalProperties": false, "required": ["name"],
             "properties": {"name": {"type": "string", "maxLength": 12}, "card": {"type": "string", "pattern": "^[0-9]{16}$"},
                            "billing": {"type": "string", "maxLength": 20}},
             "dependentRequired": {"card": ["billing"]}}
            """#), prompt: "A customer paying by card, as JSON."),
    ]

    /// Real schemas from JSONSchemaBench, by fixture file.
    static let fixtureNames = [
        "BFCL_parallel_62.json", "BFCL_parallel_127.json", "BFCL_simple_317.json", "BFCL_java_16.json",
        "Glaiveai2K---find_hotels_8ec3215e.json", "Glaiveai2K---calculate_retirement_savings_11a46a10.json",
        "Glaiveai2K---calculate_area_8c27febb.json", "Glaiveai2K---generate_random_string_c711bd0a.json",
        "Snowplow---sp_107_Normalized.json", "Snowplow---sp_93_Normalized.json", "Github_easy---o9910.json",
    ]

    static func fixtureCases() throws -> [Case] {
        try fixtureNames.map { name in
            let path = repositoryRoot + "/Tests/Fixtures/schema/jsonschemabench/" + name
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let schema = try #require(try JSONValue.parse(text)["schema"], "\(name) has no schema")
            let about = schema["description"]?.stringValue ?? schema["title"]?.stringValue
                ?? "the arguments of a function call"
            return Case(name: name, schema: tighten(schema), original: schema,
                        prompt: "Fill in realistic values: \(about). Reply with JSON only.")
        }
    }

    /// The schema with a finite language that implies the original: strings at most 24
    /// characters, integers within ±1000 of their bound, numbers in steps of 0.01, arrays of at
    /// most 3 items, objects without undeclared properties, `{}` leaves short strings.
    static func tighten(_ schema: JSONValue) -> JSONValue {
        guard case .object(var o) = schema else { return schema }
        for key in ["properties", "$defs", "definitions", "patternProperties"] {
            if case .object(let props)? = o[key] {
                var out = JSONObject()
                for (k, v) in props { out[k] = tighten(v) }
                o[key] = .object(out)
            }
        }
        for key in ["items", "additionalProperties", "not"] where o[key]?.objectValue != nil { o[key] = tighten(o[key]!) }
        for key in ["anyOf", "oneOf", "allOf", "prefixItems"] {
            if let xs = o[key]?.arrayValue { o[key] = .array(xs.map(tighten)) }
        }
        let structural = ["type", "enum", "const", "$ref", "anyOf", "oneOf", "allOf", "not"]
        if !structural.contains(where: { o[$0] != nil }) { o["type"] = "string" }
        let types = Set((o["type"]?.arrayValue ?? o["type"].map { [$0] } ?? []).compactMap(\.stringValue))
        if o["enum"] == nil && o["const"] == nil {
            if types.contains("string") {
                let lo = o["minLength"]?.int64Value ?? 0
                o["maxLength"] = .integer(max(lo, min(o["maxLength"]?.int64Value ?? 24, 24)))
            }
            if types.contains("integer") || types.contains("number") {
                let lower = (o["minimum"] ?? o["exclusiveMinimum"])?.doubleValue
                let upper = (o["maximum"] ?? o["exclusiveMaximum"])?.doubleValue
                if lower == nil { o["minimum"] = .integer(Int64(min(upper ?? 0, 0)) - 1000) }
                if upper == nil { o["maximum"] = .integer(Int64(max(lower ?? 0, 0)) + 1000) }
                if types.contains("number") && o["multipleOf"] == nil { o["multipleOf"] = .number(0.01, source: "0.01") }
            }
            if types.contains("array") {
                let lo = o["minItems"]?.int64Value ?? 0
                o["maxItems"] = .integer(max(lo, min(o["maxItems"]?.int64Value ?? 3, 3)))
                if o["items"] == nil { o["items"] = ["type": "string", "maxLength": 24] }
            }
            if types.contains("object") && o["additionalProperties"] != .bool(false) { o["additionalProperties"] = false }
        }
        return .object(o)
    }

    /// The longest document `grammar` accepts, in bytes (a special token counts 1); nil when
    /// unbounded (an unbounded repeat of something non-empty, or recursion).
    static func maxBytes(_ grammar: Grammar) -> Int? {
        var memo: [Int: Int?] = [:]
        var active: Set<Int> = []
        let cap = 1 << 40
        func expr(_ e: GrammarExpr) -> Int? {
            switch e {
            case .empty: return 0
            case .bytes(let b): return b.count
            case .byteSet, .specialToken: return 1
            case .sequence(let xs):
                var total = 0
                for x in xs { guard let n = expr(x) else { return nil }; total = min(cap, total + n) }
                return total
            case .choice(let xs):
                var best = 0
                for x in xs { guard let n = expr(x) else { return nil }; best = max(best, n) }
                return best
            case .repeat(let x, _, let hi):
                guard let n = expr(x) else { return nil }
                if n == 0 { return 0 }
                guard let hi else { return nil }
                return min(cap, n * hi)
            case .rule(let r): return rule(r)
            }
        }
        func rule(_ r: Int) -> Int? {
            if let m = memo[r] { return m }
            if active.contains(r) { return nil }
            active.insert(r)
            let n = expr(grammar.rules[r].body)
            active.remove(r)
            memo[r] = n
            return n
        }
        return rule(grammar.root)
    }

    @Test func everyGenerationEndsInAValidDocument() throws {
        let modelPath = ModelTurnTests.modelPath
        try #require(FileManager.default.fileExists(atPath: modelPath), "the default model is missing; run `make setup` to fetch it")
        let cases = Self.handWritten + (try Self.fixtureCases())
        #expect(cases.count >= 20)
        let options = EngineCLI.ModelOptions(model: modelPath, threads: 2, pluginPaths: [buildProductsDirectory], contextSize: 2048)
        let (model, tokenizer) = try EngineCLI.load(options, command: "test")
        let vocabulary = GrammarVocabularies.make(tokenizer)
        let sequence = try model.makeSequence()
        let generator = Generator(model: model, tokenizer: tokenizer)
        var generated = 0, forcedOrSampled = 0
        for c in cases {
            let matcher: GrammarMatcher
            let bound: Int
            do {
                guard let b = Self.maxBytes(try ConstraintGrammar.grammar(for: .schema(c.schema))) else {
                    Issue.record("\(c.name): the schema's language is unbounded (a test design flaw)")
                    continue
                }
                bound = b
                matcher = try ConstraintCompiler().matcher(for: .schema(c.schema), vocabulary: vocabulary)
            } catch {
                Issue.record("\(c.name): \(error)")
                continue
            }
            let prompt = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
                + c.prompt + "<|im_end|>\n<|im_start|>assistant\n"
            let ids = tokenizer.encode(prompt, addSpecial: true, parseSpecial: true)
            let result: GenerationResult
            do {
                result = try generator.generate(sequence: sequence, prompt: ids,
                                                options: GenerationOptions(maxTokens: bound + 1, sampling: .greedy),
                                                constraint: GrammarTokenConstraint(matcher))
            } catch {
                Issue.record("\(c.name): generation failed: \(error)")
                continue
            }
            generated += 1
            forcedOrSampled += result.tokens.count
            #expect(result.finishReason == .endOfGeneration, "\(c.name) ended by \(result.finishReason) after \(result.tokens.count) tokens: \(result.text)")
            guard let document = try? JSONValue.parse(result.text) else {
                Issue.record("\(c.name): not JSON: \(result.text.debugDescription)")
                continue
            }
            for (which, schema) in [("schema", c.schema), ("original schema", c.original)] {
                guard let schema else { continue }
                let validator = try SchemaValidator(schema: schema, formatAssertion: true)
                let errors = validator.validate(document)
                #expect(errors.isEmpty, "\(c.name): \(result.text) is invalid against the \(which): \(errors)")
            }
            print("schema generation: \(c.name): \(result.tokens.count) tokens (bound \(bound) bytes): \(result.text)")
        }
        print("schema generation: \(generated)/\(cases.count) schemas, \(forcedOrSampled) tokens")
    }

    /// `complete --json-object` (OpenAI's json_object mode): greedy generation ends in one JSON
    /// object (jansson parses it); `grammar check --json-object` takes objects only.
    @Test func jsonObjectMode() throws {
        try #require(FileManager.default.fileExists(atPath: ModelTurnTests.modelPath), "the default model is missing; run `make setup` to fetch it")
        let prompt = "<|im_start|>user\nDescribe the city of Paris (name, country, population) as a JSON object.<|im_end|>\n<|im_start|>assistant\n"
        let run = try runToolshell(["complete", "--model", "qwen2.5-coder-0.5b", "--json", "--special", "--max-tokens", "200",
                                    "--json-object", prompt])
        #expect(run.status == 0, "\(run.stderr)")
        let out = try JSONValue.parse(run.stdout)
        let text = out["text"]?.stringValue ?? ""
        #expect(out["finish_reason"]?.stringValue == "eog", "did not finish: \(text)")
        guard case .object(let object)? = try? JSONValue.parse(text) else {
            Issue.record("not a JSON object: \(text.debugDescription)")
            return
        }
        #expect(!object.isEmpty, "\(text)")

        let dir = NSTemporaryDirectory() + "toolshell-json-object-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = [("ok.json", "{\"a\":[1,{\"b\":null}],\"c\":\"\\u00e9\"}"), ("array.json", "[1,2]"),
                     ("open.json", "{\"a\":1"), ("comma.json", "{\"a\":1,}"),
                     ("spaced.json", "{\"a\": [1, {\"b\": null}],\n \"c\": \"\\u00e9\"}"), ("wide.json", "{\"a\":1,   \"b\":2}")]
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        func verdicts(_ layout: [String]) throws -> [JSONValue?] {
            let check = try runToolshell(["grammar", "check", "--json-object"] + layout + ["--model", "qwen2.5-coder-0.5b"] + files.map { dir + "/" + $0.0 })
            #expect(check.status == 1, "\(check.stderr)")
            return check.stdout.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }.map { $0["accepted"] }
        }
        // Compact by default: no whitespace between tokens at all.
        #expect(try verdicts([]) == [.bool(true), .bool(false), .bool(false), .bool(false), .bool(false), .bool(false)])
        // Flexible: runs of up to 20 bytes; with a bound of 2 (xgrammar's max_whitespace_cnt) a run of 3 is too long.
        #expect(try verdicts(["--whitespace", "flexible"]) == [.bool(true), .bool(false), .bool(false), .bool(false), .bool(true), .bool(true)])
        #expect(try verdicts(["--whitespace", "flexible:2"]) == [.bool(true), .bool(false), .bool(false), .bool(false), .bool(true), .bool(false)])
        let bad = try runToolshell(["grammar", "check", "--json-object", "--whitespace", "roomy", "--model", "qwen2.5-coder-0.5b", dir + "/ok.json"])
        #expect(bad.status == 2 && bad.stderr.contains("flexible:N"), "\(bad.stderr)")
    }
}
