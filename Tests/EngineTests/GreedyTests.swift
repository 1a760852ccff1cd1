import Foundation
import Testing
@testable import Engine

/// Greedy decoding against llama.cpp (Tests/Fixtures/llamacpp/*_greedy.json): the prompt goes in as
/// one batch, then one token per forward; ids must agree up to the first step where llama.cpp's
/// top-1/top-2 margin is below 0.5 (past that a correct implementation may legitimately differ).
@Suite(.serialized) struct GreedyTests {
    @Test(arguments: ["qwen", "gemma"]) func greedyIdsMatchLlamaCpp(model short: String) throws {
        let model = try ModelTestSupport.model(short)
        let cases = try ModelTestSupport.cases("\(short)_greedy.json")
        #expect(cases.count == 6)
        var compared = 0
        for c in cases {
            let id = c["id"] as? String ?? "?"
            let prompt = ModelTestSupport.ints(c["prompt_ids"])
            let expected = ModelTestSupport.ints(c["ids"])
            let steps = (c["steps"] as? [[String: Any]]) ?? []
            // Steps to compare: all before the first low-margin step (that step itself must match too
            // only when its margin is at least 0.5).
            let firstLow = steps.firstIndex { (($0["margin_top1_top2"] as? NSNumber)?.floatValue ?? 0) < 0.5 } ?? expected.count
            let sequence = try model.makeSequence(contextSize: 256)
            var logits = try sequence.forward(prompt)[0]
            var produced: [Int32] = []
            for step in 0..<min(firstLow, expected.count) {
                let next = Int32(ModelTestSupport.argmax(logits))
                produced.append(next)
                #expect(next == expected[step], "\(short) \(id): step \(step) gave \(next), llama.cpp \(expected[step])")
                if next != expected[step] { break }
                if step + 1 < min(firstLow, expected.count) { logits = try sequence.forward([next])[0] }
            }
            compared += produced.count
            print("greedy \(short) \(id): \(produced.count) steps compared (first low-margin step \(firstLow))")
        }
        #expect(compared > 0)
    }
}
