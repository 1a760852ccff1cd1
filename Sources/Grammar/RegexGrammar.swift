/// ECMAScript regular expressions (ECMA-262 syntax, code-point semantics as with the `u` flag)
/// compiled to the byte-level grammar IR.
///
/// Supported: alternation, capturing / non-capturing / named groups, greedy and lazy
/// quantifiers (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`), classes with ranges, negation and
/// escapes, `\d \w \s \D \W \S`, `.` (any code point but a line terminator), `\t \n \v \f \r \0`,
/// `\cX`, `\xHH`, `\uHHHH` (surrogate pairs combined), `\u{…}`, identity escapes of
/// punctuation, and `^` / `$` at the ends of top-level alternatives. Lookaround,
/// backreferences, word boundaries, property escapes and anchors anywhere else are a
/// `RegexGrammarError.unsupported` naming the construct and its offset (in code points).
public enum RegexGrammar {
    /// Compiles `pattern`. With `search: false` the whole string must match (anchors at the ends
    /// are allowed and change nothing); with `search: true` the string must contain a match
    /// (JSON Schema `pattern` semantics), so only anchored ends are pinned.
    public static func compile(_ pattern: String, search: Bool = false) throws -> Grammar {
        let parsed = try RegexPattern(pattern)
        let body = parsed.expression(search: search, encoding: .utf8)
        return Grammar(rules: [GrammarRule(name: "root", body: body)], root: 0)
    }
}

/// A regex that cannot be compiled exactly.
public enum RegexGrammarError: Error, Equatable, CustomStringConvertible {
    /// Valid ECMAScript the compiler does not support (lookaround, backreference, …).
    case unsupported(construct: String, offset: Int)
    /// Not a valid pattern.
    case syntax(message: String, offset: Int)
    /// Over the size limits (repetition counts, nesting, pattern length).
    case tooLarge(message: String, offset: Int)

    public var description: String {
        switch self {
        case let .unsupported(c, o): return "regex: \(c) at offset \(o) is not supported (rewrite the pattern without it)"
        case let .syntax(m, o): return "regex syntax error at offset \(o): \(m)"
        case let .tooLarge(m, o): return "regex too large at offset \(o): \(m)"
        }
    }
}

/// How the code points a regex matches are spelled as bytes.
enum RegexEncoding {
    /// Plain UTF-8.
    case utf8
    /// Inside a JSON string, as the Schema printer writes it: `"` `\` and control characters
    /// escaped (short escapes where JSON has them, else `\u00xx`), everything else raw UTF-8.
    case jsonString
}

/// Regex syntax tree over code points.
indirect enum RegexNode: Equatable {
    case empty
    /// One code point from the (normalized) ranges.
    case chars([ClosedRange<UInt32>])
    case sequence([RegexNode])
    case alternation([RegexNode])
    case `repeat`(RegexNode, min: Int, max: Int?)
    /// `^` / `$` (resolved away by `RegexPattern`; any left inside is an error).
    case startAnchor(offset: Int)
    case endAnchor(offset: Int)
}

/// A parsed pattern: its top-level alternatives, each with its anchoring.
struct RegexPattern {
    struct Branch {
        var node: RegexNode
        var anchoredStart: Bool
        var anchoredEnd: Bool
    }
    var branches: [Branch]

    static let maxPatternLength = 20_000
    static let maxCount = 100_000
    static let maxExpansion = 2_000_000
    static let maxDepth = 200

    init(_ pattern: String) throws {
        var p = RegexParser(Array(pattern.unicodeScalars.map { $0.value }))
        if p.chars.count > Self.maxPatternLength {
            throw RegexGrammarError.tooLarge(message: "pattern longer than \(Self.maxPatternLength) code points", offset: 0)
        }
        let alts = try p.parseDisjunction(depth: 0)
        if p.pos < p.chars.count {
            throw RegexGrammarError.syntax(message: "unmatched ')'", offset: p.pos)
        }
        branches = []
        for alt in alts {
            var items: [RegexNode]
            if case .sequence(let xs) = alt { items = xs } else { items = [alt] }
            var start = false, end = false
            if case .startAnchor? = items.first { start = true; items.removeFirst() }
            if case .endAnchor? = items.last { end = true; items.removeLast() }
            let node: RegexNode = items.count == 1 ? items[0] : .sequence(items)
            // A leading group whose every alternative starts with `^` (or ends with `$`).
            var branch = Branch(node: node, anchoredStart: start, anchoredEnd: end)
            try Self.liftGroupAnchors(&branch)
            if let off = Self.strayAnchor(branch.node) {
                throw RegexGrammarError.unsupported(construct: "an anchor (^ or $) not at an end of the pattern", offset: off)
            }
            branches.append(branch)
        }
        _ = try Self.expansion(of: RegexNode.alternation(branches.map(\.node)))
    }

