import Testing
@testable import Grammar

/// The matcher against simpler references: full matches against a brute-force recognizer over
/// the IR; token masks against byte-by-byte prefix checks.
struct MatcherTests {
    /// Brute force: every end position of `e` from `i` in `s` (grammars without recursion).
    static func ends(_ e: GrammarExpr, _ g: Grammar, _ s: [UInt8], _ i: Int) -> Set<Int> {
        switch e {
        case .empty: return [i]
        case .bytes(let b): return i + b.count <= s.count && Array(s[i..<i + b.count]) == b ? [i + b.count] : []
        case .byteSet(let set): return i < s.count && set.contains(s[i]) ? [i + 1] : []
        case .specialToken(let t): return ends(.literal(t), g, s, i)
        case .sequence(let xs):
            var cur: Set<Int> = [i]
            for x in xs { cur = Set(cur.flatMap { ends(x, g, s, $0) }) }
            return cur
        case .choice(let xs): return Set(xs.flatMap { ends($0, g, s, i) })
        case .rule(let r): return ends(g.rules[r].body, g, s, i)
        case .repeat(let x, let lo, let hi):
            var result: Set<Int> = lo == 0 ? [i] : []
            var cur: Set<Int> = [i]
            var k = 0
            while k < (hi ?? (s.count + lo + 1)) {
                k += 1
                cur = Set(cur.flatMap { ends(x, g, s, $0) })
                if cur.isEmpty { break }
                if k >= lo { result.formUnion(cur) }
            }
            return result
        }
    }

    static func referenceMatches(_ g: Grammar, _ s: [UInt8]) -> Bool {
        ends(g.rules[g.root].body, g, s, 0).contains(s.count)
    }

    /// A random grammar over bytes a, b, c; rule i refers only to rules after it.
    static func randomGrammar(_ rng: inout MatcherRNG, rules: Int = 3, bigRepeats: Bool) -> Grammar {
        func expr(_ rule: Int, _ depth: Int) -> GrammarExpr {
            let k = depth > 2 ? rng.below(3) : rng.below(8)
            switch k {
            case 0: return .bytes((0..<(1 + rng.below(2))).map { _ in UInt8(0x61 + rng.below(3)) })
            case 1:
                var set = ByteSet()
                for b in 0..<3 where rng.below(2) == 0 { set.insert(UInt8(0x61 + b)) }
                if set.isEmpty { set.insert(0x61) }
                return .byteSet(set)
            case 2: return rule + 1 < rules ? .rule(rule + 1 + rng.below(rules - rule - 1)) : .bytes([0x62])
            case 3, 4: return .sequence((0..<(2 + rng.below(2))).map { _ in expr(rule, depth + 1) })
            case 5: return .choice((0..<(2 + rng.below(2))).map { _ in expr(rule, depth + 1) })
            case 6:
                let lo = rng.below(3)
                let hi: Int? = rng.below(3) == 0 ? nil : lo + rng.below(3)
                return .repeat(expr(rule, depth + 1), min: lo, max: hi)
            default:
                if bigRepeats {
                    let lo = rng.below(7)
                    return .repeat(expr(rule, depth + 1), min: lo, max: rng.below(2) == 0 ? nil : lo + 5 + rng.below(6))
                }
                return .empty
            }
        }
        let rs = (0..<rules).map { GrammarRule(name: "r\($0)", body: expr($0, 0)) }
        return Grammar(rules: rs, root: 0)
    }

