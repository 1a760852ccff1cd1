import GGUF

/// Text ↔ token ids for one model. Implementations are immutable and thread-safe.
public protocol Tokenizer: Sendable {
    /// Number of tokens in the vocabulary.
    var vocabSize: Int { get }
    /// Beginning-of-sequence token, if the vocabulary has one.
    var bos: Int32? { get }
    /// End-of-sequence token, if the vocabulary has one.
    var eos: Int32? { get }
    /// Every token that ends generation (llama.cpp's `eog_ids`).
    var eogIDs: Set<Int32> { get }
    /// Whether `encode(addSpecial: true)` prepends BOS (from the model's metadata).
    var addBOS: Bool { get }
    /// Token ids for `text`. `addSpecial` adds BOS/EOS as the model's metadata says;
    /// `parseSpecial` turns control-token texts such as `<|im_start|>` into their ids.
    func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int32]
    /// The bytes a token stands for, special tokens as their text (llama.cpp's
    /// `token_to_piece(special = true)`); may be a partial UTF-8 sequence. Empty for an invalid id.
    func piece(_ id: Int32) -> [UInt8]
    /// What kind of token `id` is.
    func tokenKind(_ id: Int32) -> TokenKind
    /// `piece(id)` for every id, in id order (for grammar matchers).
    var vocabularyBytes: [[UInt8]] { get }
}

extension Tokenizer {
    /// Whether `id` ends generation.
    public func isEndOfGeneration(_ id: Int32) -> Bool { eogIDs.contains(id) }