    /// `(^a|^b)c` and `a(b$|c$)`: anchors at the ends of a group that is itself at the pattern's end.
    private static func liftGroupAnchors(_ b: inout Branch) throws {
        func strip(_ n: RegexNode, atStart: Bool) -> RegexNode? {
            // Returns the node without the anchor when every alternative carries it.
            switch n {
            case .alternation(let alts):
                var out: [RegexNode] = []
                for a in alts { guard let s = strip(a, atStart: atStart) else { return nil }; out.append(s) }
                return .alternation(out)
            case .sequence(var xs):
                if atStart, case .startAnchor? = xs.first { xs.removeFirst(); return xs.count == 1 ? xs[0] : .sequence(xs) }
                if !atStart, case .endAnchor? = xs.last { xs.removeLast(); return xs.count == 1 ? xs[0] : .sequence(xs) }
                if atStart, let f = xs.first, let s = strip(f, atStart: true) { xs[0] = s; return .sequence(xs) }
                if !atStart, let l = xs.last, let s = strip(l, atStart: false) { xs[xs.count - 1] = s; return .sequence(xs) }
                return nil
            case .startAnchor where atStart: return .empty
            case .endAnchor where !atStart: return .empty
            default: return nil
            }
        }
        if !b.anchoredStart, let s = strip(b.node, atStart: true) { b.node = s; b.anchoredStart = true }
        if !b.anchoredEnd, let s = strip(b.node, atStart: false) { b.node = s; b.anchoredEnd = true }
    }

    private static func strayAnchor(_ n: RegexNode) -> Int? {
        switch n {
        case .startAnchor(let o), .endAnchor(let o): return o
        case .sequence(let xs), .alternation(let xs):
            for x in xs { if let o = strayAnchor(x) { return o } }
            return nil
        case .repeat(let x, _, _): return strayAnchor(x)
        case .empty, .chars: return nil
        }
    }

    /// The size of the pattern with every bounded repetition unrolled; over the limit is an error.
    @discardableResult
    static func expansion(of n: RegexNode) throws -> Int {
        switch n {
        case .empty, .chars, .startAnchor, .endAnchor: return 1
        case .sequence(let xs), .alternation(let xs):
            var total = 1
            for x in xs { total += try expansion(of: x); if total > maxExpansion { throw tooBig() } }
            return total
        case let .repeat(x, lo, hi):
            let inner = try expansion(of: x)
            let k = max(1, hi ?? lo)
            let (m, o) = inner.multipliedReportingOverflow(by: k)
            if o || m > maxExpansion { throw tooBig() }
            return m + 1
        }
    }
    private static func tooBig() -> RegexGrammarError {
        .tooLarge(message: "nested repetitions expand past \(maxExpansion) elements", offset: 0)
    }

    /// Every code point (what an unanchored end may add).
    static let anyCodePoint: [ClosedRange<UInt32>] = [0...0x10FFFF]

    /// The IR for the pattern: full match, or search (string contains a match).
    func expression(search: Bool, encoding: RegexEncoding) -> GrammarExpr {
        let any = GrammarExpr.repeat(Self.classExpr(Self.anyCodePoint, encoding), min: 0, max: nil)
        var alts: [GrammarExpr] = []
        for b in branches {
            var parts: [GrammarExpr] = []
            if search && !b.anchoredStart { parts.append(any) }
            parts.append(Self.lower(b.node, encoding))
            if search && !b.anchoredEnd { parts.append(any) }
            alts.append(parts.count == 1 ? parts[0] : .sequence(parts))
        }
        return alts.count == 1 ? alts[0] : .choice(alts)
    }

