import Engine
import GGUF
import Schema
import Testing
@testable import Grammar

/// The matcher over the real Qwen and Gemma vocabularies: masks never allow a token that
/// breaks the grammar and always allow the tokens of valid texts; special and end tokens only
/// where the grammar has them.
@Suite(.serialized) struct TokenizerMatcherTests {
    static func load(_ name: String) throws -> (GGUFTokenizer, TokenVocabulary) {
        let tokenizer = try GGUFTokenizer(file: GGUFFile(path: ModelPaths.resolve(name)))
        let bytes = tokenizer.vocabularyBytes
        var special = Set<Int32>()
        for i in bytes.indices {
            switch tokenizer.tokenKind(Int32(i)) {
            case .control, .unknown, .unused, .undefined: special.insert(Int32(i))
            default: break
            }
        }
        return (tokenizer, TokenVocabulary(tokens: bytes, special: special, endOfGeneration: tokenizer.eogIDs))
    }

    static let documents = [
        #"{"name": "Ada", "tags": ["x", "y"], "n": -12.5e3, "ok": true, "nested": {"a": null}}"#,
        "{\"text\": \"h\u{e9}llo w\u{f6}rld \u{4e2d}\u{6587} \u{1F600}\\n\\\"quoted\\\"\", \"list\": [1, 2, 3]}",
        "{\n  \"a\": [\n    {}, [], 0\n  ]\n}",
    ]

    /// Walks each document's tokens; at every step the token is in the mask, a sample of
    /// allowed tokens keeps the text a valid prefix, and a sample of masked ones does not.
    func check(_ name: String) throws {
        let (tokenizer, vocab) = try Self.load(name)
        let grammar = BuiltinGrammars.json(objectOnly: true)
        let compiled = try CompiledGrammar(grammar, vocabulary: vocab)
        let reference = try GrammarRecognizer(grammar)
        var rng = MatcherRNG(seed: 3)
        for doc in Self.documents {
            #expect(reference.matches(Array(doc.utf8)))
            let ids = tokenizer.encode(doc, addSpecial: false, parseSpecial: false)
            let m = GrammarMatcher(compiled)
            var prefix: [UInt8] = []
            for (k, id) in ids.enumerated() {
                let allowed = m.allowedTokens()
                let allowedSet = Set(allowed)
                #expect(allowedSet.contains(id), "token \(k) (\(id)) of \(doc) not in the mask")
                #expect(!allowedSet.contains(where: { vocab.specialIDs.contains($0) }))
                #expect(allowedSet.contains(where: { vocab.endOfGeneration.contains($0) }) == reference.matches(prefix))
                for _ in 0..<40 {
                    let t = allowed[rng.below(allowed.count)]
                    if vocab.endOfGeneration.contains(t) { continue }
                    #expect(reference.isPrefix(prefix + vocab.tokenBytes[Int(t)]), "allowed token \(t) breaks the prefix")
                }
                for _ in 0..<200 {
                    let t = Int32(rng.below(vocab.count))
                    if allowedSet.contains(t) || vocab.specialIDs.contains(t) || vocab.endOfGeneration.contains(t) { continue }
                    #expect(!reference.isPrefix(prefix + vocab.tokenBytes[Int(t)]), "masked token \(t) would continue the prefix")
                }
                #expect(m.accept(token: id))
                prefix += vocab.tokenBytes[Int(id)]
            }
            #expect(m.isAccepting)
            // Complete: the end tokens, and only blank-space tokens (trailing whitespace) besides.
            let end = m.allowedTokens()
            #expect(Set(vocab.endOfGeneration).isSubset(of: Set(end)))
            #expect(end.allSatisfy { vocab.endOfGeneration.contains($0) || vocab.tokenBytes[Int($0)].allSatisfy { " \t\n\r".utf8.contains($0) } })
            #expect(m.accept(token: vocab.endOfGeneration[0]) && m.isTerminated)
            m.rollback(1)
            #expect(m.isAccepting && !m.isTerminated)
        }
    }

    @Test func qwenJSON() throws { try check("qwen2.5-coder-0.5b") }
    @Test func gemmaJSON() throws { try check("gemma-3-270m") }

