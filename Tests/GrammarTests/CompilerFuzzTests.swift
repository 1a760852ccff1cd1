import Foundation
import Schema
import Testing
@testable import Grammar

/// Seeded fuzzing of the three input compilers: random mutations of real inputs (JSONSchemaBench
/// schemas, the ECMAScript golden patterns and the schemas' own patterns, llama.cpp's example
/// grammars) and hand-built extremes (10,000 levels of nesting, 100,000-entry enums,
/// catastrophic-backtracking regexes, stacked repeats). Every input must give a grammar or the
/// compiler's typed error; a grammar must stay within a size bound and compile into the
/// automaton or fail with `GrammarCompileError`. Work is bounded by sizes, never by the clock.
@Suite struct CompilerFuzzTests {
    /// Nodes of the IR (a literal counts its bytes): the size every later stage works on.
    static func irSize(_ g: Grammar) -> Int {
        func size(_ e: GrammarExpr) -> Int {
            switch e {
            case .empty, .byteSet, .rule, .specialToken: return 1
            case .bytes(let b): return 1 + b.count
            case .sequence(let xs), .choice(let xs): return xs.reduce(1) { $0 + size($1) }
            case .repeat(let x, _, _): return 1 + size(x)
            }
        }
        return g.rules.reduce(0) { $0 + size($1.body) }
    }

    /// Largest IR any input here may produce (the regex compiler's own expansion limit is 2M).
    static let maxIRSize = 4_000_000

    /// What happened to one input.
    enum Outcome: Equatable { case grammar(Int), typedError }

    /// A grammar within the size bound that the automaton compiler takes or rejects with its typed error.
    static func checkGrammar(_ g: Grammar, _ what: @autoclosure () -> String) -> Outcome {
        let n = irSize(g)
        #expect(n <= maxIRSize, "\(what()): IR of \(n) nodes")
        do { try g.validate() } catch { Issue.record("\(what()): invalid IR: \(error)") }
        do {
            let r = try GrammarRecognizer(g)
            _ = r.isPrefix(Array("{\"a\": [1, \"x\"]}".utf8))
        } catch {
            // GrammarCompileError: left recursion, empty language or over the state budget.
        }
        return .grammar(n)
    }

    static func schema(_ s: JSONValue, _ what: @autoclosure () -> String) -> Outcome {
        do { return checkGrammar(try JSONSchemaGrammar.compile(s), what()) }
        catch is JSONSchemaGrammarError { return .typedError }
        catch { Issue.record("\(what()): untyped error \(type(of: error)): \(error)"); return .typedError }
    }

    static func regex(_ p: String, search: Bool, _ what: @autoclosure () -> String) -> Outcome {
        do { return checkGrammar(try RegexGrammar.compile(p, search: search), what()) }
        catch is RegexGrammarError { return .typedError }
        catch { Issue.record("\(what()): untyped error \(type(of: error)): \(error)"); return .typedError }
    }

    static func gbnf(_ text: String, _ what: @autoclosure () -> String) -> Outcome {
        do { return checkGrammar(try GBNF.parse(text), what()) } catch { return .typedError }
    }

    static func fixtureSchemas() throws -> [(String, JSONValue)] {
        let dir = CompilerFixtures.root.appendingPathComponent("schema/jsonschemabench")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        return try names.compactMap { name in
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            return try JSONValue.parse(text)["schema"].map { (name, $0) }
        }
    }

    // MARK: JSON Schema

    /// Random mutations of the JSONSchemaBench schemas: replaced, wrapped, deleted and
    /// retyped subschemas, hostile keyword values, references to anywhere.
    @Test func mutatedRealSchemas() throws {
        let seeds = try Self.fixtureSchemas()
        try #require(seeds.count > 500)
        var rng = SplitMix(seed: 20261207)
        var compiled = 0, rejected = 0, largest = 0
        for round in 0..<1500 {
            let (name, seed) = seeds[Int(rng.next() % UInt64(seeds.count))]
            var s = seed
            for _ in 0..<(1 + Int(rng.next() % 4)) { s = SchemaMutator.mutate(s, &rng) }
            switch Self.schema(s, "round \(round) from \(name): \(s.jsonString(.compact).prefix(2000))") {
            case .grammar(let n): compiled += 1; largest = max(largest, n)
            case .typedError: rejected += 1
            }
        }
        print("schema fuzz: 1500 mutated schemas, \(compiled) compiled (largest IR \(largest) nodes), \(rejected) typed errors")
        #expect(compiled > 300 && rejected > 100)
    }