    static func lower(_ n: RegexNode, _ enc: RegexEncoding) -> GrammarExpr {
        switch n {
        case .empty, .startAnchor, .endAnchor: return .empty
        case .chars(let r): return classExpr(r, enc)
        case .sequence(let xs):
            // Merge runs of single code points into byte literals.
            var out: [GrammarExpr] = []
            for x in xs {
                let e = lower(x, enc)
                if case .bytes(let b) = e, case .bytes(let a)? = out.last { out[out.count - 1] = .bytes(a + b) } else { out.append(e) }
            }
            return out.isEmpty ? .empty : out.count == 1 ? out[0] : .sequence(out)
        case .alternation(let xs): return .choice(xs.map { lower($0, enc) })
        case let .repeat(x, lo, hi): return .repeat(lower(x, enc), min: lo, max: hi)
        }
    }

    /// One code point from `ranges`, spelled in `enc`.
    static func classExpr(_ ranges: [ClosedRange<UInt32>], _ enc: RegexEncoding) -> GrammarExpr {
        let norm = UTF8Ranges.normalize(ranges)
        if norm.count == 1, norm[0].lowerBound == norm[0].upperBound {
            return .bytes(encode(norm[0].lowerBound, enc))
        }
        switch enc {
        case .utf8:
            return UTF8Ranges.expr(norm)
        case .jsonString:
            var plain: [ClosedRange<UInt32>] = []
            var escaped: [GrammarExpr] = []
            for r in norm {
                var lo = r.lowerBound
                while lo <= r.upperBound {
                    if lo < 0x20 || lo == 0x22 || lo == 0x5C {
                        escaped.append(.bytes(encode(lo, .jsonString)))
                        lo += 1
                    } else {
                        // Up to the next code point needing an escape.
                        var hi = r.upperBound
                        if lo < 0x22 { hi = min(hi, 0x21) } else if lo < 0x5C { hi = min(hi, 0x5B) }
                        plain.append(lo...hi)
                        lo = hi + 1
                    }
                }
            }
            var alts = escaped
            if !plain.isEmpty {
                let e = UTF8Ranges.expr(plain)
                if case .choice(let xs) = e { alts.append(contentsOf: xs) } else { alts.append(e) }
            }
            return alts.count == 1 ? alts[0] : .choice(alts)
        }
    }

