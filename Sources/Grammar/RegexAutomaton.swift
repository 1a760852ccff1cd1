/// Regex languages as deterministic automata over code-point classes, for what the regex IR
/// cannot say by itself: a pattern (or format) intersected with a length bound, as a product
/// of the automaton with a code-point counter. The product is emitted as grammar rules, one per
/// (state, length) pair that can still reach an accepting end, so the result is exact; a state
/// from which every continuation is accepted becomes a counted loop instead of more rules.
struct RegexAutomaton {
    /// Disjoint code-point intervals; transitions are per interval index.
    var classes: [ClosedRange<UInt32>]
    /// `next[state][class]`, -1 for the dead state.
    var next: [[Int32]]
    var accepting: [Bool]

    /// Limits on the subset construction and on the product's size.
    static let maxStates = 2_000
    static let maxProductStates = 6_000

    /// The automaton for `pattern` (full match, or search semantics); nil when it would need
    /// more than `maxStates` states.
    init?(_ pattern: RegexPattern, search: Bool) {
        var nfa = NFA()
        let start = nfa.add()
        let end = nfa.add()
        let anyStar = RegexNode.repeat(.chars(RegexPattern.anyCodePoint), min: 0, max: nil)
        for b in pattern.branches {
            var items: [RegexNode] = []
            if search && !b.anchoredStart { items.append(anyStar) }
            items.append(b.node)
            if search && !b.anchoredEnd { items.append(anyStar) }
            guard nfa.build(.sequence(items), from: start, to: end) else { return nil }
        }
        // Alphabet: the coarsest partition of all code points that every edge class respects.
        var cuts = Set<UInt32>([0, 0x110000])
        for edges in nfa.chars { for (ranges, _) in edges { for r in ranges { cuts.insert(r.lowerBound); cuts.insert(r.upperBound + 1) } } }
        let sortedCuts = cuts.sorted()
        var classes: [ClosedRange<UInt32>] = []
        for i in 0..<(sortedCuts.count - 1) { classes.append(sortedCuts[i]...(sortedCuts[i + 1] - 1)) }
        func classIndices(_ ranges: [ClosedRange<UInt32>]) -> [Int] {
            var out: [Int] = []
            for r in ranges {
                // First class starting at r.lowerBound, then every class up to r.upperBound.
                var lo = 0, hi = classes.count - 1
                while lo < hi { let mid = (lo + hi) / 2; if classes[mid].lowerBound < r.lowerBound { lo = mid + 1 } else { hi = mid } }
                var k = lo
                while k < classes.count && classes[k].upperBound <= r.upperBound { out.append(k); k += 1 }
            }
            return out
        }
        let edgeClasses: [[([Int], Int)]] = nfa.chars.map { edges in edges.map { (classIndices($0.0), $0.1) } }
        // Subset construction.
        func closure(_ set: [Int]) -> [Int] {
            var seen = Set(set)
            var stack = set
            while let s = stack.popLast() { for t in nfa.eps[s] where seen.insert(t).inserted { stack.append(t) } }
            return seen.sorted()
        }
        var ids: [[Int]: Int32] = [:]
        var sets: [[Int]] = []
        var next: [[Int32]] = []
        var accepting: [Bool] = []
        let s0 = closure([start])
        ids[s0] = 0; sets.append(s0)
        var i = 0
        while i < sets.count {
            var row = [Int32](repeating: -1, count: classes.count)
            var targets = [[Int]](repeating: [], count: classes.count)
            for s in sets[i] { for (cls, t) in edgeClasses[s] { for c in cls { targets[c].append(t) } } }
            for c in 0..<classes.count where !targets[c].isEmpty {
                let cl = closure(targets[c])
                if let id = ids[cl] { row[c] = id } else {
                    if sets.count >= Self.maxStates { return nil }
                    ids[cl] = Int32(sets.count); sets.append(cl); row[c] = Int32(sets.count - 1)
                }
            }
            next.append(row)
            accepting.append(sets[i].contains(end))
            i += 1
        }
        self.classes = classes
        self.next = next
        self.accepting = accepting
    }

    /// States from which every continuation is accepted (the greatest set of accepting states
    /// closed under every transition).
    func universalStates() -> [Bool] {
        var u = accepting
        var changed = true
        while changed {
            changed = false
            for q in next.indices where u[q] {
                if next[q].contains(where: { $0 < 0 || !u[Int($0)] }) { u[q] = false; changed = true }
            }
        }
        return u
    }

