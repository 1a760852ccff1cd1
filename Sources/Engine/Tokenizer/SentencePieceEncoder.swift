/// SentencePiece-style BPE (the GGUF `llama` tokenizer model): spaces become `▁`, adjacent
/// pieces merge by highest vocabulary score, and text no piece covers falls back to
/// `<0xXX>` byte tokens.
struct SentencePieceEncoder: Sendable {
    private let table: ByteStringTable
    private let scores: [Float]
    /// `<0xXX>` token for each byte (or the one-byte text token), -1 if neither exists.
    private let byteToken: [Int32]
    let unknown: Int32?

    init(vocabulary v: Vocabulary) {
        table = ByteStringTable(v.texts.enumerated().map { ($0.element, Int32($0.offset)) })
        scores = v.scores
        var bytes = [Int32](repeating: -1, count: 256)
        for b in 0 ..< 256 {
            let hex = String(b, radix: 16, uppercase: true)
            let name = "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
            if let id = table.lookup(Array(name.utf8)) {
                bytes[b] = id
            } else if let id = table.lookup([UInt8(b)]) {
                bytes[b] = id
            }
        }
        byteToken = bytes
        unknown = v.unk
    }

    fileprivate struct Candidate: Comparable {
        let score: Float
        let left: Int32
        let right: Int32
        let size: Int32
        // Highest score first; equal scores: leftmost first.
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.score != b.score ? a.score > b.score : a.left < b.left
        }
    }

    struct Scratch {
        var start: [Int32] = []
        var length: [Int32] = []
        var next: [Int32] = []
        var prev: [Int32] = []
        var escaped: [UInt8] = []
        fileprivate var heap = MinHeap<Candidate>()
    }

    /// Appends the tokens of `text` (a fragment without special tokens); `spacePrefix` adds
    /// the leading space SentencePiece models expect when configured to.
    func encode(_ text: UnsafeBufferPointer<UInt8>, spacePrefix: Bool, into out: inout [Int32], scratch s: inout Scratch) {
        s.escaped.removeAll(keepingCapacity: true)
        if spacePrefix { s.escaped += [0xE2, 0x96, 0x81] }
        for b in text {
            if b == 0x20 { s.escaped += [0xE2, 0x96, 0x81] } else { s.escaped.append(b) }
        }
        s.escaped.withUnsafeBufferPointer { buf in encodeEscaped(buf, into: &out, scratch: &s) }
    }

    @inline(__always) private static func utf8Length(_ b: UInt8) -> Int {
        switch b >> 4 {
        case 0xC, 0xD: return 2
        case 0xE: return 3
        case 0xF: return 4
        default: return 1
        }
    }

    private func encodeEscaped(_ text: UnsafeBufferPointer<UInt8>, into out: inout [Int32], scratch s: inout Scratch) {
        let n = text.count
        guard n > 0, let base = text.baseAddress else { return }
        s.start.removeAll(keepingCapacity: true)
        s.length.removeAll(keepingCapacity: true)
        s.next.removeAll(keepingCapacity: true)
        s.prev.removeAll(keepingCapacity: true)
        s.heap.removeAll()
        var offset = 0
        var index: Int32 = 0
        while offset < n {
            let len = min(Self.utf8Length(text[offset]), n - offset)
            s.start.append(Int32(offset))
            s.length.append(Int32(len))
            s.prev.append(index - 1)
            offset += len
            s.next.append(offset == n ? -1 : index + 1)
            index += 1
        }
        let count = s.start.count
        func tryAdd(_ l: Int32, _ r: Int32, _ s: inout Scratch) {
            guard l >= 0, r >= 0 else { return }
            let size = Int(s.length[Int(l)] + s.length[Int(r)])
            guard let id = table.lookup(base + Int(s.start[Int(l)]), size) else { return }
            s.heap.push(Candidate(score: scores[Int(id)], left: l, right: r, size: Int32(size)))
        }
        for i in 1 ..< max(count, 1) { tryAdd(Int32(i - 1), Int32(i), &s) }
        while let c = s.heap.pop() {
            let l = Int(c.left), r = Int(c.right)
            guard s.length[l] > 0, s.length[r] > 0, s.length[l] + s.length[r] == c.size else { continue }
            s.length[l] += s.length[r]
            s.length[r] = 0
            s.next[l] = s.next[r]
            if s.next[r] >= 0 { s.prev[Int(s.next[r])] = c.left }
            tryAdd(s.prev[l], c.left, &s)
            tryAdd(c.left, s.next[l], &s)
        }
        var i: Int32 = 0
        while i >= 0 {
            let st = Int(s.start[Int(i)]), len = Int(s.length[Int(i)])
            if let id = table.lookup(base + st, len) {
                out.append(id)
            } else {
                for k in st ..< st + len {
                    let t = byteToken[Int(text[k])]
                    if t >= 0 { out.append(t) } else if let unknown { out.append(unknown) }
                }
            }
            i = s.next[Int(i)]
        }
    }
}
