#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Picks next tokens from logits with `SamplingParameters`, keeping the recent-token window
/// the penalties need and the seeded random state. One sampler per generation stream.
public struct Sampler: Sendable {
    /// One surviving token after filtering, with its final probability.
    public struct Candidate: Sendable, Equatable {
        public var id: Int32
        public var logit: Float
        public var probability: Float
    }

    public let parameters: SamplingParameters
    private var generator: SeededGenerator
    /// Accepted tokens, most recent last (only the penalty window is kept).
    public private(set) var recentTokens: [Int32] = []

    public init(parameters: SamplingParameters) {
        self.parameters = parameters
        generator = SeededGenerator(seed: parameters.seed)
    }

    /// Records a token as generated (or as part of the prompt) for the penalties.
    public mutating func accept(_ token: Int32) {
        let limit = parameters.penaltyLastN
        guard limit != 0 else { return }
        recentTokens.append(token)
        if limit > 0, recentTokens.count > limit { recentTokens.removeFirst(recentTokens.count - limit) }
    }

    /// Forgets the penalty history (keeps the random state).
    public mutating func reset() { recentTokens.removeAll() }

    private var penaltiesActive: Bool {
        parameters.penaltyLastN != 0 && !recentTokens.isEmpty
            && (parameters.repeatPenalty != 1 || parameters.frequencyPenalty != 0 || parameters.presencePenalty != 0)
    }

    /// The logits after logit bias and penalties (only entries that change are touched).
    func adjustedLogits(_ logits: UnsafeBufferPointer<Float>) -> [Float] {
        var l = Array(logits)
        for (id, bias) in parameters.logitBias where id >= 0 && Int(id) < l.count { l[Int(id)] += bias }
        if penaltiesActive {
            var counts: [Int32: Int] = [:]
            for t in recentTokens { counts[t, default: 0] += 1 }
            for (id, count) in counts where id >= 0 && Int(id) < l.count {
                var v = l[Int(id)]
                if parameters.repeatPenalty != 1 {
                    v = v <= 0 ? v * parameters.repeatPenalty : v / parameters.repeatPenalty
                }
                v -= Float(count) * parameters.frequencyPenalty + (count > 0 ? parameters.presencePenalty : 0)
                l[Int(id)] = v
            }
        }
        return l
    }

    /// The highest logit's id (lowest id on ties); nil when every logit is -infinity or NaN.
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int32? {
        var best: Int32?
        var bestValue = -Float.infinity
        for i in 0 ..< logits.count {
            let v = logits[i]
            if v > bestValue || (best == nil && v == bestValue && v > -Float.infinity) {
                bestValue = v
                best = Int32(i)
            }
        }
        return best
    }

    /// The candidates left after bias, penalties, top-k, top-p and min-p, most likely first,
    /// with probabilities after temperature (greedy: just the argmax with probability 1).
    public func candidates(_ logits: [Float]) -> [Candidate] {
        logits.withUnsafeBufferPointer { candidates($0) }
    }

    /// `candidates` for a logits buffer.
    public func candidates(_ logits: UnsafeBufferPointer<Float>) -> [Candidate] {
        let adjusted = adjustedLogits(logits)
        if parameters.isGreedy {
            guard let id = adjusted.withUnsafeBufferPointer({ Self.argmax($0) }) else { return [] }
            return [Candidate(id: id, logit: adjusted[Int(id)], probability: 1)]
        }
        var c = Self.topCandidates(adjusted, k: parameters.topK)
        guard !c.isEmpty else { return [] }
        // top-p on the (temperature 1) distribution.
        if parameters.topP < 1 {
            Self.softmax(&c)
            var sum: Float = 0
            var keep = c.count
            for i in 0 ..< c.count {
                sum += c[i].probability
                if sum >= parameters.topP { keep = i + 1; break }
            }
            c.removeSubrange(keep...)
        }
        // min-p relative to the most likely token.
        if parameters.minP > 0, let top = c.first {
            let threshold = top.logit + logf(parameters.minP)
            let kept = c.filter { $0.logit >= threshold }
            if !kept.isEmpty { c = kept }
        }
        for i in c.indices { c[i].logit /= parameters.temperature }
        Self.softmax(&c)
        return c
    }

    /// Chooses the next token; nil only when no token is possible (all logits -infinity).
    public mutating func sample(_ logits: [Float]) -> Int32? {
        logits.withUnsafeBufferPointer { sample($0) }
    }

    /// `sample` for a logits buffer.
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> Int32? {
        let c = candidates(logits)
        guard !c.isEmpty else { return nil }
        if c.count == 1 { return c[0].id }
        let r = Float(generator.nextUnit())
        var sum: Float = 0
        for candidate in c {
            sum += candidate.probability
            if r < sum { return candidate.id }
        }
        return c[c.count - 1].id
    }

    /// Finite logits sorted descending (ties by id), cut to the k best when k > 0.
    static func topCandidates(_ logits: [Float], k: Int) -> [Candidate] {
        func better(_ a: Candidate, _ b: Candidate) -> Bool { a.logit != b.logit ? a.logit > b.logit : a.id < b.id }
        var result: [Candidate] = []
        if k > 0 {
            // Keep a sorted window of the best k while scanning.
            result.reserveCapacity(k + 1)
            for (i, v) in logits.enumerated() where v > -Float.infinity {
                let c = Candidate(id: Int32(i), logit: v, probability: 0)
                if result.count == k, let last = result.last, !better(c, last) { continue }
                var lo = 0, hi = result.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if better(result[mid], c) { lo = mid + 1 } else { hi = mid }
                }
                result.insert(c, at: lo)
                if result.count > k { result.removeLast() }
            }
            return result
        }
        for (i, v) in logits.enumerated() where v > -Float.infinity {
            result.append(Candidate(id: Int32(i), logit: v, probability: 0))
        }
        result.sort(by: better)
        return result
    }

    static func softmax(_ c: inout [Candidate]) {
        guard let maxLogit = c.map(\.logit).max() else { return }
        var sum: Float = 0
        for i in c.indices {
            let p = expf(c[i].logit - maxLogit)
            c[i].probability = p
            sum += p
        }
        for i in c.indices { c[i].probability /= sum }
    }
}