    /// The language intersected with lengths `minLength...maxLength` (code points; maxLength
    /// nil: unbounded) as grammar rules appended to `rules`, each code point spelled in `enc`;
    /// nil when the product needs more than `maxProductStates` rules.
    func lengthBounded(minLength: Int, maxLength: Int?, encoding enc: RegexEncoding, rules: inout [GrammarRule]) -> GrammarExpr? {
        let n = next.count
        let universal = universalStates()
        // Lengths past `cap` behave alike: with no maximum the count saturates at minLength.
        let cap = maxLength ?? minLength
        // The liveness table has (cap + 1) · n entries: bound the work before allocating it.
        guard (cap + 1).multipliedReportingOverflow(by: n).partialValue <= 1_000_000, cap < 1_000_000 else { return nil }
        func step(_ len: Int) -> Int? {
            if len + 1 <= cap { return len + 1 }
            return maxLength == nil ? cap : nil
        }
        // live[len][q]: an accepting end is reachable from (q, len).
        var live = [[Bool]](repeating: [Bool](repeating: false, count: n), count: cap + 1)
        if maxLength == nil {
            // At the cap every further length is allowed: plain reachability of an accepting state.
            var r = accepting
            var changed = true
            while changed {
                changed = false
                for q in 0..<n where !r[q] { if next[q].contains(where: { $0 >= 0 && r[Int($0)] }) { r[q] = true; changed = true } }
            }
            live[cap] = r
        }
        for len in stride(from: maxLength == nil ? cap - 1 : cap, through: 0, by: -1) {
            for q in 0..<n {
                if accepting[q] && len >= minLength { live[len][q] = true; continue }
                if let l2 = step(len) { live[len][q] = next[q].contains { $0 >= 0 && live[l2][Int($0)] } }
            }
        }
        guard live[0][0] else { return .nothing }
        // Number the reachable live pairs, breadth first.
        var index: [Int: Int] = [:]
        var order: [(Int, Int)] = []
        func key(_ q: Int, _ len: Int) -> Int { len * n + q }
        var queue = [(0, 0)]
        index[key(0, 0)] = 0
        var head = 0
        while head < queue.count {
            let (q, len) = queue[head]; head += 1
            order.append((q, len))
            if universal[q] { continue }
            guard let l2 = step(len) else { continue }
            for t in next[q] where t >= 0 && live[l2][Int(t)] && index[key(Int(t), l2)] == nil {
                if index.count >= Self.maxProductStates { return nil }
                index[key(Int(t), l2)] = index.count
                queue.append((Int(t), l2))
            }
        }
        let base = rules.count
        for _ in order { rules.append(GrammarRule(name: "length_bounded", body: .nothing)) }
        let anyChar = RegexPattern.classExpr(RegexPattern.anyCodePoint, enc)
        for (i, (q, len)) in order.enumerated() {
            if universal[q] {
                // Every continuation is in the language: only the length remains to count.
                let lo = max(0, minLength - len)
                rules[base + i].body = .repeat(anyChar, min: lo, max: maxLength.map { $0 - len })
                continue
            }
            var alts: [GrammarExpr] = []
            if accepting[q] && len >= minLength { alts.append(.empty) }
            if let l2 = step(len) {
                // Group classes by target.
                var byTarget: [Int: [ClosedRange<UInt32>]] = [:]
                var targetOrder: [Int] = []
                for (c, t) in next[q].enumerated() where t >= 0 {
                    guard let j = index[key(Int(t), l2)] else { continue }
                    if byTarget[j] == nil { targetOrder.append(j) }
                    byTarget[j, default: []].append(classes[c])
                }
                for j in targetOrder { alts.append(.sequence([RegexPattern.classExpr(byTarget[j]!, enc), .rule(base + j)])) }
            }
            rules[base + i].body = alts.count == 1 ? alts[0] : .choice(alts)
        }
        return .rule(base)
    }
}

/// Thompson NFA over code-point ranges (bounded repetitions unrolled).
private struct NFA {
    var eps: [[Int]] = []
    var chars: [[([ClosedRange<UInt32>], Int)]] = []
    static let maxStates = 5_000

    mutating func add() -> Int { eps.append([]); chars.append([]); return eps.count - 1 }