    /// The bytes of one code point in `enc`.
    static func encode(_ c: UInt32, _ enc: RegexEncoding) -> [UInt8] {
        if case .jsonString = enc, c < 0x20 || c == 0x22 || c == 0x5C {
            switch c {
            case 0x22: return [0x5C, 0x22]
            case 0x5C: return [0x5C, 0x5C]
            case 0x08: return Array("\\b".utf8)
            case 0x0C: return Array("\\f".utf8)
            case 0x0A: return Array("\\n".utf8)
            case 0x0D: return Array("\\r".utf8)
            case 0x09: return Array("\\t".utf8)
            default:
                let hex = Array("0123456789abcdef".utf8)
                return [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]]
            }
        }
        return UTF8Ranges.encode(c)
    }

    /// The shortest and longest match length in code points (`nil`: unbounded), counting what
    /// search semantics adds at unanchored ends.
    func lengthRange(search: Bool) -> (min: Int, max: Int?) {
        var lo = Int.max, hi: Int? = 0
        for b in branches {
            var (l, h) = Self.lengthRange(b.node)
            if search && (!b.anchoredStart || !b.anchoredEnd) { h = nil }
            lo = min(lo, l)
            if let hh = hi, let h { hi = max(hh, h) } else { hi = nil }
        }
        return (lo == Int.max ? 0 : lo, hi)
    }

    static func lengthRange(_ n: RegexNode) -> (Int, Int?) {
        switch n {
        case .empty, .startAnchor, .endAnchor: return (0, 0)
        case .chars(let r): return r.isEmpty ? (Int.max / 4, 0) : (1, 1)
        case .sequence(let xs):
            var lo = 0, hi: Int? = 0
            for x in xs {
                let (l, h) = lengthRange(x)
                lo = min(Int.max / 4, lo + l)
                if let a = hi, let h { hi = a + h } else { hi = nil }
            }
            return (lo, hi)
        case .alternation(let xs):
            var lo = Int.max / 4, hi: Int? = 0
            for x in xs {
                let (l, h) = lengthRange(x)
                lo = min(lo, l)
                if let a = hi, let h { hi = max(a, h) } else { hi = nil }
            }
            return (lo, hi)
        case let .repeat(x, mn, mx):
            let (l, h) = lengthRange(x)
            let lo = min(Int.max / 4, l.multipliedReportingOverflow(by: mn).overflow ? Int.max / 4 : l * mn)
            if let mx, let h { return (lo, h * mx) }
            if h == 0 { return (lo, 0) }
            return (lo, nil)
        }
    }

    /// The same language restricted to lengths in `minLength...maxLength` (code points), as a
    /// full-match pattern, when every branch has one variable-length part that is a repeated
    /// class (`^[a-z]+$`, `^x\\d{2,}y$`); nil otherwise.
    func narrowed(search: Bool, minLength: Int, maxLength: Int?) -> RegexPattern? {
        var out = self
        out.branches = []
        let anyStar = RegexNode.repeat(.chars(Self.anyCodePoint), min: 0, max: nil)
        for b in branches {
            var items: [RegexNode]
            if case .sequence(let xs) = b.node { items = xs } else { items = [b.node] }
            if search && !b.anchoredStart { items.insert(anyStar, at: 0) }
            if search && !b.anchoredEnd { items.append(anyStar) }
            var fixed = 0
            var variable: Int? = nil
            for (i, x) in items.enumerated() {
                let (l, h) = Self.lengthRange(x)
                if let h, h == l { fixed += l; continue }
                if variable != nil { return nil }
                guard case .repeat(.chars, _, _) = x else { return nil }
                variable = i
            }
            if let v = variable, case let .repeat(inner, lo, hi) = items[v] {
                let newLo = max(lo, minLength - fixed)
                var newHi = hi
                if let m = maxLength { newHi = min(hi ?? Int.max, m - fixed) }
                if let h = newHi, h < newLo { continue }
                items[v] = .repeat(inner, min: newLo, max: newHi)
            } else if fixed < minLength || (maxLength.map { fixed > $0 } ?? false) {
                continue
            }
            out.branches.append(Branch(node: .sequence(items), anchoredStart: true, anchoredEnd: true))
        }
        return out
    }

    /// True when the search language holds every string (an unanchored branch that can match empty).
    var isUniversalSearch: Bool {
        branches.contains { !$0.anchoredStart && !$0.anchoredEnd && Self.lengthRange($0.node).0 == 0 }
    }

    /// The strings the search does NOT match, for the shapes property-name patterns take: a
    /// class searched anywhere (`[abc]`, `.+`), or an anchored run of classes with one repeated
    /// class last (`^abc`, `^[a-z][a-z0-9_]*$`, `^[0-9a-z-]{1,255}$`); nil for anything else.
    func searchComplement(encoding enc: RegexEncoding) -> GrammarExpr? {
        if isUniversalSearch { return .nothing }
        guard branches.count == 1 else { return nil }
        let b = branches[0]
        let anyChar = Self.classExpr(Self.anyCodePoint, enc)
        let anyStar = GrammarExpr.repeat(anyChar, min: 0, max: nil)
        func cls(_ c: [ClosedRange<UInt32>]) -> GrammarExpr { Self.classExpr(c, enc) }
        func notIn(_ c: [ClosedRange<UInt32>]) -> GrammarExpr { Self.classExpr(UTF8Ranges.complement(c), enc) }
        if !b.anchoredStart {
            guard !b.anchoredEnd else { return nil }
            switch b.node {
            case .chars(let c), .repeat(.chars(let c), 1, _): return .repeat(notIn(c), min: 0, max: nil)
            default: return nil
            }
        }
        // Flatten to fixed classes plus an optional repeated class at the end.
        var fixed: [[ClosedRange<UInt32>]] = []
        var tail: (c: [ClosedRange<UInt32>], lo: Int, hi: Int?)? = nil
        let items: [RegexNode]
        if case .sequence(let xs) = b.node { items = xs } else if case .empty = b.node { items = [] } else { items = [b.node] }
        for (i, x) in items.enumerated() {
            switch x {
            case .chars(let c): fixed.append(c)
            case .repeat(.chars(let c), let lo, let hi) where hi == lo && lo <= 32 && i < items.count - 1:
                for _ in 0..<lo { fixed.append(c) }
            case .repeat(.chars(let c), let lo, let hi) where i == items.count - 1:
                tail = (c, lo, hi)
            default: return nil
            }
        }
        func prefix(_ n: Int) -> [GrammarExpr] { fixed.prefix(n).map { cls($0) } }
        var alts: [GrammarExpr] = []
        // A deviation inside the fixed part, or stopping before its end.
        for i in fixed.indices {
            alts.append(.sequence(prefix(i) + [notIn(fixed[i]), anyStar]))
            alts.append(.sequence(prefix(i)))
        }
        let all = prefix(fixed.count)
        if let t = tail {
            if b.anchoredEnd {
                var rest: [GrammarExpr] = [.sequence([anyStar, notIn(t.c), anyStar])]
                if t.lo > 0 { rest.append(.repeat(anyChar, min: 0, max: t.lo - 1)) }
                if let hi = t.hi { rest.append(.repeat(anyChar, min: hi + 1, max: nil)) }
                alts.append(.sequence(all + [.choice(rest)]))
            } else {
                for j in 0..<t.lo {
                    let run = GrammarExpr.repeat(cls(t.c), min: j, max: j)
                    alts.append(.sequence(all + [run, .choice([.empty, .sequence([notIn(t.c), anyStar])])]))
                }
            }
        } else if b.anchoredEnd {
            alts.append(.sequence(all + [.repeat(anyChar, min: 1, max: nil)]))
        }
        return .choice(alts)
    }

    /// Whether `s` matches (full match, or contains a match with `search`). Used to test
    /// literal property names and enum strings against patterns.
    func matches(_ s: String, search: Bool) -> Bool {
        let cps = s.unicodeScalars.map { $0.value }
        for b in branches {
            let starts: Set<Int> = (search && !b.anchoredStart) ? Set(0...cps.count) : [0]
            let ends = Self.run(b.node, starts, cps)
            if search && !b.anchoredEnd { if !ends.isEmpty { return true } } else if ends.contains(cps.count) { return true }
        }
        return false
    }

    private static func run(_ n: RegexNode, _ starts: Set<Int>, _ s: [UInt32]) -> Set<Int> {
        if starts.isEmpty { return [] }
        switch n {
        case .empty, .startAnchor, .endAnchor: return starts
        case .chars(let r):
            var out = Set<Int>()
            for p in starts where p < s.count && r.contains(where: { $0.contains(s[p]) }) { out.insert(p + 1) }
            return out
        case .sequence(let xs):
            var cur = starts
            for x in xs { cur = run(x, cur, s); if cur.isEmpty { break } }
            return cur
        case .alternation(let xs):
            var out = Set<Int>()
            for x in xs { out.formUnion(run(x, starts, s)) }
            return out
        case let .repeat(x, lo, hi):
            var cur = starts
            var acc = Set<Int>()
            var i = 0
            var seen = Set<Int>()
            while true {
                if i >= lo { acc.formUnion(cur) }
                if let hi, i >= hi { break }
                if i >= lo {
                    // Past the minimum, positions already seen add nothing new.
                    cur.subtract(seen)
                    seen.formUnion(cur)
                }
                if cur.isEmpty { break }
                cur = run(x, cur, s)
                i += 1
            }
            return acc
        }
    }
}

