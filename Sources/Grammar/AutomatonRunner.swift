/// Running the pushdown automaton: configurations (state, loop counter, stack) with stacks
/// shared in a hash-consed arena, epsilon closures memoized per configuration, and byte steps
/// over a set of configurations kept in one flat buffer (no allocation per step).

/// One parse configuration: a state, its loop counter, and the stack of return frames below.
struct Config: Hashable {
    var state: Int32
    var counter: Int32
    var stack: Int32

    /// One hasher round per configuration (configurations key the closure memo, the stack
    /// arena and, as arrays, the interned sets: hashing is much of a first mask's work).
    @inline(__always)
    func hash(into h: inout Hasher) {
        let sc = UInt64(UInt32(bitPattern: state)) << 32 | UInt64(UInt32(bitPattern: counter))
        h.combine(sc &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(UInt32(bitPattern: stack)))
    }
}

/// Stack frames shared between configurations. Node 0 is the empty stack (the root rule
/// ending means the whole input is accepted); node 1 stands for an unknown context (ending
/// there "escapes", used when masks are computed independently of the stack below).
struct StackArena {
    var state: [Int32] = [0, 0]
    var counter: [Int32] = [0, 0]
    var parent: [Int32] = [-1, -1]
    var index: [Config: Int32] = [:]

    static let bottom: Int32 = 0
    static let context: Int32 = 1

    /// The node for frame (state, counter) on top of `parent`.
    mutating func push(_ s: Int32, _ c: Int32, _ p: Int32) -> Int32 {
        let key = Config(state: s, counter: c, stack: p)
        if let n = index[key] { return n }
        let n = Int32(state.count)
        state.append(s); counter.append(c); parent.append(p)
        index[key] = n
        return n
    }

    var count: Int { state.count }
}

/// Matching stopped because it needed more work than allowed.
public enum GrammarMatchError: Error, Equatable, CustomStringConvertible {
    /// The grammar is so ambiguous that one step needed more than `limit` configurations.
    case ambiguityBudget(limit: Int)
    /// The stack arena grew past its limit.
    case stackBudget(limit: Int)

    public var description: String {
        switch self {
        case .ambiguityBudget(let limit):
            return "the grammar is too ambiguous: one step needed more than \(limit) parse configurations; remove overlapping alternatives (e.g. optional whitespace on both sides of a rule)"
        case .stackBudget(let limit):
            return "the parse stack arena grew past \(limit) frames; the grammar nests too deeply for this input"
        }
    }
}

/// The closure engine over one automaton and one arena.
struct AutomatonRunner {
    let automaton: PushdownAutomaton
    var arena = StackArena()
    /// Memoized closures: a seed configuration → its consuming configurations and flags.
    private var memo: [Config: (start: Int32, count: Int32, flags: UInt8)] = [:]
    private var memoPool: [Config] = []
    private var work: [Config] = []
    private var visited: [Config] = []
    private var visitedSet = Set<Config>()
    /// Dedupe set for large steps (valid for the output region starting at `dedupeFrom`).
    private var dedupe = Set<Config>()
    private var dedupeFrom = -1
    /// Set when a budget ran out; every later step then fails.
    var error: GrammarMatchError?
    /// Work done so far, for deterministic budgets: set transitions computed, and trie nodes
    /// the walks visited (`TrieWalker` counts them here).
    var stepMisses = 0
    var visits = 0
    /// Walks stop once `visits` passes this (set only while precomputing): the walk that
    /// stopped sets `walkStopped`, and nothing computed from it may be kept.
    var visitLimit = Int.max
    var walkStopped = false

    static let configLimit = 100_000
    static let arenaLimit = 4_000_000

    init(_ automaton: PushdownAutomaton) { self.automaton = automaton }

    static let flagAccepting: UInt8 = 1
    static let flagEscaped: UInt8 = 2

