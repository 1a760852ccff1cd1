/// The token-level matcher: which vocabulary tokens may come next under a grammar.
///
/// The configurations of a parse state are grouped by their stack (the alternatives of one rule
/// invocation), and masks come from a cache keyed by each group's tops (states and loop
/// counters) and the `contextDepth - 1` frames below, counters abstracted where a token cannot
/// tell them apart. A cache entry is computed once by walking the token trie from that key with
/// the stack below unknown: tokens the key alone decides are stored (accepted ones as a list or
/// bitset); tokens whose fate depends on the stack below ("escapes": the key's rules end inside
/// the token) are stored as trie nodes whose subtrees are walked at run time from the real
/// stack. A key that keeps every slice text alive (JSON string bodies) takes the vocabulary's
/// slice whole and walks only the remainder trie. So a mask costs an OR of cached bits plus
/// short walks.

/// Tuning of the mask cache.
public struct MatcherOptions: Sendable {
    /// Stack frames (including the top) that key the mask cache.
    public var contextDepth: Int
    /// Tokens longer than this are checked at run time where loop counters were abstracted.
    public var counterHorizon: Int
    /// Work spent at compile time on the mask cache entries nearest the start (see
    /// `CompiledGrammar.precompute`; 0: every entry is computed on first use).
    public var precomputeBudget: Int

    public init(contextDepth: Int = 3, counterHorizon: Int = 24, precomputeBudget: Int = 20_000) {
        self.contextDepth = max(1, contextDepth)
        self.counterHorizon = max(1, counterHorizon)
        self.precomputeBudget = max(0, precomputeBudget)
    }
}

/// A cache key: the packed (state, counter) tops of a group (sorted), then the frames below
/// from the top down, and whether the stack ends right below them (so ending them accepts).
struct MaskKey: Hashable {
    var frames: [Int64]
    var topCount: Int
    var atBottom: Bool
    var abstracted: Bool

    /// The fields folded into one hasher round.
    func hash(into h: inout Hasher) {
        var x = UInt64(topCount) << 2 | (atBottom ? 2 : 0) | (abstracted ? 1 : 0)
        for f in frames { x = (x ^ UInt64(bitPattern: f)) &* 0x9E37_79B9_7F4A_7C15; x ^= x >> 29 }
        h.combine(x)
    }
}

/// What the cache knows about one key.
final class MaskEntry {
    /// Accepted token ids (when few) or nil with `bits` set.
    var acceptedList: [Int32] = []
    var bits: [UInt32]?
    /// Trie nodes after which the top rules have ended: their subtrees depend on the stack below.
    var escapes: [Int32] = []
    /// Trie nodes (at the counter horizon) whose subtrees must be checked from the real config.
    var deep: [Int32] = []
}

/// A grammar compiled against one vocabulary, with its lazily filled mask cache. Shared by
/// every matcher of that grammar (not thread-safe: one generation at a time).
public final class CompiledGrammar: @unchecked Sendable {
    public let vocabulary: TokenVocabulary
    let automaton: PushdownAutomaton
    let options: MatcherOptions
    /// Token ids of each special slot.
    let slotIDs: [[Int32]]
    /// Slots each special token id reads.
    let slotsOfToken: [Int32: [Int32]]
    private var cache: [MaskKey: MaskEntry] = [:]
    /// The automaton runner shared by the cache walks and every matcher of this grammar (its
    /// stack arena, closure memo and interned sets only grow, so they are shared safely as long
    /// as one thread at a time uses the grammar).
    var runner: AutomatonRunner
    var walker = TrieWalker()
    /// Groups of the configuration sets met so far, by the set sorted as `groups` sorts it.
    private var groupMemo: [[Config]: [Group]] = [:]
    private var fillSink = WalkSink()
    /// Tokens the escapes of an entry accept from a stack node below its key (the entry is
    /// kept with them, so its identity is never reused).
    private var escapeMemo: [EscapeKey: (entry: MaskEntry, tokens: [Int32])] = [:]
    struct EscapeKey: Hashable {
        let entry: ObjectIdentifier
        let below: Int32
    }