    /// 10,000 levels through every keyword that nests, long reference chains, 100,000-entry enums.
    @Test func extremeSchemas() throws {
        let n = 10_000
        let wrappers: [(String, (JSONValue) -> JSONValue)] = [
            ("items", { ["type": "array", "items": $0] }),
            ("properties", { ["type": "object", "properties": ["a": $0], "required": ["a"]] }),
            ("anyOf", { ["anyOf": [$0, ["type": "null"]]] }),
            ("oneOf", { ["oneOf": [$0]] }),
            ("allOf", { ["allOf": [$0]] }),
            ("not", { ["not": $0] }),
            ("prefixItems", { ["prefixItems": [$0]] }),
            ("additionalProperties", { ["additionalProperties": $0] }),
            ("patternProperties", { ["patternProperties": ["^a": $0]] }),
            ("propertyNames", { ["propertyNames": $0] }),
            ("contains", { ["contains": $0] }),
            ("dependentSchemas", { ["dependentSchemas": ["a": $0]] }),
        ]
        for (name, wrap) in wrappers {
            var deep: JSONValue = ["type": "integer"]
            for _ in 0..<n { deep = wrap(deep) }
            let outcome = Self.schema(deep, "\(name) nested \(n) deep")
            // Names are strings: propertyNames inside propertyNames never apply, so that one compiles.
            if name != "propertyNames" { #expect(outcome == .typedError, "\(name) nested \(n) deep compiled") }
        }
        // Deep values inside enum / const (no subschema nesting at all).
        var deepValue: JSONValue = 1
        for _ in 0..<n { deepValue = [deepValue] }
        _ = Self.schema(["enum": [deepValue, 2]], "enum holding a value nested \(n) deep")
        _ = Self.schema(["type": "array", "const": deepValue], "const nested \(n) deep")
        _ = Self.schema(["oneOf": [["const": deepValue], ["const": [[1]]]]], "oneOf of deep constants")
        // A chain of 10,000 definitions, each referring to the next.
        var defs = JSONObject()
        for i in 0..<n { defs["d\(i)"] = i == n - 1 ? ["type": "integer"] : ["$ref": .string("#/$defs/d\(i + 1)")] }
        #expect(Self.schema(["$defs": .object(defs), "$ref": "#/$defs/d0"], "$ref chain") == .typedError)
        var objectDefs = JSONObject()
        for i in 0..<n {
            objectDefs["d\(i)"] = i == n - 1 ? ["type": "integer"]
                : ["type": "object", "properties": ["x": ["$ref": .string("#/$defs/d\(i + 1)")]]]
        }
        #expect(Self.schema(["$defs": .object(objectDefs), "$ref": "#/$defs/d0"], "object $ref chain") == .typedError)
        // 100,000-entry enums: strings, numbers, objects, and intersections of two of them.
        let strings: [JSONValue] = (0..<100_000).map { .string("value-\($0)") }
        let numbers: [JSONValue] = (0..<100_000).map { .integer(Int64($0) * 7) }
        let objects: [JSONValue] = (0..<100_000).map { ["id": .integer(Int64($0))] }
        for (what, values) in [("strings", strings), ("numbers", numbers), ("objects", objects)] {
            #expect(Self.schema(["enum": .array(values)], "enum of 100k \(what)") != .typedError)
        }
        let shifted: [JSONValue] = (50_000..<150_000).map { .string("value-\($0)") }
        let both = try JSONSchemaGrammar.compile(["allOf": [["enum": .array(strings)], ["enum": .array(shifted)]]])
        let r = try GrammarRecognizer(both)
        #expect(r.matches(Array("\"value-50000\"".utf8)) && !r.matches(Array("\"value-49999\"".utf8)))
        // oneOf over two huge enums: the disjointness check must not be quadratic either.
        #expect(Self.schema(["oneOf": [["enum": .array(strings)], ["enum": .array(numbers)]]], "oneOf of two 100k enums") != .typedError)
        // Huge declared objects and huge numbers.
        var props = JSONObject()
        for i in 0..<20_000 { props["p\(i)"] = ["type": "integer"] }
        _ = Self.schema(["type": "object", "properties": .object(props), "required": .array((0..<20_000).map { .string("p\($0)") })], "20k properties")
        _ = Self.schema(["type": "object", "properties": .object(props), "additionalProperties": false], "20k optional properties")
        for bound in [1e308, -1e308, 1e-300, Double.leastNonzeroMagnitude] {
            let b = JSONValue.number(bound, source: nil)
            _ = Self.schema(["type": "number", "minimum": b, "maximum": 1e308], "minimum \(bound)")
            _ = Self.schema(["type": "number", "multipleOf": b], "multipleOf \(bound)")
            _ = Self.schema(["type": "integer", "multipleOf": b, "maximum": b], "integer multipleOf \(bound)")
        }
        _ = Self.schema(["type": "string", "minLength": 1_000_000_000], "minLength 1e9")
        _ = Self.schema(["type": "string", "maxLength": 100_000, "pattern": "^(a|b)*$"], "maxLength 100000 with pattern")
        _ = Self.schema(["type": "array", "minItems": 1_000_000, "items": ["type": "integer"]], "minItems 1e6")
        _ = Self.schema(["type": "array", "maxItems": 1_000_000, "uniqueItems": true, "items": ["enum": .array(Array(strings.prefix(1000)))]], "uniqueItems over 1000")
        _ = Self.schema(["type": "object", "minProperties": 100_000], "minProperties 1e5")
        _ = Self.schema(["type": "object", "maxProperties": 100_000, "propertyNames": ["maxLength": 3]], "maxProperties 1e5")
    }

    /// Deeply nested JSON text (what a schema file may hold): a parse error, never a crash.
    @Test func deeplyNestedSchemaText() throws {
        let deep = String(repeating: "{\"items\":", count: 10_000) + "{}" + String(repeating: "}", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
        let arrays = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(arrays) }
    }

    // MARK: regex

    static func seedPatterns() throws -> [String] {
        var out: [String] = []
        let golden = try CompilerFixtures.json("grammar/regex_golden.json")
        for p in golden["patterns"]?.arrayValue ?? [] { if let s = p["pattern"]?.stringValue { out.append(s) } }
        for e in golden["errors"]?.arrayValue ?? [] { if let s = e.stringValue { out.append(s) } }
        func collect(_ v: JSONValue) {
            switch v {
            case .object(let o):
                for (k, x) in o {
                    if k == "pattern", let s = x.stringValue { out.append(s) }
                    if k == "patternProperties", case .object(let pp) = x { out += pp.keys }
                    collect(x)
                }
            case .array(let xs): xs.forEach(collect)
            default: break
            }
        }
        for (_, s) in try fixtureSchemas() { collect(s) }
        return out
    }

    /// Random edits of real patterns with the pieces regexes are built from.
    @Test func mutatedRealPatterns() throws {
        let seeds = try Self.seedPatterns()
        try #require(seeds.count > 100)
        let pieces = ["*", "+", "?", "*?", "{2}", "{0,3}", "{1000}", "{1000}{1000}", "{0,65535}", "{99999999999}", "{3,1}",
                      "(", ")", "(?:", "(?=", "(?<n>", "\\k<n>", "\\1", "[", "]", "[^", "-", "|", "^", "$", ".", "\\",
                      "\\d", "\\w", "\\s", "\\b", "\\p{L}", "\\u{10FFFF}", "\\uD83D", "\\uDE00", "\\x4", "\\c", "\\0",
                      "a", "é", "😀", "\u{0}", "\n", "{", "}", ",", "[\\s\\S]", "(a*)*", "(a|a)*", "(.*)*"]
        var rng = SplitMix(seed: 99)
        var compiled = 0, rejected = 0, largest = 0
        for round in 0..<4000 {
            var p = Array(seeds[Int(rng.next() % UInt64(seeds.count))].unicodeScalars)
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let at = p.isEmpty ? 0 : Int(rng.next() % UInt64(p.count + 1))
                switch rng.next() % 4 {
                case 0, 1: p.insert(contentsOf: pieces[Int(rng.next() % UInt64(pieces.count))].unicodeScalars, at: at)
                case 2: if at < p.count { p.removeSubrange(at..<min(p.count, at + 1 + Int(rng.next() % 4))) }
                default:
                    // Wrap a slice in a starred group, or repeat it.
                    let end = min(p.count, at + 1 + Int(rng.next() % 8))
                    let slice = Array(p[at..<end])
                    p.replaceSubrange(at..<end, with: Array("(".unicodeScalars) + slice + Array((rng.next() % 2 == 0 ? ")*" : "){50}").unicodeScalars))
                }
            }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: p)
            let pattern = String(s)
            for search in [false, true] {
                switch Self.regex(pattern, search: search, "round \(round) \(pattern.debugDescription) search \(search)") {
                case .grammar(let n): compiled += 1; largest = max(largest, n)
                case .typedError: rejected += 1
                }
            }
        }
        print("regex fuzz: 8000 compiles, \(compiled) grammars (largest IR \(largest) nodes), \(rejected) typed errors")
        #expect(compiled > 1000 && rejected > 500)
    }

    /// Catastrophic-backtracking shapes are linear here; stacked and huge repeats are bounded.
    @Test func extremePatterns() throws {
        for p in ["(a*)*b", "(a+)+b", "(a|a)*b", "(a|aa)+$", "(.*a){20}", "(x+x+)+y", "^(([a-z])+.)+[A-Z]([a-z])+$", "(\\w+\\s?)*$"] {
            let g = try RegexGrammar.compile(p)
            let r = try GrammarRecognizer(g)
            // The classic attack string: many a's and no match, in one linear pass.
            #expect(!r.matches(Array((String(repeating: "a", count: 5000) + "!").utf8)) || p.hasSuffix("$") || p.hasPrefix("(\\w"), "\(p)")
        }
        for p in ["a{1000}{1000}", "(a{1000}){1000}", "((a{100}){100}){100}", "a{100000}", "[\\s\\S]{65536}", "(?:(?:a{0,1000}){0,1000}){0,1000}",
                  String(repeating: "(", count: 10_000) + "a" + String(repeating: ")", count: 10_000),
                  String(repeating: "(?:", count: 10_000) + "a" + String(repeating: ")*", count: 10_000),
                  String(repeating: "a|", count: 20_000) + "a",
                  String(repeating: "[", count: 10_000), String(repeating: "\\", count: 10_001),
                  String(repeating: "a*", count: 10_000), String(repeating: "a?", count: 10_000) + String(repeating: "a", count: 10_000)] {
            _ = Self.regex(p, search: false, "\(p.prefix(60))")
            _ = Self.regex(p, search: true, "\(p.prefix(60)) (search)")
        }
    }

    // MARK: GBNF

    static let grammarFixtures = ["arithmetic", "c", "chess", "english", "japanese", "json", "json_arr", "list"]

    static func grammarText(_ name: String) throws -> String {
        try String(contentsOf: CompilerFixtures.root.appendingPathComponent("grammar/llamacpp-grammars/\(name).gbnf"), encoding: .utf8)
    }

    /// llama.cpp's own example grammars parse and compile into the automaton.
    @Test func llamaCppExampleGrammarsParse() throws {
        for name in Self.grammarFixtures {
            let g = try GBNF.parse(try Self.grammarText(name))
            _ = try GrammarRecognizer(g)
        }
        let json = try GrammarRecognizer(try GBNF.parse(try Self.grammarText("json")))
        #expect(json.matches(Array("{\"a\": [1, 2.5e3, \"x\\n\", true, null]}".utf8)))
        #expect(!json.matches(Array("{\"a\": [1, 2,]}".utf8)))
        let arithmetic = try GrammarRecognizer(try GBNF.parse(try Self.grammarText("arithmetic")))
        #expect(arithmetic.matches(Array("(1+2)*3-4/5=x\n".utf8)))
        #expect(!arithmetic.matches(Array("(1+2=3\n".utf8)))
    }

    /// Random edits of llama.cpp's grammars with GBNF's own tokens.
    @Test func mutatedRealGrammars() throws {
        let seeds = try Self.grammarFixtures.map(Self.grammarText)
        let pieces = ["::=", "|", "(", ")", "*", "+", "?", "{1000}", "{0,100000}", "{1000}{1000}", "{5,2}", "[", "]", "[^", "-",
                      "\"", "\\", "\\x", "\\u12", "\\U0010FFFF", "\n", "\n|", " ", "#", "root", "root ::= root", "x ::= x \"a\" | \"b\"",
                      "ws", "value", "<|im_end|>", "<", ">", ".", "é", "\u{0}", "a", "0"]
        var rng = SplitMix(seed: 4242)
        var parsed = 0, rejected = 0, largest = 0
        for round in 0..<3000 {
            var t = Array(seeds[Int(rng.next() % UInt64(seeds.count))].unicodeScalars)
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let at = t.isEmpty ? 0 : Int(rng.next() % UInt64(t.count + 1))
                switch rng.next() % 3 {
                case 0, 1: t.insert(contentsOf: pieces[Int(rng.next() % UInt64(pieces.count))].unicodeScalars, at: at)
                default: if at < t.count { t.removeSubrange(at..<min(t.count, at + 1 + Int(rng.next() % 6))) }
                }
            }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: t)
            switch Self.gbnf(String(s), "round \(round)") {
            case .grammar(let n): parsed += 1; largest = max(largest, n)
            case .typedError: rejected += 1
            }
        }
        print("GBNF fuzz: 3000 mutated grammars, \(parsed) parsed (largest IR \(largest) nodes), \(rejected) typed errors")
        #expect(parsed > 300 && rejected > 300)
    }

    /// 10,000-level nesting, 10,000-rule chains, huge alternations and repeats.
    @Test func extremeGrammars() throws {
        let n = 10_000
        #expect(Self.gbnf("root ::= " + String(repeating: "(", count: n) + "\"a\"" + String(repeating: ")", count: n), "nested") == .typedError)
        #expect(Self.gbnf("root ::= " + String(repeating: "(", count: n), "unclosed") == .typedError)
        _ = Self.gbnf("root ::= \"a\"" + String(repeating: "*", count: n), "stacked stars")
        // A chain of rules, each calling the next; and a chain that calls back to the start.
        let chain = (0..<n).map { "r\($0) ::= " + ($0 == n - 1 ? "\"a\"" : "\"x\" r\($0 + 1)") }.joined(separator: "\n")
        #expect(Self.gbnf("root ::= r0\n" + chain, "rule chain") != .typedError)
        let bare = (0..<n).map { "r\($0) ::= " + ($0 == n - 1 ? "\"a\"" : "r\($0 + 1)") }.joined(separator: "\n")
        _ = Self.gbnf("root ::= r0\n" + bare, "bare rule chain")
        let cycle = (0..<n).map { "r\($0) ::= r\(($0 + 1) % n) | \"a\"" }.joined(separator: "\n")
        _ = Self.gbnf("root ::= r0\n" + cycle, "left-recursive cycle")
        _ = Self.gbnf("root ::= " + (0..<30_000).map { "\"w\($0)\"" }.joined(separator: " | "), "30k alternatives")
        _ = Self.gbnf("root ::= [a-z]{100000} [0-9]{0,100000}", "huge repeats")
        _ = Self.gbnf("root ::= ((\"a\"{1000}){1000}){1000}", "stacked repeats")
        _ = Self.gbnf("root ::= [" + String(repeating: "\\U0010FFFF-\\U0010FFFF", count: 5000) + "]", "big class")
    }
}

