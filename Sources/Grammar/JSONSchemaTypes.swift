import Foundation
import Schema

/// Per-type grammars of the JSON Schema compiler (strings, numbers, objects, arrays, enums) and
/// the direct value check it uses to filter `enum` values and decide `oneOf` disjointness.
extension SchemaCompiler {
    // MARK: shared pieces

    /// Any code point inside a JSON string, in any JSON spelling (raw, short escape, `\uXXXX`,
    /// surrogate pair as one), each counting as one code point.
    func stringCharRule() -> Int {
        if let r = stringCharRuleIndex { return r }
        let hex = GrammarExpr.byteSet(ByteSet(Array("0123456789abcdefABCDEF".utf8)))
        let nonSurrogateLead = GrammarExpr.choice([
            .sequence([.byteSet(ByteSet(Array("0123456789abcABCefEF".utf8))), hex, hex, hex]),
            .sequence([.byteSet(ByteSet(Array("dD".utf8))), .byteSet(ByteSet(range: 0x30, 0x37)), hex, hex]),
        ])
        let pair = GrammarExpr.sequence([
            .byteSet(ByteSet(Array("dD".utf8))), .byteSet(ByteSet(Array("89abAB".utf8))), hex, hex,
            .literal("\\u"), .byteSet(ByteSet(Array("dD".utf8))), .byteSet(ByteSet(Array("cdefCDEF".utf8))), hex, hex,
        ])
        var raw: [ClosedRange<UInt32>] = [0x20...0x21, 0x23...0x5B, 0x5D...0x10FFFF]
        raw = UTF8Ranges.normalize(raw)
        let body = GrammarExpr.choice([
            UTF8Ranges.expr(raw),
            .sequence([.literal("\\"), .choice([.byteSet(ByteSet(Array("\"\\/bfnrt".utf8))), .sequence([.literal("u"), .choice([nonSurrogateLead, pair])])])]),
        ])
        rules.append(GrammarRule(name: "json_char", body: body))
        stringCharRuleIndex = rules.count - 1
        return rules.count - 1
    }

    /// A string body between the spelling's delimiters (JSON's quotes).
    func quoted(_ e: GrammarExpr) -> GrammarExpr { .sequence([spelling.open, e, spelling.close]) }

    /// A declared key as the spelling writes it.
    func keyLiteral(_ name: String) -> GrammarExpr {
        spelling.bareKeys ? .literal(name) : .literal(JSONValue.string(name).jsonString())
    }

    /// Any other key, never one of `excluded`: a JSON string, or a bare name in bare-key spellings.
    func otherKey(excluding excluded: [String]) -> GrammarExpr {
        spelling.bareKeys ? StructuralTagCompiler.name(excluding: excluded) : quoted(excludingNames(excluded))
    }

    /// A JSON value as text, with optional whitespace between tokens in flexible mode.
    func literal(_ v: JSONValue) -> GrammarExpr {
        switch v {
        case .array(let xs):
            if xs.isEmpty { return .sequence([.literal("["), ws, .literal("]")]) }
            var parts: [GrammarExpr] = [.literal("["), ws]
            for (i, x) in xs.enumerated() {
                if i > 0 { parts += [ws, .literal(","), ws] }
                parts.append(literal(x))
            }
            parts += [ws, .literal("]")]
            return .sequence(parts)
        case .object(let o):
            if o.isEmpty { return .sequence([.literal("{"), ws, .literal("}")]) }
            var parts: [GrammarExpr] = [.literal("{"), ws]
            for (i, (k, x)) in o.enumerated() {
                if i > 0 { parts += [ws, .literal(","), ws] }
                parts += [keyLiteral(k), ws, .literal(":"), ws, literal(x)]
            }
            parts += [ws, .literal("}")]
            return .sequence(parts)
        case .number(let d, _) where d.rounded() == d && d.magnitude < 9e15:
            // 1.0 and 1 are the same JSON Schema value: accept the printed text and the integer.
            let printed = v.jsonString()
            let plain = String(Int64(d))
            return printed == plain ? .literal(printed) : .choice([.literal(printed), .literal(plain)])
        case .string(let s) where spelling.delimiter != nil:
            // Raw between the delimiters; a string holding the delimiter has no spelling.
            if s.contains(spelling.delimiter!) { return .nothing }
            return quoted(.literal(s))
        default:
            return .literal(v.jsonString())
        }
    }

    // MARK: enum

    func compileEnum(_ values: [JSONValue], _ c: Constraints) throws -> GrammarExpr {
        var alts: [GrammarExpr] = []
        var base = c
        base.enumValues = nil
        for v in values where try valueSatisfies(v, base) {
            alts.append(literal(v))
        }
        return alts.count == 1 ? alts[0] : .choice(alts)
    }

    // MARK: strings

