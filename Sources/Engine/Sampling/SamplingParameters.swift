/// How the next token is chosen from the logits. Field semantics follow llama.cpp's samplers;
/// the stages run in llama.cpp's default order: logit bias → penalties → top-k → top-p →
/// min-p → temperature → draw.
public struct SamplingParameters: Sendable, Equatable, Codable {
    /// Divides the logits before the draw; 0 (or less) means greedy: the highest logit wins,
    /// ties going to the lowest id.
    public var temperature: Float
    /// Keep only the k most likely tokens; 0 (or less) disables.
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability sums to at least p; 1 disables.
    public var topP: Float
    /// Drop tokens less likely than `minP` × the most likely one; 0 disables.
    public var minP: Float
    /// Repetition penalty: a recent token's positive logit is divided by it, a negative one
    /// multiplied; 1 disables.
    public var repeatPenalty: Float
    /// Subtracted once from the logit of every token seen in the window; 0 disables.
    public var presencePenalty: Float
    /// Subtracted per occurrence in the window; 0 disables.
    public var frequencyPenalty: Float
    /// How many of the most recent accepted tokens the penalties look at; 0 disables
    /// penalties, -1 means every accepted token.
    public var penaltyLastN: Int
    /// Seed of the random draw; equal seeds give equal draws for equal inputs.
    public var seed: UInt64
    /// Added to the logits of the given tokens before anything else (-infinity bans a token).
    public var logitBias: [Int32: Float]

    public init(temperature: Float = 0.8, topK: Int = 40, topP: Float = 0.95, minP: Float = 0.05,
                repeatPenalty: Float = 1, presencePenalty: Float = 0, frequencyPenalty: Float = 0,
                penaltyLastN: Int = 64, seed: UInt64 = 0, logitBias: [Int32: Float] = [:]) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repeatPenalty = repeatPenalty
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
        self.penaltyLastN = penaltyLastN
        self.seed = seed
        self.logitBias = logitBias
    }

    /// Always the most likely token.
    public static let greedy = SamplingParameters(temperature: 0, topK: 0, topP: 1, minP: 0)

    /// Whether the draw is deterministic argmax.
    public var isGreedy: Bool { temperature <= 0 }
}