/// Recursive-descent parser for ECMAScript pattern syntax.
struct RegexParser {
    let chars: [UInt32]
    var pos = 0

    init(_ chars: [UInt32]) { self.chars = chars }

    private var atEnd: Bool { pos >= chars.count }
    private func peek(_ k: Int = 0) -> UInt32? { pos + k < chars.count ? chars[pos + k] : nil }
    private func isChar(_ c: Character, at k: Int = 0) -> Bool { peek(k) == c.unicodeScalars.first!.value }

    mutating func parseDisjunction(depth: Int) throws -> [RegexNode] {
        if depth > RegexPattern.maxDepth {
            throw RegexGrammarError.tooLarge(message: "groups nested deeper than \(RegexPattern.maxDepth)", offset: pos)
        }
        var alts = [try parseAlternative(depth: depth)]
        while isChar("|") {
            pos += 1
            alts.append(try parseAlternative(depth: depth))
        }
        return alts
    }

    private mutating func parseAlternative(depth: Int) throws -> RegexNode {
        var items: [RegexNode] = []
        while let c = peek(), c != 0x7C /* | */, c != 0x29 /* ) */ {
            let start = pos
            var atom = try parseAtom(depth: depth)
            if let q = try parseQuantifier() {
                switch atom {
                case .startAnchor, .endAnchor:
                    throw RegexGrammarError.syntax(message: "nothing to repeat", offset: start)
                default: break
                }
                atom = .repeat(atom, min: q.0, max: q.1)
            }
            items.append(atom)
        }
        return items.isEmpty ? .empty : items.count == 1 ? items[0] : .sequence(items)
    }

