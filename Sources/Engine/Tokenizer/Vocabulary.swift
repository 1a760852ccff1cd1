import GGUF

/// Token attributes as llama.cpp keeps them (a bit set: a token can be, e.g., normal and control).
public struct TokenAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let unknown = TokenAttributes(rawValue: 1 << 0)
    public static let unused = TokenAttributes(rawValue: 1 << 1)
    public static let normal = TokenAttributes(rawValue: 1 << 2)
    public static let control = TokenAttributes(rawValue: 1 << 3)
    public static let userDefined = TokenAttributes(rawValue: 1 << 4)
    public static let byte = TokenAttributes(rawValue: 1 << 5)

    /// From a GGUF `tokenizer.ggml.token_type` value.
    init(ggufTokenType: Int) {
        switch ggufTokenType {
        case 1: self = .normal
        case 2: self = .unknown
        case 3: self = .control
        case 4: self = .userDefined
        case 5: self = .unused
        case 6: self = .byte
        default: self = []
        }
    }
}

/// The one kind a token is reported as (the strongest of its attributes).
public enum TokenKind: String, Sendable {
    case normal, control, userDefined, byte, unused, unknown, undefined

    init(_ attributes: TokenAttributes) {
        if attributes.contains(.control) { self = .control }
        else if attributes.contains(.userDefined) { self = .userDefined }
        else if attributes.contains(.unknown) { self = .unknown }
        else if attributes.contains(.byte) { self = .byte }
        else if attributes.contains(.unused) { self = .unused }
        else if attributes.contains(.normal) { self = .normal }
        else { self = .undefined }
    }
}

/// Everything the tokenizers read from GGUF metadata, with llama.cpp's defaults and
/// its by-text detection of end-of-turn / fill-in-the-middle tokens applied.
struct Vocabulary: Sendable {
    enum Model: Sendable { case bpe(PreTokenizerKind), spm }

    let model: Model
    /// Raw token texts as stored (`Ġ`-form for byte-level BPE, `▁`-form for SentencePiece).
    let texts: [[UInt8]]
    let scores: [Float]
    let attributes: [TokenAttributes]
    let bos: Int32?
    let eos: Int32?
    let eot: Int32?
    let unk: Int32?
    let pad: Int32?
    let eogIDs: Set<Int32>
    let addBOS: Bool
    let addEOS: Bool
    let addSpacePrefix: Bool
    let cleanSpaces: Bool
    let ignoreMerges: Bool
    /// BPE merge lines; emptied once the encoder is built.
    var merges: [[UInt8]]

    var count: Int { texts.count }

