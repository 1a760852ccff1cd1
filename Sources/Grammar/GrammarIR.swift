/// The grammar IR every input (JSON Schema, regex, choice, GBNF, structural tags) compiles to,
/// and the matcher consumes: a context-free grammar over bytes (UTF-8 text is spelled out as
/// byte sequences; `UTF8Ranges` turns code-point classes into byte alternatives).
///
/// Rules are numbered; `GrammarExpr.rule(i)` refers to `Grammar.rules[i]`, so recursion
/// (`$ref`, GBNF self-reference) is plain. Special tokens (structural-tag markers that are
/// single control tokens) appear as `.specialToken(text)` and match only that vocabulary token,
/// never its spelled-out bytes.

/// A set of bytes (256 bits).
public struct ByteSet: Hashable, Sendable, CustomStringConvertible {
    public var words: (UInt64, UInt64, UInt64, UInt64)

    public init() { words = (0, 0, 0, 0) }
    /// The set holding every byte in `lo...hi`.
    public init(range lo: UInt8, _ hi: UInt8) {
        self.init()
        if lo <= hi { for b in lo...hi { insert(b) } }
    }
    /// The set holding exactly `bytes`.
    public init<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        self.init()
        for b in bytes { insert(b) }
    }
    public static let all: ByteSet = { var s = ByteSet(); s.words = (~0, ~0, ~0, ~0); return s }()

    public func contains(_ b: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }
    public mutating func insert(_ b: UInt8) {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }
    public func union(_ o: ByteSet) -> ByteSet {
        var s = ByteSet(); s.words = (words.0 | o.words.0, words.1 | o.words.1, words.2 | o.words.2, words.3 | o.words.3); return s
    }
    public func intersection(_ o: ByteSet) -> ByteSet {
        var s = ByteSet(); s.words = (words.0 & o.words.0, words.1 & o.words.1, words.2 & o.words.2, words.3 & o.words.3); return s
    }
    public var inverted: ByteSet {
        var s = ByteSet(); s.words = (~words.0, ~words.1, ~words.2, ~words.3); return s
    }
    public var isEmpty: Bool { words.0 | words.1 | words.2 | words.3 == 0 }
    public var count: Int { words.0.nonzeroBitCount + words.1.nonzeroBitCount + words.2.nonzeroBitCount + words.3.nonzeroBitCount }
    /// The members in ascending order.
    public var members: [UInt8] { (0...255).compactMap { contains(UInt8($0)) ? UInt8($0) : nil } }

    public static func == (a: ByteSet, b: ByteSet) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }
    public func hash(into h: inout Hasher) { h.combine(words.0); h.combine(words.1); h.combine(words.2); h.combine(words.3) }
    public var description: String {
        "[" + members.map { $0 >= 0x21 && $0 < 0x7f ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined() + "]"
    }
}

/// One expression of a grammar rule body.
public indirect enum GrammarExpr: Hashable, Sendable {
    /// Matches the empty string.
    case empty
    /// Matches exactly these bytes.
    case bytes([UInt8])
    /// Matches one byte from the set.
    case byteSet(ByteSet)
    /// Matches each part in turn.
    case sequence([GrammarExpr])
    /// Matches any one alternative (an empty list matches nothing).
    case choice([GrammarExpr])
    /// Matches `min` to `max` repetitions (`max == nil`: unbounded).
    case `repeat`(GrammarExpr, min: Int, max: Int?)
    /// Matches rule `Grammar.rules[index]`.
    case rule(Int)
    /// Matches the single special (control) token whose text is given, e.g. `<tool_call>` when
    /// the vocabulary has it as one special token; never its bytes spelled out by ordinary tokens.
    case specialToken(String)

    /// A literal UTF-8 string.
    public static func literal(_ s: String) -> GrammarExpr { .bytes(Array(s.utf8)) }
    /// Matches nothing.
    public static var nothing: GrammarExpr { .choice([]) }
}