    func compileString(_ c: Constraints) throws -> GrammarExpr {
        var c = c
        if let d = spelling.delimiter {
            // Raw strings never hold their delimiter: every string language is cut down to the
            // texts without it (which also gives length bounds their exact count of raw characters).
            if c.patterns.isEmpty && c.formats.isEmpty && c.excludedStrings.isEmpty && c.minLength == 0 && c.maxLength == nil
                && c.negatedPatterns.isEmpty {
                return quoted(.rule(try rawStringRule(d)))
            }
            c.negatedPatterns.append((JSONSpelling.containsPattern(d), c.sources.first ?? ""))
        }
        var formats: [(String, String)] = []
        for (f, p) in c.formats where FormatChecks.known.contains(f) {
            guard SchemaFormats.pattern(f) != nil else { throw fail("format", p, "format \(f) cannot be expressed as a grammar") }
            if !formats.contains(where: { $0.0 == f }) { formats.append((f, p)) }
        }
        var patterns: [(String, String)] = []
        for (pat, p) in c.patterns where !patterns.contains(where: { $0.0 == pat }) { patterns.append((pat, p)) }
        if formats.count > 1 { throw fail("format", formats[1].1, "two different formats in one schema") }
        let minLen = c.minLength, maxLen = c.maxLength
        if let m = maxLen, m < minLen { return .nothing }
        if patterns.count > 1 || (!formats.isEmpty && !patterns.isEmpty) || !c.negatedPatterns.isEmpty
            || (!c.excludedStrings.isEmpty && (!patterns.isEmpty || !formats.isEmpty || minLen > 0 || maxLen != nil)) {
            return quoted(try intersectedLanguage(c, patterns: patterns, format: formats.first))
        }
        var language: (RegexPattern, Bool, String, String)? = nil   // pattern, search, keyword, pointer
        if let (pat, p) = patterns.first { language = (try regex(pat, p), true, "pattern", p) }
        if let (f, p) = formats.first { language = (try regex(SchemaFormats.pattern(f)!, p), false, "format", p) }
        if !c.excludedStrings.isEmpty { return quoted(excludingNames(c.excludedStrings)) }
        guard let (pattern0, search0, keyword, pointer) = language else {
            if minLen == 0 && maxLen == nil { return quoted(.repeat(.rule(stringCharRule()), min: 0, max: nil)) }
            return quoted(.repeat(.rule(stringCharRule()), min: minLen, max: maxLen))
        }
        var pattern = pattern0, search = search0
        if minLen > 0 || maxLen != nil {
            let (lo, hi) = pattern.lengthRange(search: search)
            if !(lo >= minLen && (maxLen == nil || (hi != nil && hi! <= maxLen!))) {
                // Fold the bounds into the pattern's one variable-length repetition, if it has one.
                if let narrowed = pattern.narrowed(search: search, minLength: minLen, maxLength: maxLen) {
                    pattern = narrowed
                    search = false
                } else {
                    // Otherwise the product of the pattern's automaton with a length counter.
                    let format = formats.first?.0
                    if let e = try lengthBoundedLanguage(pattern, search: search, format: format, minLen, maxLen) { return quoted(e) }
                    throw fail(maxLen != nil ? "maxLength" : "minLength", c.lengthPointer,
                               "length bounds together with the \(keyword) at \(pointer) need an automaton over \(RegexAutomaton.maxProductStates) states")
                }
            }
        }
        return quoted(pattern.expression(search: search, encoding: spelling.encoding))
    }

    /// Any raw string without `delimiter`, as one shared rule.
    private func rawStringRule(_ delimiter: String) throws -> Int {
        if let r = rawStringRuleIndex { return r }
        var c = Constraints()
        c.negatedPatterns = [(JSONSpelling.containsPattern(delimiter), "")]
        let body = try intersectedLanguage(c, patterns: [], format: nil)
        rules.append(GrammarRule(name: "raw_string", body: body))
        rawStringRuleIndex = rules.count - 1
        return rules.count - 1
    }

    /// Strings matching every pattern (and the format), none of the excluded patterns and strings,
    /// within the length bounds: the product of their automata (complemented for exclusions)
    /// with a length counter.
    func intersectedLanguage(_ c: Constraints, patterns: [(String, String)], format: (String, String)?) throws -> GrammarExpr {
        var automaton: RegexAutomaton? = nil
        func and(_ a: RegexAutomaton?, _ keyword: String, _ pointer: String) throws {
            guard let a, let product = automaton.map({ $0.intersected(with: a) }) ?? a else {
                throw fail(keyword, pointer, "the intersection of this string's patterns, format and exclusions needs an automaton over \(RegexAutomaton.maxStates) states")
            }
            automaton = product
        }
        for (pat, p) in patterns { try and(RegexAutomaton(try regex(pat, p), search: true), "pattern", p) }
        if let (f, p) = format { try and(RegexAutomaton(try regex(SchemaFormats.pattern(f)!, p), search: false), "format", p) }
        for (pat, p) in c.negatedPatterns { try and(RegexAutomaton(try regex(pat, p), search: true)?.complemented(), "not", p) }
        if !c.excludedStrings.isEmpty {
            let p = c.sources.first ?? ""
            try and(RegexAutomaton(literals: c.excludedStrings)?.complemented(), "not", p)
        }
        guard let automaton else { return .repeat(.rule(stringCharRule()), min: c.minLength, max: c.maxLength) }
        guard let e = automaton.lengthBounded(minLength: c.minLength, maxLength: c.maxLength, encoding: spelling.encoding, rules: &rules) else {
            let p = c.lengthPointer.isEmpty ? (patterns.first?.1 ?? c.sources.first ?? "") : c.lengthPointer
            throw fail(c.maxLength != nil ? "maxLength" : "pattern", p, "this string's patterns, format, exclusions and length bounds need an automaton over \(RegexAutomaton.maxProductStates) states")
        }
        return e
    }

    /// A pattern (or format) language within length bounds, through the product of its automaton
    /// with a length counter; nil when that is too large. Hostnames and emails, whose format
    /// languages cap labels and parts with counters of their own, use the validator's rules
    /// directly where the length bound makes those caps moot (the whole string within one label's
    /// 63 characters), and an email under a longer bound splits it between a domain of at most 63
    /// characters and the local part.
    func lengthBoundedLanguage(_ pattern: RegexPattern, search: Bool, format: String?, _ minLen: Int, _ maxLen: Int?) throws -> GrammarExpr? {
        func product(_ p: RegexPattern, _ lo: Int, _ hi: Int?) -> GrammarExpr? {
            guard let a = RegexAutomaton(p, search: search) else { return nil }
            return a.lengthBounded(minLength: lo, maxLength: hi, encoding: spelling.encoding, rules: &rules)
        }
        if let maxLen, format == "hostname" || format == "idn-hostname", maxLen <= 63 {
            return product(try RegexPattern(SchemaFormats.unboundedHostname), minLen, maxLen)
        }
        if let maxLen, format == "email" || format == "idn-email" {
            if maxLen <= 65 { return product(try RegexPattern(SchemaFormats.unboundedEmail), minLen, maxLen) }
            // local (≤ maxLen - 64) "@" domain (≤ 63): within the bound, every label within 63.
            // (Exact for minimum lengths up to 3, which every email has.)
            guard minLen <= 3, let local = product(try RegexPattern(SchemaFormats.unboundedLocalPart), 0, maxLen - 64),
                  let domain = product(try RegexPattern(SchemaFormats.unboundedHostname), 0, 63) else { return nil }
            return .sequence([local, .literal("@"), domain])
        }
        return product(pattern, minLen, maxLen)
    }