/// Random mutations of a JSON Schema: pick a node, then replace, wrap, delete, retype or
/// decorate it with a hostile keyword.
enum SchemaMutator {
    static let keywords: [(String, [JSONValue])] = [
        ("type", ["string", "integer", "number", "object", "array", "boolean", "null", "nope", ["string", "null"], 3, []]),
        ("minLength", [-1, 0, 3, 1_000_000_000, 2.5, "x"]),
        ("maxLength", [0, 2, 65535, 1_000_000_000, -3]),
        ("pattern", ["^[a-z]+$", "(a*)*b", "a{1000}{1000}", "(?=a)", "[", "\\p{L}", "^(?:[0-9]{3}-){2}[0-9]{4}$", "", 5]),
        ("format", ["date", "email", "uuid", "ipv4", "ipv6", "date-time", "duration", "uri", "hostname", "bogus"]),
        ("enum", [[], [1, "a", nil, ["x": [1]]], "notalist", [1, 1, 1]]),
        ("const", [nil, 0, "c", ["k": "v"], [[]]]),
        ("minimum", [0, -1e308, 1e308, 0.1, "a"]),
        ("maximum", [0, 1e308, -5, 1e-300]),
        ("exclusiveMinimum", [true, 0, 1e300]),
        ("exclusiveMaximum", [false, 10, -1e300]),
        ("multipleOf", [0, -2, 1e-300, 0.1, 7, 1e308, .number(.leastNonzeroMagnitude, source: nil)]),
        ("minItems", [0, 5, 100_000]),
        ("maxItems", [0, 1, 100_000, -1]),
        ("uniqueItems", [true, false]),
        ("minProperties", [0, 3, 100_000]),
        ("maxProperties", [0, 2, 100_000]),
        ("required", [["a", "b"], [], [1], "a"]),
        ("additionalProperties", [false, true, ["type": "string"], 3]),
        ("$ref", ["#", "#/", "#/properties", "#/$defs/missing", "#/definitions/a/b", "http://x/y.json", "#anchor", "#/items/0", 7]),
        ("if", [["type": "string"]]),
        ("not", [true, false, ["type": "string"], ["enum": ["a"]], ["required": ["a"]]]),
        ("propertyNames", [["maxLength": 2], ["pattern": "^x"], false]),
        ("dependentRequired", [["a": ["b"]], ["a": "b"]]),
        ("contains", [["type": "integer"]]),
        ("prefixItems", [[["type": "string"], true], "no"]),
        ("items", [false, true, ["type": "integer"], [["type": "string"]]]),
        ("$anchor", ["anchor"]),
    ]

