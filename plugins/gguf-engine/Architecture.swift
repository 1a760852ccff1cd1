import GGUF

/// What differs between the transformer families this engine runs, as data.
struct ArchitectureTraits: Sendable {
    /// RoPE pairs (i, i + d/2) instead of (2i, 2i+1).
    let neoxRope: Bool
    /// Multiply token embeddings by sqrt(n_embd) (Gemma).
    let scaleEmbeddings: Bool
    /// GeGLU (tanh GELU) feed-forward instead of SwiGLU.
    let geluFeedForward: Bool
    /// Per-head RMS norms on queries and keys plus post-attention / post-FFN norms (Gemma 3).
    let extraNorms: Bool
    /// Every n-th layer uses global attention; the others a sliding window (0 = all global).
    let defaultSlidingWindowPattern: Int
    /// RoPE base of sliding-window layers when they differ from the global base.
    let localRopeBase: Float?
    /// Queries are pre-scaled and the attention product is not (Gemma's query_pre_attn_scalar).
    let prescaledQueries: Bool

    static let table: [String: ArchitectureTraits] = [
        "llama": ArchitectureTraits(neoxRope: false, scaleEmbeddings: false, geluFeedForward: false, extraNorms: false,
                                    defaultSlidingWindowPattern: 0, localRopeBase: nil, prescaledQueries: false),
        "qwen2": ArchitectureTraits(neoxRope: true, scaleEmbeddings: false, geluFeedForward: false, extraNorms: false,
                                    defaultSlidingWindowPattern: 0, localRopeBase: nil, prescaledQueries: false),
        "gemma3": ArchitectureTraits(neoxRope: true, scaleEmbeddings: true, geluFeedForward: true, extraNorms: true,
                                     defaultSlidingWindowPattern: 6, localRopeBase: 10_000, prescaledQueries: true),
    ]
}

/// Hyper-parameters read from a GGUF file's metadata.
struct HyperParameters: Sendable {
    let architecture: String
    let traits: ArchitectureTraits
    let layerCount: Int
    let embeddingLength: Int
    let feedForwardLength: Int
    let headCount: Int
    let headCountKV: Int
    let headDim: Int
    let ropeDims: Int
    let ropeBase: Float
    let ropeScale: Float
    let rmsEpsilon: Float
    let contextLength: Int
    let slidingWindow: Int
    /// Per layer: whether it uses the sliding window.
    let slidingLayers: [Bool]
    let queryScale: Float
    let attentionScale: Float
    let logitSoftcap: Float?
    let vocabularySize: Int

    init(file: GGUFFile, vocabularySize: Int) throws {
        guard let arch = file.architecture else { throw GGUFError.missingKey("general.architecture", expected: "a string") }
        guard let traits = ArchitectureTraits.table[arch] else {
            throw EngineError.unsupported("architecture '\(arch)' (this engine runs llama, qwen2 and gemma3)")
        }
        let m = file.metadata
        func int(_ key: String) throws -> Int {
            guard let v = m.int("\(arch).\(key)"), v > 0 else {
                throw GGUFError.missingKey("\(arch).\(key)", expected: "a positive integer")
            }
            return v
        }
        architecture = arch
        self.traits = traits
        layerCount = try int("block_count")
        embeddingLength = try int("embedding_length")
        feedForwardLength = try int("feed_forward_length")
        headCount = try int("attention.head_count")
        headCountKV = m.int("\(arch).attention.head_count_kv") ?? headCount
        guard headCountKV > 0, headCount % headCountKV == 0 else {
            throw EngineError.invalidModel("\(arch).attention.head_count_kv (\(headCountKV)) must divide head_count (\(headCount))")
        }
        headDim = m.int("\(arch).attention.key_length") ?? embeddingLength / headCount
        if let valueLength = m.int("\(arch).attention.value_length"), valueLength != headDim {
            throw EngineError.unsupported("value_length \(valueLength) different from key_length \(headDim)")
        }
        ropeDims = m.int("\(arch).rope.dimension_count") ?? headDim
        ropeBase = Float(m.double("\(arch).rope.freq_base") ?? 10_000)
        if let factor = m.double("\(arch).rope.scaling.factor"), factor > 0,
           (m.string("\(arch).rope.scaling.type") ?? "linear") == "linear" {
            ropeScale = Float(1.0 / factor)
        } else {
            ropeScale = 1
        }
        rmsEpsilon = Float(m.double("\(arch).attention.layer_norm_rms_epsilon") ?? 1e-6)
        contextLength = m.int("\(arch).context_length") ?? 4096
        let window = m.int("\(arch).attention.sliding_window") ?? 0
        let pattern = m.int("\(arch).attention.sliding_window_pattern") ?? traits.defaultSlidingWindowPattern
        slidingWindow = window
        slidingLayers = (0..<layerCount).map { layer in
            window > 0 && pattern > 0 && layer % pattern < pattern - 1
        }
        if traits.prescaledQueries {
            // Gemma 3: query_pre_attn_scalar is head_dim, except the 27B model (62 layers) uses n_embd / n_head.
            let scalar = layerCount == 62 ? Float(embeddingLength / headCount) : Float(headDim)
            queryScale = 1 / scalar.squareRoot()
            attentionScale = 1
        } else {
            queryScale = 1
            attentionScale = 1 / Float(headDim).squareRoot()
        }
        if let cap = m.double("\(arch).final_logit_softcapping"), cap > 0 { logitSoftcap = Float(cap) } else { logitSoftcap = nil }
        self.vocabularySize = vocabularySize
    }

    /// RoPE base for a layer (sliding-window layers may use their own).
    func ropeBase(layer: Int) -> Float {
        if slidingLayers[layer], let local = traits.localRopeBase { return local }
        return ropeBase
    }
    /// RoPE frequency scale for a layer (scaling applies to global layers only when a local base exists).
    func ropeScale(layer: Int) -> Float {
        if slidingLayers[layer], traits.localRopeBase != nil { return 1 }
        return ropeScale
    }
}

/// Errors the engine reports, each saying what is wrong and what to do.
enum EngineError: Error, CustomStringConvertible {
    case unsupported(String)
    case invalidModel(String)
    case backend(String)

    var description: String {
        switch self {
        case .unsupported(let what): return "unsupported model: \(what)"
        case .invalidModel(let what): return "invalid model file: \(what)"
        case .backend(let what): return "backend: \(what)"
        }
    }
}