    /// `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` with an optional lazy `?`.
    private mutating func parseQuantifier() throws -> (Int, Int?)? {
        guard let c = peek() else { return nil }
        var q: (Int, Int?)
        let start = pos
        switch c {
        case 0x2A: q = (0, nil); pos += 1
        case 0x2B: q = (1, nil); pos += 1
        case 0x3F: q = (0, 1); pos += 1
        case 0x7B:
            guard let b = try parseBraces() else { return nil }
            q = b
        default: return nil
        }
        if let hi = q.1, hi < q.0 {
            throw RegexGrammarError.syntax(message: "numbers out of order in {} quantifier", offset: start)
        }
        if isChar("?") { pos += 1 }
        if let c2 = peek(), c2 == 0x2A || c2 == 0x2B || c2 == 0x3F || (c2 == 0x7B && lookBraces() != nil) {
            throw RegexGrammarError.syntax(message: "nothing to repeat", offset: pos)
        }
        return q
    }

    /// A `{n}`, `{n,}` or `{n,m}` quantifier at `pos` without consuming it (Annex B: a brace
    /// that does not start one is a literal).
    private func lookBraces() -> (Int, Int?, Int)? {
        var i = pos + 1
        func num(_ i: inout Int) -> Int? {
            var v = 0, any = false
            while i < chars.count, chars[i] >= 0x30, chars[i] <= 0x39 {
                v = min(v * 10 + Int(chars[i] - 0x30), Int.max / 20); any = true; i += 1
            }
            return any ? v : nil
        }
        guard let lo = num(&i) else { return nil }
        var hi: Int? = lo
        if i < chars.count, chars[i] == 0x2C {
            i += 1
            hi = num(&i)
        }
        guard i < chars.count, chars[i] == 0x7D else { return nil }
        return (lo, hi, i + 1)
    }

    private mutating func parseBraces() throws -> (Int, Int?)? {
        guard let (lo, hi, next) = lookBraces() else { return nil }
        if lo > RegexPattern.maxCount || (hi ?? 0) > RegexPattern.maxCount {
            throw RegexGrammarError.tooLarge(message: "repetition count over \(RegexPattern.maxCount)", offset: pos)
        }
        pos = next
        return (lo, hi)
    }

    private mutating func parseAtom(depth: Int) throws -> RegexNode {
        let start = pos
        let c = chars[pos]
        switch c {
        case 0x5E: pos += 1; return .startAnchor(offset: start)                     // ^
        case 0x24: pos += 1; return .endAnchor(offset: start)                       // $
        case 0x2E: pos += 1; return .chars(UTF8Ranges.complement(Self.lineTerminators))  // .
        case 0x28: return try parseGroup(depth: depth)                              // (
        case 0x5B: return .chars(try parseClass())                                 // [
        case 0x5C: return try parseAtomEscape()                                     // \
        case 0x2A, 0x2B, 0x3F:
            throw RegexGrammarError.syntax(message: "nothing to repeat", offset: start)
        case 0x7B:
            if lookBraces() != nil { throw RegexGrammarError.syntax(message: "nothing to repeat", offset: start) }
            pos += 1; return .chars([c...c])
        default:
            pos += 1
            return .chars([c...c])
        }
    }