    /// JSON string bodies (canonical spelling) of every string except `names`.
    func excludingNames(_ names: [String]) -> GrammarExpr {
        // A trie over code points; leaving the trie at any point gives free text.
        final class Node { var children: [(UInt32, Node)] = []; var terminal = false }
        let root = Node()
        for n in names {
            var cur = root
            for s in n.unicodeScalars {
                if let next = cur.children.first(where: { $0.0 == s.value })?.1 { cur = next } else {
                    let nn = Node(); cur.children.append((s.value, nn)); cur = nn
                }
            }
            cur.terminal = true
        }
        let anyChar = RegexPattern.classExpr(RegexPattern.anyCodePoint, spelling.encoding)
        // One rule for "any text", referred to from every trie node (not copied into each).
        rules.append(GrammarRule(name: "string_rest", body: .repeat(anyChar, min: 0, max: nil)))
        let rest = GrammarExpr.rule(rules.count - 1)
        func build(_ n: Node) -> GrammarExpr {
            var alts: [GrammarExpr] = n.terminal ? [] : [.empty]
            for (c, child) in n.children {
                alts.append(.sequence([.bytes(RegexPattern.encode(c, spelling.encoding)), build(child)]))
            }
            let used = n.children.map { $0.0...$0.0 }
            let others = UTF8Ranges.complement(used)
            if !others.isEmpty { alts.append(.sequence([RegexPattern.classExpr(others, spelling.encoding), rest])) }
            return alts.count == 1 ? alts[0] : .choice(alts)
        }
        return build(root)
    }

    // MARK: numbers

    func compileNumber(_ c: Constraints, integer: Bool) throws -> GrammarExpr {
        // multipleOf values as p·10^-k; integers fold into one divisor (their least common multiple).
        var divisor: Int64? = nil
        var fractional: (p: Int64, k: Int, pointer: String)? = nil
        for (m, p) in c.multipleOf {
            guard let d = DecimalValue(m), !d.negative, !d.isZero else { throw fail("multipleOf", p, "must be a positive number") }
            if let k = d.int64, k > 0 {
                divisor = try lcm(divisor ?? 1, k, p)
                continue
            }
            guard d.frac.count <= 15, let scaled = Int64(String(decoding: (d.int == [0x30] ? [] : d.int) + d.frac, as: UTF8.self)) else {
                throw fail("multipleOf", p, "a fractional multipleOf with more than 15 significant digits is not supported")
            }
            if let f = fractional, f.p != scaled || f.k != d.frac.count {
                throw fail("multipleOf", p, "two different fractional multipleOf values")
            }
            fractional = (scaled, d.frac.count, p)
        }
        let isInt = integer || divisor != nil
        if let f = fractional, isInt {
            // Integers that are multiples of p·10^-k: multiples of p / gcd(p, 10^k).
            var ten: Int64 = 1
            for _ in 0..<f.k { ten *= 10 }
            divisor = try lcm(divisor ?? 1, f.p / gcd(f.p, ten), f.pointer)
            fractional = nil
        }
        if let f = fractional, f.p == 1 { fractional = nil; return try compileDecimal(c, places: f.k) }
        // Bounds, exact.
        var lower: JSONNumberGrammar.Bound? = nil, upper: JSONNumberGrammar.Bound? = nil
        if let (v, excl, p) = c.lower { lower = JSONNumberGrammar.Bound(value: try decimal(v, p), exclusive: excl) }
        if let (v, excl, p) = c.upper { upper = JSONNumberGrammar.Bound(value: try decimal(v, p), exclusive: excl) }
        if let f = fractional {
            return try fractionalMultiples(f.p, f.k, f.pointer, lower, upper)
        }
        if !isInt { return try compileDecimal(c, places: nil) }
        // Integer bounds: round inward.
        let lo = lower.map { $0.value.ceilingInteger(strict: $0.exclusive) }
        let hi = upper.map { $0.value.floorInteger(strict: $0.exclusive) }
        if let lo, let hi, DecimalValue.compare(lo, hi) > 0 { return .nothing }
        if let k = divisor, k > 1 {
            guard lo.map({ $0.int64 != nil }) ?? true, hi.map({ $0.int64 != nil }) ?? true else {
                throw fail("multipleOf", c.multipleOf[0].1, "multipleOf with bounds beyond ±10^18")
            }
            let lo = lo?.int64, hi = hi?.int64
            if let lo, let hi {
                let first = lo % k == 0 ? lo : lo + (k - ((lo % k) + k) % k)
                if first > hi { return .nothing }
                let n = (hi - first) / k + 1
                guard n <= 2000 else { throw fail("multipleOf", c.multipleOf[0].1, "multipleOf with a range holding over 2000 multiples") }
                var alts: [GrammarExpr] = []
                var v = first
                while v <= hi { alts.append(.literal(String(v))); v += k }
                return alts.count == 1 ? alts[0] : .choice(alts)
            }
            // Without two bounds the multiples are a remainder automaton of k states.
            guard k <= JSONNumberGrammar.maxRemainderStates else {
                throw fail("multipleOf", c.multipleOf[0].1, "integer multiples of \(k) without both a minimum and a maximum need \(k) remainder states (at most \(JSONNumberGrammar.maxRemainderStates) are supported); bound the range to at most 2000 multiples")
            }
            if lo == nil && hi == nil {
                let m = JSONNumberGrammar.multiples(of: Int(k), rules: &rules)
                return .sequence([.repeat(.literal("-"), min: 0, max: 1), m])
            }
            if let lo, lo <= 0, hi == nil, lo > -2000 {
                let m = JSONNumberGrammar.multiples(of: Int(k), rules: &rules)
                var alts: [GrammarExpr] = [m]
                var v = -k
                while v >= lo { alts.append(.literal(String(v))); v -= k }
                return .choice(alts)
            }
            throw fail("multipleOf", c.multipleOf[0].1, "multipleOf with a one-sided bound")
        }
        if lo == nil && hi == nil { return JSONNumberGrammar.anyInteger }
        if let l = lo?.int64 ?? (lo == nil ? 0 : nil), let h = hi?.int64 ?? (hi == nil ? 0 : nil) {
            return JSONNumberGrammar.integerRange(lo == nil ? nil : l, hi == nil ? nil : h)
        }
        // Integers beyond 64 bits: digit-string ranges.
        return JSONNumberGrammar.decimalRange(lo.map { .init(value: $0, exclusive: false) }, hi.map { .init(value: $0, exclusive: false) }, maxPlaces: 0)
    }

