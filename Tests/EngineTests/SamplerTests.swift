import Foundation
import Testing
@testable import Engine

/// Sampler stages checked against distributions computed by hand.
@Suite struct SamplerTests {
    /// Logits whose softmax is exactly 0.1, 0.2, 0.3, 0.4.
    let fourWay: [Float] = [log(1), log(2), log(3), log(4)]

    func plain(_ change: (inout SamplingParameters) -> Void = { _ in }) -> Sampler {
        var p = SamplingParameters(temperature: 1, topK: 0, topP: 1, minP: 0)
        change(&p)
        return Sampler(parameters: p)
    }

    func expectDistribution(_ c: [Sampler.Candidate], _ expected: [(Int32, Double)], _ comment: Comment? = nil) {
        #expect(c.map(\.id) == expected.map(\.0), comment)
        for (got, want) in zip(c, expected) {
            #expect(abs(Double(got.probability) - want.1) < 1e-5, "id \(got.id): \(got.probability) vs \(want.1)")
        }
    }

    @Test func greedyTiesGoToLowestID() {
        let s = Sampler(parameters: .greedy)
        #expect(s.candidates([1, 3, 3, 2]).map(\.id) == [1])
        var g = Sampler(parameters: .greedy)
        #expect(g.sample([-.infinity, 0.5, 0.5]) == 1)
        #expect(g.sample([Float](repeating: -.infinity, count: 3)) == nil)
    }

    @Test func temperatureOneKeepsTheSoftmax() {
        expectDistribution(plain().candidates(fourWay), [(3, 0.4), (2, 0.3), (1, 0.2), (0, 0.1)])
    }

    @Test func temperatureHalfSquaresTheOdds() {
        // p^(1/T) with T = 0.5: 1, 4, 9, 16 over 30.
        expectDistribution(plain { $0.temperature = 0.5 }.candidates(fourWay),
                           [(3, 16.0 / 30), (2, 9.0 / 30), (1, 4.0 / 30), (0, 1.0 / 30)])
    }

    @Test func topKKeepsTheBestK() {
        expectDistribution(plain { $0.topK = 2 }.candidates(fourWay), [(3, 4.0 / 7), (2, 3.0 / 7)])
        // Ties at the cut keep the lower id.
        expectDistribution(plain { $0.topK = 1 }.candidates([0, 1, 1]), [(1, 1)])
    }

    @Test func topPKeepsTheSmallestCoveringSet() {
        // 0.4 < 0.6 <= 0.4 + 0.3
        expectDistribution(plain { $0.topP = 0.6 }.candidates(fourWay), [(3, 4.0 / 7), (2, 3.0 / 7)])
        expectDistribution(plain { $0.topP = 0.35 }.candidates(fourWay), [(3, 1)])
        expectDistribution(plain { $0.topP = 0.95 }.candidates(fourWay), [(3, 0.4), (2, 0.3), (1, 0.2), (0, 0.1)])
    }

    @Test func minPDropsTokensBelowTheFraction() {
        // 0.6 * 0.4 = 0.24: keeps 0.4 and 0.3.
        expectDistribution(plain { $0.minP = 0.6 }.candidates(fourWay), [(3, 4.0 / 7), (2, 3.0 / 7)])
        // 0.3 * 0.4 = 0.12: keeps three.
        expectDistribution(plain { $0.minP = 0.3 }.candidates(fourWay), [(3, 4.0 / 9), (2, 3.0 / 9), (1, 2.0 / 9)])
    }

    @Test func stagesRunInLlamaCppOrder() {
        // top-k 3 → {3,2,1}; top-p 0.8 on 4/9, 3/9, 2/9 (cumulative 0.444, 0.778, 1) keeps all three;
        // temperature 0.5 then gives 16, 9, 4 over 29.
        let s = plain { $0.topK = 3; $0.topP = 0.8; $0.temperature = 0.5 }
        expectDistribution(s.candidates(fourWay), [(3, 16.0 / 29), (2, 9.0 / 29), (1, 4.0 / 29)])
    }

    @Test func repetitionPenaltyDividesPositiveAndMultipliesNegative() {
        var s = plain { $0.repeatPenalty = 2 }
        s.accept(0)
        s.accept(1)
        let adjusted = [Float](arrayLiteral: -1, 2, 3).withUnsafeBufferPointer { s.adjustedLogits($0) }
        #expect(adjusted == [-2, 1, 3])
        // On the four-way logits, token 3's ln 4 halves to ln 2 and ln 1 = 0 stays 0: odds 1, 2, 3, 2.
        var t = plain { $0.repeatPenalty = 2 }
        t.accept(3)
        t.accept(0)
        expectDistribution(t.candidates(fourWay), [(2, 3.0 / 8), (1, 2.0 / 8), (3, 2.0 / 8), (0, 1.0 / 8)])
    }

