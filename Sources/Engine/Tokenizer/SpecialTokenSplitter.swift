#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cuts special-token texts out of the input before the tokenizer model sees it, the way
/// llama.cpp does: candidate tokens are tried longest first, each over every remaining text
/// fragment, left to right. User-defined tokens are always cut out; control and unknown
/// tokens only when special tokens are parsed.
struct SpecialTokenSplitter: Sendable {
    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    /// Ids in the order llama.cpp tries them (longer texts first; equal lengths by id).
    private let ordered: [Int32]
    private let texts: [[UInt8]]
    private let parseOnlyWhenAsked: [Bool]
    /// A byte trie of the special texts: node 0 is the root; a node's children lie at
    /// `childStart[node] ..< childStart[node] + childCount[node]` in `childByte`/`childNode`.
    private let childStart: [Int32]
    private let childCount: [UInt16]
    private let childByte: [UInt8]
    private let childNode: [Int32]
    /// Token ending at each node, or -1.
    private let terminal: [Int32]
    /// Child of the root for each first byte, or -1.
    private let rootChild: [Int32]

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
        var texts = [[UInt8]](repeating: [], count: v.count)
        var flags = [Bool](repeating: false, count: v.count)
        var children: [[UInt8: Int32]] = [[:]]
        var terminal: [Int32] = [-1]
        for id in ids.reversed() {   // the first in llama.cpp order wins a shared text
            let t = v.texts[Int(id)]
            texts[Int(id)] = t
            flags[Int(id)] = !v.attributes[Int(id)].isDisjoint(with: [.control, .unknown])
            var node = 0
            for b in t {
                if let next = children[node][b] {
                    node = Int(next)
                } else {
                    children.append([:])
                    terminal.append(-1)
                    children[node][b] = Int32(children.count - 1)
                    node = children.count - 1
                }
            }
            terminal[node] = id
        }
        self.texts = texts
        parseOnlyWhenAsked = flags
        var starts: [Int32] = [], counts: [UInt16] = [], bytes: [UInt8] = [], nodes: [Int32] = []
        for c in children {
            starts.append(Int32(bytes.count))
            counts.append(UInt16(c.count))
            for (b, n) in c.sorted(by: { $0.key < $1.key }) {
                bytes.append(b)
                nodes.append(n)
            }
        }
        childStart = starts
        childCount = counts
        childByte = bytes
        childNode = nodes
        self.terminal = terminal
        var root = [Int32](repeating: -1, count: 256)
        for (b, n) in children[0] { root[Int(b)] = n }
        rootChild = root
    }

    @inline(__always) private func child(_ node: Int, _ byte: UInt8) -> Int {
        let start = Int(childStart[node])
        for k in start ..< start + Int(childCount[node]) where childByte[k] == byte { return Int(childNode[k]) }
        return -1
    }

    /// Splits `bytes` into text fragments and special tokens.
    func split(_ bytes: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        let n = bytes.count
        guard n > 0 else { return [] }
        // Which special tokens occur anywhere in the text (only they can match below).
        var present = Set<Int32>()
        for i in 0 ..< n {
            var node = Int(rootChild[Int(bytes[i])])
            var j = i + 1
            while node >= 0 {
                let id = terminal[node]
                if id >= 0, parseSpecial || !parseOnlyWhenAsked[Int(id)] { present.insert(id) }
                guard j < n else { break }
                node = child(node, bytes[j])
                j += 1
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
            let last = to - m
            while i <= last {
                guard let hit = memchr(base + i, Int32(first), last - i + 1) else { return nil }
                i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + i, np, m) == 0 { return i }
                i += 1
            }
            return nil
        }
    }
}