    /// The closure of one seed (memoized): consuming configurations in `memoPool` and flags.
    mutating func closure(_ seed: Config) -> (start: Int32, count: Int32, flags: UInt8) {
        if let m = memo[seed] { return m }
        let start = Int32(memoPool.count)
        var flags: UInt8 = 0
        work.removeAll(keepingCapacity: true)
        visited.removeAll(keepingCapacity: true)
        visitedSet.removeAll(keepingCapacity: true)
        work.append(seed)
        let states = automaton.states
        while let c = work.popLast() {
            if visited.count < 32 {
                if visited.contains(c) { continue }
                visited.append(c)
                if visited.count == 32 { visitedSet.formUnion(visited) }
            } else {
                if !visitedSet.insert(c).inserted { continue }
                if visitedSet.count > Self.configLimit { error = .ambiguityBudget(limit: Self.configLimit); break }
            }
            let st = states[Int(c.state)]
            var consuming = !st.bytes.isEmpty || !st.specials.isEmpty
            for e in st.epsilon { work.append(Config(state: e, counter: 0, stack: c.stack)) }
            for call in st.calls {
                // A tail call pushes no frame: ending the callee ends this rule too.
                let n = automaton.isTail[Int(call.ret)] ? c.stack : arena.push(call.ret, 0, c.stack)
                work.append(Config(state: automaton.ruleStart[Int(call.rule)], counter: 0, stack: n))
            }
            if st.loop >= 0 {
                let l = automaton.loops[Int(st.loop)]
                let canIterate = l.max < 0 || c.counter < l.max
                if canIterate {
                    if l.body >= 0 {
                        let next = l.max < 0 ? Swift.min(c.counter + 1, l.min) : c.counter + 1
                        let n = arena.push(c.state, next, c.stack)
                        work.append(Config(state: automaton.ruleStart[Int(l.body)], counter: 0, stack: n))
                    } else {
                        consuming = true
                    }
                }
                if c.counter >= l.min { work.append(Config(state: l.exit, counter: 0, stack: c.stack)) }
            }
            if st.isFinal {
                if c.stack == StackArena.bottom { flags |= Self.flagAccepting }
                else if c.stack == StackArena.context { flags |= Self.flagEscaped }
                else {
                    let s = Int(c.stack)
                    work.append(Config(state: arena.state[s], counter: arena.counter[s], stack: arena.parent[s]))
                }
            }
            if consuming { memoPool.append(c) }
        }
        if arena.count > Self.arenaLimit { error = .stackBudget(limit: Self.arenaLimit) }
        let r = (start, Int32(memoPool.count) - start, flags)
        memo[seed] = r
        return r
    }

    /// Appends the closure of `seed` to `out` (deduplicated against `out[from...]`); returns flags.
    @inline(__always)
    mutating func addClosure(_ seed: Config, to out: inout [Config], from: Int) -> UInt8 {
        let m = closure(seed)
        let lo = Int(m.start), hi = lo + Int(m.count)
        if out.count == from {
            out.append(contentsOf: memoPool[lo..<hi])
        } else {
            for i in lo..<hi {
                let c = memoPool[i]
                if out.count - from < 48 {
                    var dup = false
                    for j in from..<out.count where out[j] == c { dup = true; break }
                    if !dup { out.append(c) }
                } else {
                    if dedupeFrom != from || dedupe.count == 0 {
                        dedupe.removeAll(keepingCapacity: true)
                        dedupe.formUnion(out[from...])
                        dedupeFrom = from
                    }
                    if dedupe.insert(c).inserted { out.append(c) }
                }
            }
        }
        return m.flags
    }

    /// Reads byte `b` from the configurations `src[range]`, appending the closed result to
    /// `out`; returns the flags of the result.
    mutating func step(_ src: [Config], _ range: Range<Int>, byte b: UInt8, into out: inout [Config]) -> UInt8 {
        let from = out.count
        dedupeFrom = -1
        var flags: UInt8 = 0
        let states = automaton.states
        for i in range {
            let c = src[i]
            let st = states[Int(c.state)]
            for e in st.bytes where e.set.contains(b) {
                flags |= addClosure(Config(state: e.target, counter: 0, stack: c.stack), to: &out, from: from)
            }
            if st.byteLoop {
                let l = automaton.loops[Int(st.loop)]
                if l.byteBody.contains(b) && (l.max < 0 || c.counter < l.max) {
                    let next = l.max < 0 ? Swift.min(c.counter + 1, l.min) : c.counter + 1
                    flags |= addClosure(Config(state: c.state, counter: next, stack: c.stack), to: &out, from: from)
                }
            }
        }
        if out.count - from > Self.configLimit { error = .ambiguityBudget(limit: Self.configLimit) }
        if error != nil { out.removeSubrange(from...); return 0 }
        return flags
    }

    /// Reads the special token of `slot` from `src[range]`.
    mutating func stepSpecial(_ src: [Config], _ range: Range<Int>, slot: Int32, into out: inout [Config]) -> UInt8 {
        let from = out.count
        dedupeFrom = -1
        var flags: UInt8 = 0
        for i in range {
            let c = src[i]
            for e in automaton.states[Int(c.state)].specials where e.slot == slot {
                flags |= addClosure(Config(state: e.target, counter: 0, stack: c.stack), to: &out, from: from)
            }
        }
        if error != nil { out.removeSubrange(from...); return 0 }
        return flags
    }

    // MARK: interned configuration sets

