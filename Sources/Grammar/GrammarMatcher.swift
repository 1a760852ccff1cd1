/// The token-level matcher: which vocabulary tokens may come next under a grammar.
///
/// Masks come from a cache keyed by the top of each parse configuration (its state, loop
/// counter, and the `contextDepth - 1` frames below, counters abstracted where a token cannot
/// tell them apart). A cache entry is computed once by walking the token trie from that top
/// with the stack below unknown: tokens the top alone decides are stored (accepted ones as a
/// list or bitset); tokens whose fate depends on the stack below ("escapes": the top rules end
/// inside the token) are stored as trie nodes whose subtrees are walked at run time from the
/// real stack. So a mask costs an OR of cached bits plus short walks.

/// Tuning of the mask cache.
public struct MatcherOptions: Sendable {
    /// Stack frames (including the top) that key the mask cache.
    public var contextDepth: Int
    /// Tokens longer than this are checked at run time where loop counters were abstracted.
    public var counterHorizon: Int

    public init(contextDepth: Int = 3, counterHorizon: Int = 24) {
        self.contextDepth = max(1, contextDepth)
        self.counterHorizon = max(1, counterHorizon)
    }
}

/// A cache key: the packed (state, counter) frames from the top down, and whether the stack
/// ends right below them (so ending them accepts the input).
struct MaskKey: Hashable {
    var frames: [Int64]
    var atBottom: Bool
    var abstracted: Bool
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
    /// Cache entries computed so far.
    public var cachedEntries: Int { cache.count }
    /// Configuration sets the cache walks have met so far.
    public var internedSets: Int { runner.setConfigs.count }