    /// Sets up the escape memo's generic types once (the warm-up grammar has no escapes).
    private func warmEscapeMemo() {
        let e = MaskEntry()
        escapeMemo[EscapeKey(entry: ObjectIdentifier(e), below: -1)] = (e, [0])
        escapeMemo.removeAll()
    }
    private var fillScratch: [Config] = []
    /// Cache entries computed so far.
    public var cachedEntries: Int { cache.count }
    /// Configuration sets and cache entries computed at compile time (`precompute`).
    public private(set) var precomputedSets = 0
    public private(set) var precomputedEntries = 0
    /// Configuration sets the cache walks have met so far.
    public var internedSets: Int { runner.setConfigs.count }

    /// Compiles `grammar` for `vocabulary`. Special tokens the vocabulary lacks are matched as text.
    public convenience init(_ grammar: Grammar, vocabulary: TokenVocabulary, options: MatcherOptions = MatcherOptions()) throws(GrammarCompileError) {
        _ = Self.warmUp
        try self.init(grammar, vocabulary: vocabulary, options: options, warmingUp: ())
        precomputedSets = precompute(budget: options.precomputeBudget)
        precomputedEntries = cache.count
    }

    /// Runs a small grammar through a compile, masks, steps and a rollback once per process, so
    /// that the Swift runtime's one-time setup of the generic types the matcher uses (metadata
    /// of its dictionaries and sets: about a million instructions) is paid by the first compile
    /// of the process, not by the first mask of a generation.
    private static let warmUp: Void = {
        let text = ["root ::= \"{\" pair (\",\" pair){0,3} \"}\"",
                    "pair ::= str \":\" ([0-9]+ | str)",
                    "str ::= \"\\\"\" [^\"\\\\]* \"\\\"\""].joined(separator: "\n")
        let pieces = ["{", "}", ",", ":", "\"", "\"a", "a", "ab", "\u{E9}", "1", "12", "\":", "\",\"", "abcdefghijklmnopqrstuvwxyz0123", "<end>"]
        var tokens = pieces.map { Array($0.utf8) }
        tokens.append([0xC3])
        let vocabulary = TokenVocabulary(tokens: tokens, special: [14], endOfGeneration: [14])
        guard let grammar = try? GBNF.parse(text),
              let compiled = try? CompiledGrammar(grammar, vocabulary: vocabulary, options: MatcherOptions(), warmingUp: ()) else { return }
        _ = compiled.precompute(budget: 200)
        compiled.warmEscapeMemo()
        let matcher = GrammarMatcher(compiled)
        var mask = [UInt32](repeating: 0, count: (tokens.count + 31) / 32)
        for t: Int32 in [0, 5, 11, 10, 2, 5, 7, 4, 3, 4, 8, 15, 4, 1, 14] {
            matcher.fillMask(&mask)
            _ = matcher.forcedBytes()
            matcher.accept(token: t)
        }
        _ = matcher.allowedTokens()
        matcher.rollback(3)
    }()

    private init(_ grammar: Grammar, vocabulary: TokenVocabulary, options: MatcherOptions, warmingUp: Void) throws(GrammarCompileError) {
        self.vocabulary = vocabulary
        self.options = options
        automaton = try PushdownAutomaton(grammar, keepSpecial: { !vocabulary.specialIDs(text: $0).isEmpty })
        slotIDs = automaton.specialTexts.map { vocabulary.specialIDs(text: $0) }
        var byToken: [Int32: [Int32]] = [:]
        for (slot, ids) in slotIDs.enumerated() { for id in ids { byToken[id, default: []].append(Int32(slot)) } }
        slotsOfToken = byToken
        runner = AutomatonRunner(automaton)
        runner.reserveSets(2048)
    }

    /// The abstracted counter of a loop state and whether it stands for several counters.
    @inline(__always)
    func canonical(state: Int32, counter: Int32) -> (Int32, Bool) {
        let li = automaton.states[Int(state)].loop
        guard li >= 0 else { return (counter, false) }
        let l = automaton.loops[Int(li)]
        guard l.consumes else { return (counter, false) }
        let h = Int32(options.counterHorizon)
        // An unbounded loop saturates its counter at `min`: nothing is abstracted there, so
        // long tokens need no run-time check.
        if l.max < 0 && counter >= l.min { return (l.min, false) }
        let farFromMax = l.max < 0 || l.max - counter > h
        if counter >= l.min && farFromMax { return (l.min, true) }
        if l.min - counter > h && farFromMax { return (0, true) }
        return (counter, false)
    }