/// A named rule.
public struct GrammarRule: Hashable, Sendable {
    public var name: String
    public var body: GrammarExpr
    public init(name: String, body: GrammarExpr) { self.name = name; self.body = body }
}

/// A whole grammar: rules plus the start rule.
public struct Grammar: Hashable, Sendable {
    public var rules: [GrammarRule]
    public var root: Int

    public init(rules: [GrammarRule], root: Int) { self.rules = rules; self.root = root }

    /// The index of the rule called `name`, if any.
    public func ruleIndex(named name: String) -> Int? { rules.firstIndex { $0.name == name } }

    /// Every rule reference in range and the root valid; throws `GrammarIRError` otherwise.
    public func validate() throws {
        guard rules.indices.contains(root) else { throw GrammarIRError.badRoot(root, ruleCount: rules.count) }
        for (i, r) in rules.enumerated() {
            try Grammar.check(r.body, in: i, ruleCount: rules.count)
        }
    }

    private static func check(_ e: GrammarExpr, in rule: Int, ruleCount: Int) throws {
        switch e {
        case .empty, .bytes, .byteSet, .specialToken: return
        case .sequence(let xs), .choice(let xs): for x in xs { try check(x, in: rule, ruleCount: ruleCount) }
        case .repeat(let x, let lo, let hi):
            if lo < 0 || (hi.map { $0 < lo } ?? false) { throw GrammarIRError.badRepeat(rule: rule, min: lo, max: hi) }
            try check(x, in: rule, ruleCount: ruleCount)
        case .rule(let r): if r < 0 || r >= ruleCount { throw GrammarIRError.unknownRule(r, inRule: rule) }
        }
    }
}

/// A structurally invalid grammar (a compiler bug or a hand-built IR mistake).
public enum GrammarIRError: Error, Equatable, CustomStringConvertible {
    case badRoot(Int, ruleCount: Int)
    case unknownRule(Int, inRule: Int)
    case badRepeat(rule: Int, min: Int, max: Int?)

    public var description: String {
        switch self {
        case .badRoot(let r, let n): return "grammar root \(r) is not one of its \(n) rules"
        case .unknownRule(let r, let i): return "rule \(i) refers to rule \(r), which does not exist"
        case .badRepeat(let i, let lo, let hi): return "rule \(i) has a repetition {\(lo),\(hi.map(String.init) ?? "")} whose bounds are out of order"
        }
    }
}

/// Code-point ranges as UTF-8 byte alternatives (the classic range-splitting construction), so
/// character classes of regexes and GBNF become byte-level IR. Surrogates (U+D800–DFFF) are
/// never produced: they are not valid in UTF-8.
public enum UTF8Ranges {
    /// The expression matching one code point from any of `ranges` (inclusive, any order, may overlap).
    public static func expr(_ ranges: [ClosedRange<UInt32>]) -> GrammarExpr {
        let merged = normalize(ranges)
        var alts: [[ByteSet]] = []
        for r in merged { split(r.lowerBound, r.upperBound, into: &alts) }
        return factored(alts)
    }

    /// The choice of byte-set sequences `alts` with shared suffixes factored out
    /// (`a c | b c` becomes `(a | b) c`, one-byte alternatives one set): continuation bytes
    /// then lead to shared automaton states, so a class's UTF-8 paths after each lead byte
    /// are a handful of states instead of one chain per range.
    static func factored(_ alts: [[ByteSet]]) -> GrammarExpr {
        var single = ByteSet()
        var hasSingle = false
        var groups: [ByteSet: [[ByteSet]]] = [:]
        var order: [ByteSet] = []
        for a in alts where !a.isEmpty {
            if a.count == 1 { single = single.union(a[0]); hasSingle = true; continue }
            let last = a[a.count - 1]
            if groups[last] == nil { order.append(last) }
            groups[last, default: []].append(Array(a.dropLast()))
        }
        var out: [GrammarExpr] = hasSingle ? [.byteSet(single)] : []
        for last in order { out.append(.sequence([factored(groups[last] ?? []), .byteSet(last)])) }
        return out.count == 1 ? out[0] : .choice(out)
    }