    /// Numbers (no exponent) within the bounds, with at most `places` fraction digits.
    private func compileDecimal(_ c: Constraints, places: Int?) throws -> GrammarExpr {
        var lower: JSONNumberGrammar.Bound? = nil, upper: JSONNumberGrammar.Bound? = nil
        if let (v, excl, p) = c.lower { lower = JSONNumberGrammar.Bound(value: try decimal(v, p), exclusive: excl) }
        if let (v, excl, p) = c.upper { upper = JSONNumberGrammar.Bound(value: try decimal(v, p), exclusive: excl) }
        if lower == nil && upper == nil && places == nil { return JSONNumberGrammar.anyNumber }
        return JSONNumberGrammar.decimalRange(lower, upper, maxPlaces: places)
    }

    /// Multiples of p·10^-k (p > 1): unbounded, non-negative (minimum 0) or positive
    /// (exclusiveMinimum 0), or listed one by one between two bounds.
    private func fractionalMultiples(_ p: Int64, _ k: Int, _ ptr: String, _ lower: JSONNumberGrammar.Bound?, _ upper: JSONNumberGrammar.Bound?) throws -> GrammarExpr {
        var ten: Int64 = 1
        for _ in 0..<k { ten *= 10 }
        func scaled(_ b: JSONNumberGrammar.Bound, _ up: Bool) -> Int64? {
            // The bound times 10^k, rounded inward to an integer.
            guard b.value.frac.count <= 18, b.value.int.count + k <= 17 else { return nil }
            let f = b.value.frac + [UInt8](repeating: 0x30, count: max(0, k - b.value.frac.count))
            let scaledValue = DecimalValue(negative: b.value.negative, int: b.value.int + f.prefix(k), frac: Array(f.dropFirst(k)))
            return (up ? scaledValue.floorInteger(strict: b.exclusive) : scaledValue.ceilingInteger(strict: b.exclusive)).int64
        }
        if let lower, let upper {
            guard let lo = scaled(lower, false), let hi = scaled(upper, true) else {
                throw fail("multipleOf", ptr, "multipleOf with bounds too large to list")
            }
            if hi < lo { return .nothing }
            let first = lo % p == 0 ? lo : lo + (p - ((lo % p) + p) % p)
            if first > hi { return .nothing }
            guard (hi - first) / p + 1 <= 2000 else { throw fail("multipleOf", ptr, "multipleOf with a range holding over 2000 multiples") }
            var alts: [GrammarExpr] = []
            var v = first
            while v <= hi {
                let d = DecimalValue(negative: v < 0, int: Array(String(v.magnitude / UInt64(ten)).utf8),
                                     frac: Array(String(v.magnitude % UInt64(ten)).utf8).leftPadded(to: k))
                // Each value in every spelling with at most k fraction digits (6, 6.0 for 0.2).
                let f = JSONNumberGrammar.FracBound(digits: d.frac, inclusive: true)
                let body = GrammarExpr.sequence([.bytes(d.int), JSONNumberGrammar.fraction(f, f, maxPlaces: k) ?? .empty])
                alts.append(d.negative ? .sequence([.literal("-"), body]) : body)
                v += p
            }
            return alts.count == 1 ? alts[0] : .choice(alts)
        }
        guard p <= JSONNumberGrammar.maxRemainderStates / Int64(k + 2) else {
            throw fail("multipleOf", ptr, "multipleOf \(p)e-\(k) without both a minimum and a maximum needs over \(JSONNumberGrammar.maxRemainderStates) remainder states; bound the range to at most 2000 multiples")
        }
        if upper == nil, let lower, lower.value.isZero {
            return JSONNumberGrammar.decimalMultiples(of: Int(p), places: k, positive: lower.exclusive, rules: &rules)
        }
        if lower == nil && upper == nil {
            let m = JSONNumberGrammar.decimalMultiples(of: Int(p), places: k, positive: false, rules: &rules)
            return .sequence([.repeat(.literal("-"), min: 0, max: 1), m])
        }
        throw fail("multipleOf", ptr, "a fractional multipleOf with a one-sided bound other than minimum 0")
    }

    private func gcd(_ a: Int64, _ b: Int64) -> Int64 { b == 0 ? a : gcd(b, a % b) }

    /// The least common multiple, within 10^18 (so that listing multiples between bounds of at
    /// most 10^18 cannot overflow).
    private func lcm(_ a: Int64, _ b: Int64, _ ptr: String) throws -> Int64 {
        let (l, o) = (a / gcd(a, b)).multipliedReportingOverflow(by: b)
        if o || l > 1_000_000_000_000_000_000 { throw fail("multipleOf", ptr, "a multipleOf (or common multiple of several) above 10^18 is not supported") }
        return l
    }

    /// A numeric bound as an exact decimal.
    private func decimal(_ v: JSONValue, _ pointer: String) throws -> DecimalValue {
        guard let d = DecimalValue(v) else {
            throw fail(String(pointer.split(separator: "/").last ?? ""), pointer, "a bound whose decimal expansion is longer than \(DecimalValue.maxShift) digits")
        }
        return d
    }