    /// The cache key of a group of configurations sharing one stack (in `arena`) and the stack
    /// node below the key.
    func key(of group: [Config], arena: StackArena) -> (MaskKey, Int32) {
        var abstracted = false
        var frames: [Int64] = []
        for c in group {
            let (cc, a) = canonical(state: c.state, counter: c.counter)
            abstracted = abstracted || a
            frames.append(Int64(c.state) << 32 | Int64(UInt32(bitPattern: cc)))
        }
        frames.sort()
        var w = 0
        for i in frames.indices where i == 0 || frames[i] != frames[i - 1] { frames[w] = frames[i]; w += 1 }
        frames.removeLast(frames.count - w)
        let topCount = w
        var node = group[0].stack
        var depth = 1
        while depth < options.contextDepth && node > StackArena.context {
            let s = arena.state[Int(node)]
            let (cn, an) = canonical(state: s, counter: arena.counter[Int(node)])
            abstracted = abstracted || an
            frames.append(Int64(s) << 32 | Int64(UInt32(bitPattern: cn)))
            node = arena.parent[Int(node)]
            depth += 1
        }
        return (MaskKey(frames: frames, topCount: topCount, atBottom: node == StackArena.bottom, abstracted: abstracted), node)
    }

    /// Whether the cache holds the entry of `key`.
    func hasEntry(_ key: MaskKey) -> Bool { cache[key] != nil }

    /// The cache entry for `key`, computed on first use.
    func entry(_ key: MaskKey) -> MaskEntry {
        if let e = cache[key] { return e }
        runner.trimSets()
        let e = computeEntry(key)
        // An entry whose walk was stopped (precompute's work limit) is incomplete.
        if runner.walkStopped { return e }
        cache[key] = e
        return e
    }

    @inline(__always)
    private func unpack(_ f: Int64) -> (Int32, Int32) { (Int32(truncatingIfNeeded: f >> 32), Int32(truncatingIfNeeded: f)) }

    /// The interned set of the key's top configurations with all its frames on a stack whose
    /// bottom is unknown (or empty when `atBottom`).
    private func startSet(_ key: MaskKey) -> Int32 {
        var node = key.atBottom ? StackArena.bottom : StackArena.context
        for f in key.frames[key.topCount...].reversed() {
            let (s, c) = unpack(f)
            node = runner.arena.push(s, c, node)
        }
        return runner.intern(key.frames[..<key.topCount].map { f in
            let (s, c) = unpack(f)
            return Config(state: s, counter: c, stack: node)
        })
    }

    /// The slice tier (`TokenVocabulary.sliceTiers`) a walk from `key` may take whole, walking
    /// only that tier's remainder trie, or -1. Tokens longer than `maxDepth` are checked at run
    /// time, so a tier needs `maxDepth` at least its longest token (keys with abstracted
    /// counters take tier 0 at most). The key's tops over an unknown stack are checked first,
    /// then with one more of its frames at a time: what keeps a shorter key alive keeps it
    /// alive over any stack below, and the shorter key's verdict is shared by every key that
    /// extends it (each position of a JSON string in a schema: the string's states and its
    /// character loop, say).
    func sliceTier(_ key: MaskKey, maxDepth: Int) -> Int {
        let tiers = vocabulary.sliceTiers
        guard let top = tiers.lastIndex(where: { $0.maxLength <= maxDepth }), tiers[0].tokenCount > 0, topsReadSliceStarts(key) else { return -1 }
        let cap = tiers[top].maxLength
        var absorbed = 0
        for n in key.topCount...key.frames.count where absorbed < cap {
            let prefix = n == key.frames.count ? key
                : MaskKey(frames: Array(key.frames[..<n]), topCount: key.topCount, atBottom: false, abstracted: false)
            absorbed = max(absorbed, runner.absorbedSliceLength(startSet(prefix), cap: cap))
        }
        return tiers.lastIndex(where: { $0.maxLength <= absorbed }) ?? -1
    }