    /// The complement of `ranges` within all Unicode scalars.
    public static func complement(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for r in normalize(ranges) {
            if r.lowerBound > next { out.append(next...(r.lowerBound - 1)) }
            next = r.upperBound + 1
        }
        if next <= 0x10FFFF { out.append(next...0x10FFFF) }
        return out
    }

    /// Sorted, merged, clipped to 0...0x10FFFF with the surrogate block removed.
    public static func normalize(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var pieces: [ClosedRange<UInt32>] = []
        for r in ranges {
            let lo = r.lowerBound, hi = min(r.upperBound, 0x10FFFF)
            if lo > hi { continue }
            if lo < 0xD800 && hi > 0xDFFF { pieces.append(lo...0xD7FF); pieces.append(0xE000...hi) }
            else if lo >= 0xD800 && hi <= 0xDFFF { continue }
            else if lo >= 0xD800 && lo <= 0xDFFF { pieces.append(0xE000...hi) }
            else if hi >= 0xD800 && hi <= 0xDFFF { pieces.append(lo...0xD7FF) }
            else { pieces.append(lo...hi) }
        }
        pieces.sort { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        for p in pieces {
            if let last = merged.last, p.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, p.upperBound)
            } else { merged.append(p) }
        }
        return merged
    }

    private static let lengthLimits: [UInt32] = [0x7F, 0x7FF, 0xFFFF, 0x10FFFF]

    private static func split(_ lo: UInt32, _ hi: UInt32, into alts: inout [[ByteSet]]) {
        // Split at encoding-length boundaries first.
        for (i, limit) in lengthLimits.enumerated() {
            let start: UInt32 = i == 0 ? 0 : lengthLimits[i - 1] + 1
            let a = max(lo, start), b = min(hi, limit)
            if a <= b { splitSameLength(a, b, length: i + 1, into: &alts) }
        }
    }

    /// Both ends encode to `length` bytes: split until every position is a plain byte range.
    private static func splitSameLength(_ lo: UInt32, _ hi: UInt32, length: Int, into alts: inout [[ByteSet]]) {
        if length == 1 { alts.append([ByteSet(range: UInt8(lo), UInt8(hi))]); return }
        // Bits carried by each continuation byte: 6. Find the first level where lo and hi diverge
        // and split so that trailing positions cover full continuation ranges.
        for k in 1..<length {
            let m: UInt32 = (1 << (6 * UInt32(k))) - 1
            if lo & ~m != hi & ~m {
                if lo & m != 0 {
                    splitSameLength(lo, lo | m, length: length, into: &alts)
                    splitSameLength((lo | m) + 1, hi, length: length, into: &alts)
                    return
                }
                if hi & m != m {
                    splitSameLength(lo, (hi & ~m) - 1, length: length, into: &alts)
                    splitSameLength(hi & ~m, hi, length: length, into: &alts)
                    return
                }
            }
        }
        let a = encode(lo), b = encode(hi)
        alts.append((0..<length).map { ByteSet(range: a[$0], b[$0]) })
    }

    /// The UTF-8 encoding of a scalar value (no validity check).
    public static func encode(_ c: UInt32) -> [UInt8] {
        switch c {
        case 0..<0x80: return [UInt8(c)]
        case 0x80..<0x800: return [UInt8(0xC0 | (c >> 6)), UInt8(0x80 | (c & 0x3F))]
        case 0x800..<0x10000: return [UInt8(0xE0 | (c >> 12)), UInt8(0x80 | ((c >> 6) & 0x3F)), UInt8(0x80 | (c & 0x3F))]
        default: return [UInt8(0xF0 | (c >> 18)), UInt8(0x80 | ((c >> 12) & 0x3F)), UInt8(0x80 | ((c >> 6) & 0x3F)), UInt8(0x80 | (c & 0x3F))]
        }
    }
}
