/// Digit grammars for JSON numbers under exact bounds: integer ranges, numbers between integer
/// bounds (no exponent), fraction-digit limits (`multipleOf` 10^-k) and divisibility
/// (`multipleOf` k) as a remainder automaton.
enum JSONNumberGrammar {
    static let digit = GrammarExpr.byteSet(ByteSet(range: 0x30, 0x39))
    static let nonzeroDigit = GrammarExpr.byteSet(ByteSet(range: 0x31, 0x39))
    static func digits(_ lo: Int, _ hi: Int?) -> GrammarExpr { .repeat(digit, min: lo, max: hi) }

    /// `-?(0|[1-9][0-9]*)`
    static let anyInteger = GrammarExpr.sequence([
        .repeat(.literal("-"), min: 0, max: 1), .choice([.literal("0"), .sequence([nonzeroDigit, digits(0, nil)])]),
    ])

    /// Any JSON number.
    static let anyNumber = GrammarExpr.sequence([
        anyInteger,
        .repeat(.sequence([.literal("."), digits(1, nil)]), min: 0, max: 1),
        .repeat(.sequence([.byteSet(ByteSet(Array("eE".utf8))), .repeat(.byteSet(ByteSet(Array("+-".utf8))), min: 0, max: 1), digits(1, nil)]), min: 0, max: 1),
    ])

    /// Decimal digit strings without leading zeros for the integers in `lo...hi` (hi nil: unbounded).
    static func nonNegative(_ lo: UInt64, _ hi: UInt64?) -> GrammarExpr {
        if let hi, hi < lo { return .nothing }
        let loS = String(lo)
        var alts: [GrammarExpr] = []
        let maxLen = hi.map { String($0).count } ?? loS.count
        for len in loS.count...maxLen {
            let floor: UInt64 = len == 1 ? 0 : pow10(len - 1)
            let ceil: UInt64 = len >= 20 ? UInt64.max : pow10(len) - 1
            let a = max(lo, floor), b = min(hi ?? UInt64.max, ceil)
            if a > b { continue }
            alts.append(sameLength(Array(String(a).utf8), Array(String(b).utf8)))
        }
        if hi == nil {
            // Every longer number.
            alts.append(.sequence([nonzeroDigit, digits(loS.count, nil)]))
        }
        return alts.count == 1 ? alts[0] : .choice(alts)
    }

    private static func pow10(_ n: Int) -> UInt64 { var v: UInt64 = 1; for _ in 0..<n { v *= 10 }; return v }

    /// Digit strings of one length between `lo` and `hi` (same length, lo ≤ hi).
    private static func sameLength(_ lo: [UInt8], _ hi: [UInt8]) -> GrammarExpr {
        if lo == hi { return .bytes(lo) }
        if lo.count == 1 { return .byteSet(ByteSet(range: lo[0], hi[0])) }
        let restLo = Array(lo.dropFirst()), restHi = Array(hi.dropFirst())
        if lo[0] == hi[0] { return .sequence([.bytes([lo[0]]), sameLength(restLo, restHi)]) }
        let n = lo.count - 1
        if restLo.allSatisfy({ $0 == 0x30 }) && restHi.allSatisfy({ $0 == 0x39 }) {
            return .sequence([.byteSet(ByteSet(range: lo[0], hi[0])), digits(n, n)])
        }
        var alts: [GrammarExpr] = []
        alts.append(.sequence([.bytes([lo[0]]), sameLength(restLo, Array(repeating: 0x39, count: n))]))
        if hi[0] - lo[0] >= 2 { alts.append(.sequence([.byteSet(ByteSet(range: lo[0] + 1, hi[0] - 1)), digits(n, n)])) }
        alts.append(.sequence([.bytes([hi[0]]), sameLength(Array(repeating: 0x30, count: n), restHi)]))
        return .choice(alts)
    }

    /// The integers in `lo...hi` (nil: unbounded) as JSON integer text (no `-0`).
    static func integerRange(_ lo: Int64?, _ hi: Int64?) -> GrammarExpr {
        if let lo, let hi, lo > hi { return .nothing }
        var alts: [GrammarExpr] = []
        if hi.map({ $0 < 0 }) ?? false || lo.map({ $0 < 0 }) ?? true {
            // Negative part: magnitudes |min(hi,-1)| ... |lo|.
            let top = min(hi ?? -1, -1)
            let magLo = top.magnitude
            let magHi = lo.map { $0.magnitude }
            if magHi.map({ $0 >= magLo }) ?? true {
                alts.append(.sequence([.literal("-"), nonNegative(magLo, magHi)]))
            }
        }
        if hi.map({ $0 >= 0 }) ?? true {
            alts.append(nonNegative(UInt64(max(lo ?? 0, 0)), hi.map { UInt64($0) }))
        }
        return alts.isEmpty ? .nothing : alts.count == 1 ? alts[0] : .choice(alts)
    }