    /// Every node of `v` (objects and arrays), as key paths.
    static func paths(_ v: JSONValue, _ prefix: [JSONPathStep] = [], into out: inout [[JSONPathStep]], depth: Int = 0) {
        out.append(prefix)
        if depth > 60 { return }
        switch v {
        case .object(let o): for (k, x) in o { paths(x, prefix + [.key(k)], into: &out, depth: depth + 1) }
        case .array(let xs): for (i, x) in xs.enumerated() { paths(x, prefix + [.index(i)], into: &out, depth: depth + 1) }
        default: break
        }
    }

    enum JSONPathStep { case key(String), index(Int) }

    static func get(_ v: JSONValue, _ path: ArraySlice<JSONPathStep>) -> JSONValue {
        guard let first = path.first else { return v }
        switch (first, v) {
        case (.key(let k), .object(let o)): return get(o[k] ?? .null, path.dropFirst())
        case (.index(let i), .array(let xs)) where xs.indices.contains(i): return get(xs[i], path.dropFirst())
        default: return v
        }
    }

    static func set(_ v: JSONValue, _ path: ArraySlice<JSONPathStep>, _ new: JSONValue?) -> JSONValue {
        guard let first = path.first else { return new ?? .null }
        switch (first, v) {
        case (.key(let k), .object(var o)):
            if path.count == 1 && new == nil { o[k] = nil } else { o[k] = set(o[k] ?? .null, path.dropFirst(), new) }
            return .object(o)
        case (.index(let i), .array(var xs)) where xs.indices.contains(i):
            if path.count == 1 && new == nil { xs.remove(at: i) } else { xs[i] = set(xs[i], path.dropFirst(), new) }
            return .array(xs)
        default: return v
        }
    }

