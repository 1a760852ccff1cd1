import Foundation
import PluginABI

/// How a generation ended.
public enum FinishReason: String, Sendable, Equatable {
    /// An end-of-generation token was sampled (it is included in the ids), or the constraint
    /// allowed nothing but the end.
    case endOfGeneration = "eog"
    /// A stop string appeared (the text stops before it).
    case stopString = "stop"
    /// The token limit was reached.
    case length = "length"
    /// The cancellation flag was set or the event handler asked to stop.
    case cancelled = "cancelled"
}

/// One entry of a step's top logits.
public struct TokenLogit: Sendable, Equatable {
    public let id: Int32
    public let logit: Float
}

/// What to generate and when to stop.
public struct GenerationOptions: Sendable {
    /// Upper bound on sampled tokens.
    public var maxTokens: Int
    public var sampling: SamplingParameters
    /// Generation ends before the first occurrence of any of these strings.
    public var stopStrings: [String]
    /// End on the model's end-of-generation tokens (llama.cpp's `eog_ids`).
    public var stopAtEndOfGeneration: Bool
    /// Render control tokens (e.g. `<|im_end|>`) in the text.
    public var renderSpecialTokens: Bool
    /// Record the K highest raw logits of every step (0: none).
    public var topLogits: Int

    public init(maxTokens: Int = 256, sampling: SamplingParameters = .greedy, stopStrings: [String] = [],
                stopAtEndOfGeneration: Bool = true, renderSpecialTokens: Bool = true, topLogits: Int = 0) {
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stopStrings = stopStrings
        self.stopAtEndOfGeneration = stopAtEndOfGeneration
        self.renderSpecialTokens = renderSpecialTokens
        self.topLogits = topLogits
    }
}

/// A streaming event of a generation.
public enum GenerationEvent: Sendable {
    /// A token was sampled; `text` is the text that became complete with it (may be empty
    /// while a UTF-8 sequence or a possible stop string is held back).
    case token(id: Int32, text: String)
    /// Text released at the end (held-back bytes that turned out not to be a stop string).
    case text(String)
}

/// The outcome of one generation.
public struct GenerationResult: Sendable {
    public var promptTokens: [Int32]
    /// Prompt tokens whose KV state was reused from the sequence (not recomputed).
    public var reusedPromptTokens: Int
    public var tokens: [Int32]
    public var text: String
    public var finishReason: FinishReason
    /// Per step, the K highest raw logits (before masks and sampling), when asked for.
    public var topLogits: [[TokenLogit]]
    /// Wall-clock seconds of the prompt pass and of the token-by-token passes.
    public var promptSeconds: Double
    public var decodeSeconds: Double
}

/// Errors of the generation loop.
public enum GenerationError: Error, Sendable, CustomStringConvertible {
    case emptyPrompt
    case promptTooLong(tokens: Int, context: Int)
    case constraintRejected(token: Int32, step: Int)
    case noTokenAllowed(step: Int)

    public var description: String {
        switch self {
        case .emptyPrompt: return "the prompt has no tokens; give some text (or let the model add BOS)"
        case let .promptTooLong(tokens, context):
            return "the prompt has \(tokens) tokens but the context holds \(context); shorten it or raise the context size"
        case let .constraintRejected(token, step):
            return "the constraint rejected token \(token) at step \(step) although its mask allowed it (a grammar matcher bug)"
        case let .noTokenAllowed(step):
            return "the constraint allows no token at step \(step) and is not complete; the grammar cannot be satisfied here"
        }
    }
}

/// The generation loop: prompt tokens → forward → constraint mask → sampler → incremental
/// detokenizer → stop strings, streaming token events.
public struct Generator {
    public let model: Model
    public let tokenizer: any Tokenizer