    /// Fraction parts (after the integer part) by what they may be worth; `maxPlaces` limits the
    /// number of fraction digits (multipleOf 10^-k), nil for none. With a limit, spellings with
    /// trailing zeros past place k (`1.5000` for 0.01) are left out: the language stays finite
    /// under finite bounds, so a generator cannot run on in zeros.
    enum Fraction { case zero, any, nonzero }
    static func fraction(_ kind: Fraction, maxPlaces: Int?) -> GrammarExpr {
        let zeros: GrammarExpr
        let nonzeroTail: GrammarExpr
        if let k = maxPlaces, k >= 1 {
            zeros = .repeat(.literal("0"), min: 1, max: k)
            // The last nonzero digit at place i, then up to k - i zeros.
            let tails: [GrammarExpr] = (1...k).map { i in
                .sequence([digits(i - 1, i - 1), nonzeroDigit, .repeat(.literal("0"), min: 0, max: k - i)])
            }
            nonzeroTail = tails.count == 1 ? tails[0] : .choice(tails)
        } else {
            zeros = .repeat(.literal("0"), min: 1, max: nil)
            nonzeroTail = .sequence([digits(0, nil), nonzeroDigit, digits(0, nil)])
        }
        switch kind {
        case .zero: return .repeat(.sequence([.literal("."), zeros]), min: 0, max: 1)
        case .nonzero: return .sequence([.literal("."), nonzeroTail])
        case .any:
            if maxPlaces == nil { return .repeat(.sequence([.literal("."), digits(1, nil)]), min: 0, max: 1) }
            return .repeat(.sequence([.literal("."), .choice([zeros, nonzeroTail])]), min: 0, max: 1)
        }
    }

    /// A bound: an integer value, inclusive or not.
    struct Bound { var value: Int64; var exclusive: Bool }

    /// Numbers (no exponent) between integer bounds, fraction digits limited by `maxPlaces`.
    static func decimalRange(_ lower: Bound?, _ upper: Bound?, maxPlaces: Int?) -> GrammarExpr {
        var alts: [GrammarExpr] = []
        // Non-negative values: x >= 0 (with the lower bound clipped at 0, inclusive).
        let nnLower: Bound = lower.map { $0.value >= 0 ? $0 : Bound(value: 0, exclusive: false) } ?? Bound(value: 0, exclusive: false)
        if upper.map({ $0.value > 0 || ($0.value == 0 && !$0.exclusive) }) ?? true {
            alts.append(magnitudeRange(nnLower, upper, maxPlaces: maxPlaces))
        }
        // Negative values -x with x > 0: lower ≤ -x ≤ upper  ⇔  -upper ≤ x ≤ -lower.
        if lower.map({ $0.value < 0 }) ?? true {
            let xLower: Bound
            if let upper, upper.value < 0 { xLower = Bound(value: -upper.value, exclusive: upper.exclusive) }
            else { xLower = Bound(value: 0, exclusive: true) }
            let xUpper = lower.map { Bound(value: -$0.value, exclusive: $0.exclusive) }
            alts.append(.sequence([.literal("-"), magnitudeRange(xLower, xUpper, maxPlaces: maxPlaces)]))
        }
        return alts.count == 1 ? alts[0] : .choice(alts)
    }

    /// Unsigned decimals `I(.F)?` with lower ≤ value ≤ upper (lower.value ≥ 0).
    private static func magnitudeRange(_ lower: Bound, _ upper: Bound?, maxPlaces: Int?) -> GrammarExpr {
        let l = lower.value
        var alts: [GrammarExpr] = []
        if let u = upper?.value, u == l {
            if !lower.exclusive && !(upper!.exclusive) { alts.append(.sequence([nonNegative(UInt64(l), UInt64(l)), fraction(.zero, maxPlaces: maxPlaces)])) }
            return alts.isEmpty ? .nothing : alts[0]
        }
        if let u = upper?.value, u < l { return .nothing }
        // Integer part strictly inside: any fraction.
        let innerHi: UInt64? = upper.map { UInt64($0.value) - 1 }
        if innerHi.map({ $0 >= UInt64(l) + 1 }) ?? true {
            alts.append(.sequence([nonNegative(UInt64(l) + 1, innerHi), fraction(.any, maxPlaces: maxPlaces)]))
        }
        // Integer part at the lower bound.
        alts.append(.sequence([nonNegative(UInt64(l), UInt64(l)), fraction(lower.exclusive ? .nonzero : .any, maxPlaces: maxPlaces)]))
        // Integer part at the upper bound: only a zero fraction, and only when inclusive.
        if let upper, !upper.exclusive {
            alts.append(.sequence([nonNegative(UInt64(upper.value), UInt64(upper.value)), fraction(.zero, maxPlaces: maxPlaces)]))
        }
        return alts.count == 1 ? alts[0] : .choice(alts)
    }

    /// Non-negative integers divisible by `k` (k ≥ 1), as a remainder automaton over digits.
    /// Adds `k` + 1 rules to `rules` and returns the expression.
    static func multiples(of k: Int, rules: inout [GrammarRule]) -> GrammarExpr {
        if k == 1 { return nonNegative(0, nil) }
        let base = rules.count
        // rule base + r: the rest of the digits after a prefix with remainder r.
        for r in 0..<k {
            var alts: [GrammarExpr] = r == 0 ? [.empty] : []
            var byNext: [Int: [UInt8]] = [:]
            for d in 0...9 { byNext[(r * 10 + d) % k, default: []].append(UInt8(0x30 + d)) }
            for (next, ds) in byNext.sorted(by: { $0.key < $1.key }) {
                alts.append(.sequence([.byteSet(ByteSet(ds)), .rule(base + next)]))
            }
            rules.append(GrammarRule(name: "mod\(k)_\(r)", body: .choice(alts)))
        }
        var firsts: [Int: [UInt8]] = [:]
        for d in 1...9 { firsts[d % k, default: []].append(UInt8(0x30 + d)) }
        var alts: [GrammarExpr] = [.literal("0")]
        for (next, ds) in firsts.sorted(by: { $0.key < $1.key }) { alts.append(.sequence([.byteSet(ByteSet(ds)), .rule(base + next)])) }
        rules.append(GrammarRule(name: "multiple_of_\(k)", body: .choice(alts)))
        return .rule(rules.count - 1)
    }
}