    @Test func recognizerAgreesWithBruteForce() throws {
        var rng = MatcherRNG(seed: 1)
        var accepted = 0
        for _ in 0..<300 {
            let g = Self.randomGrammar(&rng, bigRepeats: true)
            guard let r = try? GrammarRecognizer(g) else { continue }
            for _ in 0..<40 {
                let s = (0..<rng.below(9)).map { _ in UInt8(0x61 + rng.below(3)) }
                let expected = Self.referenceMatches(g, s)
                #expect(r.matches(s) == expected, "grammar \(g.rules) on \(String(decoding: s, as: UTF8.self))")
                if expected {
                    accepted += 1
                    for n in 0...s.count { #expect(r.isPrefix(Array(s[..<n]))) }
                }
            }
        }
        #expect(accepted > 500)  // the generator produces matching strings, so the test has teeth
    }

    /// All strings over a, b, c of length 1...3 plus a special token and an end token.
    static func tinyVocabulary() -> TokenVocabulary {
        var tokens: [[UInt8]] = []
        for n in 1...3 {
            var cur: [[UInt8]] = [[]]
            for _ in 0..<n { cur = cur.flatMap { p in (0..<3).map { p + [UInt8(0x61 + $0)] } } }
            tokens += cur
        }
        tokens.append(Array("<s>".utf8))
        tokens.append(Array("</e>".utf8))
        return TokenVocabulary(tokens: tokens, special: [Int32(tokens.count - 2), Int32(tokens.count - 1)],
                               endOfGeneration: [Int32(tokens.count - 1)])
    }

    @Test(arguments: [(1, 24), (2, 24), (3, 2), (2, 1)])
    func masksAgreeWithBytePrefixes(_ depth: Int, _ horizon: Int) throws {
        let vocab = Self.tinyVocabulary()
        let eog = Int32(vocab.count - 1)
        var rng = MatcherRNG(seed: UInt64(depth * 100 + horizon))
        var checkedSteps = 0
        for _ in 0..<150 {
            let g = Self.randomGrammar(&rng, rules: 4, bigRepeats: true)
            guard let reference = try? GrammarRecognizer(g),
                  let compiled = try? CompiledGrammar(g, vocabulary: vocab, options: MatcherOptions(contextDepth: depth, counterHorizon: horizon))
            else { continue }
            let m = GrammarMatcher(compiled)
            var prefix: [UInt8] = []
            for _ in 0..<10 {
                let allowed = Set(m.allowedTokens())
                var expected = Set<Int32>()
                for t in 0..<(vocab.count - 2) where reference.isPrefix(prefix + vocab.tokenBytes[t]) { expected.insert(Int32(t)) }
                if reference.matches(prefix) { expected.insert(eog) }
                #expect(allowed == expected, "grammar \(g.rules) after \(String(decoding: prefix, as: UTF8.self))")
                #expect(m.isAccepting == reference.matches(prefix))
                checkedSteps += 1
                guard !allowed.isEmpty else { break }
                let pick = Array(allowed).sorted()[rng.below(allowed.count)]
                #expect(m.accept(token: pick))
                if pick == eog { #expect(m.isTerminated); break }
                prefix += vocab.tokenBytes[Int(pick)]
            }
        }
        #expect(checkedSteps > 300)
    }

    /// Unbounded repeats past their minimum keep their exact counter in the cache key (no run-time
    /// check of long tokens): with horizon 1 every 2- and 3-byte token is decided by the cached
    /// walk, and the masks must still equal the byte-prefix reference at every step.
    @Test(arguments: ["root ::= (\"a\" [bc]{2,} \"a\")+ \"b\"", "root ::= (r \"c\"){1,} \"a\"\nr ::= [ab]{3,} | \"c\" r"])
    func saturatedRepeatsAgreeWithBytePrefixes(_ source: String) throws {
        let vocab = Self.tinyVocabulary()
        let eog = Int32(vocab.count - 1)
        let g = try GBNF.parse(source)
        let reference = try GrammarRecognizer(g)
        var rng = MatcherRNG(seed: 7)
        var nonEmptySteps = 0
        for _ in 0..<20 {
            let m = GrammarMatcher(try CompiledGrammar(g, vocabulary: vocab, options: MatcherOptions(contextDepth: 2, counterHorizon: 1)))
            var prefix: [UInt8] = []
            for _ in 0..<14 {
                let allowed = Set(m.allowedTokens())
                var expected = Set<Int32>()
                for t in 0..<(vocab.count - 2) where reference.isPrefix(prefix + vocab.tokenBytes[t]) { expected.insert(Int32(t)) }
                if reference.matches(prefix) { expected.insert(eog) }
                #expect(allowed == expected, "\(source) after \(String(decoding: prefix, as: UTF8.self))")
                guard !allowed.isEmpty else { break }
                nonEmptySteps += 1
                let pick = Array(allowed).sorted()[rng.below(allowed.count)]
                #expect(m.accept(token: pick))
                if pick == eog { break }
                prefix += vocab.tokenBytes[Int(pick)]
            }
        }
        #expect(nonEmptySteps > 100)
    }

    @Test func rejectsDisallowedTokensAndRollsBack() throws {
        let vocab = Self.tinyVocabulary()
        let g = try GBNF.parse("root ::= \"ab\" [bc]{2,40} \"a\"")
        let m = GrammarMatcher(try CompiledGrammar(g, vocabulary: vocab))
        func id(_ s: String) -> Int32 { Int32(vocab.tokenBytes.firstIndex(of: Array(s.utf8))!) }
        let start = m.allowedTokens()
        #expect(start.contains(id("abb")) && start.contains(id("ab")) && start.contains(id("a")))
        #expect(!start.contains(id("b")) && !start.contains(id("aba")))
        #expect(!m.accept(token: id("c")))
        #expect(m.accept(token: id("abc")))
        #expect(m.accept(token: id("bcb")))
        #expect(!m.isAccepting)
        #expect(m.accept(token: id("a")))
        #expect(m.isAccepting && m.isTerminated)
        #expect(m.allowedTokens() == [Int32(vocab.count - 1)])
        m.rollback(2)
        #expect(m.acceptedCount == 1)
        #expect(!m.accept(token: id("a")))  // only one of [bc] read so far
        m.rollback(5)
        #expect(m.allowedTokens() == start)
    }

    @Test func forcedBytesFollowTheOnlyPath() throws {
        let vocab = Self.tinyVocabulary()
        let g = try GBNF.parse("root ::= \"abc\" (\"a\" | \"b\") \"cc\" | \"abca\" \"b\"")
        let m = GrammarMatcher(try CompiledGrammar(g, vocabulary: vocab))
        #expect(m.forcedBytes() == Array("abc".utf8))
        #expect(m.accept(bytes: Array("abca".utf8)))
        #expect(m.forcedBytes() == [])  // "cc" or "b" may follow
        #expect(m.accept(bytes: Array("c".utf8)))
        #expect(m.forcedBytes() == Array("c".utf8))
        #expect(m.accept(bytes: Array("c".utf8)))
        #expect(m.forcedBytes() == [] && m.isAccepting)
    }

    @Test func specialTokensOnlyWhereTheGrammarHasThem() throws {
        let vocab = Self.tinyVocabulary()
        let special = Int32(vocab.count - 2), eog = Int32(vocab.count - 1)
        let g = Grammar(rules: [GrammarRule(name: "root", body: .sequence([.specialToken("<s>"), .literal("ab")]))], root: 0)
        let m = GrammarMatcher(try CompiledGrammar(g, vocabulary: vocab))
        #expect(m.allowedTokens() == [special])
        #expect(m.accept(token: special))
        #expect(!m.allowedTokens().contains(special) && !m.allowedTokens().contains(eog))
        #expect(m.accept(token: Int32(vocab.tokenBytes.firstIndex(of: Array("ab".utf8))!)))
        #expect(m.allowedTokens() == [eog])
        // A special token the vocabulary lacks is spelled out as text.
        let spelled = Grammar(rules: [GrammarRule(name: "root", body: .specialToken("ab"))], root: 0)
        let m2 = GrammarMatcher(try CompiledGrammar(spelled, vocabulary: vocab))
        #expect(m2.accept(bytes: Array("ab".utf8)) && m2.isAccepting)
        // Content never admits the special token, even where its text would fit.
        let text = try GBNF.parse("root ::= [<s>a-c]*")
        let m3 = GrammarMatcher(try CompiledGrammar(text, vocabulary: vocab))
        #expect(!m3.allowedTokens().contains(special))
        #expect(m3.allowedTokens().contains(eog))
    }

    @Test func largeCountedRepeatsStayOneState() throws {
        let g = try GBNF.parse("root ::= \"\\\"\" [a-z]{0,5000} \"\\\"\"")
        let a = try PushdownAutomaton(g)
        #expect(a.stateCount < 20)
        let r = try GrammarRecognizer(g)
        #expect(r.matches(Array(("\"" + String(repeating: "k", count: 5000) + "\"").utf8)))
        #expect(!r.matches(Array(("\"" + String(repeating: "k", count: 5001) + "\"").utf8)))
    }

    @Test func ambiguityIsBoundedByATypedError() throws {
        // Exponentially ambiguous: (a|a)* nested; the closure budget, not a hang, ends it.
        let g = try GBNF.parse("root ::= x*\nx ::= y y | y\ny ::= \"a\" | \"a\" \"a\"?")
        let r = try GrammarRecognizer(g)
        _ = r.matches(Array(repeating: 0x61, count: 2000))
        #expect(r.error == nil || r.error == .ambiguityBudget(limit: AutomatonRunner.configLimit))
    }

    /// Optional parts with free items between them, written as right recursion (how the JSON
    /// Schema compiler lays out declared properties with additional ones allowed): which gap an
    /// item falls in is ambiguous, and without tail calls every distribution of the items over
    /// the gaps kept its own stack (C(k+9, 9) of them after k items, past the budget at k ≈ 10).
    @Test func rightRecursionKeepsOneStackPerGap() throws {
        var text = "root ::= g0\n"
        for i in 0..<10 { text += "g\(i) ::= \"x\" g\(i) | \"p\(i)\" g\(i + 1) | g\(i + 1)\n" }
        text += "g10 ::= \".\"\n"
        let g = try GBNF.parse(text)
        let r = try GrammarRecognizer(g)
        let items = String(repeating: "x", count: 40)
        #expect(r.matches(Array((items + "p3" + items + "p7" + items + ".").utf8)))
        #expect(r.error == nil)
        #expect(!r.matches(Array((items + "p7" + items + "p3.").utf8)))
        #expect(r.error == nil)
    }

    /// A vocabulary with long text tokens (25-128 bytes: runs of spaces, `=====`, long words,
    /// accented text, text cut in its last character) next to long tokens that are not plain
    /// text (a quote, a backslash or a newline inside, a byte that is not UTF-8), and short ones.
    static func longTextVocabulary() -> TokenVocabulary {
        var tokens: [[UInt8]] = []
        for b in UInt8(0x20)...UInt8(0x7E) { tokens.append([b]) }
        for s in ["\n", #"\n"#, #"\u00e9"#, "é", "中文", "ab", "xyz", #"","#, #""}"#] { tokens.append(Array(s.utf8)) }
        let long = [String(repeating: " ", count: 25), String(repeating: " ", count: 64), String(repeating: " ", count: 128),
                    String(repeating: "=", count: 32), String(repeating: "abcdefgh", count: 5), String(repeating: "ab", count: 30) + "x",
                    String(repeating: "é", count: 20), String(repeating: "中", count: 11),
                    String(repeating: "a", count: 30) + "\"", String(repeating: "a", count: 30) + "\",\"b",
                    String(repeating: "a", count: 26) + "\\n" + String(repeating: "b", count: 5),
                    String(repeating: " ", count: 30) + "\n", String(repeating: "q", count: 40) + "\"}"]
        for s in long { tokens.append(Array(s.utf8)) }
        tokens.append(Array(String(repeating: "é", count: 15).utf8) + [0xC3])
        tokens.append(Array(String(repeating: "z", count: 30).utf8) + [0xFF])
        tokens.append(Array("</e>".utf8))
        return TokenVocabulary(tokens: tokens, special: [Int32(tokens.count - 1)], endOfGeneration: [Int32(tokens.count - 1)])
    }

    /// Long text tokens are taken whole (slice tier 1) only where every text of their length
    /// keeps the state alive: masks over a vocabulary of long tokens equal byte-by-byte prefix
    /// checks in unbounded strings, strings bounded by a length (counters abstracted far from
    /// the bound), a string that forbids one letter, and a string followed by more JSON.
    @Test(arguments: [(3, 24), (1, 24), (2, 8)])
    func longTextTokensAgreeWithBytePrefixes(_ depth: Int, _ horizon: Int) throws {
        let vocab = Self.longTextVocabulary()
        #expect(vocab.sliceTiers.count == 2 && vocab.sliceTiers[1].maxLength == 128)
        #expect(vocab.sliceTiers[1].tokenCount - vocab.sliceTiers[0].tokenCount == 9)
        let eog = Int32(vocab.count - 1)
        let char = #"[^"\\\x7F\x00-\x1F]"#
        let sources = [
            #"root ::= "\"" (\#(char) | "\\" ["\\nu])* "\"""#,
            #"root ::= "\"" \#(char){0,70} "\"""#,
            #"root ::= "\"" \#(char){30,} "\"""#,
            #"root ::= "\"" [^"\\\x7F\x00-\x1Fx]* "\"""#,
            #"root ::= "{\"k\": \"" \#(char)* ("\", \"b\": 1}" | "\"}")"#,
        ]
        var rng = MatcherRNG(seed: UInt64(depth * 10 + horizon))
        var longAllowed = 0, longDenied = 0
        for source in sources {
            let g = try GBNF.parse(source)
            let reference = try GrammarRecognizer(g)
            let compiled = try CompiledGrammar(g, vocabulary: vocab, options: MatcherOptions(contextDepth: depth, counterHorizon: horizon))
            for _ in 0..<6 {
                let m = GrammarMatcher(compiled)
                var prefix: [UInt8] = []
                for _ in 0..<8 {
                    let allowed = Set(m.allowedTokens())
                    var expected = Set<Int32>()
                    for t in 0..<(vocab.count - 1) where reference.isPrefix(prefix + vocab.tokenBytes[t]) { expected.insert(Int32(t)) }
                    if reference.matches(prefix) { expected.insert(eog) }
                    #expect(allowed == expected, "\(source) after \(String(decoding: prefix, as: UTF8.self)): extra \(allowed.subtracting(expected).sorted()), missing \(expected.subtracting(allowed).sorted())")
                    for t in 0..<(vocab.count - 1) where vocab.tokenBytes[t].count > 24 {
                        if allowed.contains(Int32(t)) { longAllowed += 1 } else { longDenied += 1 }
                    }
                    guard !allowed.isEmpty else { break }
                    let pick = Array(allowed).sorted()[rng.below(allowed.count)]
                    #expect(m.accept(token: pick))
                    if pick == eog { break }
                    prefix += vocab.tokenBytes[Int(pick)]
                }
            }
        }
        #expect(longAllowed > 100 && longDenied > 100)
    }

    /// Code-point classes as factored UTF-8 byte alternatives read exactly the UTF-8 encodings
    /// of their scalars (Swift's encoder is the reference): random range sets, every range
    /// boundary and its neighbours, and bytes that are not UTF-8 (surrogates, overlong forms,
    /// stray continuation bytes, lead bytes past U+10FFFF).
    @Test func codePointClassesReadExactlyTheirScalars() throws {
        var rng = MatcherRNG(seed: 11)
        let edges: [UInt32] = [0, 0x7F, 0x80, 0x7FF, 0x800, 0xFFF, 0x1000, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x3FFFF, 0x40000, 0x10FFFF]
        for round in 0..<40 {
            var ranges: [ClosedRange<UInt32>] = []
            for _ in 0..<(1 + rng.below(4)) {
                let a = round % 2 == 0 ? UInt32(rng.below(0x110000)) : edges[rng.below(edges.count)]
                let b = min(0x10FFFF, a + UInt32(rng.below(round % 3 == 0 ? 0x110000 : 0x900)))
                ranges.append(a...b)
            }
            let g = Grammar(rules: [GrammarRule(name: "root", body: UTF8Ranges.expr(ranges))], root: 0)
            let r = try GrammarRecognizer(g)
            var probes = edges
            for range in ranges { probes += [range.lowerBound, range.upperBound, range.lowerBound &- 1, range.upperBound + 1] }
            for _ in 0..<300 { probes.append(UInt32(rng.below(0x110000))) }
            for c in probes where c <= 0x10FFFF {
                guard let scalar = Unicode.Scalar(c) else { continue }
                let inClass = ranges.contains { $0.contains(c) }
                #expect(r.matches(Array(String(Character(scalar)).utf8)) == inClass, "U+\(String(c, radix: 16)) in \(ranges)")
            }
            for bad: [UInt8] in [[0xED, 0xA0, 0x80], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xF0, 0x80, 0x80, 0x80], [0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80]] {
                #expect(!r.matches(bad))
            }
        }
    }
}