    /// Compiles `grammar` for `vocabulary`. Special tokens the vocabulary lacks are matched as text.
    public init(_ grammar: Grammar, vocabulary: TokenVocabulary, options: MatcherOptions = MatcherOptions()) throws(GrammarCompileError) {
        self.vocabulary = vocabulary
        self.options = options
        automaton = try PushdownAutomaton(grammar, keepSpecial: { !vocabulary.specialIDs(text: $0).isEmpty })
        slotIDs = automaton.specialTexts.map { vocabulary.specialIDs(text: $0) }
        var byToken: [Int32: [Int32]] = [:]
        for (slot, ids) in slotIDs.enumerated() { for id in ids { byToken[id, default: []].append(Int32(slot)) } }
        slotsOfToken = byToken
        runner = AutomatonRunner(automaton)
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

    /// The cache key of configuration `c` (stack in `arena`) and the stack node below the key.
    func key(of c: Config, arena: StackArena) -> (MaskKey, Int32) {
        var abstracted = false
        let (c0, a0) = canonical(state: c.state, counter: c.counter)
        abstracted = abstracted || a0
        var frames: [Int64] = [Int64(c.state) << 32 | Int64(UInt32(bitPattern: c0))]
        var node = c.stack
        while frames.count < options.contextDepth && node > StackArena.context {
            let s = arena.state[Int(node)]
            let (cn, an) = canonical(state: s, counter: arena.counter[Int(node)])
            abstracted = abstracted || an
            frames.append(Int64(s) << 32 | Int64(UInt32(bitPattern: cn)))
            node = arena.parent[Int(node)]
        }
        return (MaskKey(frames: frames, atBottom: node == StackArena.bottom, abstracted: abstracted), node)
    }

    /// The cache entry for `key`, computed on first use.
    func entry(_ key: MaskKey) -> MaskEntry {
        if let e = cache[key] { return e }
        let e = computeEntry(key)
        cache[key] = e
        return e
    }

    private func computeEntry(_ key: MaskKey) -> MaskEntry {
        let maxDepth = key.abstracted ? options.counterHorizon : Int.max
        let e = MaskEntry()
        var added: [Int32] = []
        func unpack(_ f: Int64) -> (Int32, Int32) { (Int32(truncatingIfNeeded: f >> 32), Int32(truncatingIfNeeded: f)) }
        if key.frames.count == 1 {
            // A full trie walk from the top state, the stack below unknown (or empty).
            let (s, c) = unpack(key.frames[0])
            let top = Config(state: s, counter: c, stack: key.atBottom ? StackArena.bottom : StackArena.context)
            walker.walk(vocabulary, runner: &runner, from: 0, start: [top], maxDepth: maxDepth,
                        onToken: { added.append($0) }, onEscape: { e.escapes.append($0) }, onDeep: { e.deep.append($0) })
        } else {
            // The entry without the lowest frame, then its escapes continued into that frame.
            let sub = Array(key.frames.dropLast())
            let subAbstracted = sub.contains { f in let (s, c) = unpack(f); return canonical(state: s, counter: c).1 }
            let base = entry(MaskKey(frames: sub, atBottom: false, abstracted: subAbstracted))
            e.bits = base.bits
            e.acceptedList = base.acceptedList
            e.deep = base.deep
            if !base.escapes.isEmpty {
                let (s, c) = unpack(key.frames[key.frames.count - 1])
                var cont: [Config] = []
                let flags = runner.addClosure(Config(state: s, counter: c, stack: key.atBottom ? StackArena.bottom : StackArena.context),
                                              to: &cont, from: 0)
                for n in base.escapes {
                    if flags & AutomatonRunner.flagEscaped != 0 { e.escapes.append(n) }
                    if !cont.isEmpty {
                        walker.walk(vocabulary, runner: &runner, from: Int(n), start: cont, maxDepth: maxDepth,
                                    onToken: { added.append($0) }, onEscape: { e.escapes.append($0) }, onDeep: { e.deep.append($0) })
                    }
                }
            }
        }
        if e.bits == nil && e.acceptedList.count + added.count <= 2048 {
            e.acceptedList += added
        } else {
            var bits = e.bits ?? [UInt32](repeating: 0, count: (vocabulary.count + 31) / 32)
            for t in e.acceptedList { bits[Int(t) >> 5] |= 1 << UInt32(t & 31) }
            for t in added { bits[Int(t) >> 5] |= 1 << UInt32(t & 31) }
            e.bits = bits
            e.acceptedList = []
        }
        return e
    }
}

/// Walks the token trie (pre-order, skipping dead subtrees) with one interned configuration
/// set per depth.
struct TrieWalker {
    private var levelSet = [Int32](repeating: 0, count: 1100)