    // MARK: objects

    func compileObject(_ c: Constraints) throws -> GrammarExpr {
        if spelling.bareKeys {
            // Bare keys are names; a pattern over JSON string keys has no bare spelling.
            if let (_, _, p) = c.patternProperties.first {
                throw fail("patternProperties", p, "keys of the \(spelling.name) style are bare names, which patternProperties cannot constrain; declare the properties")
            }
            if let p = c.propertyNames.first {
                throw fail("propertyNames", p.pointer, "keys of the \(spelling.name) style are bare names, which propertyNames cannot constrain; declare the properties")
            }
        }
        var declared: [(name: String, subs: [SubSchema])] = c.properties.map { ($0.0, $0.1) }
        let additionalSubs: [SubSchema]? = c.additional ?? (options.strictAdditionalProperties ? [SubSchema(value: false, pointer: "")] : nil)
        let additionalFalse = try additionalSubs.map { try conjunctionIsFalse($0) } ?? false
        // Declared names matching a pattern also take that pattern's schema.
        for i in declared.indices {
            for (pat, subs, ptr) in c.patternProperties where try regex(pat, ptr).matches(declared[i].name, search: true) {
                declared[i].subs += subs
            }
        }
        // Required names without a declaration get their schema the way the validator would.
        for r in c.required where !declared.contains(where: { $0.name == r }) {
            var subs: [SubSchema] = []
            var matched = false
            for (pat, psubs, ptr) in c.patternProperties where try regex(pat, ptr).matches(r, search: true) { subs += psubs; matched = true }
            if !matched {
                if additionalFalse { return .nothing }
                subs += additionalSubs ?? []
            }
            declared.append((r, subs))
        }
        // propertyNames: declared names that fail it must be absent.
        var forbidden = c.forbidden
        var namesConstraint: Constraints? = nil
        if !c.propertyNames.isEmpty {
            var pn = Constraints()
            for s in c.propertyNames { pn = try merge(pn, parse(s)) }
            namesConstraint = pn
            for d in declared where !(try valueSatisfies(.string(d.name), pn)) { forbidden.append(d.name) }
        }
        for f in forbidden where c.required.contains(f) { return .nothing }
        declared.removeAll { d in forbidden.contains(d.name) }
        // Values that can never be valid make their property impossible.
        var present: [(name: String, value: GrammarExpr, required: Bool)] = []
        for d in declared {
            let isReq = c.required.contains(d.name)
            if try conjunctionIsFalse(d.subs) {
                if isReq { return .nothing }
                continue
            }
            present.append((d.name, .rule(try ruleFor(d.subs)), isReq))
        }
        // Other keys.
        var extras: [GrammarExpr] = []
        let excluded = declared.map(\.name) + forbidden
        let patternsTrivial = try c.patternProperties.allSatisfy { try conjunctionIsTrue($0.1) }
        let additionalTrivial = try additionalSubs.map { try conjunctionIsTrue($0) } ?? true
        func patternExtras(_ extras: inout [GrammarExpr]) throws {
            let first = c.patternProperties[0].1.map(\.value)
            if c.patternProperties.count > 1 && !c.patternProperties.allSatisfy({ $0.1.map(\.value) == first }) {
                throw fail("patternProperties", c.patternProperties[1].2, "several patterns with different schemas (a key may match more than one)")
            }
            let res = try c.patternProperties.map { try regex($0.0, $0.2) }
            let subs = c.patternProperties[0].1
            let ptr = c.patternProperties[0].2
            let valueFalse = try conjunctionIsFalse(subs)
            if let universal = res.first(where: { $0.isUniversalSearch }) {
                // Every other key matches: additionalProperties never applies.
                _ = universal
                if !valueFalse { extras.append(pair(otherKey(excluding: excluded), .rule(try ruleFor(subs)))) }
            } else {
                for (i, re) in res.enumerated() {
                    if let clash = excluded.first(where: { re.matches($0, search: true) }) {
                        throw fail("patternProperties", c.patternProperties[i].2, "the pattern also matches the declared property \(clash)")
                    }
                    if !valueFalse { extras.append(pair(quoted(re.expression(search: true, encoding: spelling.encoding)), .rule(try ruleFor(subs)))) }
                }
                if !additionalFalse {
                    guard res.count == 1, excluded.isEmpty, let comp = res[0].searchComplement(encoding: spelling.encoding) else {
                        throw fail("patternProperties", ptr,
                                   "patternProperties alongside additionalProperties other than false, with a pattern whose complement is not built")
                    }
                    extras.append(pair(quoted(comp), .rule(try ruleFor(additionalSubs ?? []))))
                }
            }
        }
        if !c.patternProperties.isEmpty && !(patternsTrivial && !additionalFalse && additionalTrivial) {
            if namesConstraint != nil { throw fail("propertyNames", c.propertyNames[0].pointer, "propertyNames alongside patternProperties") }
            do {
                try patternExtras(&extras)
            } catch let e as JSONSchemaGrammarError where e.keyword == "patternProperties" {
                // Keys split by which patterns they match, through the patterns' automata.
                guard let split = try keysSplitByPatterns(c, excluded: excluded, additional: additionalFalse ? nil : (additionalSubs ?? [])) else { throw e }
                extras = split
            }
        } else if !additionalFalse {
            if let pn = namesConstraint {
                guard pn.types.map({ $0.contains("string") }) ?? true else { return try layout(c, present, extras: []) }
                var keyConstraints = pn
                keyConstraints.types = ["string"]
                keyConstraints.excludedStrings += excluded
                if !excluded.isEmpty && keyConstraints.hasKeyword(forType: "string") {
                    throw fail("propertyNames", c.propertyNames[0].pointer, "propertyNames constraints on keys besides declared properties")
                }
                let key = try compile(keyConstraints)
                extras.append(pair(key, .rule(try ruleFor(additionalSubs ?? []))))
            } else {
                extras.append(pair(otherKey(excluding: excluded), .rule(try ruleFor(additionalSubs ?? []))))
            }
        }
        return try layout(c, present, extras: extras)
    }

