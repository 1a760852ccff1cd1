/// A model's vocabulary as the matcher sees it: each token's bytes, which tokens are special
/// (control tokens, never spelled as text), and which end generation. The Shell builds it
/// from the Engine's tokenizer; Grammar does not depend on the Engine.
public final class TokenVocabulary: @unchecked Sendable {
    /// Number of token ids.
    public let count: Int
    /// Bytes of every token (special tokens: their text).
    public let tokenBytes: [[UInt8]]
    /// Ids of special tokens (matched only by `GrammarExpr.specialToken`).
    public let specialIDs: Set<Int32>
    /// Ids that end generation (allowed only where the grammar accepts).
    public let endOfGeneration: [Int32]
    /// Special-token ids by text.
    let specialByText: [String: [Int32]]
    /// The longest ordinary token, in bytes.
    public let maxTokenLength: Int

    // Two token tries in the same arrays, nodes in pre-order: the full trie (root node 0) and
    // the remainder trie (root `remainderRoot`). Roots have no byte.
    /// The byte leading into each node.
    let nodeByte: [UInt8]
    /// Depth of each node (root 0).
    let nodeDepth: [UInt16]
    /// Index just past each node's subtree.
    let nodeEnd: [Int32]
    /// Tokens ending at a node: `nodeTokens[nodeTokenStart[n]..<nodeTokenStart[n+1]]`.
    let nodeTokenStart: [Int32]
    let nodeTokens: [Int32]
    /// The same per node, packed for the walks (one cache line holds a few nodes), plus a
    /// sentinel whose `tokenStart` ends the last node's tokens.
    let nodes: [TrieNode]
    /// Child tables of the nodes with at least `wideChildren` children (`TrieNode.wide`):
    /// `wideTables[wideOffset[n] + b]` is the child of node `n` reached by byte `b`, or 0. A walk
    /// reads the table and skips dead bytes without loading their nodes.
    let wideTables: [Int32]
    let wideOffset: [Int32: Int32]
    /// Children from which a node gets a child table.
    static let wideChildren = 16
    /// The slice tiers, shortest first: tier `i` holds the ordinary tokens that are UTF-8 text
    /// (the last character maybe cut, no byte of `sliceExcluded`) of at most `tiers[i].maxLength`
    /// bytes. A state that keeps every such text of that length alive accepts the tier whole
    /// (its `bits`), and only the trie of the other tokens (rooted at its `root`) is walked.
    /// Tier 0 ends at `sliceMaxLength`; tier 1 adds the longer text tokens (runs of spaces,
    /// `=====`, long words) up to `longSliceLimit` bytes, for states whose text loop is unbounded.
    public let sliceTiers: [SliceTier]
    /// Tier 0's bits (`sliceTiers[0].bits`).
    public var sliceBits: [UInt32] { sliceTiers[0].bits }
    /// Number of tier-0 slice tokens.
    public var sliceTokenCount: Int { sliceTiers[0].tokenCount }
    /// Root of the trie of the ordinary tokens outside tier 0 (nodes after the full trie's).
    public var remainderRoot: Int32 { sliceTiers[0].root }