    init(metadata m: GGUFMetadata) throws {
        guard let modelName = m.string("tokenizer.ggml.model") else {
            throw TokenizerError.missingKey("tokenizer.ggml.model", expected: "a string")
        }
        guard let tokenArray = m.array("tokenizer.ggml.tokens"), let rawTexts = tokenArray.stringByteArrays else {
            throw TokenizerError.missingKey("tokenizer.ggml.tokens", expected: "an array of strings")
        }
        let n = rawTexts.count
        let pre = m.string("tokenizer.ggml.pre") ?? ""
        var bos: Int32?, eos: Int32?, unk: Int32?
        var addBOS = false, addEOS = false, addSpacePrefix = false, cleanSpaces = false, ignoreMerges = false
        var merges: [[UInt8]] = []
        switch modelName {
        case "llama":
            model = .spm
            bos = 1; eos = 2; unk = 0
            addSpacePrefix = true; addBOS = true
        case "gpt2":
            guard let kind = PreTokenizerKind(ggufName: pre) else { throw TokenizerError.unsupportedPreTokenizer(pre) }
            model = .bpe(kind)
            bos = 11; eos = 11
            cleanSpaces = true
            switch pre {
            case "llama3", "llama-v3", "llama-bpe", "falcon3":
                ignoreMerges = true; addBOS = true
            case "qwen2", "deepseek-llm", "deepseek-coder", "deepseek-v3", "command-r", "poro-chat", "viking", "smollm":
                cleanSpaces = false
            case "chatglm-bpe":
                bos = nil
            default:
                break
            }
            guard let mergeArray = m.array("tokenizer.ggml.merges"), let list = mergeArray.stringByteArrays else {
                throw TokenizerError.missingKey("tokenizer.ggml.merges", expected: "an array of strings (byte-level BPE needs merges)")
            }
            merges = list
        default:
            throw TokenizerError.unsupportedModel(modelName)
        }
        if let v = m.bool("tokenizer.ggml.add_space_prefix") { addSpacePrefix = v }

        var texts = rawTexts
        for i in 0 ..< n where texts[i].isEmpty { texts[i] = Array("[EMPTY_\(i)]".utf8) }

        var scores = [Float](repeating: 0, count: n)
        if let s = m.array("tokenizer.ggml.scores") {
            guard s.count == n, let values = s.floats else {
                throw TokenizerError.inconsistent("tokenizer.ggml.scores has \(s.count) entries of type \(s.elementType) for \(n) tokens")
            }
            scores = values
        }
        var attributes = [TokenAttributes](repeating: .normal, count: n)
        if let t = m.array("tokenizer.ggml.token_type") {
            guard t.count == n, let values = t.ints else {
                throw TokenizerError.inconsistent("tokenizer.ggml.token_type has \(t.count) entries of type \(t.elementType) for \(n) tokens")
            }
            attributes = values.map(TokenAttributes.init(ggufTokenType:))
        }

        // Special ids from metadata (ignored when out of range, as llama.cpp does).
        func special(_ key: String, _ current: Int32?) -> Int32? {
            guard let v = m.int("tokenizer.ggml.\(key)") else { return current }
            return v >= 0 && v < n ? Int32(v) : current
        }
        bos = special("bos_token_id", bos)
        eos = special("eos_token_id", eos)
        unk = special("unknown_token_id", unk)
        let pad = special("padding_token_id", nil)
        var eot = special("eot_token_id", nil)
        var eom = special("eom_token_id", nil)
        var fimPad = special("fim_pad_token_id", nil)
        var fimRep = special("fim_rep_token_id", nil)
        var fimSep = special("fim_sep_token_id", nil)
        if let v = m.bool("tokenizer.ggml.add_bos_token") { addBOS = v }
        if let v = m.bool("tokenizer.ggml.add_eos_token") { addEOS = v }

        // Text → id (the last of duplicate texts wins, as a map insertion loop).
        var byText = [[UInt8]: Int32](minimumCapacity: 64)
        let interesting = Set(Self.eotTexts + Self.eogTexts + Self.fimPadTexts + Self.fimRepTexts + Self.fimSepTexts
                              + ["<|eom_id|>", "<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"]).map { Array($0.utf8) }
        let interestingSet = Set(interesting)
        for (i, t) in texts.enumerated() where t.count <= 24 && interestingSet.contains(t) { byText[t] = Int32(i) }
        func find(_ candidates: [String]) -> Int32? {
            for c in candidates { if let id = byText[Array(c.utf8)] { return id } }
            return nil
        }
        func markControl(_ id: Int32?) { if let id { attributes[Int(id)].insert(.control) } }
        if eot == nil { eot = find(Self.eotTexts); markControl(eot) }
        if eom == nil { eom = find(["<|eom_id|>"]); markControl(eom) }
        if fimPad == nil { fimPad = find(Self.fimPadTexts); markControl(fimPad) }
        if fimRep == nil { fimRep = find(Self.fimRepTexts); markControl(fimRep) }
        if fimSep == nil { fimSep = find(Self.fimSepTexts); markControl(fimSep) }

        // Control tokens whose text says "unused" are unused.
        let unusedWord = Array("unused".utf8)
        for i in 0 ..< n where attributes[i].contains(.control) && !attributes[i].contains(.unused) {
            if texts[i].count >= unusedWord.count, Self.contains(texts[i], unusedWord) { attributes[i].insert(.unused) }
        }

        var eog = Set<Int32>()
        for id in [fimPad, fimRep, fimSep] { if let id { eog.insert(id) } }
        for text in Self.eogTexts {
            if let id = byText[Array(text.utf8)] {
                eog.insert(id)
                attributes[Int(id)].insert(.control)
            }
        }
        for text in ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"] {
            if let id = byText[Array(text.utf8)] { attributes[Int(id)] = .userDefined }
        }
        for id in [eos, eot, eom] { if let id { eog.insert(id) } }
        // Tokenizers where "<|end|>" ends a message but not the generation.
        let eogTexts = Dictionary(eog.map { (String(decoding: texts[Int($0)], as: UTF8.self), $0) }, uniquingKeysWith: { a, _ in a })
        if let end = eogTexts["<|end|>"],
           (eogTexts["<|return|>"] != nil && (eogTexts["<|call|>"] != nil || eogTexts["<|calls|>"] != nil))
           || ((eogTexts["<|call|>"] != nil || eogTexts["<|calls|>"] != nil) && eogTexts["<|flush|>"] != nil) {
            eog.remove(end)
            attributes[Int(end)] = .userDefined
        }
        if eogTexts["<|tool_response>"] != nil, let s = eogTexts["</s>"] {
            eog.remove(s)
            attributes[Int(s)] = .normal
        }

        self.texts = texts
        self.scores = scores
        self.attributes = attributes
        self.bos = bos
        self.eos = eos
        self.eot = eot
        self.unk = unk
        self.pad = pad
        self.eogIDs = eog
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.addSpacePrefix = addSpacePrefix
        self.cleanSpaces = cleanSpaces
        self.ignoreMerges = ignoreMerges
        self.merges = merges
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for i in 0 ... (haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i ..< i + needle.count]) == needle { return true }
        }
        return false
    }

    /// Texts llama.cpp recognises as end-of-turn, in the order this reader prefers them.
    static let eotTexts = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "_<EOT>",
                           "<｜end▁of▁sentence｜>"]
    /// Texts llama.cpp treats as end-of-generation wherever they occur in a vocabulary.
    static let eogTexts = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
                           "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
                           "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>"]
    static let fimPadTexts = ["<|fim_pad|>", "<fim-pad>", "<PAD>"]
    static let fimRepTexts = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>"]
    static let fimSepTexts = ["<|file_sep|>"]
}
