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

    // The token trie, nodes in pre-order. Node 0 is the root (no byte).
    /// The byte leading into each node.
    let nodeByte: [UInt8]
    /// Depth of each node (root 0).
    let nodeDepth: [UInt16]
    /// Index just past each node's subtree.
    let nodeEnd: [Int32]
    /// Tokens ending at a node: `nodeTokens[nodeTokenStart[n]..<nodeTokenStart[n+1]]`.
    let nodeTokenStart: [Int32]
    let nodeTokens: [Int32]
    /// The trie node of each ordinary token (-1 for special or empty tokens).
    let tokenNode: [Int32]

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
        // Sort by the first eight bytes packed big-endian (zero-padded), ties by full comparison.
        var prefixKey = [UInt64](repeating: 0, count: tokens.count)
        for id in ids {
            var k: UInt64 = 0
            let t = tokens[Int(id)]
            for j in 0..<8 { k = k << 8 | UInt64(j < t.count ? t[j] : 0) }
            prefixKey[Int(id)] = k
        }
        ids.sort { a, b in
            let ka = prefixKey[Int(a)], kb = prefixKey[Int(b)]
            if ka != kb { return ka < kb }
            return tokens[Int(a)].lexicographicallyPrecedes(tokens[Int(b)])
        }

        var bytesOut: [UInt8] = [0], depth: [UInt16] = [0], end: [Int32] = [0]
        var tokenStart: [Int32] = [0], flat: [Int32] = []
        var nodeOf = [Int32](repeating: -1, count: tokens.count)
        var path: [Int32] = [0]   // node indices along the current path (path[d] at depth d)
        var prev: [UInt8] = []
        var longest = 0
        // tokensAt[node] collected in creation order; nodes are created in pre-order.
        var tokensAt: [[Int32]] = [[]]
        for id in ids {
            let t = tokens[Int(id)]
            longest = max(longest, t.count)
            var lcp = 0
            while lcp < prev.count && lcp < t.count && prev[lcp] == t[lcp] { lcp += 1 }
            // Close nodes deeper than the common prefix.
            while path.count - 1 > lcp {
                let n = path.removeLast()
                end[Int(n)] = Int32(bytesOut.count)
            }
            for d in lcp..<t.count {
                bytesOut.append(t[d]); depth.append(UInt16(clamping: d + 1)); end.append(0); tokensAt.append([])
                path.append(Int32(bytesOut.count - 1))
            }
            let node = path[path.count - 1]
            tokensAt[Int(node)].append(id)
            nodeOf[Int(id)] = node
            prev = t
        }
        while let n = path.popLast() { end[Int(n)] = Int32(bytesOut.count) }
        for list in tokensAt {
            flat.append(contentsOf: list)
            tokenStart.append(Int32(flat.count))
        }
        nodeByte = bytesOut
        nodeDepth = depth
        nodeEnd = end
        nodeTokenStart = tokenStart
        nodeTokens = flat
        tokenNode = nodeOf
        maxTokenLength = longest
    }

    /// Number of trie nodes.
    public var trieNodeCount: Int { nodeByte.count }

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
