@testable import Grammar

/// A deliberately simple Earley recognizer over bytes for the grammar IR, used by the tests to
/// check compiled grammars independently of the production matcher. Repetitions are unrolled
/// (so keep bounds modest in tests); a special token `.specialToken(t)` is recognized as the
/// bytes `0xFF` + t + `0xFF` (0xFF never occurs in UTF-8 text).
struct ReferenceRecognizer {
    private enum Symbol: Hashable { case terminal(ByteSet), nonterminal(Int) }
    private struct Production { let lhs: Int; let rhs: [Symbol] }
    private struct Item: Hashable { let prod: Int32; let dot: Int32; let origin: Int32 }

    private var productions: [Production] = []
    private var byLHS: [[Int]] = []
    private var nullable: [Bool] = []
    private let start: Int

    /// The bytes standing for special token `text` in recognizer input.
    static func special(_ text: String) -> [UInt8] { [0xFF] + Array(text.utf8) + [0xFF] }

    init(_ grammar: Grammar) {
        var ntCount = grammar.rules.count
        var prods: [Production] = []
        func newNT() -> Int { ntCount += 1; return ntCount - 1 }
        // Identical sub-expressions (whitespace runs, string characters…) share their nonterminals.
        var cache: [GrammarExpr: [Symbol]] = [:]
        func symbols(_ e: GrammarExpr) -> [Symbol] {
            switch e {
            case .choice, .repeat:
                if let c = cache[e] { return c }
                let s = build(e)
                cache[e] = s
                return s
            default: return build(e)
            }
        }
        func build(_ e: GrammarExpr) -> [Symbol] {
            switch e {
            case .empty: return []
            case .bytes(let bs): return bs.map { .terminal(ByteSet([$0])) }
            case .byteSet(let s): return [.terminal(s)]
            case .sequence(let xs): return xs.flatMap { symbols($0) }
            case .specialToken(let t): return Self.special(t).map { .terminal(ByteSet([$0])) }
            case .rule(let i): return [.nonterminal(i)]
            case .choice(let xs):
                let nt = newNT()
                for x in xs { prods.append(Production(lhs: nt, rhs: symbols(x))) }
                return [.nonterminal(nt)]
            case let .repeat(x, lo, hi):
                let one = symbols(x)
                let unit: [Symbol]
                if one.count == 1 { unit = one } else {
                    let nt = newNT(); prods.append(Production(lhs: nt, rhs: one)); unit = [.nonterminal(nt)]
                }
                var out: [Symbol] = []
                for _ in 0..<lo { out += unit }
                if let hi {
                    if hi > lo {
                        // Opt_k = ε | unit Opt_{k-1}
                        var next: Int? = nil
                        for _ in 0..<(hi - lo) {
                            let nt = newNT()
                            prods.append(Production(lhs: nt, rhs: []))
                            prods.append(Production(lhs: nt, rhs: unit + (next.map { [.nonterminal($0)] } ?? [])))
                            next = nt
                        }
                        out.append(.nonterminal(next!))
                    }
                } else {
                    let nt = newNT()
                    prods.append(Production(lhs: nt, rhs: []))
                    prods.append(Production(lhs: nt, rhs: unit + [.nonterminal(nt)]))
                    out.append(.nonterminal(nt))
                }
                return out
            }
        }
        for (i, r) in grammar.rules.enumerated() {
            prods.append(Production(lhs: i, rhs: symbols(r.body)))
        }
        let s = newNT()
        prods.append(Production(lhs: s, rhs: [.nonterminal(grammar.root)]))
        start = s
        productions = prods
        byLHS = Array(repeating: [], count: ntCount)
        for (i, p) in prods.enumerated() { byLHS[p.lhs].append(i) }
        nullable = Array(repeating: false, count: ntCount)
        var changed = true
        while changed {
            changed = false
            for p in prods where !nullable[p.lhs] {
                if p.rhs.allSatisfy({ if case .nonterminal(let n) = $0 { return nullable[n] }; return false }) {
                    nullable[p.lhs] = true; changed = true
                }
            }
        }
    }

    /// True when the whole input is in the grammar's language.
    func accepts(_ input: [UInt8]) -> Bool { acceptsExactly(input) }

    /// True when the input is a prefix of some string in the language.
    func acceptsPrefix(_ input: [UInt8]) -> Bool { longestViablePrefix(input) == input.count }

    func accepts(_ text: String) -> Bool { accepts(Array(text.utf8)) }

    private func acceptsExactly(_ input: [UInt8]) -> Bool {
        let sets = run(input)
        guard sets.count == input.count + 1 else { return false }
        for it in sets[input.count] where Int(it.origin) == 0 && productions[Int(it.prod)].lhs == start
            && Int(it.dot) == productions[Int(it.prod)].rhs.count { return true }
        return false
    }

    private func longestViablePrefix(_ input: [UInt8]) -> Int { run(input).count - 1 }

    /// Earley sets up to the first position with no live item.
    private func run(_ input: [UInt8]) -> [[Item]] {
        var sets: [[Item]] = []
        var seen: [Set<Item>] = []
        var current: [Item] = []
        var currentSeen = Set<Item>()
        func add(_ it: Item, _ list: inout [Item], _ seen: inout Set<Item>) {
            if seen.insert(it).inserted { list.append(it) }
        }
        for p in byLHS[start] { add(Item(prod: Int32(p), dot: 0, origin: 0), &current, &currentSeen) }
        var i = 0
        while true {
            // Close the current set.
            var k = 0
            while k < current.count {
                let it = current[k]; k += 1
                let prod = productions[Int(it.prod)]
                if Int(it.dot) < prod.rhs.count {
                    if case .nonterminal(let b) = prod.rhs[Int(it.dot)] {
                        for q in byLHS[b] { add(Item(prod: Int32(q), dot: 0, origin: Int32(i)), &current, &currentSeen) }
                        if nullable[b] { add(Item(prod: it.prod, dot: it.dot + 1, origin: it.origin), &current, &currentSeen) }
                    }
                } else {
                    let origin = Int(it.origin)
                    let waiting = origin == i ? current : sets[origin]
                    for w in waiting {
                        let wp = productions[Int(w.prod)]
                        if Int(w.dot) < wp.rhs.count, case .nonterminal(let b) = wp.rhs[Int(w.dot)], b == prod.lhs {
                            add(Item(prod: w.prod, dot: w.dot + 1, origin: w.origin), &current, &currentSeen)
                        }
                    }
                }
            }
            sets.append(current)
            seen.append(currentSeen)
            if i == input.count { break }
            let byte = input[i]
            var next: [Item] = []
            var nextSeen = Set<Item>()
            for it in current {
                let prod = productions[Int(it.prod)]
                if Int(it.dot) < prod.rhs.count, case .terminal(let s) = prod.rhs[Int(it.dot)], s.contains(byte) {
                    add(Item(prod: it.prod, dot: it.dot + 1, origin: it.origin), &next, &nextSeen)
                }
            }
            if next.isEmpty { break }
            current = next
            currentSeen = nextSeen
            i += 1
        }
        return sets
    }
}