    private mutating func parseGroup(depth: Int) throws -> RegexNode {
        let start = pos
        pos += 1
        if isChar("?") {
            if isChar(":", at: 1) {
                pos += 2
            } else if isChar("=", at: 1) || isChar("!", at: 1) {
                throw RegexGrammarError.unsupported(construct: isChar("=", at: 1) ? "lookahead (?=" : "negative lookahead (?!", offset: start)
            } else if isChar("<", at: 1) && (isChar("=", at: 2) || isChar("!", at: 2)) {
                throw RegexGrammarError.unsupported(construct: isChar("=", at: 2) ? "lookbehind (?<=" : "negative lookbehind (?<!", offset: start)
            } else if isChar("<", at: 1) {
                pos += 2
                let nameStart = pos
                while let ch = peek(), ch != 0x3E { pos += 1; if pos - nameStart > 200 { break } }
                guard isChar(">"), pos > nameStart else {
                    throw RegexGrammarError.syntax(message: "invalid group name", offset: nameStart)
                }
                pos += 1
            } else {
                throw RegexGrammarError.unsupported(construct: "group modifier (?\(peek(1).flatMap(Unicode.Scalar.init).map { String(Character($0)) } ?? "")", offset: start)
            }
        }
        let alts = try parseDisjunction(depth: depth + 1)
        guard isChar(")") else { throw RegexGrammarError.syntax(message: "unterminated group", offset: start) }
        pos += 1
        return alts.count == 1 ? alts[0] : .alternation(alts)
    }

    static let lineTerminators: [ClosedRange<UInt32>] = [0x0A...0x0A, 0x0D...0x0D, 0x2028...0x2029]
    static let digit: [ClosedRange<UInt32>] = [0x30...0x39]
    static let word: [ClosedRange<UInt32>] = [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]
    static let space: [ClosedRange<UInt32>] = [0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A,
                                                0x2028...0x2029, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF]

    private mutating func parseAtomEscape() throws -> RegexNode {
        let start = pos
        pos += 1
        guard let c = peek() else { throw RegexGrammarError.syntax(message: "\\ at end of pattern", offset: start) }
        switch c {
        case 0x62: throw RegexGrammarError.unsupported(construct: "word boundary \\b", offset: start)
        case 0x42: throw RegexGrammarError.unsupported(construct: "non-word-boundary \\B", offset: start)
        case 0x31...0x39: throw RegexGrammarError.unsupported(construct: "backreference \\\(Character(Unicode.Scalar(c)!))", offset: start)
        case 0x6B where isChar("<", at: 1): throw RegexGrammarError.unsupported(construct: "named backreference \\k<…>", offset: start)
        default:
            pos = start
            return .chars(try parseClassEscape(inClass: false))
        }
    }