    /// Other keys of an object with patternProperties, split by which patterns they match: for
    /// each set of patterns, the keys matching exactly those (and no declared name) take all of
    /// their schemas, and keys matching none take `additional` (nil: additionalProperties false).
    /// nil when there are over 4 patterns or an automaton grows past its limits.
    func keysSplitByPatterns(_ c: Constraints, excluded: [String], additional: [SubSchema]?) throws -> [GrammarExpr]? {
        let k = c.patternProperties.count
        guard k <= 4 else { return nil }
        var automata: [RegexAutomaton] = []
        for (pat, _, ptr) in c.patternProperties {
            guard let a = RegexAutomaton(try regex(pat, ptr), search: true) else { return nil }
            automata.append(a)
        }
        var undeclared: RegexAutomaton? = nil
        if !excluded.isEmpty {
            guard let a = RegexAutomaton(literals: excluded)?.complemented() else { return nil }
            undeclared = a
        }
        var out: [GrammarExpr] = []
        for mask in 0..<(1 << k) {
            var subs: [SubSchema] = []
            var region = undeclared
            for i in 0..<k {
                let matches = mask & (1 << i) != 0
                if matches { subs += c.patternProperties[i].1 }
                let a = matches ? automata[i] : automata[i].complemented()
                guard let r = region.map({ $0.intersected(with: a) }) ?? a else { return nil }
                region = r
            }
            if mask == 0 {
                guard let additional else { continue }
                subs = additional
            }
            if try conjunctionIsFalse(subs) { continue }
            guard let region, let key = region.lengthBounded(minLength: 0, maxLength: nil, encoding: spelling.encoding, rules: &rules) else { return nil }
            if key == .nothing { continue }
            out.append(pair(quoted(key), .rule(try ruleFor(subs))))
        }
        return out
    }

    /// `key ws : ws value`
    private func pair(_ key: GrammarExpr, _ value: GrammarExpr) -> GrammarExpr {
        .sequence([key, ws, .literal(":"), ws, value])
    }

    private func layout(_ c: Constraints, _ present: [(name: String, value: GrammarExpr, required: Bool)], extras: [GrammarExpr]) throws -> GrammarExpr {
        let n = present.count
        let props = present.map { pair(keyLiteral($0.name), $0.value) }
        // Other keys go in one rule: every layout state refers to it, so copying the expression
        // (a trie of the declared names) into each state would make the grammar quadratic.
        var extra: GrammarExpr? = nil
        if !extras.isEmpty {
            rules.append(GrammarRule(name: "other_property", body: extras.count == 1 ? extras[0] : .choice(extras)))
            extra = .rule(rules.count - 1)
        }
        let comma = GrammarExpr.sequence([ws, .literal(","), ws])
        let close = GrammarExpr.sequence([ws, .literal("}")])
        let requiredCount = present.filter(\.required).count
        let needCount = c.minProperties > requiredCount || (c.maxProperties.map { $0 < n || extra != nil } ?? false)
        if options.propertyOrder == .any && n > 1 && n <= JSONSchemaGrammar.maxAnyOrderProperties {
            if needCount && extra != nil {
                throw fail(c.maxProperties != nil ? "maxProperties" : "minProperties", c.propertiesCountPointer,
                           "property counts with additional properties allowed, in any order")
            }
            return try anyOrderLayout(c, present, props: props, extra: extra, comma: comma, close: close)
        }
        if needCount {
            // Count properties written (saturating at minProperties when there is no maximum).
            let cap = c.maxProperties ?? c.minProperties
            let maxK = c.maxProperties == nil ? cap : min(cap, n + (extra == nil ? 0 : cap))
            if c.minProperties > maxK { return .nothing }
            guard (n + 1) * (maxK + 1) <= 20_000 else {
                throw fail("maxProperties", c.propertiesCountPointer, "too many properties to count")
            }
            let base = rules.count
            func idx(_ i: Int, _ k: Int) -> Int { base + i * (maxK + 1) + k }
            func next(_ k: Int) -> Int? {
                if k + 1 <= maxK { return k + 1 }
                return c.maxProperties == nil ? maxK : nil
            }
            for _ in 0...n { for _ in 0...maxK { rules.append(GrammarRule(name: "props", body: .nothing)) } }
            for i in 0...n {
                for k in 0...maxK {
                    var alts: [GrammarExpr] = []
                    // k > 0 also means "something was written" (maxK ≥ 1 whenever counting matters).
                    let sep: GrammarExpr = k > 0 ? comma : .empty
                    if let extra, let k2 = next(k) { alts.append(.sequence([sep, extra, .rule(idx(i, k2))])) }
                    if i == n {
                        if k >= c.minProperties { alts.append(close) }
                    } else {
                        if let k2 = next(k) { alts.append(.sequence([sep, props[i], .rule(idx(i + 1, k2))])) }
                        if !present[i].required { alts.append(.rule(idx(i + 1, k))) }
                    }
                    rules[idx(i, k)].body = .choice(alts)
                }
            }
            return .sequence([.literal("{"), ws, .rule(idx(0, 0))])
        }
        // S(i, f): properties from i on, f = something was written already.
        let base = rules.count
        for _ in 0...n { rules.append(GrammarRule(name: "props", body: .nothing)); rules.append(GrammarRule(name: "props", body: .nothing)) }
        func idx(_ i: Int, _ f: Int) -> Int { base + 2 * i + f }
        for i in 0...n {
            for f in 0...1 {
                let sep: GrammarExpr = f == 1 ? comma : .empty
                var alts: [GrammarExpr] = []
                if let extra { alts.append(.sequence([sep, extra, .rule(idx(i, 1))])) }
                if i == n {
                    alts.append(close)
                } else {
                    alts.append(.sequence([sep, props[i], .rule(idx(i + 1, 1))]))
                    if !present[i].required { alts.append(.rule(idx(i + 1, f))) }
                }
                rules[idx(i, f)].body = alts.count == 1 ? alts[0] : .choice(alts)
            }
        }
        return .sequence([.literal("{"), ws, .rule(idx(0, 0))])
    }

