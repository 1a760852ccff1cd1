import Foundation
import GGUF
import Testing
@testable import Engine

/// Tokenizers built from small synthetic vocabularies, with expectations worked out by hand
/// from the algorithms' definitions (merge by lowest rank / highest score, leftmost first).
@Suite struct TokenizerSyntheticTests {
    /// The 256 byte-level BPE characters in byte order (`!`…`~`, …, `Ġ` for space).
    static let byteCharacters: [String] = (0 ..< 256).map {
        String(Unicode.Scalar(ByteLevelEncoding.byteToCodePoint[$0])!)
    }

    static func bpe(extra: [String], merges: [String], pre: String = "gpt-2", types: [Int32]? = nil) throws -> GGUFTokenizer {
        var w = GGUFWriter()
        let tokens = byteCharacters + extra
        w.metadata = [
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string(pre)),
            ("tokenizer.ggml.tokens", .array(.string, tokens.map { .string($0) })),
            ("tokenizer.ggml.merges", .array(.string, merges.map { .string($0) })),
        ]
        if let types {
            w.metadata.append(("tokenizer.ggml.token_type", .array(.int32, (tokens.indices.map { i in
                .int32(i < 256 ? 1 : types[i - 256]) }))))
        }
        return try GGUFTokenizer(file: GGUFFile(bytes: w.bytes()))
    }

    @Test func mergesApplyByRank() throws {
        let t = try Self.bpe(extra: ["he", "ll", "hell", "hello"], merges: ["h e", "l l", "he ll", "hell o"])
        #expect(t.encode("hello", addSpecial: false, parseSpecial: false) == [259])
        // "hellx": h e l l x → he ll x → hell x.
        #expect(t.encode("hellx", addSpecial: false, parseSpecial: false) == [258, Int32(Character("x").asciiValue!)])
        #expect(t.decode([259]) == "hello")
    }

    @Test func equalRanksMergeLeftmostFirst() throws {
        let t = try Self.bpe(extra: ["aa"], merges: ["a a"])
        let a = Int32(Character("a").asciiValue!)
        #expect(t.encode("aaa", addSpecial: false, parseSpecial: false) == [256, a])
        #expect(t.encode("aaaa", addSpecial: false, parseSpecial: false) == [256, 256])
    }

    @Test func lowerRankWinsOverPosition() throws {
        // "abc": b c (rank 0) merges before a b (rank 1).
        let t = try Self.bpe(extra: ["bc", "ab"], merges: ["b c", "a b"])
        let a = Int32(Character("a").asciiValue!)
        #expect(t.encode("abc", addSpecial: false, parseSpecial: false) == [a, 256])
    }

    @Test func wordsDoNotMergeAcrossSplits() throws {
        // " a" is one word (Ġa) under the GPT-2 rule, so "a a" can never merge with the space.
        let t = try Self.bpe(extra: ["Ġa", "aĠ"], merges: ["Ġ a", "a Ġ"])
        let a = Int32(Character("a").asciiValue!)
        #expect(t.encode("a a", addSpecial: false, parseSpecial: false) == [a, 256])
    }

    @Test func userDefinedTokensAlwaysSplitControlOnlyWhenAsked() throws {
        let t = try Self.bpe(extra: ["<ctl>", "<ud>"], merges: [], types: [3, 4])
        let lt = Int32(Character("<").asciiValue!)
        #expect(t.encode("x<ud>", addSpecial: false, parseSpecial: false).last == 257)
        #expect(t.encode("<ctl>", addSpecial: false, parseSpecial: true) == [256])
        #expect(t.encode("<ctl>", addSpecial: false, parseSpecial: false).first == lt)
        #expect(t.tokenKind(256) == .control)
        #expect(t.tokenKind(257) == .userDefined)
        #expect(t.piece(256) == Array("<ctl>".utf8))
    }

    static func spm(_ pieces: [(String, Float, Int32)], addSpacePrefix: Bool? = nil) throws -> GGUFTokenizer {
        var w = GGUFWriter()
        w.metadata = [
            ("tokenizer.ggml.model", .string("llama")),
            ("tokenizer.ggml.tokens", .array(.string, pieces.map { .string($0.0) })),
            ("tokenizer.ggml.scores", .array(.float32, pieces.map { .float32($0.1) })),
            ("tokenizer.ggml.token_type", .array(.int32, pieces.map { .int32($0.2) })),
        ]
        if let addSpacePrefix { w.metadata.append(("tokenizer.ggml.add_space_prefix", .bool(addSpacePrefix))) }
        return try GGUFTokenizer(file: GGUFFile(bytes: w.bytes()))
    }

    /// unk, bos, eos, then pieces, then byte tokens.
    static func spmVocabulary() -> [(String, Float, Int32)] {
        var v: [(String, Float, Int32)] = [("<unk>", 0, 2), ("<s>", 0, 3), ("</s>", 0, 3),
                                            ("▁", -1, 1), ("a", -2, 1), ("b", -2, 1), ("ab", -3, 1), ("▁a", -1.5, 1), ("ba", -0.5, 1)]
        for b in 0 ..< 256 { v.append((String(format: "<0x%02X>", b), 0, 6)) }
        return v
    }

    @Test func sentencePieceMergesByScore() throws {
        let t = try Self.spm(Self.spmVocabulary())
        #expect(t.addBOS)
        // " ab" with the space prefix: ▁ ▁ a b. Bigrams: "▁▁" (no token), "▁a" (-1.5), "ab" (-3)
        // → merge ▁a; then "▁▁a" no, "▁ab" no → [▁, ▁a, b].
        #expect(t.encode(" ab", addSpecial: true, parseSpecial: false) == [1, 3, 7, 5])
        // "bab" (prefix ▁): "▁b" no, "ba" (-0.5) best → ▁ ba b; "▁ba" no, "bab" no.
        #expect(t.encode("bab", addSpecial: false, parseSpecial: false) == [3, 8, 5])
        // Unknown character "é" falls back to its two UTF-8 byte tokens.
        #expect(t.encode("é", addSpecial: false, parseSpecial: false) == [3, 9 + 0xC3, 9 + 0xA9])
        #expect(t.piece(9 + 0xC3) == [0xC3])
        #expect(t.detokenize([1, 3, 7, 5]) == "<s>  ab")
    }

    @Test func sentencePieceWithoutSpacePrefix() throws {
        let t = try Self.spm(Self.spmVocabulary(), addSpacePrefix: false)
        #expect(t.encode("ab", addSpecial: false, parseSpecial: false) == [6])
        #expect(t.encode("<s>ab", addSpecial: false, parseSpecial: true) == [1, 6])
    }

    @Test func badTokenizerMetadataIsATypedError() throws {
        var w = GGUFWriter()
        w.metadata = [("tokenizer.ggml.model", .string("gpt2"))]
        #expect(throws: TokenizerError.missingKey("tokenizer.ggml.tokens", expected: "an array of strings")) {
            try GGUFTokenizer(file: GGUFFile(bytes: w.bytes()))
        }
        w.metadata = [("tokenizer.ggml.model", .string("bert")), ("tokenizer.ggml.tokens", .array(.string, [.string("a")]))]
        #expect(throws: TokenizerError.unsupportedModel("bert")) { try GGUFTokenizer(file: GGUFFile(bytes: w.bytes())) }
        w.metadata = [("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("klingon")),
                      ("tokenizer.ggml.tokens", .array(.string, [.string("a")])), ("tokenizer.ggml.merges", .array(.string, []))]
        #expect(throws: TokenizerError.unsupportedPreTokenizer("klingon")) { try GGUFTokenizer(file: GGUFFile(bytes: w.bytes())) }
        w.metadata = [("tokenizer.ggml.model", .string("llama")), ("tokenizer.ggml.tokens", .array(.string, [.string("a"), .string("b")])),
                      ("tokenizer.ggml.scores", .array(.float32, [.float32(0)]))]
        #expect(throws: TokenizerError.self) { try GGUFTokenizer(file: GGUFFile(bytes: w.bytes())) }
        w.metadata = [("tokenizer.ggml.model", .string("llama")), ("tokenizer.ggml.tokens", .array(.string, [.string("a")])),
                      ("tokenizer.ggml.token_type", .array(.string, [.string("x")]))]
        #expect(throws: TokenizerError.self) { try GGUFTokenizer(file: GGUFFile(bytes: w.bytes())) }
        // Out-of-range special ids are ignored (llama.cpp keeps its default).
        w.metadata = [("tokenizer.ggml.model", .string("llama")), ("tokenizer.ggml.tokens", .array(.string, [.string("a"), .string("b"), .string("c")])),
                      ("tokenizer.ggml.bos_token_id", .uint32(99))]
        #expect(try GGUFTokenizer(file: GGUFFile(bytes: w.bytes())).bos == 1)
    }

    @Test func invalidIDsAreHarmless() throws {
        let t = try DefaultTokenizers.named("gemma")
        #expect(t.piece(-1).isEmpty)
        #expect(t.piece(Int32(t.vocabSize)).isEmpty)
        #expect(t.tokenKind(-5) == .undefined)
        #expect(t.vocabularyBytes.count == t.vocabSize)
    }

    /// Whitespace runs longer than Gemma's longest whitespace token: llama.cpp tries the
    /// longest special texts first over the whole input, so 33 spaces are 31 + 2.
    @Test func longestSpecialTextsAreCutFirst() throws {
        let t = try DefaultTokenizers.named("gemma")
        let ids = t.encode(String(repeating: " ", count: 33) + "x", addSpecial: false, parseSpecial: false)
        #expect(ids.count == 3)
        #expect(t.piece(ids[0]) == [UInt8](repeating: 0x20, count: 31))
        #expect(t.piece(ids[1]) == [0x20, 0x20])
    }
}
