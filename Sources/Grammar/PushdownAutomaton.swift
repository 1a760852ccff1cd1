/// The grammar IR compiled to a byte-level pushdown automaton: every rule becomes a small
/// automaton whose edges read a byte (from a set), read a special token, call a rule (push a
/// return frame), or move without input; the end of a rule pops. Bounded repetitions keep a
/// counter in the configuration instead of being copied out, so `x{0,5000}` costs one state.

/// Why a grammar cannot be compiled into an automaton.
public enum GrammarCompileError: Error, Equatable, CustomStringConvertible {
    case invalid(GrammarIRError)
    /// A rule can reach itself again without reading a byte (left recursion), which a
    /// top-down matcher cannot run; the names form the cycle.
    case leftRecursion([String])
    /// The start rule derives no string at all.
    case empty(String)
    /// The automaton would exceed the state budget (a repetition or alternation too large).
    case tooLarge(states: Int, limit: Int)

    public var description: String {
        switch self {
        case .invalid(let e): return e.description
        case .leftRecursion(let cycle):
            return "left recursion: \(cycle.joined(separator: " → ")) can call itself again before reading any input; rewrite it with a repetition (e.g. `a ::= b (\"+\" b)*`)"
        case .empty(let name): return "the start rule '\(name)' matches no string at all; check its alternatives and the rules they use"
        case .tooLarge(let states, let limit):
            return "the grammar needs \(states) automaton states, over the limit of \(limit); use bounded repetitions of smaller parts or fewer alternatives"
        }
    }
}

/// A byte edge: read one byte from `set`, move to `target`.
struct ByteEdge {
    var set: ByteSet
    var target: Int32
}

/// A counted loop: the state repeats `body` (a rule, or one byte set when `body < 0`)
/// between `min` and `max` times (`max < 0`: unbounded) and then moves to `exit`.
struct RepeatLoop {
    var body: Int32
    var byteBody: ByteSet
    var min: Int32
    var max: Int32
    var exit: Int32
    /// Whether one pass of the body reads at least one byte (lets counters be abstracted).
    var consumes: Bool
}

/// One automaton state.
struct AutomatonState {
    var bytes: [ByteEdge] = []
    var epsilon: [Int32] = []
    /// Call `rule`, continue at `ret` when it ends.
    var calls: [(rule: Int32, ret: Int32)] = []
    /// Read the special token of slot `slot` (an index into `PushdownAutomaton.specialTexts`).
    var specials: [(slot: Int32, target: Int32)] = []
    /// Ending the rule here pops the frame.
    var isFinal = false
    /// Index into `PushdownAutomaton.loops`, or -1.
    var loop: Int32 = -1
    /// Whether the state is a counted loop over one byte set (reads input itself).
    var byteLoop = false
    /// Whether the state reads input itself (byte, special or counted byte loop).
    var consumes: Bool { !bytes.isEmpty || !specials.isEmpty || byteLoop }
}

/// A compiled grammar: states, rule entry points and counted loops. Vocabulary independent.
public struct PushdownAutomaton: Sendable {
    var states: [AutomatonState]
    var ruleStart: [Int32]
    var ruleNames: [String]
    var loops: [RepeatLoop]
    /// Texts of the special tokens the grammar reads, by slot.
    public internal(set) var specialTexts: [String]
    var root: Int32
    /// Per state: the rule can only end from here (see `markTails`).
    var isTail: [Bool] = []

    /// Default state budget.
    public static let defaultStateLimit = 2_000_000

    /// Compiles `grammar`. Special tokens whose text `keepSpecial` rejects are spelled out as
    /// their bytes (a vocabulary without such a token; or byte-level matching).
    public init(_ grammar: Grammar, stateLimit: Int = PushdownAutomaton.defaultStateLimit,
                keepSpecial: @escaping (String) -> Bool = { _ in false }) throws(GrammarCompileError) {
        do { try grammar.validate() } catch let e as GrammarIRError { throw .invalid(e) } catch { throw .invalid(.badRoot(grammar.root, ruleCount: grammar.rules.count)) }
        var builder = AutomatonBuilder(grammar: grammar, stateLimit: stateLimit, keepSpecial: keepSpecial)
        try builder.build()
        states = builder.states
        ruleStart = builder.ruleStart
        ruleNames = builder.ruleNames
        loops = builder.loops
        specialTexts = builder.specialTexts
        root = Int32(grammar.root)
        try checkLeftRecursion()
        try prune()
        markTails()
    }