    /// Interned sets of configurations (sorted), their transitions by byte (memoized), so a
    /// trie walk costs one table lookup per node once the sets it meets are known.
    private(set) var setConfigs: [[Config]] = []
    private var setIndex: [[Config]: Int32] = [:]
    /// The bytes some configuration of each set has an edge for (a superset of the bytes that
    /// step it to a live set or raise a flag: any other byte leads nowhere).
    private(set) var setReadable: [ByteSet] = []
    /// `setTransitions[id * 256 + byte]`: `next << 3 | alive << 2 | flags`, or -1 when not yet
    /// computed (alive: the next set has configurations).
    private var setTransitions: [Int32] = []
    private var stepScratch: [Config] = []
    /// Interned sets kept before the memo is dropped (at the next `trimSets`).
    static let setLimit = 60_000

    /// The id of the set holding exactly `configs` (any order).
    mutating func intern(_ configs: [Config]) -> Int32 {
        var sorted = configs
        sorted.sort { ($0.state, $0.counter, $0.stack) < ($1.state, $1.counter, $1.stack) }
        if let id = setIndex[sorted] { return id }
        let id = Int32(setConfigs.count)
        setConfigs.append(sorted)
        setIndex[sorted] = id
        setTransitions.append(contentsOf: repeatElement(-1, count: 256))
        var readable = ByteSet()
        let states = automaton.states
        for c in sorted {
            let st = states[Int(c.state)]
            for e in st.bytes { readable = readable.union(e.set) }
            if st.byteLoop { readable = readable.union(automaton.loops[Int(st.loop)].byteBody) }
        }
        setReadable.append(readable)
        return id
    }

    /// Reads byte `b` from set `id`: the next set, whether it has configurations, and the flags.
    @inline(__always)
    mutating func stepSet(_ id: Int32, _ b: UInt8) -> (Int32, Bool, UInt8) {
        let slot = Int(id) &* 256 &+ Int(b)
        let v = setTransitions[slot]
        if v >= 0 { return (v >> 3, v & 4 != 0, UInt8(v & 3)) }
        stepMisses += 1
        var out = stepScratch
        stepScratch = []
        out.removeAll(keepingCapacity: true)
        let src = setConfigs[Int(id)]
        let flags = step(src, 0..<src.count, byte: b, into: &out)
        let next = intern(out)
        let alive = !out.isEmpty
        stepScratch = out
        let value = next << 3 | (alive ? 4 : 0) | Int32(flags)
        // Every byte that no edge of the set tells apart from `b` steps the same way.
        var same = ByteSet.all
        for c in src {
            let st = automaton.states[Int(c.state)]
            for e in st.bytes { same = e.set.contains(b) ? same.intersection(e.set) : same.intersection(e.set.inverted) }
            if st.byteLoop {
                let l = automaton.loops[Int(st.loop)]
                same = l.byteBody.contains(b) ? same.intersection(l.byteBody) : same.intersection(l.byteBody.inverted)
            }
        }
        let base = Int(id) &* 256
        setTransitions.withUnsafeMutableBufferPointer { t in
            if error == nil {
                let words = [same.words.0, same.words.1, same.words.2, same.words.3]
                for w in 0..<4 {
                    var bits = words[w]
                    while bits != 0 {
                        t[base + w << 6 + bits.trailingZeroBitCount] = value
                        bits &= bits &- 1
                    }
                }
            }
            t[slot] = value
        }
        return (next, alive, flags)
    }

    /// The memoized transition of set `id` on byte `b` (`next << 3 | alive << 2 | flags`), or
    /// -1 when `stepSet` has not computed it yet.
    @inline(__always)
    func cachedTransition(_ id: Int32, _ b: UInt8) -> Int32 {
        setTransitions.withUnsafeBufferPointer { $0[Int(id) &* 256 &+ Int(b)] }
    }

    /// Reserves room for the transitions of `sets` interned sets, their index, and as many
    /// memoized closures and stack frames: a mask cache meets hundreds, and growing a table by
    /// copying or rehashing it lands on whichever mask crosses a power of two.
    mutating func reserveSets(_ sets: Int) {
        setTransitions.reserveCapacity(sets * 256)
        setIndex.reserveCapacity(sets)
        memo.reserveCapacity(sets)
        arena.index.reserveCapacity(sets)
    }

    /// Drops the interned sets when there are too many (call between walks only).
    mutating func trimSets() {
        if setConfigs.count > Self.setLimit {
            setConfigs.removeAll()
            setIndex.removeAll()
            setTransitions.removeAll()
            setReadable.removeAll()
            sliceVerdict.removeAll()
        }
    }