    /// The trie a walk from a key with slice tier `tier` covers: its root and node count.
    private func walkTrie(_ tier: Int) -> (root: Int, nodes: Int) {
        tier < 0 ? (0, vocabulary.trieNodeCount) : (Int(vocabulary.sliceTiers[tier].root), vocabulary.sliceTiers[tier].nodeCount)
    }

    private func computeEntry(_ key: MaskKey) -> MaskEntry {
        let maxDepth = key.abstracted ? options.counterHorizon : Int.max
        let e = MaskEntry()
        var sink = WalkSink()
        var tier = -1
        if key.frames.count == key.topCount {
            // A walk from the tops, the stack below unknown (or empty).
            let start = startSet(key)
            tier = sliceTier(key, maxDepth: maxDepth)
            walker.walk(vocabulary, runner: &runner, from: walkTrie(tier).root, startSet: start, maxDepth: maxDepth, into: &sink)
        } else {
            let sub = Array(key.frames.dropLast())
            let subAbstracted = sub.contains { f in let (s, c) = unpack(f); return canonical(state: s, counter: c).1 }
            let subKey = MaskKey(frames: sub, topCount: key.topCount, atBottom: false, abstracted: subAbstracted)
            if cache[subKey] == nil {
                let t = sliceTier(key, maxDepth: maxDepth)
                if t >= 0 && (sub.count == key.topCount || sliceTier(subKey, maxDepth: subAbstracted ? options.counterHorizon : Int.max) < t) {
                    // This key takes a slice tier the shallower one does not: walk its
                    // remainder trie from this key directly.
                    walker.walk(vocabulary, runner: &runner, from: walkTrie(t).root, startSet: startSet(key), maxDepth: maxDepth, into: &sink)
                    return finish(e, sink: sink, tier: t)
                }
            }
            let base = entry(subKey)
            var deriveCost = 0
            for n in base.escapes { deriveCost += Int(vocabulary.nodeEnd[Int(n)]) - Int(n) }
            let start = base.escapes.isEmpty ? -1 : startSet(key)
            // A direct walk costs about a remainder trie at least: the slice check is needed
            // only when following the escapes costs more than the tier-0 one.
            let direct = start < 0 || deriveCost <= vocabulary.remainderNodeCount ? Int.max
                : walkTrie(sliceTier(key, maxDepth: maxDepth)).nodes
            if deriveCost <= direct {
                // The entry without the lowest frame, then its escapes continued into that frame.
                e.bits = base.bits
                e.acceptedList = base.acceptedList
                e.deep = base.deep
                if !base.escapes.isEmpty {
                    let (s, c) = unpack(key.frames[key.frames.count - 1])
                    var cont: [Config] = []
                    let flags = runner.addClosure(Config(state: s, counter: c, stack: key.atBottom ? StackArena.bottom : StackArena.context),
                                                  to: &cont, from: 0)
                    if flags & AutomatonRunner.flagEscaped != 0 { sink.escapes += base.escapes }
                    if !cont.isEmpty {
                        let contSet = runner.intern(cont)
                        for n in base.escapes {
                            walker.walk(vocabulary, runner: &runner, from: Int(n), startSet: contSet, maxDepth: maxDepth, into: &sink)
                        }
                    }
                }
            } else {
                // Cheaper to walk again from the whole key than to follow the escapes.
                tier = sliceTier(key, maxDepth: maxDepth)
                walker.walk(vocabulary, runner: &runner, from: walkTrie(tier).root, startSet: start, maxDepth: maxDepth, into: &sink)
            }
        }
        return finish(e, sink: sink, tier: tier)
    }