    /// States from which the rule can only end (no input, call, loop or special; epsilon moves
    /// lead only to such states, and one of them is final). A call returning to such a state
    /// is a tail call: the runner pushes no frame for it, so right recursion (`a ::= x a | y`)
    /// and chains of optional parts keep one stack instead of one per way of reaching them.
    private mutating func markTails() {
        var tail = [Bool](repeating: false, count: states.count)
        var changed = true
        while changed {
            changed = false
            for (i, st) in states.enumerated() where !tail[i] {
                guard st.bytes.isEmpty, st.calls.isEmpty, st.specials.isEmpty, st.loop < 0, !st.byteLoop else { continue }
                guard st.isFinal || !st.epsilon.isEmpty else { continue }
                if st.epsilon.allSatisfy({ tail[Int($0)] }) { tail[i] = true; changed = true }
            }
        }
        // Without a final state in reach the state is dead rather than a tail; prune keeps only
        // states that reach their rule's end, so every state marked here reaches a final one.
        isTail = tail
    }

    /// Number of automaton states.
    public var stateCount: Int { states.count }

    // MARK: analysis

    /// Rules that can end without reading input.
    private func nullableRules() -> [Bool] {
        var nullable = [Bool](repeating: false, count: ruleStart.count)
        var changed = true
        while changed {
            changed = false
            for r in ruleStart.indices where !nullable[r] {
                if reachesFinalWithoutInput(from: ruleStart[r], nullable: nullable) { nullable[r] = true; changed = true }
            }
        }
        return nullable
    }

    /// Whether the final state of the rule owning `start` is reachable by epsilon moves, calls
    /// of nullable rules, and loops that may be skipped.
    private func reachesFinalWithoutInput(from start: Int32, nullable: [Bool]) -> Bool {
        var seen = Set<Int32>([start]), work = [start]
        while let s = work.popLast() {
            let st = states[Int(s)]
            if st.isFinal { return true }
            var next = st.epsilon
            for c in st.calls where nullable[Int(c.rule)] { next.append(c.ret) }
            if st.loop >= 0 {
                let l = loops[Int(st.loop)]
                if l.min == 0 || (l.body >= 0 && nullable[Int(l.body)]) { next.append(l.exit) }
            }
            for n in next where seen.insert(n).inserted { work.append(n) }
        }
        return false
    }

    /// Rules called (directly or through a loop body) before any input is read.
    private func leftCalls(of rule: Int, nullable: [Bool]) -> Set<Int32> {
        var out = Set<Int32>()
        var seen = Set<Int32>([ruleStart[rule]]), work = [ruleStart[rule]]
        while let s = work.popLast() {
            let st = states[Int(s)]
            var next = st.epsilon
            for c in st.calls {
                out.insert(c.rule)
                if nullable[Int(c.rule)] { next.append(c.ret) }
            }
            if st.loop >= 0 {
                let l = loops[Int(st.loop)]
                if l.body >= 0 { out.insert(l.body) }
                if l.min == 0 || (l.body >= 0 && nullable[Int(l.body)]) { next.append(l.exit) }
            }
            for n in next where seen.insert(n).inserted { work.append(n) }
        }
        return out
    }

    private func checkLeftRecursion() throws(GrammarCompileError) {
        let nullable = nullableRules()
        let n = ruleStart.count
        let edges = (0..<n).map { Array(leftCalls(of: $0, nullable: nullable)).sorted() }
        // Iterative DFS cycle detection (colors: 0 new, 1 on stack, 2 done).
        var color = [UInt8](repeating: 0, count: n)
        for startRule in 0..<n where color[startRule] == 0 {
            var stack: [(Int, Int)] = [(startRule, 0)]
            color[startRule] = 1
            while let (r, i) = stack.last {
                if i < edges[r].count {
                    stack[stack.count - 1].1 += 1
                    let t = Int(edges[r][i])
                    if color[t] == 1 {
                        var cycle = stack.map { ruleNames[$0.0] }
                        if let at = stack.firstIndex(where: { $0.0 == t }) { cycle = Array(cycle[at...]) }
                        throw .leftRecursion(cycle + [ruleNames[t]])
                    }
                    if color[t] == 0 { color[t] = 1; stack.append((t, 0)) }
                } else {
                    color[r] = 2
                    stack.removeLast()
                }
            }
        }
        // Loops over nullable bodies would spin without input; counters bound them, and the
        // matcher caps unbounded counters, so they are allowed.
    }