    /// Adds the fragment for `n` between `from` and `to`; false past the size limit.
    mutating func build(_ n: RegexNode, from: Int, to: Int) -> Bool {
        if eps.count > Self.maxStates { return false }
        switch n {
        case .empty, .startAnchor, .endAnchor:
            eps[from].append(to)
        case .chars(let r):
            chars[from].append((r, to))
        case .sequence(let xs):
            var cur = from
            for (i, x) in xs.enumerated() {
                let nxt = i == xs.count - 1 ? to : add()
                if !build(x, from: cur, to: nxt) { return false }
                cur = nxt
            }
            if xs.isEmpty { eps[from].append(to) }
        case .alternation(let xs):
            for x in xs {
                let a = add(), b = add()
                eps[from].append(a); eps[b].append(to)
                if !build(x, from: a, to: b) { return false }
            }
        case let .repeat(x, lo, hi):
            var cur = from
            for _ in 0..<lo {
                let nxt = add()
                if !build(x, from: cur, to: nxt) { return false }
                cur = nxt
            }
            if let hi {
                for _ in lo..<max(lo, hi) {
                    let nxt = add()
                    eps[cur].append(to)
                    if !build(x, from: cur, to: nxt) { return false }
                    cur = nxt
                }
                eps[cur].append(to)
            } else {
                // A loop: its own entry state so that the loop does not leak into `from`'s edges.
                let loop = add()
                eps[cur].append(loop)
                let back = add()
                if !build(x, from: loop, to: back) { return false }
                eps[back].append(loop)
                eps[loop].append(to)
            }
        }
        return true
    }
}

extension RegexAutomaton {
    /// An automaton from its tables (classes partition every code point).
    init(classes: [ClosedRange<UInt32>], next: [[Int32]], accepting: [Bool]) {
        self.classes = classes
        self.next = next
        self.accepting = accepting
    }

    /// Exactly the strings `literals` (full match).
    init?(literals: [String]) {
        let branches = literals.map { s in
            RegexPattern.Branch(node: .sequence(s.unicodeScalars.map { .chars([$0.value...$0.value]) }), anchoredStart: true, anchoredEnd: true)
        }
        self.init(RegexPattern(branches: branches), search: false)
    }

    /// The strings both automata accept; nil past `maxStates` states.
    func intersected(with other: RegexAutomaton) -> RegexAutomaton? {
        // Refine the two alphabets: every cut of either.
        var cuts = Set<UInt32>([0x110000])
        for c in classes { cuts.insert(c.lowerBound) }
        for c in other.classes { cuts.insert(c.lowerBound) }
        let sorted = cuts.sorted()
        var merged: [ClosedRange<UInt32>] = []
        var ia: [Int] = [], ib: [Int] = []
        var a = 0, b = 0
        for i in 0..<(sorted.count - 1) {
            let r = sorted[i]...(sorted[i + 1] - 1)
            while classes[a].upperBound < r.lowerBound { a += 1 }
            while other.classes[b].upperBound < r.lowerBound { b += 1 }
            merged.append(r); ia.append(a); ib.append(b)
        }
        var ids: [Int: Int32] = [0: 0]
        var pairs: [(Int, Int)] = [(0, 0)]
        var next: [[Int32]] = []
        var accepting: [Bool] = []
        var i = 0
        while i < pairs.count {
            let (p, q) = pairs[i]
            var row = [Int32](repeating: -1, count: merged.count)
            for c in merged.indices {
                let tp = self.next[p][ia[c]], tq = other.next[q][ib[c]]
                guard tp >= 0, tq >= 0 else { continue }
                let key = Int(tp) * other.next.count + Int(tq)
                if let id = ids[key] { row[c] = id } else {
                    if pairs.count >= Self.maxStates { return nil }
                    ids[key] = Int32(pairs.count); pairs.append((Int(tp), Int(tq))); row[c] = Int32(pairs.count - 1)
                }
            }
            next.append(row)
            accepting.append(self.accepting[p] && other.accepting[q])
            i += 1
        }
        return RegexAutomaton(classes: merged, next: next, accepting: accepting)
    }

    /// The strings this automaton rejects (its missing transitions go to an accepting sink).
    func complemented() -> RegexAutomaton {
        let sink = Int32(next.count)
        var n = next.map { row in row.map { $0 < 0 ? sink : $0 } }
        n.append([Int32](repeating: sink, count: classes.count))
        return RegexAutomaton(classes: classes, next: n, accepting: accepting.map { !$0 } + [true])
    }
}

extension RegexPattern {
    /// A pattern from parsed branches.
    init(branches: [Branch]) { self.branches = branches }
}