    /// ORs into `mask` (when given) the tokens allowed after `configs` (with `flags`), split
    /// into `groups`; without a mask, only fills the caches that the same work fills.
    func fill(_ mask: UnsafeMutableBufferPointer<UInt32>?, configs: [Config], flags: UInt8, groups: [Group]) {
        let v = vocabulary
        if let mask {
            if flags & AutomatonRunner.flagAccepting != 0 {
                for t in v.endOfGeneration { mask[Int(t) >> 5] |= 1 << UInt32(t & 31) }
            }
            for c in configs {
                for sp in automaton.states[Int(c.state)].specials {
                    for t in slotIDs[Int(sp.slot)] { mask[Int(t) >> 5] |= 1 << UInt32(t & 31) }
                }
            }
        }
        var seen: [(MaskKey, Int32)] = []
        for g in groups {
            let e = g.entry
            // Groups sharing a key and the stack below it share everything but the horizon
            // checks (which read the real counters).
            let repeated = seen.contains(where: { $0.0 == g.key && $0.1 == g.below })
            if !repeated {
                seen.append((g.key, g.below))
                if let mask {
                    if let bits = e.bits {
                        bits.withUnsafeBufferPointer { b in for i in 0..<b.count { mask[i] |= b[i] } }
                    } else {
                        for t in e.acceptedList { mask[Int(t) >> 5] |= 1 << UInt32(t & 31) }
                    }
                }
            }
            if !repeated && !e.escapes.isEmpty {
                // Ending the key's frames continues at the frame below them (the stack node
                // `below`, hash-consed: what the escapes' subtrees accept from it is memoized).
                let memoKey = EscapeKey(entry: ObjectIdentifier(e), below: g.below)
                if let memo = escapeMemo[memoKey] {
                    if let mask { for t in memo.tokens { mask[Int(t) >> 5] |= 1 << UInt32(t & 31) } }
                } else {
                    var cont: [Config] = []
                    let s = Int(g.below)
                    _ = runner.addClosure(Config(state: runner.arena.state[s], counter: runner.arena.counter[s], stack: runner.arena.parent[s]), to: &cont, from: 0)
                    fillSink.tokens.removeAll(keepingCapacity: true)
                    if !cont.isEmpty {
                        runner.trimSets()
                        let contSet = runner.intern(cont)
                        for n in e.escapes {
                            walker.walk(v, runner: &runner, from: Int(n), startSet: contSet, maxDepth: Int.max, into: &fillSink)
                        }
                        if let mask { for t in fillSink.tokens { mask[Int(t) >> 5] |= 1 << UInt32(t & 31) } }
                    }
                    if !runner.walkStopped && runner.error == nil {
                        if escapeMemo.count >= AutomatonRunner.setLimit { escapeMemo.removeAll() }
                        escapeMemo[memoKey] = (e, fillSink.tokens)
                    }
                }
            }
            for n in e.deep {
                // Read the path to the node from the real configurations, then its subtree.
                var cur = g.configs, flags: UInt8 = 0
                for b in v.pathBytes(to: n) {
                    fillScratch.removeAll(keepingCapacity: true)
                    flags = runner.step(cur, 0..<cur.count, byte: b, into: &fillScratch)
                    cur = fillScratch
                    if cur.isEmpty { break }
                }
                if cur.isEmpty && flags == 0 { continue }
                if let mask {
                    let ts = Int(v.nodeTokenStart[Int(n)]), te = Int(v.nodeTokenStart[Int(n) + 1])
                    for i in ts..<te { let t = v.nodeTokens[i]; mask[Int(t) >> 5] |= 1 << UInt32(t & 31) }
                }
                if !cur.isEmpty {
                    runner.trimSets()
                    let curSet = runner.intern(cur)
                    fillSink.tokens.removeAll(keepingCapacity: true)
                    walker.walk(v, runner: &runner, from: Int(n), startSet: curSet, maxDepth: Int.max, into: &fillSink)
                    if let mask { for t in fillSink.tokens { mask[Int(t) >> 5] |= 1 << UInt32(t & 31) } }
                }
            }
        }
    }

    /// One group of a configuration set: configurations sharing a stack, their key, the stack
    /// node below the key, and the key's cache entry.
    struct Group {
        let configs: [Config]
        let key: MaskKey
        let below: Int32
        let entry: MaskEntry
    }