    /// Walks the subtree of trie node `root` (not `root` itself) starting from the closed
    /// configurations `start` at `root`'s depth. Calls `onToken` for each token that can be
    /// read, `onEscape` for nodes after which the stack below the start was reached (their
    /// subtrees not followed that way), `onDeep` for nodes deeper than `maxDepth` (not followed).
    mutating func walk(_ v: TokenVocabulary, runner: inout AutomatonRunner, from root: Int, start: [Config],
                       maxDepth: Int, onToken: (Int32) -> Void, onEscape: (Int32) -> Void, onDeep: (Int32) -> Void) {
        runner.trimSets()
        levelSet[Int(v.nodeDepth[root])] = runner.intern(start)
        var k = root + 1
        let end = Int(v.nodeEnd[root])
        v.nodeByte.withUnsafeBufferPointer { bytes in
        v.nodeDepth.withUnsafeBufferPointer { depth in
        v.nodeEnd.withUnsafeBufferPointer { nodeEnd in
        v.nodeTokenStart.withUnsafeBufferPointer { tokenStart in
        v.nodeTokens.withUnsafeBufferPointer { tokens in
            while k < end {
                let d = Int(depth[k])
                if d > maxDepth {
                    onDeep(Int32(k))
                    k = Int(nodeEnd[k])
                    continue
                }
                let (next, alive, flags) = runner.stepSet(levelSet[d - 1], bytes[k])
                let hasChildren = Int(nodeEnd[k]) > k + 1
                if flags & AutomatonRunner.flagEscaped != 0 && hasChildren { onEscape(Int32(k)) }
                if alive || flags != 0 {
                    let ts = Int(tokenStart[k]), te = Int(tokenStart[k + 1])
                    for i in ts..<te { onToken(tokens[i]) }
                }
                if !alive || !hasChildren || d + 1 >= levelSet.count {
                    k = Int(nodeEnd[k])
                    continue
                }
                levelSet[d] = next
                k += 1
            }
        }
        }
        }
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
    /// Cache entries of configurations met so far (configurations are stable: stacks are
    /// hash-consed and never freed).
    private var entryOf: [Config: (MaskKey, Int32, MaskEntry)] = [:]

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
        let v = compiled.vocabulary
        if flags & AutomatonRunner.flagAccepting != 0 {
            for t in v.endOfGeneration { mask[Int(t) >> 5] |= 1 << UInt32(t & 31) }
        }
        var seen: [(MaskKey, Int32)] = []
        for c in configs {
            for sp in compiled.automaton.states[Int(c.state)].specials {
                for t in compiled.slotIDs[Int(sp.slot)] { mask[Int(t) >> 5] |= 1 << UInt32(t & 31) }
            }
            let key: MaskKey, below: Int32, e: MaskEntry
            if let hit = entryOf[c] {
                (key, below, e) = hit
            } else {
                (key, below) = compiled.key(of: c, arena: compiled.runner.arena)
                e = compiled.entry(key)
                entryOf[c] = (key, below, e)
            }
            // Configurations sharing a key and the stack below it share everything but the
            // horizon checks (which read the real counters).
            let repeated = seen.contains(where: { $0.0 == key && $0.1 == below })
            if !repeated { seen.append((key, below)) }
            if !repeated {
                if let bits = e.bits {
                    mask.withUnsafeMutableBufferPointer { m in
                        bits.withUnsafeBufferPointer { b in for i in 0..<b.count { m[i] |= b[i] } }
                    }
                } else {
                    for t in e.acceptedList { mask[Int(t) >> 5] |= 1 << UInt32(t & 31) }
                }
            }
            if !repeated && !e.escapes.isEmpty {
                // Ending the top frames continues at the frame below them.
                var cont: [Config] = []
                let s = Int(below)
                _ = compiled.runner.addClosure(Config(state: compiled.runner.arena.state[s], counter: compiled.runner.arena.counter[s], stack: compiled.runner.arena.parent[s]), to: &cont, from: 0)
                if !cont.isEmpty {
                    for n in e.escapes {
                        compiled.walker.walk(v, runner: &compiled.runner, from: Int(n), start: cont, maxDepth: Int.max,
                                    onToken: { t in mask[Int(t) >> 5] |= 1 << UInt32(t & 31) }, onEscape: { _ in }, onDeep: { _ in })
                    }
                }
            }
            for n in e.deep {
                // Read the path to the node from the real configuration, then its subtree.
                var cur = [c], flags: UInt8 = 0
                for b in v.pathBytes(to: n) {
                    scratch.removeAll(keepingCapacity: true)
                    flags = compiled.runner.step(cur, 0..<cur.count, byte: b, into: &scratch)
                    cur = scratch
                    if cur.isEmpty { break }
                }
                if cur.isEmpty && flags == 0 { continue }
                let ts = Int(v.nodeTokenStart[Int(n)]), te = Int(v.nodeTokenStart[Int(n) + 1])
                for i in ts..<te { let t = v.nodeTokens[i]; mask[Int(t) >> 5] |= 1 << UInt32(t & 31) }
                if !cur.isEmpty {
                    compiled.walker.walk(v, runner: &compiled.runner, from: Int(n), start: cur, maxDepth: Int.max,
                                onToken: { t in mask[Int(t) >> 5] |= 1 << UInt32(t & 31) }, onEscape: { _ in }, onDeep: { _ in })
                }
            }
        }
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