    /// Removes edges into rules that derive no string, so every live configuration can finish.
    private mutating func prune() throws(GrammarCompileError) {
        // Least fixpoint of "the state can reach its rule's end" (calls only through rules
        // already known to derive a string) and "the rule derives a string" (its start can
        // reach its end), by sweeps over flat edge arrays (`plain`: edges that need nothing;
        // `conditional`: a call's return or a loop's exit, usable once its rule is productive):
        // later states are mostly successors, so sweeping backwards settles most in one pass.
        let n = states.count
        var canEnd = [Bool](repeating: false, count: n)
        var plainStart = [Int32](repeating: 0, count: n + 1), plain: [Int32] = []
        var condStart = [Int32](repeating: 0, count: n + 1), condRule: [Int32] = [], condTarget: [Int32] = []
        for i in 0..<n {
            let st = states[i]
            canEnd[i] = st.isFinal
            for e in st.epsilon { plain.append(e) }
            for e in st.bytes where !e.set.isEmpty { plain.append(e.target) }
            for e in st.specials { plain.append(e.target) }
            for c in st.calls { condRule.append(c.rule); condTarget.append(c.ret) }
            if st.loop >= 0 {
                let l = loops[Int(st.loop)]
                if l.min == 0 || l.body < 0 { plain.append(l.exit) } else { condRule.append(l.body); condTarget.append(l.exit) }
            }
            plainStart[i + 1] = Int32(plain.count)
            condStart[i + 1] = Int32(condRule.count)
        }
        var productive = [Bool](repeating: false, count: ruleStart.count)
        var changed = true
        while changed {
            changed = false
            for i in stride(from: n - 1, through: 0, by: -1) where !canEnd[i] {
                var ok = false
                for k in Int(plainStart[i])..<Int(plainStart[i + 1]) where canEnd[Int(plain[k])] { ok = true; break }
                if !ok {
                    for k in Int(condStart[i])..<Int(condStart[i + 1]) where productive[Int(condRule[k])] && canEnd[Int(condTarget[k])] { ok = true; break }
                }
                if ok { canEnd[i] = true; changed = true }
            }
            for r in ruleStart.indices where !productive[r] && canEnd[Int(ruleStart[r])] { productive[r] = true; changed = true }
        }
        guard productive[Int(root)] else { throw .empty(ruleNames[Int(root)]) }
        // Edges into states that can reach their rule's end (backwards from the final states),
        // after the calls of unproductive rules and the passes of unproductive loop bodies go.
        var predStart = [Int32](repeating: 0, count: n + 1)
        var edgeFrom: [Int32] = [], edgeTo: [Int32] = []
        for i in 0..<n {
            if states[i].calls.contains(where: { !productive[Int($0.rule)] }) { states[i].calls.removeAll { !productive[Int($0.rule)] } }
            if states[i].loop >= 0 {
                let l = loops[Int(states[i].loop)]
                if l.body >= 0 && !productive[Int(l.body)] {
                    // The body cannot run: the loop is only its exit, if zero passes are allowed.
                    loops[Int(states[i].loop)].max = 0
                }
            }
        }
        for i in 0..<n {
            let st = states[i]
            let from = Int32(i)
            for e in st.bytes { edgeFrom.append(from); edgeTo.append(e.target) }
            for e in st.epsilon { edgeFrom.append(from); edgeTo.append(e) }
            for c in st.calls { edgeFrom.append(from); edgeTo.append(c.ret) }
            for e in st.specials { edgeFrom.append(from); edgeTo.append(e.target) }
            if st.loop >= 0 {
                let l = loops[Int(st.loop)]
                if l.max != 0 { edgeFrom.append(from); edgeTo.append(from) }
                if l.min == 0 || l.max != 0 { edgeFrom.append(from); edgeTo.append(l.exit) }
            }
        }
        for t in edgeTo { predStart[Int(t) + 1] += 1 }
        for i in 0..<n { predStart[i + 1] += predStart[i] }
        var fill = predStart
        var preds = [Int32](repeating: 0, count: edgeTo.count)
        for k in edgeTo.indices { let t = Int(edgeTo[k]); preds[Int(fill[t])] = edgeFrom[k]; fill[t] += 1 }
        var live = [Bool](repeating: false, count: n)
        var work: [Int32] = []
        for (i, st) in states.enumerated() where st.isFinal { live[i] = true; work.append(Int32(i)) }
        while let s = work.popLast() {
            for k in Int(predStart[Int(s)])..<Int(predStart[Int(s) + 1]) where !live[Int(preds[k])] { live[Int(preds[k])] = true; work.append(preds[k]) }
        }
        for i in 0..<n {
            let st = states[i]
            if st.bytes.contains(where: { !live[Int($0.target)] || $0.set.isEmpty }) {
                states[i].bytes.removeAll { !live[Int($0.target)] || $0.set.isEmpty }
            }
            if st.epsilon.contains(where: { !live[Int($0)] }) { states[i].epsilon.removeAll { !live[Int($0)] } }
            if st.calls.contains(where: { !live[Int($0.ret)] }) { states[i].calls.removeAll { !live[Int($0.ret)] } }
            if st.specials.contains(where: { !live[Int($0.target)] }) { states[i].specials.removeAll { !live[Int($0.target)] } }
        }
    }
}