    /// The groups of `configs` with their cache entries (memoized by the set: configurations
    /// are stable, stacks are hash-consed and never freed).
    func groups(_ configs: [Config]) -> [Group] {
        var sorted = configs
        sorted.sort { ($0.stack, $0.state, $0.counter) < ($1.stack, $1.state, $1.counter) }
        if let g = groupMemo[sorted] { return g }
        var out: [Group] = []
        var i = 0
        while i < sorted.count {
            var j = i + 1
            while j < sorted.count && sorted[j].stack == sorted[i].stack { j += 1 }
            let members = Array(sorted[i..<j])
            let (key, below) = key(of: members, arena: runner.arena)
            out.append(Group(configs: members, key: key, below: below, entry: entry(key)))
            i = j
        }
        if runner.walkStopped { return out }
        if groupMemo.count >= AutomatonRunner.setLimit { groupMemo.removeAll() }
        groupMemo[sorted] = out
        return out
    }

    /// Stores what a walk found in `e` (accepted tokens as a list when few, else as bits).
    private func finish(_ e: MaskEntry, sink: WalkSink, tier: Int) -> MaskEntry {
        e.escapes = sink.escapes
        e.deep += sink.deep
        if tier < 0 && e.bits == nil && e.acceptedList.count + sink.tokens.count <= 2048 {
            e.acceptedList += sink.tokens
        } else {
            var bits = e.bits ?? (tier >= 0 ? vocabulary.sliceTiers[tier].bits : [UInt32](repeating: 0, count: (vocabulary.count + 31) / 32))
            bits.withUnsafeMutableBufferPointer { m in
                for t in e.acceptedList { m[Int(t) >> 5] |= 1 << UInt32(t & 31) }
                for t in sink.tokens { m[Int(t) >> 5] |= 1 << UInt32(t & 31) }
            }
            e.bits = bits
            e.acceptedList = []
        }
        return e
    }
}

/// What a trie walk found: tokens that can be read, nodes after which the stack below the
/// start was reached (their subtrees not followed), nodes deeper than the walk's limit.
struct WalkSink {
    var tokens: [Int32] = []
    var escapes: [Int32] = []
    var deep: [Int32] = []
}

/// Walks the token trie (pre-order, skipping dead subtrees) with one interned configuration
/// set per depth; the children of wide nodes are taken from their child tables, so children
/// whose byte is dead are skipped without loading their nodes.
struct TrieWalker {
    private var levelSet = [Int32](repeating: 0, count: 1100)

    /// Walks the subtree of trie node `root` (not `root` itself) starting from the interned,
    /// closed configuration set `startSet` at `root`'s depth, adding to `sink`.
    mutating func walk(_ v: TokenVocabulary, runner: inout AutomatonRunner, from root: Int, startSet: Int32,
                       maxDepth: Int, into sink: inout WalkSink) {
        levelSet.withUnsafeMutableBufferPointer { level in
        v.nodes.withUnsafeBufferPointer { nodes in
        v.nodeTokens.withUnsafeBufferPointer { tokens in
        v.wideTables.withUnsafeBufferPointer { tables in
            let trie = Trie(nodes: nodes, tokens: tokens, tables: tables, offsets: v.wideOffset)
            level[Int(nodes[root].depth)] = startSet
            if nodes[root].wide {
                Self.children(of: root, trie, level: level, runner: &runner, maxDepth: maxDepth, into: &sink)
            } else {
                Self.subtrees(root + 1, Int(nodes[root].end), trie, level: level, runner: &runner, maxDepth: maxDepth, into: &sink)
            }
        }
        }
        }
        }
    }

    /// The vocabulary's trie arrays as the walk reads them.
    private struct Trie {
        let nodes: UnsafeBufferPointer<TrieNode>
        let tokens: UnsafeBufferPointer<Int32>
        let tables: UnsafeBufferPointer<Int32>
        let offsets: [Int32: Int32]
    }