    @Test func specialTokensOnlyWhereTheGrammarSaysSo() throws {
        for (model, marker) in [("qwen2.5-coder-0.5b", "<|im_start|>"), ("gemma-3-270m", "<start_of_turn>")] {
            let (_, vocab) = try Self.load(model)
            let ids = vocab.specialIDs(text: marker)
            #expect(ids.count == 1, "\(model) should have \(marker) as one special token")
            let g = Grammar(rules: [GrammarRule(name: "root", body: .sequence([.specialToken(marker), .literal("yes")]))], root: 0)
            let m = GrammarMatcher(try CompiledGrammar(g, vocabulary: vocab))
            #expect(m.allowedTokens() == ids)
            // The same text as ordinary bytes is refused: "<" is not allowed.
            #expect(!m.accept(bytes: Array("<".utf8)))
            #expect(m.accept(token: ids[0]))
            #expect(m.forcedBytes() == Array("yes".utf8))
            // A grammar that spells the marker as text never admits the special token.
            let text = GrammarMatcher(try CompiledGrammar(Grammar(rules: [GrammarRule(name: "root", body: .literal(marker))], root: 0), vocabulary: vocab))
            #expect(!text.allowedTokens().contains(ids[0]))
            #expect(text.accept(bytes: Array(marker.utf8)) && text.isAccepting)
        }
    }

    @Test func boundedStringsStayCheap() throws {
        // maxLength-style bounds are counters: the automaton stays small and masks agree with
        // byte-level checks at both ends of the bound.
        let (tokenizer, vocab) = try Self.load("qwen2.5-coder-0.5b")
        let g = try GBNF.parse(#"root ::= "\"" [a-z ]{0,80} "\"""#)
        let compiled = try CompiledGrammar(g, vocabulary: vocab)
        let reference = try GrammarRecognizer(g)
        for text in ["\"" + String(repeating: "ab ", count: 26) + "ab\"", "\"hello world\"", "\"\""] {
            let ids = tokenizer.encode(text, addSpecial: false, parseSpecial: false)
            let m = GrammarMatcher(compiled)
            var prefix: [UInt8] = []
            for id in ids {
                let allowed = Set(m.allowedTokens())
                #expect(allowed.contains(id))
                for t in allowed where !vocab.endOfGeneration.contains(t) {
                    #expect(reference.isPrefix(prefix + vocab.tokenBytes[Int(t)]))
                }
                #expect(m.accept(token: id))
                prefix += vocab.tokenBytes[Int(id)]
            }
            #expect(m.isAccepting)
        }
        // 81 letters is one too many.
        let long = GrammarMatcher(compiled)
        #expect(long.accept(bytes: Array(("\"" + String(repeating: "a", count: 80)).utf8)))
        #expect(!long.allowedTokens().contains(where: { vocab.tokenBytes[Int($0)].first == UInt8(ascii: "a") }))
    }

    /// Every token of the Qwen vocabulary, at every third step of JSON texts with string
    /// bodies (where masks take the vocabulary's slice whole and walk only the remainder trie):
    /// the mask holds exactly the tokens whose bytes the matcher can read from that state.
    @Test func qwenMasksAreExactOverTheWholeVocabulary() throws {
        let (tokenizer, vocab) = try Self.load("qwen2.5-coder-0.5b")
        let schema = try JSONValue.parse(#"{"type": "object", "properties": {"city": {"type": "string"}, "code": {"type": "string", "maxLength": 40}, "tags": {"type": "array", "items": {"type": "string"}}}, "required": ["city", "code", "tags"], "additionalProperties": false}"#)
        let cases: [(Grammar, String)] = [
            (BuiltinGrammars.json(objectOnly: true), Self.documents[1]),
            (try JSONSchemaGrammar.compile(schema), #"{"city":"Z\u00fcrich \"Züri\" 😀","code":"a-b c/d 中文 0123456789 0123456789x","tags":["x\n","","été"]}"#),
        ]
        var checked = 0, sliceSized = 0
        for (grammar, text) in cases {
            let compiled = try CompiledGrammar(grammar, vocabulary: vocab)
            let ids = tokenizer.encode(text, addSpecial: false, parseSpecial: false)
            let m = GrammarMatcher(compiled), probe = GrammarMatcher(compiled)
            for (k, id) in ids.enumerated() {
                if k % 3 == 0 {
                    let allowed = Set(m.allowedTokens())
                    if allowed.count > vocab.sliceTokenCount { sliceSized += 1 }
                    for t in 0..<Int32(vocab.count) where !vocab.specialIDs.contains(t) && !vocab.endOfGeneration.contains(t) {
                        let readable = probe.accept(bytes: vocab.tokenBytes[Int(t)])
                        if readable { probe.rollback(1) }
                        if readable != allowed.contains(t) {
                            Issue.record("token \(t) \(vocab.tokenBytes[Int(t)]) at step \(k) of \(text): readable \(readable), in the mask \(allowed.contains(t))")
                            return
                        }
                    }
                    checked += 1
                }
                #expect(m.accept(token: id) && probe.accept(token: id))
            }
            #expect(m.isAccepting)
        }
        #expect(checked > 20)
        #expect(sliceSized > 5)  // string bodies were checked, where the slice is taken whole
    }
}
