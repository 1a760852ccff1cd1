import Foundation
import Testing
@testable import Engine

@Suite struct IncrementalDetokenizerTests {
    @Test func neverEmitsBrokenUTF8() throws {
        let tokenizer = try DefaultTokenizers.named("qwen")
        // 'I ❤️ Swift 🚀 and 🇫🇷': byte-level pieces split emoji across tokens.
        let ids: [Int32] = [40, 70470, 30543, 23670, 11162, 248, 222, 323, 11162, 229, 104, 145070]
        var d = IncrementalDetokenizer(tokenizer: tokenizer)
        var deltas: [String] = []
        for id in ids {
            let delta = d.append(id)
            #expect(!delta.contains("\u{FFFD}"))
            deltas.append(delta)
        }
        #expect(d.finish() == "")
        #expect(deltas.joined() == "I ❤️ Swift 🚀 and 🇫🇷")
        #expect(deltas[4] == " ")          // 'ĠðŁ': the space, while the rocket's first bytes wait
        #expect(deltas[5] == "")
        #expect(deltas[6] == "🚀")
        #expect(d.text == "I ❤️ Swift 🚀 and 🇫🇷")
    }

    @Test func specialTokensCanBeHidden() throws {
        let tokenizer = try DefaultTokenizers.named("qwen")
        let ids = tokenizer.encode("<|im_start|>user\nHi<|im_end|>", addSpecial: false, parseSpecial: true)
        var shown = IncrementalDetokenizer(tokenizer: tokenizer)
        var hidden = IncrementalDetokenizer(tokenizer: tokenizer, renderSpecial: false)
        #expect(shown.append(contentsOf: ids) == "<|im_start|>user\nHi<|im_end|>")
        #expect(hidden.append(contentsOf: ids) == "user\nHi")
    }

    @Test func heldBytesFollowUTF8Rules() {
        #expect(IncrementalDetokenizer.completePrefixLength([0x61, 0xE2, 0x96]) == 1)
        #expect(IncrementalDetokenizer.completePrefixLength([0x61, 0xE2, 0x96, 0x81]) == 4)
        #expect(IncrementalDetokenizer.completePrefixLength([0xF0, 0x9F, 0x9A]) == 0)
        #expect(IncrementalDetokenizer.completePrefixLength([0x61, 0xFF]) == 2)       // never valid
        #expect(IncrementalDetokenizer.completePrefixLength([0x61, 0xE0, 0x80]) == 3) // overlong: never valid
        #expect(IncrementalDetokenizer.completePrefixLength([0x80, 0x80]) == 2)
    }
}

/// Split rules checked by hand against the regular expressions they implement.
@Suite struct PreTokenizerTests {
    func words(_ kind: PreTokenizerKind, _ text: String) -> [String] {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buf in
            kind.split(UnsafeBufferPointer(buf)).map { String(decoding: buf[$0], as: UTF8.self) }
        }
    }

    @Test func gpt2Rule() {
        #expect(words(.gpt2, "Hello world's  end 123!!\n") == ["Hello", " world", "'s", " ", " end", " 123", "!!", "\n"])
        #expect(words(.gpt2, "I'M") == ["I", "'", "M"])            // contractions are case-sensitive here
    }

    @Test func llama3Rule() {
        #expect(words(.llama3, "I'M 12345 ok?\n\n  x") == ["I", "'M", " ", "123", "45", " ok", "?\n\n", " ", " x"])
        #expect(words(.llama3, "\tword") == ["\tword"])
    }

    @Test func qwen2RuleSplitsDigitsOneByOne() {
        #expect(words(.qwen2, "x=42") == ["x", "=", "4", "2"])
    }

    @Test func defaultRuleRunsFourStages() {
        // Punctuation runs first, then GPT-2 words, then number runs, then ASCII digit triples.
        #expect(words(.default, "a+b=12345") == ["a", "+", "b", "=", "123", "45"])
        #expect(words(.default, "hi, you") == ["hi", ",", " you"])
    }

    @Test func namesFromGGUF() {
        #expect(PreTokenizerKind(ggufName: "qwen2") == .qwen2)
        #expect(PreTokenizerKind(ggufName: "llama-bpe") == .llama3)
        #expect(PreTokenizerKind(ggufName: "gpt-2") == .gpt2)
        #expect(PreTokenizerKind(ggufName: "default") == .default)
        #expect(PreTokenizerKind(ggufName: "no-such-rule") == nil)
    }
}

/// llama.cpp's detokenizer clean-up passes, worked through by hand.
@Suite struct TokenizerCleanSpacesTests {
    func clean(_ s: String) -> String { String(decoding: GGUFTokenizer.cleanSpaces(Array(s.utf8)), as: UTF8.self) }

    @Test func passes() {
        #expect(clean("Hello , world !") == "Hello, world!")
        #expect(clean("it 's I 'm they 're we 've") == "it's I'm they're we've")
        #expect(clean("don 't we 'll") == "don 't we 'll")
        #expect(clean("x ' ' y") == "x'' y")
        #expect(clean("a") == "a")
        #expect(clean("") == "")
    }
}

/// Both default tokenizers are lossless on arbitrary text: the pieces of `encode(s)` spell `s`.
@Suite struct TokenizerRoundTripTests {
    /// Seeded random text mixing scripts, emoji, combining marks, controls and whitespace runs.
    static func randomTexts(count: Int, seed: UInt64) -> [String] {
        var g = SeededGenerator(seed: seed)
        let pools: [ClosedRange<UInt32>] = [0x20 ... 0x7E, 0x09 ... 0x0D, 0xA0 ... 0x17F, 0x300 ... 0x36F, 0x400 ... 0x4FF,
                                            0x600 ... 0x6FF, 0x3040 ... 0x30FF, 0x4E00 ... 0x9FFF, 0xAC00 ... 0xD7A3,
                                            0x1F300 ... 0x1FAFF, 0xE000 ... 0xE0FF, 0x2000 ... 0x206F, 0x10000 ... 0x1000F]
        return (0 ..< count).map { _ in
            var s = String.UnicodeScalarView()
            for _ in 0 ..< Int(g.next() % 60) {
                let pool = pools[Int(g.next() % UInt64(pools.count))]
                let v = pool.lowerBound + UInt32(g.next() % UInt64(pool.count))
                if let scalar = Unicode.Scalar(v) {
                    let repeats = g.next() % 8 == 0 ? Int(g.next() % 40) + 1 : 1
                    for _ in 0 ..< repeats { s.append(scalar) }
                }
            }
            return String(s)
        }
    }

    @Test(arguments: ["qwen", "gemma"])
    func piecesSpellTheInput(model: String) throws {
        let t = try DefaultTokenizers.named(model)
        for text in Self.randomTexts(count: 400, seed: model == "qwen" ? 11 : 12) {
            let ids = t.encode(text, addSpecial: false, parseSpecial: false)
            var bytes = [UInt8]()
            for id in ids { bytes += t.piece(id) }
            #expect(bytes == Array(text.utf8), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(ids.allSatisfy { $0 >= 0 && Int($0) < t.vocabSize })
        }
    }
}