    /// The concatenated pieces of `ids` as text (invalid UTF-8 becomes U+FFFD).
    public func decode(_ ids: [Int32]) -> String {
        var bytes = [UInt8]()
        for id in ids { bytes += piece(id) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The tokenizer a GGUF file describes: byte-level BPE (`gpt2`) or SentencePiece (`llama`).
public final class GGUFTokenizer: Tokenizer {
    private enum Encoder: Sendable {
        case bpe(BytePairEncoder)
        case spm(SentencePieceEncoder)
    }

    private let vocabulary: Vocabulary
    private let encoder: Encoder
    private let splitter: SpecialTokenSplitter
    /// Pieces (special = true) of every token, back to back.
    private let pieceBytes: [UInt8]
    private let pieceStarts: [Int32]

    public var vocabSize: Int { vocabulary.count }
    public var bos: Int32? { vocabulary.bos }
    public var eos: Int32? { vocabulary.eos }
    /// The end-of-turn token (`<|im_end|>`, `<end_of_turn>`, ...), if any.
    public var eot: Int32? { vocabulary.eot }
    public var eogIDs: Set<Int32> { vocabulary.eogIDs }
    public var addBOS: Bool { vocabulary.addBOS }
    /// Whether `encode(addSpecial: true)` appends EOS.
    public var addEOS: Bool { vocabulary.addEOS }
    /// Whether SentencePiece input gets a leading space (`tokenizer.ggml.add_space_prefix`).
    public var addSpacePrefix: Bool { vocabulary.addSpacePrefix }

    /// Builds the tokenizer from a GGUF file's metadata.
    public convenience init(file: GGUFFile) throws {
        try self.init(metadata: file.metadata)
    }

    /// Builds the tokenizer from GGUF metadata.
    public init(metadata: GGUFMetadata) throws {
        var v = try Vocabulary(metadata: metadata)
        switch v.model {
        case let .bpe(kind): encoder = .bpe(BytePairEncoder(vocabulary: v, preTokenizer: kind))
        case .spm: encoder = .spm(SentencePieceEncoder(vocabulary: v))
        }
        v.merges = []
        vocabulary = v
        splitter = SpecialTokenSplitter(vocabulary: v)
        var bytes = [UInt8]()
        var starts = [Int32]()
        starts.reserveCapacity(v.count + 1)
        for id in 0 ..< v.count {
            starts.append(Int32(bytes.count))
            bytes += Self.makePiece(v, id)
        }
        starts.append(Int32(bytes.count))
        pieceBytes = bytes
        pieceStarts = starts
    }

    private static func makePiece(_ v: Vocabulary, _ id: Int) -> [UInt8] {
        let a = v.attributes[id]
        let text = v.texts[id]
        if !a.isDisjoint(with: [.control, .unknown, .userDefined]) { return text }
        switch v.model {
        case .spm:
            if a.contains(.normal) {
                var out = [UInt8]()
                out.reserveCapacity(text.count)
                var i = 0
                while i < text.count {
                    if i + 2 < text.count, text[i] == 0xE2, text[i + 1] == 0x96, text[i + 2] == 0x81 {
                        out.append(0x20); i += 3
                    } else {
                        out.append(text[i]); i += 1
                    }
                }
                return out
            }
            if a.contains(.byte), text.count == 6, let b = UInt8(String(decoding: text[3 ..< 5], as: UTF8.self), radix: 16) {
                return [b]
            }
            return []
        case .bpe:
            return a.contains(.normal) ? ByteLevelEncoding.piece(text) : []
        }
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int32] {
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBufferPointer { buf in
            encode(bytes: UnsafeBufferPointer(buf), addSpecial: addSpecial, parseSpecial: parseSpecial)
        }
    }

    /// `encode` for UTF-8 bytes.
    public func encode(bytes: UnsafeBufferPointer<UInt8>, addSpecial: Bool, parseSpecial: Bool) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(bytes.count / 3 + 4)
        if addSpecial, vocabulary.addBOS, let bos = vocabulary.bos { out.append(bos) }
        let fragments = splitter.split(bytes, parseSpecial: parseSpecial)
        switch encoder {
        case let .bpe(bpe):
            var scratch = BytePairEncoder.Scratch()
            for fragment in fragments {
                switch fragment {
                case let .token(id): out.append(id)
                case let .text(range): bpe.encode(UnsafeBufferPointer(rebasing: bytes[range]), into: &out, scratch: &scratch)
                }
            }
        case let .spm(spm):
            var scratch = SentencePieceEncoder.Scratch()
            var previousWasSpecial = true
            for fragment in fragments {
                switch fragment {
                case let .token(id):
                    out.append(id)
                    previousWasSpecial = true
                case let .text(range):
                    spm.encode(UnsafeBufferPointer(rebasing: bytes[range]),
                               spacePrefix: vocabulary.addSpacePrefix && previousWasSpecial, into: &out, scratch: &scratch)
                    previousWasSpecial = false
                }
            }
        }
        if addSpecial, vocabulary.addEOS, let eos = vocabulary.eos { out.append(eos) }
        return out
    }

    public func piece(_ id: Int32) -> [UInt8] {
        guard id >= 0, Int(id) < vocabulary.count else { return [] }
        return Array(pieceBytes[Int(pieceStarts[Int(id)]) ..< Int(pieceStarts[Int(id) + 1])])
    }

    /// The piece without copying: calls `body` with the bytes.
    public func withPiece<R>(_ id: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        guard id >= 0, Int(id) < vocabulary.count else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        return pieceBytes.withUnsafeBufferPointer { buf in
            body(UnsafeBufferPointer(rebasing: buf[Int(pieceStarts[Int(id)]) ..< Int(pieceStarts[Int(id) + 1])]))
        }
    }

    /// The piece as llama.cpp's `token_to_piece(special:)`: with `special == false`,
    /// control and unknown tokens render as nothing.
    public func piece(_ id: Int32, special: Bool) -> [UInt8] {
        if !special, let a = attributes(id), !a.isDisjoint(with: [.control, .unknown]) { return [] }
        return piece(id)
    }

    public func tokenKind(_ id: Int32) -> TokenKind {
        attributes(id).map(TokenKind.init) ?? .undefined
    }

    /// All attributes of `id` (nil for an invalid id).
    public func attributes(_ id: Int32) -> TokenAttributes? {
        guard id >= 0, Int(id) < vocabulary.count else { return nil }
        return vocabulary.attributes[Int(id)]
    }

    /// The token's text as stored in the vocabulary (`Ġ`/`▁` forms).
    public func vocabularyText(_ id: Int32) -> String? {
        guard id >= 0, Int(id) < vocabulary.count else { return nil }
        return String(decoding: vocabulary.texts[Int(id)], as: UTF8.self)
    }

    public var vocabularyBytes: [[UInt8]] {
        (0 ..< vocabulary.count).map { piece(Int32($0)) }
    }

    /// llama.cpp's `llama_detokenize`: pieces joined, the SentencePiece leading space
    /// removed, and (for vocabularies that ask for it) spaces before punctuation cleaned.
    public func detokenize(_ ids: [Int32], removeSpecial: Bool = false, unparseSpecial: Bool = true) -> String {
        var tokens = ids[...]
        var removeSpace = vocabulary.addSpacePrefix
        if removeSpecial, vocabulary.addBOS, let first = tokens.first, first == vocabulary.bos {
            removeSpace = false
            tokens = tokens.dropFirst()
        }
        if removeSpecial, vocabulary.addEOS, let last = tokens.last, last == vocabulary.eos {
            tokens = tokens.dropLast()
        }
        var text = [UInt8]()
        for id in tokens {
            var p = piece(id, special: unparseSpecial)
            if removeSpace, p.first == 0x20 { p.removeFirst() }
            removeSpace = false
            text += p
        }
        if vocabulary.cleanSpaces { text = Self.cleanSpaces(text) }
        return String(decoding: text, as: UTF8.self)
    }

    /// llama.cpp's three clean-up passes: ` ?`→`?` (also `!.,`), ` ' `→`'`, and ` 's`/` 'm`/` 're`/` 've`.
    static func cleanSpaces(_ input: [UInt8]) -> [UInt8] {
        var t = input
        guard t.count > 1 else { return t }
        var out: [UInt8] = [t[0]]
        for i in 1 ..< t.count {
            let x = t[i]
            if t[i - 1] == 0x20, x == 0x3F || x == 0x21 || x == 0x2E || x == 0x2C { out.removeLast() }
            out.append(x)
        }
        t = out
        out = t.isEmpty ? [] : [t[0]]
        var i = 1
        while i < t.count {
            let x = t[i]
            if x == 0x27, i + 1 < t.count, t[i - 1] == 0x20, t[i + 1] == 0x20 {
                out.removeLast()
                out.append(x)
                t[i + 1] = 0   // the dropped space no longer counts as one (as llama.cpp's in-place pass)
                i += 2
                continue
            }
            out.append(x)
            i += 1
        }
        t = out
        out = t.isEmpty ? [] : [t[0]]
        for i in 1 ..< max(t.count, 1) {
            let x = t[i]
            if t[i - 1] == 0x20, x == 0x27, i + 1 < t.count {
                let x1 = t[i + 1]
                if x1 == 0x73 || x1 == 0x6D {
                    out.removeLast()
                } else if i + 2 < t.count {
                    let x2 = t[i + 2]
                    if (x1 == 0x72 && x2 == 0x65) || (x1 == 0x76 && x2 == 0x65) { out.removeLast() }
                }
            }
            out.append(x)
        }
        return out
    }
}