    /// Declared properties in any order: one rule per set of properties written so far.
    private func anyOrderLayout(_ c: Constraints, _ present: [(name: String, value: GrammarExpr, required: Bool)], props: [GrammarExpr],
                                extra: GrammarExpr?, comma: GrammarExpr, close: GrammarExpr) throws -> GrammarExpr {
        let n = present.count
        let masks = 1 << n
        let base = rules.count
        // Rule (mask, f): f = something written (only differs from mask != 0 when extras exist).
        for _ in 0..<(2 * masks) { rules.append(GrammarRule(name: "props_any", body: .nothing)) }
        func idx(_ m: Int, _ f: Int) -> Int { base + 2 * m + f }
        var requiredMask = 0
        for (i, p) in present.enumerated() where p.required { requiredMask |= 1 << i }
        for m in 0..<masks {
            let count = m.nonzeroBitCount
            for f in 0...1 {
                if f == 0 && m != 0 { continue }
                let sep: GrammarExpr = f == 1 ? comma : .empty
                var alts: [GrammarExpr] = []
                if let extra { alts.append(.sequence([sep, extra, .rule(idx(m, 1))])) }
                if m & requiredMask == requiredMask && count >= c.minProperties && (c.maxProperties.map { count <= $0 } ?? true) {
                    alts.append(close)
                }
                if c.maxProperties.map({ count < $0 }) ?? true {
                    for i in 0..<n where m & (1 << i) == 0 { alts.append(.sequence([sep, props[i], .rule(idx(m | (1 << i), 1))])) }
                }
                rules[idx(m, f)].body = .choice(alts)
            }
        }
        return .sequence([.literal("{"), ws, .rule(idx(0, 0))])
    }

    func conjunctionIsFalse(_ subs: [SubSchema]) throws -> Bool {
        for s in subs { if case .bool(false) = s.value { return true } }
        return false
    }

    func conjunctionIsTrue(_ subs: [SubSchema]) throws -> Bool {
        subs.allSatisfy { s in
            if case .bool(true) = s.value { return true }
            if case .object(let o) = s.value { return o.keys.allSatisfy { annotationKeywords2.contains($0) } }
            return false
        }
    }

    // MARK: arrays

    func compileArray(_ c: Constraints) throws -> GrammarExpr {
        let prefix = c.prefixItems ?? []
        let restFalse = try c.items.map { try conjunctionIsFalse($0) } ?? false
        let comma = GrammarExpr.sequence([ws, .literal(","), ws])
        let open = GrammarExpr.sequence([.literal("["), ws])
        let close = GrammarExpr.sequence([ws, .literal("]")])
        var minItems = c.minItems
        var maxItems = c.maxItems
        if restFalse { maxItems = min(maxItems ?? prefix.count, prefix.count) }
        if let m = maxItems, m < minItems { return .nothing }
        func element(_ subs: [SubSchema]) throws -> GrammarExpr { .rule(try ruleFor(subs)) }
        if !c.contains.isEmpty {
            guard c.contains.count == 1, prefix.isEmpty, c.uniqueItems == nil, maxItems == nil else {
                throw fail("contains", c.containsPointer, "contains alongside prefixItems, uniqueItems, maxItems or another contains")
            }
            let item = c.items ?? []
            let hit = try element(item + c.contains)
            let any = try element(item)
            minItems = max(minItems, 1)
            // [ (I ,)* (I∧C) (, I)* ] with at least minItems elements.
            if minItems > 1 {
                throw fail("contains", c.containsPointer, "contains alongside minItems over 1")
            }
            return .sequence([open, .repeat(.sequence([any, comma]), min: 0, max: nil), hit, .repeat(.sequence([comma, any]), min: 0, max: nil), close])
        }
        if let up = c.uniqueItems, (maxItems ?? 2) > 1 {
            return try uniqueArray(c, pointer: up, minItems: minItems, maxItems: maxItems, open: open, close: close, comma: comma)
        }
        let rest = try element(c.items ?? [])
        // T(j): elements from index j on.
        func tail(_ j: Int) throws -> GrammarExpr {
            var alts: [GrammarExpr] = []
            if j >= minItems { alts.append(close) }
            if let m = maxItems, j >= m { return alts.isEmpty ? .nothing : alts[0] }
            let sep: GrammarExpr = j == 0 ? .empty : comma
            if j < prefix.count {
                if try conjunctionIsFalse(prefix[j]) { return alts.isEmpty ? .nothing : alts[0] }
                alts.append(.sequence([sep, try element(prefix[j]), try tail(j + 1)]))
                return alts.count == 1 ? alts[0] : .choice(alts)
            }
            if restFalse { return alts.isEmpty ? .nothing : alts[0] }
            // Past the prefix: k more elements, each with its comma.
            let need = max(0, minItems - j)
            let room = maxItems.map { $0 - j }
            if j == 0 {
                let more = GrammarExpr.repeat(.sequence([comma, rest]), min: max(0, need - 1), max: room.map { $0 - 1 })
                let nonEmpty = GrammarExpr.sequence([rest, more, close])
                return need == 0 ? .choice([close, nonEmpty]) : nonEmpty
            }
            return .sequence([.repeat(.sequence([comma, rest]), min: need, max: room), close])
        }
        return .sequence([open, try tail(0)])
    }