/// Thompson-style construction of the automaton.
private struct AutomatonBuilder {
    let grammar: Grammar
    let stateLimit: Int
    let keepSpecial: (String) -> Bool
    var states: [AutomatonState] = []
    var ruleStart: [Int32] = []
    var ruleNames: [String] = []
    var loops: [RepeatLoop] = []
    var specialTexts: [String] = []
    var specialSlot: [String: Int32] = [:]
    /// Extra rules made for loop bodies: (body, rule index).
    var pendingBodies: [(GrammarExpr, Int)] = []

    init(grammar: Grammar, stateLimit: Int, keepSpecial: @escaping (String) -> Bool) {
        self.grammar = grammar
        self.stateLimit = stateLimit
        self.keepSpecial = keepSpecial
    }

    mutating func newState() throws(GrammarCompileError) -> Int32 {
        if states.count >= stateLimit { throw .tooLarge(states: states.count + 1, limit: stateLimit) }
        states.append(AutomatonState())
        return Int32(states.count - 1)
    }

    mutating func build() throws(GrammarCompileError) {
        for r in grammar.rules {
            ruleNames.append(r.name)
            ruleStart.append(-1)
        }
        for (i, r) in grammar.rules.enumerated() { try buildRule(i, body: r.body) }
        while let (body, index) = pendingBodies.popLast() { try buildRule(index, body: body) }
    }

    mutating func buildRule(_ index: Int, body: GrammarExpr) throws(GrammarCompileError) {
        let start = try newState()
        ruleStart[index] = start
        let end = try compile(body, from: start)
        states[Int(end)].isFinal = true
    }

    /// A rule for a loop body (reuses the rule when the body is a plain reference).
    mutating func bodyRule(_ e: GrammarExpr) -> Int32 {
        if case .rule(let r) = e { return Int32(r) }
        let index = ruleNames.count
        ruleNames.append("\(ruleNames.count)-repeat")
        ruleStart.append(-1)
        pendingBodies.append((e, index))
        return Int32(index)
    }

