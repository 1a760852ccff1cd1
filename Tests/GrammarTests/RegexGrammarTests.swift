import Foundation
import Testing
import Schema
@testable import Grammar

/// Locations of the committed fixtures these compiler tests read.
enum CompilerFixtures {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func json(_ relative: String) throws -> JSONValue {
        try JSONValue.parse(bytes: Array(try Data(contentsOf: root.appendingPathComponent(relative))))
    }
}

/// Regex → grammar against ECMAScript itself: Tests/Fixtures/grammar/regex_golden.json holds
/// node's answers (`RegExp` with the `u` flag) for full and unanchored matches, made by the
/// committed make_regex_golden.js next to it.
@Suite struct RegexGrammarTests {
    @Test func matchesWhatNodeMatches() throws {
        let golden = try CompilerFixtures.json("grammar/regex_golden.json")
        var checked = 0
        var failures: [String] = []
        for p in golden["patterns"]?.arrayValue ?? [] {
            let pattern = try #require(p["pattern"]?.stringValue)
            let full = ReferenceRecognizer(try RegexGrammar.compile(pattern))
            let search = ReferenceRecognizer(try RegexGrammar.compile(pattern, search: true))
            let parsed = try RegexPattern(pattern)
            for c in p["cases"]?.arrayValue ?? [] {
                let input = try #require(c["input"]?.stringValue)
                let wantFull = c["full"]?.boolValue == true, wantSearch = c["search"]?.boolValue == true
                if full.accepts(input) != wantFull { failures.append("/\(pattern)/ full \(input.debugDescription): want \(wantFull)") }
                if search.accepts(input) != wantSearch { failures.append("/\(pattern)/ search \(input.debugDescription): want \(wantSearch)") }
                // The direct matcher used for property names and enum values agrees too.
                if parsed.matches(input, search: false) != wantFull { failures.append("/\(pattern)/ matches() full \(input.debugDescription)") }
                if parsed.matches(input, search: true) != wantSearch { failures.append("/\(pattern)/ matches() search \(input.debugDescription)") }
                checked += 1
            }
        }
        for f in failures { print("  FAIL \(f)") }
        #expect(failures.isEmpty)
        #expect(checked > 150)
    }

    @Test func unsupportedAndInvalidPatternsAreTypedErrors() throws {
        let golden = try CompilerFixtures.json("grammar/regex_golden.json")
        for p in golden["errors"]?.arrayValue ?? [] {
            let pattern = try #require(p.stringValue)
            #expect(throws: RegexGrammarError.self, "\(pattern)") { try RegexGrammar.compile(pattern) }
        }
    }

    @Test func errorsNameTheConstructAndOffset() {
        #expect(throws: RegexGrammarError.unsupported(construct: "lookahead (?=", offset: 3)) { try RegexGrammar.compile("abc(?=d)") }
        #expect(throws: RegexGrammarError.unsupported(construct: "backreference \\1", offset: 3)) { try RegexGrammar.compile("(a)\\1") }
        #expect(throws: RegexGrammarError.unsupported(construct: "word boundary \\b", offset: 1)) { try RegexGrammar.compile("a\\b") }
        #expect(throws: RegexGrammarError.unsupported(construct: "an anchor (^ or $) not at an end of the pattern", offset: 1)) {
            try RegexGrammar.compile("a^b")
        }
    }

    @Test func jsonStringEncodingEscapesLikeThePrinter() throws {
        // Inside JSON strings the pattern's code points are spelled as the Schema printer writes them.
        let p = try RegexPattern("^[\"\\\\\\n\\u0001a]+$")
        let g = Grammar(rules: [GrammarRule(name: "s", body: p.expression(search: true, encoding: .jsonString))], root: 0)
        let r = ReferenceRecognizer(g)
        let value = "a\"\\\n\u{1}"
        let printed = JSONValue.string(value).jsonString()
        #expect(r.accepts(Array(printed.utf8.dropFirst().dropLast())))
        #expect(!r.accepts("a\""))
        #expect(p.matches(value, search: true))
    }

    @Test func lengthRangeCountsCodePoints() throws {
        #expect(try RegexPattern("^a{2,5}(bc|d)$").lengthRange(search: true) == (3, 7))
        #expect(try RegexPattern("^a+$").lengthRange(search: true).max == nil)
        #expect(try RegexPattern("a").lengthRange(search: true).max == nil)
        #expect(try RegexPattern("a").lengthRange(search: false) == (1, 1))
    }

    /// Pathological patterns: errors or small grammars, quickly, never a crash.
    @Test func pathologicalPatternsAreBounded() throws {
        let deep = String(repeating: "(", count: 5000) + "a" + String(repeating: ")", count: 5000)
        #expect(throws: RegexGrammarError.self) { try RegexGrammar.compile(deep) }
        #expect(throws: RegexGrammarError.self) { try RegexGrammar.compile("(a{1000}){1000}{5}") }
        #expect(throws: RegexGrammarError.self) { try RegexGrammar.compile("((a{200}){200}){200}") }
        #expect(throws: RegexGrammarError.self) { try RegexGrammar.compile("a{99999999999999999999}") }
        let nested = try RegexGrammar.compile("((a*)*)*b")
        #expect(ReferenceRecognizer(nested).accepts("aaab"))
        #expect(!ReferenceRecognizer(nested).accepts("aaa"))
        // Random byte soup: every outcome is a grammar or a typed error.
        var rng = SplitMix(seed: 7)
        let alphabet = Array("ab|()[]{}^$*+?.\\-,0123456789dwsuxc:?<>=!".unicodeScalars)
        for _ in 0..<3000 {
            let n = Int(rng.next() % 24)
            var s = String.UnicodeScalarView()
            for _ in 0..<n { s.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            do { let g = try RegexGrammar.compile(String(s), search: true); try g.validate() } catch is RegexGrammarError {}
        }
    }
}

/// A tiny deterministic generator for fuzz inputs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