    /// Builds the vocabulary and its trie. `special` ids are kept out of the trie; tokens with
    /// no bytes are never allowed.
    public init(tokens: [[UInt8]], special: Set<Int32>, endOfGeneration: Set<Int32>) {
        count = tokens.count
        tokenBytes = tokens
        specialIDs = special
        self.endOfGeneration = endOfGeneration.filter { $0 >= 0 && Int($0) < tokens.count }.sorted()
        var byText: [String: [Int32]] = [:]
        for id in special where id >= 0 && Int(id) < tokens.count {
            byText[String(decoding: tokens[Int(id)], as: UTF8.self), default: []].append(id)
        }
        specialByText = byText

        var ids: [Int32] = []
        ids.reserveCapacity(tokens.count)
        for i in tokens.indices where !tokens[i].isEmpty && !special.contains(Int32(i)) && !endOfGeneration.contains(Int32(i)) {
            ids.append(Int32(i))
        }
        // The slice tiers: ordinary tokens that are UTF-8 text (maybe cut in the last character) with
        // no byte of `sliceExcluded`, by length; each tier's remainder trie holds every other ordinary token.
        let words = (tokens.count + 31) / 32
        var shortBits = [UInt32](repeating: 0, count: words)
        var shortCount = 0, longCount = 0, longest = 0
        var shortRest: [Int32] = [], longRest: [Int32] = []
        var longIDs: [Int32] = []
        for id in ids {
            let t = tokens[Int(id)]
            if t.count <= Self.longSliceLimit && Self.isSliceText(t) {
                if t.count <= Self.sliceMaxLength {
                    shortBits[Int(id) >> 5] |= 1 << UInt32(id & 31)
                    shortCount += 1
                    continue
                }
                longIDs.append(id)
                longCount += 1
                longest = max(longest, t.count)
            } else {
                longRest.append(id)
            }
            shortRest.append(id)
        }

        var trie = TrieBuilder(tokens: tokens)
        trie.append(ids)
        let shortRoot = Int32(trie.nodeByte.count)
        trie.append(shortRest)
        var tiers = [SliceTier(maxLength: Self.sliceMaxLength, bits: shortBits, tokenCount: shortCount, root: shortRoot,
                               nodeCount: trie.nodeByte.count - Int(shortRoot))]
        if longCount > 0 {
            var bits = shortBits
            for id in longIDs { bits[Int(id) >> 5] |= 1 << UInt32(id & 31) }
            let root = Int32(trie.nodeByte.count)
            trie.append(longRest)
            tiers.append(SliceTier(maxLength: longest, bits: bits, tokenCount: shortCount + longCount, root: root,
                                   nodeCount: trie.nodeByte.count - Int(root)))
        }
        sliceTiers = tiers
        nodeByte = trie.nodeByte
        nodeDepth = trie.nodeDepth
        nodeEnd = trie.nodeEnd
        var flat: [Int32] = [], tokenStart: [Int32] = [0]
        for list in trie.tokensAt {
            flat.append(contentsOf: list)
            tokenStart.append(Int32(flat.count))
        }
        nodeTokenStart = tokenStart
        nodeTokens = flat
        var packed: [TrieNode] = []
        packed.reserveCapacity(tokenStart.count)
        for k in 0..<trie.nodeByte.count {
            packed.append(TrieNode(end: trie.nodeEnd[k], tokenStart: tokenStart[k], byte: trie.nodeByte[k], wide: false, depth: trie.nodeDepth[k]))
        }
        packed.append(TrieNode(end: 0, tokenStart: tokenStart[trie.nodeByte.count], byte: 0, wide: false, depth: 0))
        // Child tables of the wide nodes (the roots, a space, a newline, common word starts).
        var tables: [Int32] = []
        var offsets: [Int32: Int32] = [:]
        for n in 0..<trie.nodeByte.count {
            var children = 0
            var c = n + 1
            while c < Int(trie.nodeEnd[n]) && children < Self.wideChildren { children += 1; c = Int(trie.nodeEnd[c]) }
            guard children >= Self.wideChildren else { continue }
            let base = tables.count
            tables.append(contentsOf: repeatElement(0, count: 256))
            c = n + 1
            while c < Int(trie.nodeEnd[n]) { tables[base + Int(trie.nodeByte[c])] = Int32(c); c = Int(trie.nodeEnd[c]) }
            offsets[Int32(n)] = Int32(base)
            packed[n].wide = true
        }
        wideTables = tables
        wideOffset = offsets
        nodes = packed
        maxTokenLength = trie.longest
    }

    /// Bytes no slice token contains: C0 controls, `"`, `\` and DEL (JSON string text).
    public static let sliceExcluded: ByteSet = {
        var s = ByteSet(range: 0x00, 0x1F)
        for b in Array("\"\\".utf8) + [0x7F] { s.insert(b) }
        return s
    }()
    /// The longest tier-0 slice token, in bytes (the counter horizon's default: keys with
    /// abstracted counters take tier 0 at most).
    public static let sliceMaxLength = 24
    /// The longest tier-1 slice token, in bytes (longer text tokens stay in every remainder trie).
    public static let longSliceLimit = 256

    /// Whether `t` is UTF-8 text (no overlong form or surrogate; the last character may be cut
    /// short, as byte-level BPE tokens often are) without a byte of `sliceExcluded`. A slice
    /// check walks every byte path the UTF-8 automaton allows, cut characters included.
    static func isSliceText(_ t: [UInt8]) -> Bool {
        var state: UInt8 = 0
        for b in t {
            state = utf8Next(state, b)
            if state == utf8Dead { return false }
        }
        return true
    }

    /// A UTF-8 validator as a byte automaton restricted to the slice's text: state 0 is a
    /// character boundary, 1-3 need that many continuation bytes, 4-7 are the lead bytes
    /// E0, ED, F0 and F4 whose next byte has a narrower range; `utf8Dead` rejects.
    static let utf8Dead: UInt8 = 0xFF
    @inline(__always)
    static func utf8Next(_ state: UInt8, _ b: UInt8) -> UInt8 {
        switch state {
        case 0:
            switch b {
            case 0x00...0x7F: return sliceExcluded.contains(b) ? utf8Dead : 0
            case 0xC2...0xDF: return 1
            case 0xE0: return 4
            case 0xED: return 5
            case 0xE1...0xEF: return 2
            case 0xF0: return 6
            case 0xF1...0xF3: return 3
            case 0xF4: return 7
            default: return utf8Dead
            }
        case 1, 2, 3: return (0x80...0xBF).contains(b) ? state - 1 : utf8Dead
        case 4: return (0xA0...0xBF).contains(b) ? 1 : utf8Dead
        case 5: return (0x80...0x9F).contains(b) ? 1 : utf8Dead
        case 6: return (0x90...0xBF).contains(b) ? 2 : utf8Dead
        case 7: return (0x80...0x8F).contains(b) ? 2 : utf8Dead
        default: return utf8Dead
        }
    }

