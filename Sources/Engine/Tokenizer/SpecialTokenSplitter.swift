/// Cuts special-token texts out of the input before the tokenizer model sees it, the way
/// llama.cpp does: candidate tokens are tried longest first, each over every remaining text
/// fragment, left to right. User-defined tokens are always cut out; control and unknown
/// tokens only when special tokens are parsed.
struct SpecialTokenSplitter: Sendable {
    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    /// Special token texts → id.
    private let table: ByteStringTable
    /// Ids in the order llama.cpp tries them (longer texts first; equal lengths by id).
    private let ordered: [Int32]
    private let texts: [[UInt8]]
    private let parseOnlyWhenAsked: [Bool]
    /// For each first byte, the distinct text lengths of special tokens starting with it.
    private let lengthsByFirstByte: [[Int]]

    init(vocabulary v: Vocabulary) {
        var ids: [Int32] = []
        for i in 0 ..< v.count where !v.attributes[i].isDisjoint(with: [.control, .userDefined, .unknown]) {
            ids.append(Int32(i))
        }
        ids.sort { a, b in
            let la = v.texts[Int(a)].count, lb = v.texts[Int(b)].count
            return la != lb ? la > lb : a < b
        }
        ordered = ids
        var table = ByteStringTable()
        var texts = [[UInt8]](repeating: [], count: v.count)
        var flags = [Bool](repeating: false, count: v.count)
        var lengths = [Set<Int>](repeating: [], count: 256)
        for id in ids.reversed() {   // the first in llama.cpp order wins a shared text
            let t = v.texts[Int(id)]
            table.insert(t, id)
            texts[Int(id)] = t
            flags[Int(id)] = !v.attributes[Int(id)].isDisjoint(with: [.control, .unknown])
            lengths[Int(t[0])].insert(t.count)
        }
        self.table = table
        self.texts = texts
        parseOnlyWhenAsked = flags
        lengthsByFirstByte = lengths.map { $0.sorted(by: >) }
    }

    /// Splits `bytes` into text fragments and special tokens.
    func split(_ bytes: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        let n = bytes.count
        guard n > 0, let base = bytes.baseAddress else { return [] }
        // Which special tokens occur anywhere in the text (only they can match below).
        var present = Set<Int32>()
        for i in 0 ..< n {
            let lengths = lengthsByFirstByte[Int(bytes[i])]
            if lengths.isEmpty { continue }
            for len in lengths where len <= n - i {
                if let id = table.lookup(base + i, len), parseSpecial || !parseOnlyWhenAsked[Int(id)] {
                    present.insert(id)
                }
            }
        }
        var fragments: [Fragment] = [.text(0 ..< n)]
        if present.isEmpty { return fragments }
        for id in ordered where present.contains(id) {
            let needle = texts[Int(id)]
            var result: [Fragment] = []
            result.reserveCapacity(fragments.count + 2)
            for fragment in fragments {
                guard case let .text(range) = fragment else { result.append(fragment); continue }
                var from = range.lowerBound
                while let match = Self.find(needle, in: bytes, from: from, to: range.upperBound) {
                    if match > from { result.append(.text(from ..< match)) }
                    result.append(.token(id))
                    from = match + needle.count
                }
                if from < range.upperBound { result.append(.text(from ..< range.upperBound)) }
            }
            fragments = result
        }
        return fragments
    }

    static func find(_ needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        let m = needle.count
        guard m > 0, to - from >= m, let base = bytes.baseAddress else { return nil }
        let first = needle[0]
        return needle.withUnsafeBufferPointer { nb -> Int? in
            guard let np = nb.baseAddress else { return nil }
            var i = from
            while i <= to - m {
                if base[i] == first, memcmpBytes(base + i, np, m) { return i }
                i += 1
            }
            return nil
        }
    }
}
