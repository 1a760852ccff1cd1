import Schema

/// Digit grammars for JSON numbers under exact bounds: integer ranges, numbers between exact
/// decimal bounds (no exponent), fraction-digit limits (`multipleOf` 10^-k) and divisibility
/// (`multipleOf` k, or p·10^-k) as remainder automata.
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

    /// A bound: an exact decimal value, inclusive or not.
    struct Bound { var value: DecimalValue; var exclusive: Bool }

    /// Numbers (no exponent) between exact decimal bounds, with at most `maxPlaces` fraction
    /// digits (nil: any number; 0: integers only). Spellings with more fraction digits than
    /// `maxPlaces` (`1.5000` for 2) are left out, so the language stays finite under finite
    /// bounds and a generator cannot run on in zeros. `-0` is never produced.
    static func decimalRange(_ lower: Bound?, _ upper: Bound?, maxPlaces: Int?) -> GrammarExpr {
        if let lower, let upper {
            let o = DecimalValue.compare(lower.value, upper.value)
            if o > 0 || (o == 0 && (lower.exclusive || upper.exclusive)) { return .nothing }
        }
        var alts: [GrammarExpr] = []
        let zero = DecimalValue.zero
        // Non-negative values.
        let nnLower: Bound = lower.map { $0.value.negative ? Bound(value: zero, exclusive: false) : $0 } ?? Bound(value: zero, exclusive: false)
        if upper.map({ !$0.value.negative && !($0.value.isZero && $0.exclusive) }) ?? true {
            if let e = magnitudeRange(nnLower, upper, maxPlaces: maxPlaces) { alts.append(e) }
        }
        // Negative values -y, y > 0: lower ≤ -y ≤ upper  ⇔  -upper ≤ y ≤ -lower.
        if lower.map({ $0.value.negative }) ?? true {
            let yLower: Bound
            if let upper, upper.value.negative { yLower = Bound(value: upper.value.magnitude, exclusive: upper.exclusive) }
            else { yLower = Bound(value: zero, exclusive: true) }
            let yUpper = lower.map { Bound(value: $0.value.magnitude, exclusive: $0.exclusive) }
            if let e = magnitudeRange(yLower, yUpper, maxPlaces: maxPlaces) { alts.append(.sequence([.literal("-"), e])) }
        }
        return alts.isEmpty ? .nothing : alts.count == 1 ? alts[0] : .choice(alts)
    }

    /// Unsigned decimals `I(.F)?` with lower ≤ value ≤ upper (both non-negative); nil when none.
    private static func magnitudeRange(_ lower: Bound, _ upper: Bound?, maxPlaces: Int?) -> GrammarExpr? {
        if let upper {
            let o = DecimalValue.compare(lower.value, upper.value)
            if o > 0 || (o == 0 && (lower.exclusive || upper.exclusive)) { return nil }
        }
        let lo = FracBound(digits: lower.value.frac, inclusive: !lower.exclusive)
        let hi = upper.map { FracBound(digits: $0.value.frac, inclusive: !$0.exclusive) }
        let li = lower.value.int
        var alts: [GrammarExpr] = []
        func add(_ intPart: GrammarExpr, _ f: GrammarExpr?) { if let f { alts.append(.sequence([intPart, f])) } }
        if let upper, upper.value.int == li {
            add(.bytes(li), fraction(lo, hi, maxPlaces: maxPlaces))
            return alts.first
        }
        add(.bytes(li), fraction(lo, nil, maxPlaces: maxPlaces))
        // Integer parts strictly between: any fraction.
        let innerLo = DecimalValue.increment(li)
        let innerHi = upper.map { DecimalValue.decrement($0.value.int) }
        if innerHi.map({ DecimalValue.compareDigits(innerLo, $0) <= 0 }) ?? true {
            add(nonNegativeDigits(innerLo, innerHi), fraction(nil, nil, maxPlaces: maxPlaces))
        }
        if let upper, let hi { add(.bytes(upper.value.int), fraction(nil, hi, maxPlaces: maxPlaces)) }
        return alts.isEmpty ? nil : alts.count == 1 ? alts[0] : .choice(alts)
    }

    /// A bound on a fraction's value 0.D: the digits of the bound (no trailing zeros).
    struct FracBound: Equatable { var digits: [UInt8]; var inclusive: Bool }

    /// The optional fraction part (`""` or `.D`, D at least one digit, at most `maxPlaces`) whose
    /// value 0.D lies within the bounds; nil when no fraction fits.
    static func fraction(_ lo: FracBound?, _ hi: FracBound?, maxPlaces: Int?) -> GrammarExpr? {
        var alts: [GrammarExpr] = []
        if fracAcceptsZero(lo, hi) { alts.append(.empty) }
        if maxPlaces.map({ $0 > 0 }) ?? true, let first = fracDigits(lo, hi, remaining: maxPlaces, nonEmpty: true) {
            alts.append(.sequence([.literal("."), first]))
        }
        return alts.isEmpty ? nil : alts.count == 1 ? alts[0] : .choice(alts)
    }

    private static func fracAcceptsZero(_ lo: FracBound?, _ hi: FracBound?) -> Bool {
        (lo.map { $0.digits.isEmpty && $0.inclusive } ?? true) && (hi.map { !$0.digits.isEmpty || $0.inclusive } ?? true)
    }

    /// Digit strings D (empty allowed unless `nonEmpty`) with 0.D within the bounds, at most
    /// `remaining` digits (nil: unbounded); nil when there are none.
    private static func fracDigits(_ lo0: FracBound?, _ hi0: FracBound?, remaining: Int?, nonEmpty: Bool) -> GrammarExpr? {
        // ≥ 0 inclusive is no bound.
        let lo = lo0.flatMap { $0.digits.isEmpty && $0.inclusive ? nil : $0 }
        let hi = hi0
        if let hi, hi.digits.isEmpty {
            // Only zeros may follow (≤ 0), or nothing (< 0).
            if !hi.inclusive || lo != nil { return nil }
            if let r = remaining { return r < (nonEmpty ? 1 : 0) ? nil : .repeat(.literal("0"), min: nonEmpty ? 1 : 0, max: r) }
            return .repeat(.literal("0"), min: nonEmpty ? 1 : 0, max: nil)
        }
        if lo == nil && hi == nil {
            if let r = remaining, r < (nonEmpty ? 1 : 0) { return nil }
            return digits(nonEmpty ? 1 : 0, remaining)
        }
        if remaining == nil, hi == nil, let lo, lo.digits.isEmpty {
            // Some nonzero digit still to come.
            return .sequence([.repeat(.literal("0"), min: 0, max: nil), nonzeroDigit, digits(0, nil)])
        }
        var alts: [GrammarExpr] = []
        if !nonEmpty && fracAcceptsZero(lo, hi) { alts.append(.empty) }
        if remaining.map({ $0 > 0 }) ?? true {
            // Group the next digit by the bounds that remain after it.
            var groups: [(FracBound?, FracBound?, [UInt8])] = []
            for d in UInt8(0x30)...UInt8(0x39) {
                var nlo: FracBound? = nil, nhi: FracBound? = nil
                if let lo {
                    let a = lo.digits.first ?? 0x30
                    if d < a { continue }
                    if d == a { nlo = FracBound(digits: Array(lo.digits.dropFirst()), inclusive: lo.inclusive) }
                }
                if let hi {
                    let b = hi.digits.first ?? 0x30
                    if d > b { continue }
                    if d == b { nhi = FracBound(digits: Array(hi.digits.dropFirst()), inclusive: hi.inclusive) }
                }
                if let i = groups.firstIndex(where: { $0.0 == nlo && $0.1 == nhi }) { groups[i].2.append(d) } else { groups.append((nlo, nhi, [d])) }
            }
            for (nlo, nhi, ds) in groups {
                if let rest = fracDigits(nlo, nhi, remaining: remaining.map { $0 - 1 }, nonEmpty: false) {
                    alts.append(.sequence([.byteSet(ByteSet(ds)), rest]))
                }
            }
        }
        return alts.isEmpty ? nil : alts.count == 1 ? alts[0] : .choice(alts)
    }

    /// Decimal digit strings (no leading zeros) for the integers in `lo...hi` given as digit strings.
    static func nonNegativeDigits(_ lo: [UInt8], _ hi: [UInt8]?) -> GrammarExpr {
        if let hi, DecimalValue.compareDigits(lo, hi) > 0 { return .nothing }
        var alts: [GrammarExpr] = []
        let maxLen = hi?.count ?? lo.count
        for len in lo.count...maxLen {
            let floor: [UInt8] = len == 1 ? [0x30] : [0x31] + Array(repeating: 0x30, count: len - 1)
            let ceil = [UInt8](repeating: 0x39, count: len)
            let a = len == lo.count ? lo : floor
            let b = hi.map { len == $0.count ? $0 : ceil } ?? ceil
            if DecimalValue.compareDigits(a, b) > 0 { continue }
            alts.append(sameLength(a, b))
        }
        if hi == nil { alts.append(.sequence([nonzeroDigit, digits(lo.count, nil)])) }
        return alts.isEmpty ? .nothing : alts.count == 1 ? alts[0] : .choice(alts)
    }

    /// Non-negative decimals (no exponent) whose value times 10^places is an integer divisible by
    /// `p` (multipleOf p·10^-places), with at most `places` fraction digits; with `positive`, zero
    /// is left out. Adds about p·(places + 2) rules.
    static func decimalMultiples(of p: Int, places k: Int, positive: Bool, rules: inout [GrammarRule]) -> GrammarExpr {
        var pow = [Int](repeating: 1, count: k + 1)
        for j in 1...max(1, k) where j <= k { pow[j] = pow[j - 1] * 10 % p }
        // Fraction rule F(r, j): j fraction digits read, remainder r of the scaled prefix.
        let fBase = rules.count
        func fIdx(_ r: Int, _ j: Int) -> Int { fBase + j * p + r }
        for _ in 0...k { for _ in 0..<p { rules.append(GrammarRule(name: "frac_mod", body: .nothing)) } }
        for j in 0...k {
            for r in 0..<p {
                var alts: [GrammarExpr] = []
                if j > 0 && (r * pow[k - j]) % p == 0 { alts.append(.empty) }
                if j < k {
                    var byNext: [Int: [UInt8]] = [:]
                    for d in 0...9 { byNext[(r * 10 + d) % p, default: []].append(UInt8(0x30 + d)) }
                    for (next, ds) in byNext.sorted(by: { $0.key < $1.key }) { alts.append(.sequence([.byteSet(ByteSet(ds)), .rule(fIdx(next, j + 1))])) }
                }
                rules[fIdx(r, j)].body = .choice(alts)
            }
        }
        // Integer rule I(r): integer digits read so far with remainder r; then the fraction.
        let iBase = rules.count
        for _ in 0..<p { rules.append(GrammarRule(name: "int_mod", body: .nothing)) }
        for r in 0..<p {
            var alts: [GrammarExpr] = []
            if (r * pow[k]) % p == 0 { alts.append(.empty) }
            if k > 0 { alts.append(.sequence([.literal("."), .rule(fIdx(r, 0))])) }
            var byNext: [Int: [UInt8]] = [:]
            for d in 0...9 { byNext[(r * 10 + d) % p, default: []].append(UInt8(0x30 + d)) }
            for (next, ds) in byNext.sorted(by: { $0.key < $1.key }) { alts.append(.sequence([.byteSet(ByteSet(ds)), .rule(iBase + next)])) }
            rules[iBase + r].body = .choice(alts)
        }
        var firsts: [Int: [UInt8]] = [:]
        for d in 1...9 { firsts[d % p, default: []].append(UInt8(0x30 + d)) }
        var alts: [GrammarExpr] = []
        for (next, ds) in firsts.sorted(by: { $0.key < $1.key }) { alts.append(.sequence([.byteSet(ByteSet(ds)), .rule(iBase + next)])) }
        // "0" followed by a fraction: zero itself (unless positive), or a nonzero fraction.
        if k > 0 {
            // Z(j): "0." and j zeros so far; the first nonzero digit d at place j+1 goes to F(d, j+1).
            let zBase = rules.count
            for _ in 0..<k { rules.append(GrammarRule(name: "frac_zero", body: .nothing)) }
            for j in 0..<k {
                var zalts: [GrammarExpr] = []
                if !positive && j > 0 { zalts.append(.empty) }
                if j + 1 < k { zalts.append(.sequence([.literal("0"), .rule(zBase + j + 1)])) }
                else if !positive { zalts.append(.literal("0")) }
                var byNext: [Int: [UInt8]] = [:]
                for d in 1...9 { byNext[d % p, default: []].append(UInt8(0x30 + d)) }
                for (next, ds) in byNext.sorted(by: { $0.key < $1.key }) { zalts.append(.sequence([.byteSet(ByteSet(ds)), .rule(fIdx(next, j + 1))])) }
                rules[zBase + j].body = .choice(zalts)
            }
            alts.append(.sequence([.literal("0"), positive ? .sequence([.literal("."), .rule(zBase)]) : .choice([.empty, .sequence([.literal("."), .rule(zBase)])])]))
        } else if !positive {
            alts.append(.literal("0"))
        }
        rules.append(GrammarRule(name: "multiple_of_\(p)e-\(k)", body: .choice(alts)))
        return .rule(rules.count - 1)
    }

    /// The most remainder states a multipleOf automaton may have (its callers check before building).
    static let maxRemainderStates: Int64 = 20_000

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

