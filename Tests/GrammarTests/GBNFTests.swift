import Testing
@testable import Grammar

/// GBNF grammars written after llama.cpp's published examples (grammars/json.gbnf,
/// arithmetic.gbnf, list.gbnf), with strings those grammars accept and reject.
struct GBNFTests {
    static let json = #"""
    root   ::= object
    value  ::= object | array | string | number | ("true" | "false" | "null") ws

    object ::=
      "{" ws (
                string ":" ws value
        ("," ws string ":" ws value)*
      )? "}" ws

    array  ::=
      "[" ws (
                value
        ("," ws value)*
      )? "]" ws

    string ::=
      "\"" (
        [^"\\\x7F\x00-\x1F] |
        "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
      )* "\"" ws

    number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-7]{0,15})? ws

    # Optional space: by convention, applied in this grammar after literal chars when allowed
    ws ::= | " " | "\n" [ \t]{0,20}
    """#

    static let arithmetic = #"""
    root  ::= (expr "=" ws term "\n")+
    expr  ::= term ([-+*/] term)*
    term  ::= ident | num | "(" ws expr ")" ws
    ident ::= [a-z] [a-z0-9_]* ws
    num   ::= [0-9]+ ws
    ws    ::= [ \t\n]*
    """#

    static let list = #"""
    root ::= item+

    # Excludes various line break characters
    item ::= "- " [^\r\n\x0b\x0c\x85\u2028\u2029]+ "\n"
    """#

    func recognizer(_ text: String) throws -> GrammarRecognizer {
        try GrammarRecognizer(try GBNF.parse(text))
    }

    @Test func jsonGrammar() throws {
        let r = try recognizer(Self.json)
        for ok in [#"{}"#, #"{"a": 1}"#, #"{"a":[1, 2.5e3, "x\u00e9\n", true, null, {"b": false}]}"#,
                   "{\"k\": \"h\u{e9}llo \u{1F600}\"}", "{\n  \"a\": -0.5}"] {
            #expect(r.matches(Array(ok.utf8)), "should accept \(ok)")
        }
        for bad in [#"[]"#, #"{"a": 01}"#, #"{"a" 1}"#, #"{"a": "x"#, #"{"a": tru}"#, "{\"a\": \"\u{1}\"}", #"{"a": "\q"}"#, #"{"a":1,}"#] {
            #expect(!r.matches(Array(bad.utf8)), "should reject \(bad)")
        }
        #expect(r.isPrefix(Array(#"{"a": [1, "#.utf8)))
        #expect(!r.isPrefix(Array(#"{"a": ]"#.utf8)))
    }

    @Test func arithmeticGrammar() throws {
        let r = try recognizer(Self.arithmetic)
        #expect(r.matches(Array("a=1\n".utf8)))
        #expect(r.matches(Array("(x +2)*y3 = 10\nb=c\n".utf8)))
        #expect(!r.matches(Array("a=1".utf8)))
        #expect(!r.matches(Array("A=1\n".utf8)))
        #expect(!r.matches(Array("a==1\n".utf8)))
        #expect(!r.matches(Array("(x + 2)=1\n".utf8)))  // no space before an operand
    }

    @Test func listGrammar() throws {
        let r = try recognizer(Self.list)
        #expect(r.matches(Array("- one\n- two ü\n".utf8)))
        #expect(!r.matches(Array("- \n".utf8)))
        #expect(!r.matches(Array("- a\u{2028}b\n".utf8)))
        #expect(!r.matches(Array("one\n".utf8)))
    }

    @Test func escapesClassesAndRepetitions() throws {
        let g = try GBNF.parse(#"""
        root ::= "\x41\u00e9\U0001F600" [^a-c] . x{2} y{1,} z{0,2} "\"\\\t"
        x ::= "x"
        y ::= "y"
        z ::= [\[\]\-]
        """#)
        let r = try GrammarRecognizer(g)
        #expect(r.matches(Array("Aé😀dQxxy\"\\\t".utf8)))
        #expect(r.matches(Array("Aé😀zéxxyyy[-\"\\\t".utf8)))
        #expect(!r.matches(Array("Aé😀bQxxy\"\\\t".utf8)))          // b is excluded
        #expect(!r.matches(Array("Aé😀dQxy\"\\\t".utf8)))           // x{2}
        #expect(!r.matches(Array("Aé😀dQxx\"\\\t".utf8)))           // y{1,}
        #expect(!r.matches(Array("Aé😀dQxxy[[[\"\\\t".utf8)))       // z{0,2}
    }

    @Test func continuationLinesAndSpecialTokens() throws {
        let g = try GBNF.parse("root ::= \"a\"\n     | \"b\" <|im_end|>\n")
        guard case .choice(let alts) = g.rules[g.root].body else { Issue.record("expected a choice"); return }
        #expect(alts.count == 2)
        #expect(alts[1] == .sequence([.literal("b"), .specialToken("<|im_end|>")]))
    }

    @Test func errorsNamePlaceAndFix() {
        func failure(_ text: String) -> GBNFError? {
            do { _ = try GBNF.parse(text); return nil } catch { return error }
        }
        let undefined = failure("root ::= item\n")
        #expect(undefined?.line == 1 && undefined?.column == 10)
        #expect(undefined?.message.contains("item") == true)
        #expect(failure("start ::= \"a\"\n")?.message.contains("root") == true)
        let unterminated = failure("root ::= \"abc\n")
        #expect(unterminated?.line == 1 && unterminated?.message.contains("unterminated") == true)
        let group = failure("root ::= (\"a\" \"b\"\n")
        #expect(group?.message.contains("')'") == true)
        let second = failure("root ::= \"a\"\nx ::= [b-a]\n")
        #expect(second?.line == 2)
        #expect(failure("root ::= \"\\q\"")?.message.contains("escape") == true)
        #expect(failure("root ::= \"a\"{3,1}")?.message.contains("maximum") == true)
        #expect(failure("root ::= \"a\"\nroot ::= \"b\"")?.message.contains("twice") == true)
        #expect(failure("root ::= a\na ::= a \"x\" | \"y\"").map { _ in true } == nil)  // parses; rejected at compile
        #expect(throws: GrammarCompileError.self) { try GrammarRecognizer(try GBNF.parse("root ::= a\na ::= a \"x\" | \"y\"")) }
    }

    /// Deep nesting, huge alternations and random bytes give errors or bounded work.
    @Test func fuzzedInputs() throws {
        let deep = "root ::= " + String(repeating: "(", count: 5000) + "\"a\"" + String(repeating: ")", count: 5000)
        #expect(throws: GBNFError.self) { try GBNF.parse(deep) }
        let nested = "root ::= " + String(repeating: "(", count: 150) + "\"a\"" + String(repeating: ")", count: 150)
        #expect(try GrammarRecognizer(try GBNF.parse(nested)).matches([0x61]))
        let wide = "root ::= " + (0..<20000).map { "\"w\($0)\"" }.joined(separator: " | ")
        let r = try GrammarRecognizer(try GBNF.parse(wide))
        #expect(r.matches(Array("w19999".utf8)))
        #expect(!r.matches(Array("w20000".utf8)))
        #expect(throws: GBNFError.self) { try GBNF.parse("root ::= \"a\"{0,1000000}") }
        let big = try GrammarRecognizer(try GBNF.parse("root ::= [a-z]{0,50000} \"!\""))
        #expect(big.matches(Array((String(repeating: "q", count: 50000) + "!").utf8)))
        #expect(!big.matches(Array((String(repeating: "q", count: 50001) + "!").utf8)))
        var rng = MatcherRNG(seed: 7)
        let alphabet = Array("root ::=|()[]^-\"\\x{},*+?.#\n abc09<>".unicodeScalars)
        for _ in 0..<3000 {
            var s = ""
            for _ in 0..<Int(rng.next() % 40) { s.unicodeScalars.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            if let g = try? GBNF.parse(s) {
                // Whatever parses either compiles or fails with a typed compile error; matching is bounded.
                if let rec = try? GrammarRecognizer(g) { _ = rec.matches(Array("abc".utf8)) }
            }
        }
    }
}

/// A small deterministic generator for fuzz and differential tests.
struct MatcherRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