    static func mutate(_ root: JSONValue, _ rng: inout SplitMix) -> JSONValue {
        var all: [[JSONPathStep]] = []
        paths(root, into: &all)
        let path = all[Int(rng.next() % UInt64(all.count))]
        let node = get(root, path[...])
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        switch rng.next() % 8 {
        case 0, 1, 2:
            // Add or overwrite a keyword with a (possibly hostile) value.
            let (k, values) = pick(keywords)
            guard case .object(var o) = node else { return set(root, path[...], [k: pick(values)]) }
            o[k] = pick(values)
            return set(root, path[...], .object(o))
        case 3:
            // Wrap the node in a combinator or container.
            let wrapped: JSONValue = pick([["allOf": [node]], ["anyOf": [node, node]], ["oneOf": [node, ["type": "null"]]],
                                           ["type": "array", "items": node, "maxItems": 3], ["properties": ["w": node], "required": ["w"]],
                                           ["not": node], ["$defs": ["n": node], "$ref": "#/$defs/n"]])
            return set(root, path[...], wrapped)
        case 4:
            return path.isEmpty ? root : set(root, path[...], nil)
        case 5:
            // Copy another subtree here (shapes real schemas never combine).
            return set(root, path[...], get(root, pick(all)[...]))
        case 6:
            return set(root, path[...], pick([true, false, nil, 0, "s", [], [:], [node]]))
        default:
            // Point a reference at a random node of the document.
            let target = pick(all).map { step -> String in
                switch step {
                case .key(let k): return "/" + JSONPointer.escape(k)
                case .index(let i): return "/\(i)"
                }
            }.joined()
            guard case .object(var o) = node else { return root }
            o["$ref"] = .string("#" + target)
            return set(root, path[...], .object(o))
        }
    }
}