    public init(model: Model, tokenizer: any Tokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// Generates from `prompt` on `sequence`. The KV state of the longest common prefix of the
    /// sequence's tokens and the prompt is kept; the rest is truncated and recomputed.
    /// `onEvent` returns false to stop (finish reason `cancelled`).
    public func generate(sequence: ModelSequence, prompt: [Int32], options: GenerationOptions,
                         constraint: (any TokenConstraint)? = nil, cancel: CancellationFlag? = nil,
                         onEvent: (GenerationEvent) -> Bool = { _ in true }) throws -> GenerationResult {
        guard !prompt.isEmpty else { throw GenerationError.emptyPrompt }
        let vocab = model.info.vocabularySize
        // Reuse the shared prefix, keeping at least one prompt token to compute logits from.
        var shared = 0
        let held = sequence.tokens
        while shared < min(held.count, prompt.count - 1), held[shared] == prompt[shared] { shared += 1 }
        try sequence.truncate(to: shared)

        var result = GenerationResult(promptTokens: prompt, reusedPromptTokens: shared, tokens: [], text: "",
                                      finishReason: .length, topLogits: [], promptSeconds: 0, decodeSeconds: 0)
        var sampler = Sampler(parameters: options.sampling)
        for token in prompt { sampler.accept(token) }
        var detokenizer = IncrementalDetokenizer(tokenizer: tokenizer, renderSpecial: options.renderSpecialTokens)
        var stops = StopStringMatcher(options.stopStrings)
        let eog = tokenizer.eogIDs
        var mask = [UInt32](repeating: 0, count: (vocab + 31) / 32)

        let clock = ContinuousClock()
        var start = clock.now
        var logits = try sequence.forward(Array(prompt[shared...]), cancel: cancel)[0]
        result.promptSeconds = (clock.now - start).seconds
        start = clock.now

        func emit(_ event: GenerationEvent) -> Bool { onEvent(event) }

        var step = 0
        while true {
            if step >= options.maxTokens { result.finishReason = .length; break }
            if cancel?.isCancelled == true { result.finishReason = .cancelled; break }
            if options.topLogits > 0 { result.topLogits.append(Self.top(logits, options.topLogits)) }
            if let constraint {
                if constraint.isTerminated { result.finishReason = .endOfGeneration; break }
                for i in mask.indices { mask[i] = 0 }
                constraint.fillAllowedTokens(&mask)
                let accepting = constraint.isAccepting
                var any = false
                logits.withUnsafeMutableBufferPointer { l in
                    for i in 0..<vocab {
                        let allowed = mask[i >> 5] & (1 << UInt32(i & 31)) != 0
                            || (accepting && options.stopAtEndOfGeneration && eog.contains(Int32(i)))
                        if !allowed { l[i] = -.infinity } else { any = true }
                    }
                }
                if !any {
                    if accepting { result.finishReason = .endOfGeneration; break }
                    throw GenerationError.noTokenAllowed(step: step)
                }
            }
            guard let token = sampler.sample(logits) else {
                throw GenerationError.noTokenAllowed(step: step)
            }
            step += 1
            result.tokens.append(token)
            sampler.accept(token)
            if options.stopAtEndOfGeneration && eog.contains(token) {
                result.finishReason = .endOfGeneration
                if !emit(.token(id: token, text: "")) { result.finishReason = .cancelled }
                break
            }
            if let constraint, !constraint.accept(token: token) {
                throw GenerationError.constraintRejected(token: token, step: step - 1)
            }
            let delta = stops.feed(detokenizer.append(token))
            result.text += delta.text
            if !emit(.token(id: token, text: delta.text)) { result.finishReason = .cancelled; break }
            if delta.stopped { result.finishReason = .stopString; break }
            if step >= options.maxTokens { result.finishReason = .length; break }
            if cancel?.isCancelled == true { result.finishReason = .cancelled; break }
            // Forced continuation: text the constraint allows as the only way on is appended
            // without sampling and run through the model in one batch with the sampled token.
            var batch = [token]
            if let constraint {
                let forced = forcedTokens(constraint, room: options.maxTokens - step)
                var ended = false
                for id in forced {
                    step += 1
                    result.tokens.append(id)
                    sampler.accept(id)
                    let d = stops.feed(detokenizer.append(id))
                    result.text += d.text
                    batch.append(id)
                    if !emit(.token(id: id, text: d.text)) { result.finishReason = .cancelled; ended = true; break }
                    if d.stopped { result.finishReason = .stopString; ended = true; break }
                }
                if ended { break }
                if step >= options.maxTokens { result.finishReason = .length; break }
            }
            do {
                logits = try sequence.forward(batch, cancel: cancel)[0]
            } catch EngineLoadError.forward(let status, _) where status == TS_ERR_CANCELLED {
                result.finishReason = .cancelled
                break
            }
        }
        if result.finishReason != .stopString {
            let rest = stops.feed(detokenizer.finish()).text + stops.flush()
            if !rest.isEmpty {
                result.text += rest
                _ = emit(.text(rest))
            }
        }
        result.decodeSeconds = (clock.now - start).seconds
        return result
    }

    /// Tokens for the constraint's forced bytes (at most `room`), already accepted by it; empty
    /// when nothing is forced, the bytes are not whole UTF-8 text, or the constraint refuses
    /// their tokenization (then nothing is accepted).
    func forcedTokens(_ constraint: any TokenConstraint, room: Int) -> [Int32] {
        let bytes = constraint.forcedBytes()
        guard !bytes.isEmpty, room > 0, let text = String(validating: bytes, as: UTF8.self) else { return [] }
        let ids = Array(tokenizer.encode(text, addSpecial: false, parseSpecial: false).prefix(room))
        for (k, id) in ids.enumerated() where !constraint.accept(token: id) {
            constraint.rollback(k)
            return []
        }
        return ids
    }

    /// The k highest logits, highest first (ties to the lower id).
    static func top(_ logits: [Float], _ k: Int) -> [TokenLogit] {
        var best: [TokenLogit] = []
        best.reserveCapacity(k + 1)
        for (i, v) in logits.enumerated() where best.count < k || v > best[best.count - 1].logit {
            let entry = TokenLogit(id: Int32(i), logit: v)
            let at = best.firstIndex { $0.logit < v } ?? best.count
            best.insert(entry, at: at)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