    /// Walks the whole subtrees of the nodes `start..<end` (siblings in pre-order).
    private static func subtrees(_ start: Int, _ end: Int, _ trie: Trie, level: UnsafeMutableBufferPointer<Int32>,
                                 runner: inout AutomatonRunner, maxDepth: Int, into sink: inout WalkSink) {
        let nodes = trie.nodes
        var k = start
        while k < end {
            let node = nodes[k]
            runner.visits &+= 1
            if runner.visits > runner.visitLimit { runner.walkStopped = true; return }
            let d = Int(node.depth)
            if d > maxDepth {
                sink.deep.append(Int32(k))
                k = Int(node.end)
                continue
            }
            let from = level[d - 1], b = node.byte
            var t = runner.cachedTransition(from, b)
            if t < 0 {
                let (next, alive, flags) = runner.stepSet(from, b)
                t = next << 3 | (alive ? 4 : 0) | Int32(flags)
            }
            let alive = t & 4 != 0
            let hasChildren = Int(node.end) > k + 1
            if t & Int32(AutomatonRunner.flagEscaped) != 0 && hasChildren { sink.escapes.append(Int32(k)) }
            if alive || t & 3 != 0 {
                let ts = Int(node.tokenStart), te = Int(nodes[k + 1].tokenStart)
                for i in ts..<te { sink.tokens.append(trie.tokens[i]) }
            }
            if !alive || !hasChildren || d + 1 >= level.count {
                k = Int(node.end)
                continue
            }
            level[d] = t >> 3
            if node.wide {
                children(of: k, trie, level: level, runner: &runner, maxDepth: maxDepth, into: &sink)
                k = Int(node.end)
                continue
            }
            k += 1
        }
    }

    /// Walks the children of wide node `n` (its set is at `level[depth of n]`) by its child
    /// table: a child whose byte leads nowhere (dead, no flag) is skipped unread.
    private static func children(of n: Int, _ trie: Trie, level: UnsafeMutableBufferPointer<Int32>,
                                 runner: inout AutomatonRunner, maxDepth: Int, into sink: inout WalkSink) {
        let d = Int(trie.nodes[n].depth) + 1
        guard d <= maxDepth, let offset = trie.offsets[Int32(n)] else {
            subtrees(n + 1, Int(trie.nodes[n].end), trie, level: level, runner: &runner, maxDepth: maxDepth, into: &sink)
            return
        }
        let from = level[d - 1]
        let base = Int(offset)
        // Only the bytes the set has edges for can lead anywhere.
        let readable = runner.setReadable[Int(from)]
        for (w, word) in [readable.words.0, readable.words.1, readable.words.2, readable.words.3].enumerated() {
            var bits = word
            while bits != 0 {
                let b = w << 6 | bits.trailingZeroBitCount
                bits &= bits &- 1
                let c = Int(trie.tables[base + b])
                if c == 0 { continue }
                var t = runner.cachedTransition(from, UInt8(b))
                if t < 0 {
                    let (next, alive, flags) = runner.stepSet(from, UInt8(b))
                    t = next << 3 | (alive ? 4 : 0) | Int32(flags)
                }
                if t & 7 == 0 { continue }
                subtrees(c, Int(trie.nodes[c].end), trie, level: level, runner: &runner, maxDepth: maxDepth, into: &sink)
            }
        }
    }
}

/// Follows one generation token by token under a compiled grammar: masks, acceptance,
/// rollback, forced continuations. Conforms (in the Shell) to the Engine's `TokenConstraint`.
public final class GrammarMatcher {
    public let compiled: CompiledGrammar
    /// Configuration sets after each accepted token (index 0: the start).
    private var history: [(configs: [Config], flags: UInt8)] = []
    private var scratch: [Config] = []
    /// Groups and cache entries of the configuration sets this matcher has met.
    private var groupsOf: [[Config]: [CompiledGrammar.Group]] = [:]

    /// A matcher at the start of the grammar.
    public init(_ compiled: CompiledGrammar) {
        self.compiled = compiled
        var start: [Config] = []
        let a = compiled.automaton
        let flags = compiled.runner.addClosure(Config(state: a.ruleStart[Int(a.root)], counter: 0, stack: StackArena.bottom), to: &start, from: 0)
        history = [(start, flags)]
    }

    /// The budget error that stopped matching, if any (every token is then rejected).
    public var error: GrammarMatchError? { compiled.runner.error }