/// An exact decimal read from JSON number text: sign, integer digits (no leading zeros, "0"
/// for zero) and fraction digits (no trailing zeros), as ASCII bytes. Schema bounds are compared
/// with this rather than with doubles so that grammar bounds are exact.
struct DecimalValue: Equatable {
    var negative: Bool
    var int: [UInt8]
    var frac: [UInt8]

    static let zero = DecimalValue(negative: false, int: [0x30], frac: [])
    /// Largest exponent shift accepted (longer expansions are an unsupported bound).
    static let maxShift = 400

    init(negative: Bool, int: [UInt8], frac: [UInt8]) {
        var i = Array(int.drop { $0 == 0x30 })
        if i.isEmpty { i = [0x30] }
        var f = frac
        while f.last == 0x30 { f.removeLast() }
        self.int = i
        self.frac = f
        self.negative = negative && !(i == [0x30] && f.isEmpty)
    }

    /// Parses JSON number text (`-12.50e-3`); nil for anything else or an exponent past ±`maxShift`.
    init?(_ text: String) {
        var bytes = Array(text.utf8)
        var neg = false
        if bytes.first == UInt8(ascii: "-") { neg = true; bytes.removeFirst() }
        var exp = 0
        if let e = bytes.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            guard let x = Int(String(decoding: bytes[(e + 1)...], as: UTF8.self)), abs(x) <= Self.maxShift else { return nil }
            exp = x
            bytes = Array(bytes[..<e])
        }
        var ip = bytes, fp: [UInt8] = []
        if let dot = bytes.firstIndex(of: UInt8(ascii: ".")) { ip = Array(bytes[..<dot]); fp = Array(bytes[(dot + 1)...]) }
        guard !ip.isEmpty, (ip + fp).allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        // Shift the point by the exponent.
        var all = ip + fp
        var point = ip.count + exp
        if point < 0 { all = [UInt8](repeating: 0x30, count: -point) + all; point = 0 }
        if point > all.count { all += [UInt8](repeating: 0x30, count: point - all.count) }
        self.init(negative: neg, int: Array(all[..<point]), frac: Array(all[point...]))
    }

    /// The decimal of a JSON number value.
    init?(_ v: JSONValue) {
        guard v.doubleValue != nil else { return nil }
        self.init(v.jsonString())
    }

    var isZero: Bool { int == [0x30] && frac.isEmpty }
    var isInteger: Bool { frac.isEmpty }
    var magnitude: DecimalValue { DecimalValue(negative: false, int: int, frac: frac) }

    /// Compares digit strings without leading zeros as integers.
    static func compareDigits(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return 0
    }

    static func compare(_ a: DecimalValue, _ b: DecimalValue) -> Int {
        if a.negative != b.negative { return a.negative ? -1 : 1 }
        var o = compareDigits(a.int, b.int)
        if o == 0 {
            let n = max(a.frac.count, b.frac.count)
            let fa = a.frac + [UInt8](repeating: 0x30, count: n - a.frac.count)
            let fb = b.frac + [UInt8](repeating: 0x30, count: n - b.frac.count)
            for (x, y) in zip(fa, fb) where x != y { o = x < y ? -1 : 1; break }
        }
        return a.negative ? -o : o
    }

    /// n + 1 for a digit string.
    static func increment(_ d: [UInt8]) -> [UInt8] {
        var out = d
        var i = out.count - 1
        while i >= 0 {
            if out[i] == 0x39 { out[i] = 0x30; i -= 1 } else { out[i] += 1; return out }
        }
        return [0x31] + out
    }

    /// n - 1 for a positive digit string (0 stays 0).
    static func decrement(_ d: [UInt8]) -> [UInt8] {
        if d == [0x30] { return d }
        var out = d
        var i = out.count - 1
        while i >= 0 {
            if out[i] == 0x30 { out[i] = 0x39; i -= 1 } else { out[i] -= 1; break }
        }
        let trimmed = Array(out.drop { $0 == 0x30 })
        return trimmed.isEmpty ? [0x30] : trimmed
    }

    /// The smallest integer ≥ the value (`strict`: > the value).
    func ceilingInteger(strict: Bool) -> DecimalValue {
        if negative {
            // -(floor of magnitude), or one more when strict and integral.
            let m = magnitude.floorInteger(strict: strict)
            return DecimalValue(negative: true, int: m.int, frac: [])
        }
        if frac.isEmpty { return strict ? DecimalValue(negative: false, int: Self.increment(int), frac: []) : self }
        return DecimalValue(negative: false, int: Self.increment(int), frac: [])
    }

    /// The largest integer ≤ the value (`strict`: < the value).
    func floorInteger(strict: Bool) -> DecimalValue {
        if negative {
            let m = magnitude.ceilingInteger(strict: strict)
            return DecimalValue(negative: true, int: m.int, frac: [])
        }
        if frac.isEmpty {
            if !strict { return self }
            if isZero { return DecimalValue(negative: true, int: [0x31], frac: []) }
            return DecimalValue(negative: false, int: Self.decrement(int), frac: [])
        }
        return DecimalValue(negative: false, int: int, frac: [])
    }

    /// The value as Int64 when it is an integer in range.
    var int64: Int64? {
        guard frac.isEmpty, int.count <= 18, let v = Int64(String(decoding: int, as: UTF8.self)) else { return nil }
        return negative ? -v : v
    }
}

extension Array where Element == UInt8 {
    /// The digit string with leading zeros up to `n` digits.
    func leftPadded(to n: Int) -> [UInt8] { count >= n ? self : [UInt8](repeating: 0x30, count: n - count) + self }
}
