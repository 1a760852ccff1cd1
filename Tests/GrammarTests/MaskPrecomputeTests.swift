import Engine
import GGUF
import Schema
import Testing
@testable import Grammar

/// Mask cache entries computed at compile time (`MatcherOptions.precomputeBudget`) against
/// the same grammar with every entry computed on first use, over the real Qwen vocabulary:
/// the whole mask is bit-identical at every step of valid texts and of random walks through
/// the allowed tokens.
@Suite(.serialized) struct MaskPrecomputeTests {
    static let toolArguments = """
    {"type": "object", "properties": {
      "location": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
      "days": {"type": "integer", "minimum": 1, "maximum": 14}, "include_hourly": {"type": "boolean"},
      "fields": {"type": "array", "items": {"type": "string"}, "maxItems": 8}},
     "required": ["location", "unit"], "additionalProperties": false}
    """

    /// Grammars with texts they accept.
    static func cases() throws -> [(String, Grammar, [String])] {
        [
            ("tool arguments", try JSONSchemaGrammar.compile(try JSONValue.parse(toolArguments)),
             [#"{"location":"Paris, France","unit":"celsius","days":5,"include_hourly":true,"fields":["temperature","wind_speed"]}"#,
              #"{"location":"K\u00f8benhavn \"DK\"","unit":"fahrenheit","fields":[]}"#]),
            ("date regex", try RegexGrammar.compile("[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"), ["2024-02-29", "1999-12-31"]),
            ("choice", BuiltinGrammars.choice(["celsius", "fahrenheit", "kelvin"]), ["celsius", "kelvin"]),
            ("json", BuiltinGrammars.json(objectOnly: true), [#"{"a": [1, 2.5e3, "x\ny"], "b": {"c": null}}"#]),
        ]
    }

    @Test func precomputedMasksEqualLazyOnes() throws {
        let (tokenizer, vocab) = try TokenizerMatcherTests.load("qwen2.5-coder-0.5b")
        var rng = MatcherRNG(seed: 11)
        for (name, grammar, texts) in try Self.cases() {
            let lazy = try CompiledGrammar(grammar, vocabulary: vocab, options: MatcherOptions(precomputeBudget: 0))
            #expect(lazy.precomputedEntries == 0 && lazy.cachedEntries == 0)
            for budget in [MatcherOptions().precomputeBudget, 60_000] {
                let eager = try CompiledGrammar(grammar, vocabulary: vocab, options: MatcherOptions(precomputeBudget: budget))
                #expect(eager.precomputedSets > 0 && eager.precomputedEntries > 0, "\(name): nothing precomputed")
                #expect(eager.cachedEntries == eager.precomputedEntries)
                var paths: [[Int32]] = texts.map { tokenizer.encode($0, addSpecial: false, parseSpecial: false) }
                paths.append([])
                for (p, path) in paths.enumerated() {
                    let a = GrammarMatcher(eager), b = GrammarMatcher(lazy)
                    var k = 0
                    while k < (path.isEmpty ? 40 : path.count + 1) {
                        var ma = [UInt32](repeating: 0, count: (vocab.count + 31) / 32), mb = ma
                        a.fillMask(&ma)
                        b.fillMask(&mb)
                        #expect(ma == mb, "\(name) budget \(budget) path \(p): masks differ at token \(k)")
                        if ma != mb { return }
                        var next: Int32
                        if path.isEmpty {
                            // A random allowed token that is not an end of generation.
                            let allowed = b.allowedTokens().filter { !vocab.endOfGeneration.contains($0) }
                            if allowed.isEmpty { break }
                            next = allowed[rng.below(allowed.count)]
                        } else {
                            if k == path.count { break }
                            next = path[k]
                        }
                        #expect(a.accept(token: next) && b.accept(token: next), "\(name): token \(k) rejected")
                        k += 1
                    }
                    if !path.isEmpty { #expect(a.isAccepting && b.isAccepting, "\(name): text \(p) not accepted") }
                }
            }
        }
    }
}
