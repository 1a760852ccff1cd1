/// Byte-level BPE (the GGUF `gpt2` tokenizer model): split rules, then merges by rank.
/// Works on raw bytes: vocabulary texts are decoded from their `Ġ`-form once, and merges
/// are keyed by pairs of interned symbol ids.
struct BytePairEncoder: Sendable {
    let preTokenizer: PreTokenizerKind
    let vocabularySize: Int
    let ignoreMerges: Bool
    /// Raw bytes → symbol id; ids below `vocabularySize` are tokens.
    private let symbols: ByteStringTable
    /// (left << 32 | right) → rank and merged symbol.
    private let mergeTable: [UInt64: Merge]
    /// Symbol of each single byte, or -1.
    private let byteSymbol: [Int32]
    /// Token whose text is exactly this one byte (the per-byte fallback), or -1.
    private let singleByteToken: [Int32]

    struct Merge: Sendable {
        let rank: Int32
        let result: Int32
    }

    init(vocabulary v: Vocabulary, preTokenizer: PreTokenizerKind) {
        self.preTokenizer = preTokenizer
        vocabularySize = v.count
        ignoreMerges = v.ignoreMerges
        // Every symbol is a token or a merge's part or result: at most count + 3 × merges, most
        // of them tokens; the table is sized once for tokens and merge results.
        var keyBytes = 0
        for text in v.texts { keyBytes += text.count }
        var table = ByteStringTable(minimumCapacity: v.count + v.merges.count, keyBytes: keyBytes * 2)
        var singles = [Int32](repeating: -1, count: 256)
        var raw = [UInt8]()
        for (i, text) in v.texts.enumerated() {
            if text.count == 1 { singles[Int(text[0])] = Int32(i) }
            raw.removeAll(keepingCapacity: true)
            let ok = text.withUnsafeBufferPointer { ByteLevelEncoding.decode($0, appendingTo: &raw) }
            if ok { raw.withUnsafeBufferPointer { table.insert($0, Int32(i)) } }
        }
        var nextSymbol = Int32(v.count)
        func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
            if let s = table.lookup(bytes.baseAddress, bytes.count) { return s }
            let s = nextSymbol
            nextSymbol += 1
            table.insert(bytes, s)
            return s
        }
        var merges = [UInt64: Merge](minimumCapacity: v.merges.count)
        // left and right decoded back to back: [left | right] is also the merged symbol's bytes
        var pair = [UInt8]()
        for (rank, line) in v.merges.enumerated() {
            guard line.count > 1, let space = line[1...].firstIndex(of: 0x20) else { continue }
            pair.removeAll(keepingCapacity: true)
            let leftCount = line.withUnsafeBufferPointer { buf -> Int? in
                guard ByteLevelEncoding.decode(UnsafeBufferPointer(rebasing: buf[..<space]), appendingTo: &pair) else { return nil }
                let n = pair.count
                guard ByteLevelEncoding.decode(UnsafeBufferPointer(rebasing: buf[(space + 1)...]), appendingTo: &pair) else { return nil }
                return n
            }
            guard let leftCount else { continue }
            pair.withUnsafeBufferPointer { both in
                let l = intern(UnsafeBufferPointer(rebasing: both[..<leftCount]))
                let r = intern(UnsafeBufferPointer(rebasing: both[leftCount...]))
                let key = UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))
                if merges[key] == nil {
                    merges[key] = Merge(rank: Int32(rank), result: intern(both))
                }
            }
        }
        var bytes = [Int32](repeating: -1, count: 256)
        for b in 0 ..< 256 { bytes[b] = table.lookup([UInt8(b)]) ?? -1 }
        symbols = table
        mergeTable = merges
        byteSymbol = bytes
        singleByteToken = singles
    }

    fileprivate struct Candidate: Comparable {
        let rank: Int32
        let left: Int32
        let right: Int32
        let leftSymbol: Int32
        let rightSymbol: Int32
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.rank != b.rank ? a.rank < b.rank : a.left < b.left
        }
    }

    /// Reusable buffers for one encode call.
    struct Scratch {
        var symbol: [Int32] = []
        var length: [Int32] = []
        var start: [Int32] = []
        var next: [Int32] = []
        var prev: [Int32] = []
        fileprivate var heap = MinHeap<Candidate>()
    }

    @inline(__always) private func merge(_ l: Int32, _ r: Int32) -> Merge? {
        guard l >= 0, r >= 0 else { return nil }
        return mergeTable[UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))]
    }

    /// Appends the tokens of a text fragment (no special tokens inside) to `out`.
    func encode(_ text: UnsafeBufferPointer<UInt8>, into out: inout [Int32], scratch: inout Scratch) {
        for word in preTokenizer.split(text) {
            encodeWord(UnsafeBufferPointer(rebasing: text[word]), into: &out, scratch: &scratch)
        }
    }

    private func encodeWord(_ word: UnsafeBufferPointer<UInt8>, into out: inout [Int32], scratch s: inout Scratch) {
        let n = word.count
        guard n > 0 else { return }
        if n == 1, byteSymbol[Int(word[0])] >= 0, byteSymbol[Int(word[0])] < vocabularySize {
            out.append(byteSymbol[Int(word[0])])
            return
        }
        if ignoreMerges, let id = symbols.lookup(word.baseAddress, n), id < vocabularySize {
            out.append(id)
            return
        }
        s.symbol.removeAll(keepingCapacity: true)
        s.length.removeAll(keepingCapacity: true)
        s.start.removeAll(keepingCapacity: true)
        s.next.removeAll(keepingCapacity: true)
        s.prev.removeAll(keepingCapacity: true)
        s.heap.removeAll()
        for i in 0 ..< n {
            s.symbol.append(byteSymbol[Int(word[i])])
            s.length.append(1)
            s.start.append(Int32(i))
            s.next.append(i + 1 < n ? Int32(i + 1) : -1)
            s.prev.append(Int32(i - 1))
        }
        for i in 1 ..< n {
            if let m = merge(s.symbol[i - 1], s.symbol[i]) {
                s.heap.push(Candidate(rank: m.rank, left: Int32(i - 1), right: Int32(i),
                                      leftSymbol: s.symbol[i - 1], rightSymbol: s.symbol[i]))
            }
        }
        while let c = s.heap.pop() {
            let l = Int(c.left), r = Int(c.right)
            // Skip candidates made stale by an earlier merge.
            guard s.length[l] > 0, s.length[r] > 0, s.symbol[l] == c.leftSymbol, s.symbol[r] == c.rightSymbol,
                  s.next[l] == c.right, let m = merge(c.leftSymbol, c.rightSymbol) else { continue }
            s.symbol[l] = m.result
            s.length[l] += s.length[r]
            s.length[r] = 0
            s.next[l] = s.next[r]
            if s.next[r] >= 0 { s.prev[Int(s.next[r])] = c.left }
            let p = s.prev[l]
            if p >= 0, let pm = merge(s.symbol[Int(p)], s.symbol[l]) {
                s.heap.push(Candidate(rank: pm.rank, left: p, right: c.left, leftSymbol: s.symbol[Int(p)], rightSymbol: s.symbol[l]))
            }
            let q = s.next[l]
            if q >= 0, let qm = merge(s.symbol[l], s.symbol[Int(q)]) {
                s.heap.push(Candidate(rank: qm.rank, left: c.left, right: q, leftSymbol: s.symbol[l], rightSymbol: s.symbol[Int(q)]))
            }
        }
        var i: Int32 = 0
        while i >= 0 {
            let sym = s.symbol[Int(i)]
            if sym >= 0, sym < vocabularySize {
                out.append(sym)
            } else {
                // Not a token: each byte of the symbol's mapped text that is itself a token.
                let start = Int(s.start[Int(i)])
                for k in start ..< start + Int(s.length[Int(i)]) {
                    for b in ByteLevelEncoding.byteToUTF8[Int(word[k])] where singleByteToken[Int(b)] >= 0 {
                        out.append(singleByteToken[Int(b)])
                    }
                }
            }
            i = s.next[Int(i)]
        }
    }
}
