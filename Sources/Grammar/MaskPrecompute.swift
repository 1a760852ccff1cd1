/// Mask cache entries computed when a grammar is compiled, as xgrammar precomputes its
/// token masks, but under a small deterministic work budget: the configuration sets nearest
/// the start (breadth first by bytes) get their groups, cache entries and escape walks
/// computed, so the first masks of a generation are cache hits. Entries are pure functions
/// of their keys: a precomputed mask is bit-identical to one computed on first use.

extension CompiledGrammar {
    /// The work one unit of the budget stands for: a trie node visited by a walk; a set
    /// transition computed (a step, its closures and interning) counts as `stepWork` units.
    static let stepWork = 40
    /// Trie nodes one set's walks may visit in the breadth-first phase: a set needing more
    /// (a position right after a string escape walks whole subtrees of the vocabulary, say)
    /// is left to be computed on first use, so the budget goes to many cheap sets.
    static let setVisitCap = 1024

    /// The work done so far in budget units.
    var workDone: Int { runner.visits + Self.stepWork * runner.stepMisses }

    /// Computes the groups and cache entries of the configuration sets reachable from the
    /// start, breadth first by byte, until `budget` units of work are spent. A set whose walks
    /// pass `setVisitCap` nodes is dropped (nothing of it is kept but set transitions); sets
    /// whose keys take the vocabulary's slice (string bodies: a walk of the remainder trie
    /// each) come after every other set met within the budget. Returns the sets covered.
    func precompute(budget: Int) -> Int {
        guard budget > 0 else { return 0 }
        let limit = workDone + budget
        var start: [Config] = []
        let a = automaton
        _ = runner.addClosure(Config(state: a.ruleStart[Int(a.root)], counter: 0, stack: StackArena.bottom), to: &start, from: 0)
        guard !start.isEmpty, runner.error == nil else { return 0 }
        var queue: [Int32] = [runner.intern(start)]
        var seen = Set<Int32>(queue)
        var deferred: [Int32] = []
        var covered = 0
        var head = 0
        func spent() -> Bool {
            workDone >= limit || runner.error != nil || runner.setConfigs.count > AutomatonRunner.setLimit / 2
        }
        while head < queue.count && !spent() {
            let id = queue[head]
            head += 1
            let configs = runner.setConfigs[Int(id)]
            if takesSlice(configs) {
                deferred.append(id)
            } else {
                runner.visitLimit = runner.visits + Self.setVisitCap
                fill(nil, configs: configs, flags: 0, groups: groups(configs))
                runner.visitLimit = Int.max
                if runner.walkStopped { runner.walkStopped = false } else { covered += 1 }
            }
            // Successors by ASCII bytes only: a set inside a multi-byte character is rarely
            // where a token ends, and the character's end leads back to sets met anyway.
            let readable = runner.setReadable[Int(id)]
            for (w, word) in [readable.words.0, readable.words.1].enumerated() {
                var bits = word
                while bits != 0 {
                    let b = UInt8(w << 6 | bits.trailingZeroBitCount)
                    bits &= bits &- 1
                    var t = runner.cachedTransition(id, b)
                    if t < 0 {
                        let (next, alive, flags) = runner.stepSet(id, b)
                        t = next << 3 | (alive ? 4 : 0) | Int32(flags)
                    }
                    if t & 4 != 0 && seen.insert(t >> 3).inserted { queue.append(t >> 3) }
                }
            }
        }
        for id in deferred where !spent() {
            let configs = runner.setConfigs[Int(id)]
            fill(nil, configs: configs, flags: 0, groups: groups(configs))
            covered += 1
        }
        return covered
    }

    /// Whether some group of `configs` has a key that takes the vocabulary's slice.
    private func takesSlice(_ configs: [Config]) -> Bool {
        var sorted = configs
        sorted.sort { ($0.stack, $0.state, $0.counter) < ($1.stack, $1.state, $1.counter) }
        var i = 0
        while i < sorted.count {
            var j = i + 1
            while j < sorted.count && sorted[j].stack == sorted[i].stack { j += 1 }
            let (key, _) = key(of: Array(sorted[i..<j]), arena: runner.arena)
            if !hasEntry(key) && sliceTier(key, maxDepth: key.abstracted ? options.counterHorizon : Int.max) >= 0 { return true }
            i = j
        }
        return false
    }

    /// The bytes slice text may start with (`TokenVocabulary.isSliceText`).
    static let sliceStartBytes = ByteSet((0...255).compactMap { b in
        TokenVocabulary.utf8Next(0, UInt8(b)) == TokenVocabulary.utf8Dead ? nil : UInt8(b)
    })

    /// Whether the key's tops can read every byte slice text may start with. They read the
    /// first byte themselves (the frames below are reached only once a top's rule ended after
    /// a byte), so without that no stack below can keep every slice text alive: the slice
    /// check needs no set or walk to say so.
    func topsReadSliceStarts(_ key: MaskKey) -> Bool {
        var first = ByteSet()
        for f in key.frames[..<key.topCount] {
            let s = Int(f >> 32), c = Int32(truncatingIfNeeded: f)
            let st = automaton.states[s]
            for e in st.bytes { first = first.union(e.set) }
            if st.byteLoop {
                let l = automaton.loops[Int(st.loop)]
                if l.max < 0 || c < l.max { first = first.union(l.byteBody) }
            }
        }
        return first.intersection(Self.sliceStartBytes) == Self.sliceStartBytes
    }
}