    /// uniqueItems over a small finite domain: one rule per set of values used so far.
    private func uniqueArray(_ c: Constraints, pointer: String, minItems: Int, maxItems: Int?, open: GrammarExpr, close: GrammarExpr,
                             comma: GrammarExpr) throws -> GrammarExpr {
        guard c.prefixItems == nil else { throw fail("uniqueItems", pointer, "uniqueItems with prefixItems") }
        var item = Constraints()
        for s in c.items ?? [] { item = try merge(item, parse(s)) }
        var domain: [JSONValue]
        if let e = item.enumValues { domain = e } else if item.types == ["boolean"] { domain = [.bool(false), .bool(true)] }
        else if item.types == ["null"] { domain = [.null] }
        else { throw fail("uniqueItems", pointer, "uniqueItems is enforced only for items drawn from a few constants") }
        var base = item
        base.enumValues = nil
        domain = try domain.filter { try valueSatisfies($0, base) }
        guard domain.count <= 8 else { throw fail("uniqueItems", pointer, "uniqueItems over more than 8 constants") }
        let n = domain.count
        let lits = domain.map { literal($0) }
        let masks = 1 << n
        let ruleBase = rules.count
        for _ in 0..<masks { rules.append(GrammarRule(name: "unique", body: .nothing)) }
        for m in 0..<masks {
            let k = m.nonzeroBitCount
            var alts: [GrammarExpr] = []
            if k >= minItems { alts.append(close) }
            if maxItems.map({ k < $0 }) ?? true {
                for i in 0..<n where m & (1 << i) == 0 {
                    alts.append(.sequence([k == 0 ? .empty : comma, lits[i], .rule(ruleBase + (m | (1 << i)))]))
                }
            }
            rules[ruleBase + m].body = .choice(alts)
        }
        return .sequence([open, .rule(ruleBase)])
    }

    // MARK: direct value checks

    /// Whether `v` satisfies `c` (used on enum values and for disjointness). Throws where the
    /// check needs a keyword it cannot evaluate.
    func valueSatisfies(_ v: JSONValue, _ c: Constraints) throws -> Bool {
        if c.isFalse { return false }
        if let e = c.enumValues, !e.contains(where: { sameJSON($0, v) }) { return false }
        if let ts = c.types {
            let ok = ts.contains { t in
                switch t {
                case "integer":
                    if case .integer = v { return true }
                    if case .number(let d, _) = v { return d.rounded() == d }
                    return false
                case "number": if case .integer = v { return true }; if case .number = v { return true }; return false
                default: return v.typeName == t
                }
            }
            if !ok { return false }
        }
        switch v {
        case .string(let s):
            let n = s.unicodeScalars.count
            if n < c.minLength || (c.maxLength.map { n > $0 } ?? false) { return false }
            for (p, ptr) in c.patterns where !(try regex(p, ptr).matches(s, search: true)) { return false }
            for (f, _) in c.formats where !FormatChecks.check(f, s) { return false }
            if c.excludedStrings.contains(s) { return false }
        case .integer, .number:
            let d = v.doubleValue!
            if let (b, excl, _) = c.lower, let x = b.doubleValue, excl ? !(d > x) : !(d >= x) { return false }
            if let (b, excl, _) = c.upper, let x = b.doubleValue, excl ? !(d < x) : !(d <= x) { return false }
            for (m, _) in c.multipleOf where !isMultiple(v, m) { return false }
        case .object(let o):
            for r in c.required where !o.contains(r) { return false }
            for f in c.forbidden where o.contains(f) { return false }
            if o.count < c.minProperties || (c.maxProperties.map { o.count > $0 } ?? false) { return false }
            for (k, x) in o {
                var subs: [SubSchema] = []
                var matched = false
                if let (_, s) = c.properties.first(where: { $0.0 == k }) { subs += s; matched = true }
                for (pat, s, ptr) in c.patternProperties where try regex(pat, ptr).matches(k, search: true) { subs += s; matched = true }
                if !matched, let a = c.additional { subs += a }
                if !(try valueSatisfiesAll(x, subs)) { return false }
                if !c.propertyNames.isEmpty, !(try valueSatisfiesAll(.string(k), c.propertyNames)) { return false }
            }
        case .array(let a):
            if a.count < c.minItems || (c.maxItems.map { a.count > $0 } ?? false) { return false }
            for (i, x) in a.enumerated() {
                if let p = c.prefixItems, i < p.count { if !(try valueSatisfiesAll(x, p[i])) { return false } }
                else if let it = c.items { if !(try valueSatisfiesAll(x, it)) { return false } }
            }
            if c.uniqueItems != nil {
                for i in a.indices { for j in a.indices where j > i && sameJSON(a[i], a[j]) { return false } }
            }
            for s in c.contains where !(try a.contains { try valueSatisfiesAll($0, [s]) }) { return false }
        default: break
        }
        for d in c.disjunctions {
            var hits = 0
            for b in d.branches where try valueSatisfiesAll(v, [b]) { hits += 1 }
            if d.exclusive ? hits != 1 : hits == 0 { return false }
        }
        for n in c.nots where try valueSatisfiesAll(v, [n]) { return false }
        return true
    }

    func valueSatisfiesAll(_ v: JSONValue, _ subs: [SubSchema]) throws -> Bool {
        checkDepth += 1
        defer { checkDepth -= 1 }
        if checkDepth > 100 { throw fail("$ref", subs.first?.pointer ?? "", "value check recursion too deep") }
        var c = Constraints()
        for s in subs { c = try merge(c, parse(s)) }
        return try valueSatisfies(v, c)
    }

    private func isMultiple(_ v: JSONValue, _ m: JSONValue) -> Bool {
        if let a = v.int64Value, let b = m.int64Value, b != 0, case .integer = v { return a % b == 0 }
        guard let x = Decimal(string: v.jsonString()), let y = Decimal(string: m.jsonString()), y != 0 else { return false }
        var q = x / y
        var r = Decimal()
        NSDecimalRound(&r, &q, 0, .plain)
        return r == q
    }
}

/// Keywords that carry no assertion (for "is this schema trivially true").
let annotationKeywords2: Set<String> = [
    "$schema", "$id", "id", "$anchor", "$comment", "$defs", "definitions", "title", "description", "default",
    "examples", "example", "deprecated", "readOnly", "writeOnly",
]
