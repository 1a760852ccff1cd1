import Foundation
import Testing
@testable import Engine

/// A constraint that allows only the given tokens, recording what it accepted.
final class AllowListConstraint: TokenConstraint {
    let allowed: Set<Int32>
    let acceptAfter: Int
    private(set) var accepted: [Int32] = []
    init(allowed: Set<Int32>, acceptAfter: Int) { self.allowed = allowed; self.acceptAfter = acceptAfter }
    func fillAllowedTokens(_ mask: inout [UInt32]) {
        for t in allowed { mask[Int(t) >> 5] |= 1 << UInt32(Int(t) & 31) }
    }
    func accept(token: Int32) -> Bool {
        guard allowed.contains(token) else { return false }
        accepted.append(token)
        return true
    }
    func rollback(_ n: Int) { accepted.removeLast(min(n, accepted.count)) }
    var isAccepting: Bool { accepted.count >= acceptAfter }
    var isTerminated: Bool { false }
    func forcedBytes() -> [UInt8] { [] }
}

/// The generation loop on a real model: llama.cpp's greedy ids through the full loop (tokenizer,
/// sampler, detokenizer), stop conditions, constraints, cancellation and KV reuse.
@Suite(.serialized) struct GenerationTests {
    static func setup(_ short: String) throws -> (Model, GGUFTokenizer) {
        let model = try ModelTestSupport.model(short)
        return (model, try GGUFTokenizer(file: model.file))
    }

    @Test func greedyGenerationMatchesLlamaCppUntilLowMargin() throws {
        let (model, tokenizer) = try Self.setup("qwen")
        let c = try ModelTestSupport.cases("qwen_greedy.json").first { $0["id"] as? String == "p3" }!
        let prompt = ModelTestSupport.ints(c["prompt_ids"])
        #expect(tokenizer.encode(c["prompt"] as! String, addSpecial: true, parseSpecial: true) == prompt)
        let expected = ModelTestSupport.ints(c["ids"])
        let sequence = try model.makeSequence(contextSize: 128)
        var streamed = ""
        let result = try Generator(model: model, tokenizer: tokenizer).generate(
            sequence: sequence, prompt: prompt, options: GenerationOptions(maxTokens: expected.count, topLogits: 3)) { event in
                if case .token(_, let text) = event { streamed += text }
                if case .text(let text) = event { streamed += text }
                return true
            }
        // p3's margins stay above 0.5 for all 32 steps, so every id must agree.
        #expect(result.tokens == expected)
        #expect(result.text == c["text"] as? String)
        #expect(streamed == result.text)
        #expect(result.finishReason == .length)
        #expect(result.topLogits.count == expected.count)
        #expect(result.topLogits.first?.first?.id == expected.first)
    }

    @Test func endOfGenerationStopsAndIsIncluded() throws {
        let (model, tokenizer) = try Self.setup("qwen")
        let c = try ModelTestSupport.cases("qwen_greedy.json").first { $0["id"] as? String == "p5" }!
        let prompt = ModelTestSupport.ints(c["prompt_ids"])
        let expected = ModelTestSupport.ints(c["ids"])   // ends with <|im_end|>, margins ≥ 1.15
        let result = try Generator(model: model, tokenizer: tokenizer).generate(
            sequence: try model.makeSequence(contextSize: 128), prompt: prompt, options: GenerationOptions(maxTokens: 32))
        #expect(result.tokens == expected)
        #expect(result.finishReason == .endOfGeneration)
        #expect(tokenizer.eogIDs.contains(result.tokens.last!))
    }

    @Test func stopStringEndsBeforeTheString() throws {
        let (model, tokenizer) = try Self.setup("qwen")
        let c = try ModelTestSupport.cases("qwen_greedy.json").first { $0["id"] as? String == "p3" }!
        let full = c["text"] as! String                        // " 6, 7, 8, ..."
        let stop = " 9,"
        let result = try Generator(model: model, tokenizer: tokenizer).generate(
            sequence: try model.makeSequence(contextSize: 128), prompt: ModelTestSupport.ints(c["prompt_ids"]),
            options: GenerationOptions(maxTokens: 32, stopStrings: [stop]))
        #expect(result.finishReason == .stopString)
        #expect(result.text == String(full[..<full.range(of: stop)!.lowerBound]))
    }

    @Test func constraintMasksTokensAndCancellationStops() throws {
        let (model, tokenizer) = try Self.setup("qwen")
        let digits = Set((0...9).map { tokenizer.encode(String($0), addSpecial: false, parseSpecial: false)[0] })
        let constraint = AllowListConstraint(allowed: digits, acceptAfter: 100)
        let result = try Generator(model: model, tokenizer: tokenizer).generate(
            sequence: try model.makeSequence(contextSize: 64), prompt: tokenizer.encode("Hello", addSpecial: true, parseSpecial: false),
            options: GenerationOptions(maxTokens: 6), constraint: constraint)
        #expect(result.tokens.count == 6)
        #expect(result.tokens.allSatisfy { digits.contains($0) })
        #expect(constraint.accepted == result.tokens)
        #expect(result.text.allSatisfy { $0.isNumber })

        var seen = 0
        let cancelled = try Generator(model: model, tokenizer: tokenizer).generate(
            sequence: try model.makeSequence(contextSize: 64), prompt: tokenizer.encode("Hello", addSpecial: true, parseSpecial: false),
            options: GenerationOptions(maxTokens: 20)) { _ in seen += 1; return seen < 3 }
        #expect(cancelled.finishReason == .cancelled)
        #expect(cancelled.tokens.count == 3)
    }

    @Test func truncationAndPrefixReuseGiveTheSameLogits() throws {
        let (model, tokenizer) = try Self.setup("gemma")
        let prompt = tokenizer.encode("The capital of France is Paris. The capital of Italy is", addSpecial: true, parseSpecial: false)
        let fresh = try model.makeSequence(contextSize: 64).forward(prompt)[0]
        let reused = try model.makeSequence(contextSize: 64)
        _ = try reused.forward(Array(prompt.prefix(5)) + [100, 200, 300])
        try reused.truncate(to: 5)
        #expect(reused.length == 5)
        let again = try reused.forward(Array(prompt.dropFirst(5)))[0]
        #expect(again == fresh)   // the kernels are batch-invariant, so this is bit-exact

        let generator = Generator(model: model, tokenizer: tokenizer)
        let sequence = try model.makeSequence(contextSize: 64)
        let first = try generator.generate(sequence: sequence, prompt: prompt, options: GenerationOptions(maxTokens: 4))
        let second = try generator.generate(sequence: sequence, prompt: prompt, options: GenerationOptions(maxTokens: 4))
        #expect(first.reusedPromptTokens == 0)
        #expect(second.reusedPromptTokens == prompt.count - 1)
        #expect(first.tokens == second.tokens)
        #expect(throws: EngineLoadError.self) { try sequence.truncate(to: 1000) }
    }
}