    /// The non-dead bytes of each `utf8Next` state as ranges with one next state each (the
    /// slice checks step by range instead of by byte).
    static let utf8Classes: [[(lo: UInt8, hi: UInt8, next: UInt8)]] = (0..<8).map { state in
        var out: [(lo: UInt8, hi: UInt8, next: UInt8)] = []
        for b in 0...255 {
            let n = utf8Next(UInt8(state), UInt8(b))
            if n == utf8Dead { continue }
            if let l = out.last, Int(l.hi) == b - 1, l.next == n { out[out.count - 1].hi = UInt8(b) } else { out.append((UInt8(b), UInt8(b), n)) }
        }
        return out
    }

    /// Number of nodes of the full trie.
    public var trieNodeCount: Int { Int(remainderRoot) }
    /// Number of nodes of the tier-0 remainder trie.
    public var remainderNodeCount: Int { sliceTiers[0].nodeCount }

    /// The special token ids whose text is `text`.
    public func specialIDs(text: String) -> [Int32] { specialByText[text] ?? [] }

    /// The bytes from the root to trie node `n`.
    func pathBytes(to n: Int32) -> [UInt8] {
        // The node's first token spells the path when it has one; else walk back by depth.
        var out = [UInt8](repeating: 0, count: Int(nodeDepth[Int(n)]))
        var k = Int(n)
        var d = out.count
        while d > 0 {
            if Int(nodeDepth[k]) == d { out[d - 1] = nodeByte[k]; d -= 1 }
            k -= 1
        }
        return out
    }
}

/// One slice tier of a vocabulary (`TokenVocabulary.sliceTiers`).
public struct SliceTier: Sendable {
    /// The longest token of the tier, in bytes.
    public let maxLength: Int
    /// The tier's tokens (those of the shorter tiers included), one bit per id.
    public let bits: [UInt32]
    /// Number of tokens in `bits`.
    public let tokenCount: Int
    /// Root of the trie of the ordinary tokens outside the tier.
    public let root: Int32
    /// Number of nodes of that trie (its root included).
    public let nodeCount: Int
}

/// One trie node as the walks read it.
struct TrieNode {
    /// Index just past the node's subtree.
    var end: Int32
    /// Start of the node's tokens in `nodeTokens` (the next node's start ends them).
    var tokenStart: Int32
    /// The byte leading into the node.
    var byte: UInt8
    /// Whether the node has a child table (`TokenVocabulary.wideTables`).
    var wide: Bool
    /// Depth of the node (roots 0).
    var depth: UInt16
}

/// Builds tries in pre-order from token ids sorted by their bytes, appending to shared arrays.
private struct TrieBuilder {
    let tokens: [[UInt8]]
    var nodeByte: [UInt8] = []
    var nodeDepth: [UInt16] = []
    var nodeEnd: [Int32] = []
    var tokensAt: [[Int32]] = []
    var longest = 0

    init(tokens: [[UInt8]]) { self.tokens = tokens }

    /// Appends a trie of `ids` (a root, then the nodes); sorts the ids by bytes first.
    mutating func append(_ unsorted: [Int32]) {
        // Sort by the first eight bytes packed big-endian (zero-padded), ties by full comparison.
        let tokens = self.tokens
        var keyed = unsorted.map { id -> (UInt64, Int32) in
            var k: UInt64 = 0
            let t = tokens[Int(id)]
            for j in 0..<8 { k = k << 8 | UInt64(j < t.count ? t[j] : 0) }
            return (k, id)
        }
        keyed.sort { a, b in
            if a.0 != b.0 { return a.0 < b.0 }
            return tokens[Int(a.1)].lexicographicallyPrecedes(tokens[Int(b.1)])
        }
        let root = Int32(nodeByte.count)
        nodeByte.append(0); nodeDepth.append(0); nodeEnd.append(0); tokensAt.append([])
        var path: [Int32] = [root]   // node indices along the current path (path[d] at depth d)
        var prev: [UInt8] = []
        for (_, id) in keyed {
            let t = tokens[Int(id)]
            longest = max(longest, t.count)
            var lcp = 0
            while lcp < prev.count && lcp < t.count && prev[lcp] == t[lcp] { lcp += 1 }
            // Close nodes deeper than the common prefix.
            while path.count - 1 > lcp {
                let n = path.removeLast()
                nodeEnd[Int(n)] = Int32(nodeByte.count)
            }
            for d in lcp..<t.count {
                nodeByte.append(t[d]); nodeDepth.append(UInt16(clamping: d + 1)); nodeEnd.append(0); tokensAt.append([])
                path.append(Int32(nodeByte.count - 1))
            }
            tokensAt[Int(path[path.count - 1])].append(id)
            prev = t
        }
        while let n = path.popLast() { nodeEnd[Int(n)] = Int32(nodeByte.count) }
    }
}
