/// Turns a stream of token ids into text deltas. Bytes of a UTF-8 sequence split across
/// tokens are held back until the sequence is complete, so a delta never contains broken
/// UTF-8; bytes that can never form a valid sequence come out as U+FFFD.
public struct IncrementalDetokenizer: Sendable {
    private let tokenizer: any Tokenizer
    private let renderSpecial: Bool
    private var pending: [UInt8] = []
    /// All text emitted so far.
    public private(set) var text = ""

    /// `renderSpecial == false` drops control and unknown tokens (e.g. `<|im_end|>`) from the text.
    public init(tokenizer: any Tokenizer, renderSpecial: Bool = true) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
    }

    /// Adds one token; returns the text that became complete (possibly empty).
    public mutating func append(_ id: Int32) -> String {
        if !renderSpecial {
            let kind = tokenizer.tokenKind(id)
            if kind == .control || kind == .unknown { return "" }
        }
        pending += tokenizer.piece(id)
        let end = Self.completePrefixLength(pending)
        guard end > 0 else { return "" }
        let delta = String(decoding: pending[..<end], as: UTF8.self)
        pending.removeFirst(end)
        text += delta
        return delta
    }

    /// Adds several tokens; returns the concatenated delta.
    public mutating func append(contentsOf ids: [Int32]) -> String {
        var out = ""
        for id in ids { out += append(id) }
        return out
    }

    /// Bytes held back waiting for the rest of a UTF-8 sequence.
    public var heldBytes: [UInt8] { pending }

    /// Emits whatever is held back (an incomplete sequence becomes U+FFFD).
    public mutating func finish() -> String {
        guard !pending.isEmpty else { return "" }
        let delta = String(decoding: pending, as: UTF8.self)
        pending.removeAll()
        text += delta
        return delta
    }

    /// Length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence
    /// that could still be completed.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        var i = n - 1
        var continuation = 0
        while i >= 0, continuation < 3, bytes[i] & 0xC0 == 0x80 {
            continuation += 1
            i -= 1
        }
        guard i >= 0 else { return n }   // only continuation bytes: nothing can complete them
        let lead = bytes[i]
        let expected: Int
        switch lead {
        case 0xC2 ... 0xDF: expected = 2
        case 0xE0 ... 0xEF: expected = 3
        case 0xF0 ... 0xF4: expected = 4
        default: return n
        }
        let have = n - i
        if have >= expected { return n }
        // The second byte of some sequences has a narrower range.
        if have >= 2 {
            let b1 = bytes[i + 1]
            let ok: Bool
            switch lead {
            case 0xE0: ok = b1 >= 0xA0
            case 0xED: ok = b1 <= 0x9F
            case 0xF0: ok = b1 >= 0x90
            case 0xF4: ok = b1 <= 0x8F
            default: ok = true
            }
            if !ok { return n }
        }
        return i
    }
}