    /// How long slice texts (`TokenVocabulary.isSliceText`) set `id` reads and stays alive
    /// along, all of them: `Int.max` when every such text keeps it alive, else the largest `n`
    /// such that every slice text of at most `n` bytes does (at least `cap` when the check
    /// stopped at `cap` bytes). Memoized per set: the largest `n` found, and whether it is exact.
    private var sliceVerdict: [Int32: (length: Int, exact: Bool)] = [:]
    mutating func absorbedSliceLength(_ id: Int32, cap: Int) -> Int {
        if let v = sliceVerdict[id], v.exact || v.length >= cap { return v.length }
        // Breadth first over (UTF-8 state, set): a pair first met at depth d is explored for the
        // remaining cap - d bytes, which covers every later meeting of it (the first text that
        // kills the set is found at the depth of its first meeting).
        var seen = Set<Int64>([Int64(id) << 8])
        var level: [(UInt8, Int32)] = [(0, id)]
        var depth = 0
        var result = (length: Int.max, exact: true)
        search: while !level.isEmpty {
            if depth >= cap { result = (cap, false); break }
            var nextLevel: [(UInt8, Int32)] = []
            for (u, s) in level {
                // Bytes of one UTF-8 class step the same way in the UTF-8 automaton, and runs of
                // them usually reach the same set: only a change of result is looked up in `seen`.
                for r in TokenVocabulary.utf8Classes[Int(u)] {
                    var last: Int32 = -1
                    for b in r.lo...r.hi {
                        var v = cachedTransition(s, b)
                        if v < 0 {
                            let (n, alive, flags) = stepSet(s, b)
                            v = n << 3 | (alive ? 4 : 0) | Int32(flags)
                        }
                        if v & 4 == 0 || error != nil { result = (depth, true); break search }
                        if v == last { continue }
                        last = v
                        if seen.insert(Int64(v >> 3) << 8 | Int64(r.next)).inserted { nextLevel.append((r.next, v >> 3)) }
                    }
                }
            }
            level = nextLevel
            depth += 1
        }
        sliceVerdict[id] = result
        return result.length
    }

    /// The bytes any configuration of `src[range]` can read next; `special` tells whether a
    /// special token could come next.
    func nextBytes(_ src: [Config], _ range: Range<Int>) -> (ByteSet, special: Bool) {
        var set = ByteSet(), special = false
        for i in range {
            let c = src[i]
            let st = automaton.states[Int(c.state)]
            for e in st.bytes { set = set.union(e.set) }
            if !st.specials.isEmpty { special = true }
            if st.byteLoop {
                let l = automaton.loops[Int(st.loop)]
                if l.max < 0 || c.counter < l.max { set = set.union(l.byteBody) }
            }
        }
        return (set, special)
    }
}

/// Byte-level recognition of a grammar, without a vocabulary: special tokens are matched as
/// their text. For tests, tools and compilers that need "does this string match?".
public final class GrammarRecognizer {
    private var runner: AutomatonRunner
    private var current: [Config] = []
    private var next: [Config] = []
    private var flags: UInt8 = 0

    /// Compiles `grammar` for byte-level matching.
    public init(_ grammar: Grammar) throws(GrammarCompileError) {
        runner = AutomatonRunner(try PushdownAutomaton(grammar))
        reset()
    }

    /// Back to the start of the input.
    public func reset() {
        current.removeAll()
        let a = runner.automaton
        flags = runner.addClosure(Config(state: a.ruleStart[Int(a.root)], counter: 0, stack: StackArena.bottom),
                                  to: &current, from: 0)
    }

    /// Reads `bytes`; false (and the state unchanged) when they cannot continue a match.
    @discardableResult
    public func feed(_ bytes: [UInt8]) -> Bool {
        var cur = current, f = flags
        for b in bytes {
            next.removeAll(keepingCapacity: true)
            f = runner.step(cur, 0..<cur.count, byte: b, into: &next)
            if next.isEmpty && f & AutomatonRunner.flagAccepting == 0 { return false }
            swap(&cur, &next)
        }
        current = cur
        flags = f
        return true
    }

    /// Whether the input read so far is a complete match.
    public var isAccepting: Bool { flags & AutomatonRunner.flagAccepting != 0 }

    /// Whether the whole of `bytes` matches the grammar.
    public func matches(_ bytes: [UInt8]) -> Bool {
        reset()
        defer { reset() }
        return feed(bytes) && isAccepting
    }

    /// Whether `bytes` can be continued to a match (every prefix of a match is one).
    public func isPrefix(_ bytes: [UInt8]) -> Bool {
        reset()
        defer { reset() }
        return feed(bytes)
    }

    /// The budget error that stopped matching, if any.
    public var error: GrammarMatchError? { runner.error }
}