    /// An escape that stands for a set of code points (inside or outside a class); `pos` at `\`.
    private mutating func parseClassEscape(inClass: Bool) throws -> [ClosedRange<UInt32>] {
        let start = pos
        pos += 1
        guard let c = peek() else { throw RegexGrammarError.syntax(message: "\\ at end of pattern", offset: start) }
        pos += 1
        func one(_ v: UInt32) -> [ClosedRange<UInt32>] { [v...v] }
        switch c {
        case 0x64: return Self.digit                                   // d
        case 0x44: return UTF8Ranges.complement(Self.digit)            // D
        case 0x77: return Self.word                                    // w
        case 0x57: return UTF8Ranges.complement(Self.word)             // W
        case 0x73: return Self.space                                   // s
        case 0x53: return UTF8Ranges.complement(Self.space)            // S
        case 0x74: return one(0x09)
        case 0x6E: return one(0x0A)
        case 0x76: return one(0x0B)
        case 0x66: return one(0x0C)
        case 0x72: return one(0x0D)
        case 0x62 where inClass: return one(0x08)
        case 0x2D where inClass: return one(0x2D)
        case 0x30:
            if let d = peek(), d >= 0x30, d <= 0x39 {
                throw RegexGrammarError.unsupported(construct: "octal escape \\0\(Character(Unicode.Scalar(d)!))", offset: start)
            }
            return one(0)
        case 0x63:                                                     // cX
            if let x = peek(), (0x41...0x5A).contains(x) || (0x61...0x7A).contains(x) { pos += 1; return one(x % 32) }
            throw RegexGrammarError.syntax(message: "\\c must be followed by a letter", offset: start)
        case 0x78:                                                     // xHH
            guard let v = hex(count: 2) else { throw RegexGrammarError.syntax(message: "\\x needs two hex digits", offset: start) }
            return one(v)
        case 0x75:                                                     // uHHHH, u{…}
            if isChar("{") {
                pos += 1
                var v: UInt32 = 0, n = 0
                while let d = peek(), let h = Self.hexValue(d) { v = v &* 16 &+ h; n += 1; pos += 1; if n > 8 { break } }
                guard n > 0, n <= 8, isChar("}"), v <= 0x10FFFF else {
                    throw RegexGrammarError.syntax(message: "invalid \\u{…} escape", offset: start)
                }
                pos += 1
                return one(v)
            }
            guard let v = hex(count: 4) else { throw RegexGrammarError.syntax(message: "\\u needs four hex digits", offset: start) }
            if (0xD800...0xDBFF).contains(v), isChar("\\"), isChar("u", at: 1) {
                let save = pos
                pos += 2
                if let lo = hex(count: 4), (0xDC00...0xDFFF).contains(lo) {
                    return one(0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00))
                }
                pos = save
            }
            if (0xD800...0xDFFF).contains(v) {
                throw RegexGrammarError.unsupported(construct: "a lone surrogate \\u\(String(v, radix: 16))", offset: start)
            }
            return one(v)
        case 0x70, 0x50:
            throw RegexGrammarError.unsupported(construct: "Unicode property escape \\\(c == 0x70 ? "p" : "P")", offset: start)
        default:
            let isAlnum = (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c)
            if isAlnum {
                throw RegexGrammarError.syntax(message: "unknown escape \\\(Character(Unicode.Scalar(c)!))", offset: start)
            }
            return one(c)
        }
    }

    private static func hexValue(_ c: UInt32) -> UInt32? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    private mutating func hex(count: Int) -> UInt32? {
        var v: UInt32 = 0
        for k in 0..<count {
            guard let d = peek(k), let h = Self.hexValue(d) else { return nil }
            v = v * 16 + h
        }
        pos += count
        return v
    }

    /// `[...]` with `pos` at `[`.
    private mutating func parseClass() throws -> [ClosedRange<UInt32>] {
        let start = pos
        pos += 1
        var negate = false
        if isChar("^") { negate = true; pos += 1 }
        var ranges: [ClosedRange<UInt32>] = []
        while true {
            guard let c = peek() else { throw RegexGrammarError.syntax(message: "unterminated character class", offset: start) }
            if c == 0x5D { pos += 1; break }
            let aStart = pos
            let a = try classAtom()
            if isChar("-"), let next = peek(1), next != 0x5D {
                pos += 1
                let b = try classAtom()
                guard a.count == 1, a[0].lowerBound == a[0].upperBound, b.count == 1, b[0].lowerBound == b[0].upperBound else {
                    throw RegexGrammarError.syntax(message: "a class escape cannot bound a range", offset: aStart)
                }
                guard a[0].lowerBound <= b[0].lowerBound else {
                    throw RegexGrammarError.syntax(message: "range out of order in character class", offset: aStart)
                }
                ranges.append(a[0].lowerBound...b[0].lowerBound)
            } else {
                ranges.append(contentsOf: a)
            }
        }
        let norm = UTF8Ranges.normalize(ranges)
        return negate ? UTF8Ranges.complement(norm) : norm
    }

    private mutating func classAtom() throws -> [ClosedRange<UInt32>] {
        let c = chars[pos]
        if c == 0x5C { return try parseClassEscape(inClass: true) }
        pos += 1
        return [c...c]
    }
}