    /// Tokens accepted so far.
    public var acceptedCount: Int { history.count - 1 }

    /// Whether the input so far is a complete match (end of generation allowed).
    public var isAccepting: Bool { history[history.count - 1].flags & AutomatonRunner.flagAccepting != 0 }

    /// Whether nothing but the end may follow.
    public var isTerminated: Bool { history[history.count - 1].configs.isEmpty }

    /// Sets bit `i` of `mask` for every token `i` that may come next (other bits untouched).
    /// `mask.count` must be at least `(vocabulary.count + 31) / 32`.
    public func fillMask(_ mask: inout [UInt32]) {
        let (configs, flags) = history[history.count - 1]
        let groups: [CompiledGrammar.Group]
        if let g = groupsOf[configs] {
            groups = g
        } else {
            groups = compiled.groups(configs)
            groupsOf[configs] = groups
        }
        mask.withUnsafeMutableBufferPointer { m in compiled.fill(m, configs: configs, flags: flags, groups: groups) }
    }

    /// The allowed token ids (a convenience over `fillMask`).
    public func allowedTokens() -> [Int32] {
        var mask = [UInt32](repeating: 0, count: (compiled.vocabulary.count + 31) / 32)
        fillMask(&mask)
        var out: [Int32] = []
        for (w, word) in mask.enumerated() where word != 0 {
            for b in 0..<32 where word & (1 << UInt32(b)) != 0 { out.append(Int32(w * 32 + b)) }
        }
        return out
    }

    /// Advances by `token`; false (state unchanged) if the grammar does not allow it.
    @discardableResult
    public func accept(token: Int32) -> Bool {
        let v = compiled.vocabulary
        guard token >= 0, Int(token) < v.count else { return false }
        let (configs, flags) = history[history.count - 1]
        if let slots = compiled.slotsOfToken[token] {
            var out: [Config] = [], f: UInt8 = 0
            for slot in slots {
                scratch.removeAll(keepingCapacity: true)
                f |= compiled.runner.stepSpecial(configs, 0..<configs.count, slot: slot, into: &scratch)
                for c in scratch where !out.contains(c) { out.append(c) }
            }
            if !out.isEmpty || f != 0 { history.append((out, f)); return true }
        }
        if v.endOfGeneration.contains(token) {
            guard flags & AutomatonRunner.flagAccepting != 0 else { return false }
            history.append(([], AutomatonRunner.flagAccepting))
            return true
        }
        if v.specialIDs.contains(token) { return false }
        return accept(bytes: v.tokenBytes[Int(token)])
    }

    /// Advances by raw bytes as one step (rollback undoes it as one token); false (state
    /// unchanged) if they cannot continue a match.
    @discardableResult
    public func accept(bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return false }
        var (cur, f) = history[history.count - 1]
        for b in bytes {
            scratch.removeAll(keepingCapacity: true)
            f = compiled.runner.step(cur, 0..<cur.count, byte: b, into: &scratch)
            if scratch.isEmpty && f & AutomatonRunner.flagAccepting == 0 { return false }
            cur = scratch
        }
        history.append((cur, f))
        return true
    }

    /// Undoes the last `n` accepted tokens (all of them when `n` is larger).
    public func rollback(_ n: Int) {
        let k = min(max(n, 0), history.count - 1)
        history.removeLast(k)
    }

    /// The bytes that must come next whatever is generated (empty when there is a choice, the
    /// input may end here, or a special token may come next). At most `limit` bytes.
    public func forcedBytes(limit: Int = 1024) -> [UInt8] {
        var (cur, f) = history[history.count - 1]
        var out: [UInt8] = []
        while out.count < limit, f & AutomatonRunner.flagAccepting == 0, !cur.isEmpty {
            let (set, special) = compiled.runner.nextBytes(cur, 0..<cur.count)
            guard !special, set.count == 1, let b = set.members.first else { break }
            scratch.removeAll(keepingCapacity: true)
            f = compiled.runner.step(cur, 0..<cur.count, byte: b, into: &scratch)
            if scratch.isEmpty && f == 0 { break }
            cur = scratch
            out.append(b)
        }
        return out
    }
}