    @Test func frequencyAndPresencePenalties() {
        var s = plain { $0.frequencyPenalty = 0.5; $0.presencePenalty = 1 }
        for t: Int32 in [1, 1, 2] { s.accept(t) }
        let adjusted = [Float](repeating: 0, count: 4).withUnsafeBufferPointer { s.adjustedLogits($0) }
        #expect(adjusted == [0, -2, -1.5, 0])
    }

    @Test func penaltyWindowKeepsTheLastN() {
        var s = plain { $0.repeatPenalty = 2; $0.penaltyLastN = 2 }
        for t: Int32 in [1, 2, 3] { s.accept(t) }
        #expect(s.recentTokens == [2, 3])
        var off = plain { $0.repeatPenalty = 2; $0.penaltyLastN = 0 }
        off.accept(1)
        #expect(off.recentTokens.isEmpty)
        var all = plain { $0.penaltyLastN = -1 }
        for t: Int32 in 0 ..< 100 { all.accept(t) }
        #expect(all.recentTokens.count == 100)
    }

    @Test func logitBiasAppliesFirst() {
        var g = Sampler(parameters: SamplingParameters(temperature: 0, logitBias: [0: 10]))
        #expect(g.sample(fourWay) == 0)
        let banned = plain { $0.logitBias = [3: -.infinity] }
        expectDistribution(banned.candidates(fourWay), [(2, 0.5), (1, 2.0 / 6), (0, 1.0 / 6)])
    }

    @Test func seededDrawsAreDeterministicAndFollowTheDistribution() {
        var a = plain { $0.seed = 42 }
        var b = plain { $0.seed = 42 }
        var c = plain { $0.seed = 43 }
        let sa = (0 ..< 200).map { _ in a.sample(fourWay) }
        let sb = (0 ..< 200).map { _ in b.sample(fourWay) }
        let sc = (0 ..< 200).map { _ in c.sample(fourWay) }
        #expect(sa == sb)
        #expect(sa != sc)
        var counts = [Int](repeating: 0, count: 4)
        var d = plain { $0.seed = 7 }
        let draws = 40000
        for _ in 0 ..< draws { counts[Int(d.sample(fourWay) ?? 0)] += 1 }
        for (i, want) in [0.1, 0.2, 0.3, 0.4].enumerated() {
            #expect(abs(Double(counts[i]) / Double(draws) - want) < 0.01, "token \(i): \(counts[i])")
        }
    }

    @Test func maskedTokensNeverComeOut() {
        var s = plain { $0.seed = 1 }
        let masked: [Float] = [0, -.infinity, 0, -.infinity]
        for _ in 0 ..< 500 { #expect([0, 2].contains(s.sample(masked))) }
    }
}

@Suite struct StopStringMatcherTests {
    @Test func holdsBackPossibleStartsAndStopsOnMatch() {
        var m = StopStringMatcher(["</answer>", "STOP"])
        #expect(m.feed("Hello </an") == .init(text: "Hello ", stopped: false))
        #expect(m.heldText == "</an")
        #expect(m.feed("swer> more") == .init(text: "", stopped: true))
        #expect(m.matched == "</answer>")
        #expect(m.feed("ignored") == .init(text: "", stopped: true))
    }

    @Test func releasesTextThatTurnsOutHarmless() {
        var m = StopStringMatcher(["STOP"])
        #expect(m.feed("ST") == .init(text: "", stopped: false))
        #expect(m.feed("AR") == .init(text: "STAR", stopped: false))
        #expect(m.feed("S") == .init(text: "", stopped: false))
        #expect(m.flush() == "S")
        #expect(m.matched == nil)
    }

    @Test func earliestStopWinsAndTextBeforeItIsKept() {
        var m = StopStringMatcher(["b", "abc"])
        #expect(m.feed("xxabc") == .init(text: "xx", stopped: true))
        #expect(m.matched == "abc")
        var n = StopStringMatcher(["é!"])
        #expect(n.feed("caf") == .init(text: "caf", stopped: false))
        #expect(n.feed("é") == .init(text: "", stopped: false))
        #expect(n.feed("?") == .init(text: "é?", stopped: false))
        var e = StopStringMatcher([""])
        #expect(e.feed("anything") == .init(text: "anything", stopped: false))
    }
}