    /// Compiles `e` starting at `from`; returns the state where it ends.
    mutating func compile(_ e: GrammarExpr, from: Int32) throws(GrammarCompileError) -> Int32 {
        switch e {
        case .empty:
            return from
        case .bytes(let bs):
            var s = from
            for b in bs {
                let t = try newState()
                states[Int(s)].bytes.append(ByteEdge(set: ByteSet([b]), target: t))
                s = t
            }
            return s
        case .byteSet(let set):
            let t = try newState()
            states[Int(from)].bytes.append(ByteEdge(set: set, target: t))
            return t
        case .sequence(let xs):
            var s = from
            for x in xs { s = try compile(x, from: s) }
            return s
        case .choice(let xs):
            // The single-byte alternatives are one edge into `end`; every other alternative
            // starts at `from` itself (compiling never adds an edge into its start state, so
            // the alternatives' paths stay apart), so the configurations of a choice are one
            // state rather than one per alternative: a UTF-8 character class (a dozen
            // alternatives) costs every step over it one configuration.
            let end = try newState()
            var set = ByteSet()
            var rest: [GrammarExpr] = []
            for x in xs {
                if case .byteSet(let s) = x { set = set.union(s) }
                else if case .bytes(let b) = x, b.count == 1 { set.insert(b[0]) }
                else { rest.append(x) }
            }
            if !set.isEmpty { states[Int(from)].bytes.append(ByteEdge(set: set, target: end)) }
            for x in rest {
                let z = try compile(x, from: from)
                states[Int(z)].epsilon.append(end)
            }
            return end
        case .rule(let r):
            let ret = try newState()
            states[Int(from)].calls.append((Int32(r), ret))
            return ret
        case .specialToken(let text):
            if !keepSpecial(text) { return try compile(.literal(text), from: from) }
            let slot: Int32
            if let s = specialSlot[text] { slot = s } else {
                slot = Int32(specialTexts.count)
                specialTexts.append(text)
                specialSlot[text] = slot
            }
            let t = try newState()
            states[Int(from)].specials.append((slot, t))
            return t
        case .repeat(let x, let lo, let hi):
            if let hi, hi == 0 { return from }
            let small = lo <= 3 && (hi.map { $0 <= 4 } ?? true)
            if small {
                var s = from
                for _ in 0..<lo { s = try compile(x, from: s) }
                if let hi {
                    // Optional copies: each may be skipped to the end.
                    let end = try newState()
                    for _ in lo..<hi {
                        states[Int(s)].epsilon.append(end)
                        s = try compile(x, from: s)
                    }
                    states[Int(s)].epsilon.append(end)
                    return end
                }
                // Star: a loop state around one copy.
                let loopState = try newState()
                states[Int(s)].epsilon.append(loopState)
                let bodyEnd = try compile(x, from: loopState)
                if bodyEnd == loopState { return loopState }
                states[Int(bodyEnd)].epsilon.append(loopState)
                let exit = try newState()
                states[Int(loopState)].epsilon.append(exit)
                return exit
            }
            let exit = try newState()
            let loopState = try newState()
            states[Int(from)].epsilon.append(loopState)
            var byteBody = ByteSet()
            var body: Int32 = -1
            var consumes = true
            switch x {
            case .byteSet(let s): byteBody = s
            case .bytes(let b) where b.count == 1: byteBody = ByteSet(b)
            default:
                body = bodyRule(x)
                consumes = !Self.nullable(x, grammar: grammar, depth: 0)
            }
            loops.append(RepeatLoop(body: body, byteBody: byteBody, min: Int32(clamping: lo),
                                    max: hi.map { Int32(clamping: $0) } ?? -1, exit: exit, consumes: consumes))
            states[Int(loopState)].loop = Int32(loops.count - 1)
            states[Int(loopState)].byteLoop = body < 0
            return exit
        }
    }

    /// A conservative nullability test (rules count as nullable beyond a small depth).
    static func nullable(_ e: GrammarExpr, grammar: Grammar, depth: Int) -> Bool {
        if depth > 8 { return true }
        switch e {
        case .empty: return true
        case .bytes(let b): return b.isEmpty
        case .byteSet, .specialToken: return false
        case .sequence(let xs): return xs.allSatisfy { nullable($0, grammar: grammar, depth: depth + 1) }
        case .choice(let xs): return xs.contains { nullable($0, grammar: grammar, depth: depth + 1) }
        case .repeat(let x, let lo, _): return lo == 0 || nullable(x, grammar: grammar, depth: depth + 1)
        case .rule(let r): return nullable(grammar.rules[r].body, grammar: grammar, depth: depth + 1)
        }
    }
}
