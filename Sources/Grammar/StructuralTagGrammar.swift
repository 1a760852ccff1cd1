import Schema

/// xgrammar's structural tags (`{"type":"structural_tag","format":{…}}`) compiled to the grammar IR.
///
/// Formats: `const_string`, `json_schema` (style `json`, `gemma` (see `GemmaStyle`, with the
/// toolshell extension `string_delimiter`), an XML style of `XMLParameterStyle`, a recursive
/// one of `NestedXMLStyle` (`minimax_m3_xml`, `cohere_xml`), or toolshell's `xml` with the
/// parameter markers as data in `xml_markers`; `any_order`; `max_whitespace_cnt` bounds
/// whitespace runs in its JSON, else `schemaOptions` decide),
/// `qwen_xml_parameter`, `regex`, `grammar` (GBNF), `any_text` (with `excludes`), `sequence`,
/// `or`, `optional`, `plus`, `star`, `repeat`, `tag` (one end or a list), `triggered_tags`,
/// `tags_with_separator`. Free text ends at the first occurrence of what may end it (the
/// enclosing tag's end, a trigger, an exclude), so text never contains those strings. Marker
/// text that is a special token of the vocabulary becomes `.specialToken`.
public enum StructuralTagGrammar {
    /// Compiles a structural tag. `specialTokens` holds the texts of the vocabulary's special
    /// tokens; any occurrence of one inside a marker (begin, end, trigger, separator, constant)
    /// must be that single token.
    public static func compile(_ json: JSONValue, specialTokens: Set<String> = [],
                               schemaOptions: JSONSchemaGrammarOptions = .init()) throws -> Grammar {
        var c = StructuralTagCompiler(specialTokens: specialTokens, schemaOptions: schemaOptions)
        let format: JSONValue
        if json["type"]?.stringValue == "structural_tag" {
            guard let f = json["format"] else { throw StructuralTagError(path: "", message: "a structural tag needs a \"format\"") }
            format = f
        } else {
            format = json
        }
        let body = try c.compile(format, path: "/format", terminators: [])
        c.rules.append(GrammarRule(name: "root", body: body))
        let g = Grammar(rules: c.rules, root: c.rules.count - 1)
        try g.validate()
        return g
    }
}

/// A structural tag that cannot be compiled: where (JSON pointer) and why.
public struct StructuralTagError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let message: String
    public init(path: String, message: String) { self.path = path; self.message = message }
    public var description: String { "structural tag \(path.isEmpty ? "(root)" : path): \(message)" }
}

struct StructuralTagCompiler {
    let specialTokens: Set<String>
    let schemaOptions: JSONSchemaGrammarOptions
    var rules: [GrammarRule] = []
    var depth = 0

    init(specialTokens: Set<String>, schemaOptions: JSONSchemaGrammarOptions) {
        self.specialTokens = specialTokens
        self.schemaOptions = schemaOptions
    }

    /// A marker split into literal text and special tokens (longest special token first at each position).
    enum Piece: Equatable { case text(String), special(String) }
    func pieces(_ s: String) -> [Piece] {
        if specialTokens.isEmpty { return s.isEmpty ? [] : [.text(s)] }
        let scalars = Array(s.unicodeScalars)
        var out: [Piece] = []
        var buf = String.UnicodeScalarView()
        var i = 0
        let sorted = specialTokens.filter { !$0.isEmpty }.sorted { $0.unicodeScalars.count > $1.unicodeScalars.count }
        while i < scalars.count {
            var hit: String? = nil
            for t in sorted {
                let ts = Array(t.unicodeScalars)
                if i + ts.count <= scalars.count && Array(scalars[i..<(i + ts.count)]) == ts { hit = t; break }
            }
            if let hit {
                if !buf.isEmpty { out.append(.text(String(buf))); buf = String.UnicodeScalarView() }
                out.append(.special(hit))
                i += hit.unicodeScalars.count
            } else {
                buf.append(scalars[i]); i += 1
            }
        }
        if !buf.isEmpty { out.append(.text(String(buf))) }
        return out
    }

    func markerExpr(_ s: String) -> GrammarExpr {
        let ps = pieces(s).map { p -> GrammarExpr in
            switch p {
            case .text(let t): return .literal(t)
            case .special(let t): return .specialToken(t)
            }
        }
        return ps.isEmpty ? .empty : ps.count == 1 ? ps[0] : .sequence(ps)
    }

    /// The text part of a marker before its first special token (what free text must avoid).
    func leadingText(_ s: String) -> String? {
        guard case .text(let t)? = pieces(s).first else { return nil }
        return t
    }

    /// Appends `other` with its rule references renumbered; returns the index its rule 0 gets.
    mutating func appendRules(_ other: [GrammarRule]) -> Int {
        let offset = rules.count
        func shift(_ e: GrammarExpr) -> GrammarExpr {
            switch e {
            case .rule(let i): return .rule(i + offset)
            case .sequence(let xs): return .sequence(xs.map(shift))
            case .choice(let xs): return .choice(xs.map(shift))
            case let .repeat(x, lo, hi): return .repeat(shift(x), min: lo, max: hi)
            default: return e
            }
        }
        for r in other { rules.append(GrammarRule(name: r.name, body: shift(r.body))) }
        return offset
    }

    /// `g` as a reference to its root, its rules appended.
    mutating func embed(_ g: Grammar) -> GrammarExpr { .rule(g.root + appendRules(g.rules)) }

    func err(_ path: String, _ m: String) -> StructuralTagError { StructuralTagError(path: path, message: m) }

    func string(_ f: JSONValue, _ key: String, _ path: String) throws -> String {
        guard let s = f[key]?.stringValue else { throw err(path, "\"\(key)\" must be a string") }
        return s
    }

    /// `terminators`: strings that end the enclosing tag (free text stops at their first occurrence).
    /// The result always ends with one of `terminators` when there are any: free text stops at
    /// (and reads) the first one, other formats are followed by them.
    mutating func compile(_ f: JSONValue, path: String, terminators: [String]) throws -> GrammarExpr {
        let e = try compileFormat(f, path: path, terminators: terminators)
        if terminators.isEmpty || Self.readsItsEnd(f) { return e }
        return .sequence([e, .choice(terminators.map { markerExpr($0) })])
    }

    /// Whether `compileFormat` already ends `f` with the enclosing end: free text does, and so do
    /// a sequence (through its last element) and a choice (through each branch).
    static func readsItsEnd(_ f: JSONValue) -> Bool {
        switch f["type"]?.stringValue {
        case "any_text", "triggered_tags", "or": return true
        case "sequence": return !(f["elements"]?.arrayValue?.isEmpty ?? true)
        default: return false
        }
    }

    private mutating func compileFormat(_ f: JSONValue, path: String, terminators: [String]) throws -> GrammarExpr {
        depth += 1
        defer { depth -= 1 }
        if depth > 100 { throw err(path, "formats nested deeper than 100") }
        guard case .object = f, let type = f["type"]?.stringValue else { throw err(path, "a format must be an object with a \"type\"") }
        switch type {
        case "const_string":
            return markerExpr(try string(f, "value", path))
        case "json_schema", "qwen_xml_parameter":
            guard let schema = f["json_schema"] else { throw err(path, "\"json_schema\" is missing") }
            var options = schemaOptions
            if f["any_order"]?.boolValue == true { options.propertyOrder = .any }
            if let count = f["max_whitespace_cnt"], count != .null {
                // xgrammar's bound on whitespace runs in this content (0: none at all).
                guard let n = count.int64Value, (0...1000).contains(n) else {
                    throw err(path + "/max_whitespace_cnt", "max_whitespace_cnt must be an integer from 0 to 1000 (or null)")
                }
                options.whitespace = n == 0 ? .compact : .flexible(maxRun: Int(n))
            }
            if let excluded = f["excludes"], excluded != .null, excluded.arrayValue?.isEmpty != true {
                // xgrammar keeps these texts out of the content's strings; this compiler does not
                // enforce that, and a constraint is never silently dropped.
                throw err(path + "/excludes", "excludes inside json_schema content is not supported; drop it, or forbid the texts "
                          + "with a pattern on the string properties")
            }
            let style = type == "qwen_xml_parameter" ? "qwen_xml" : (f["style"]?.stringValue ?? "json")
            if f[GemmaStyle.delimiterField] != nil && style != GemmaStyle.name {
                throw err(path + "/" + GemmaStyle.delimiterField, "a string delimiter applies to the gemma style only; add \"style\": \"gemma\" or remove it")
            }
            do {
                if style == "json" { return embed(try JSONSchemaGrammar.compile(schema, options: options)) }
                if style == GemmaStyle.name { return try gemmaArguments(schema, format: f, options: options, path: path) }
                if f["xml_markers"] != nil && style != "xml" {
                    throw err(path + "/xml_markers", "markers are read only with \"style\": \"xml\"; set that style or drop them")
                }
                if let nested = NestedXMLStyle.all[style], type == "json_schema" {
                    return try nestedXMLParameters(schema, style: nested, options: options, path: path)
                }
                if style == "xml" && type == "json_schema" {
                    return try xmlParameters(schema, style: try XMLParameterStyle.markers(f["xml_markers"], path: path + "/xml_markers"),
                                             options: options, path: path)
                }
                guard let xml = XMLParameterStyle.all[style] else {
                    throw err(path + "/style", "json_schema style \(style) is not supported; use json, gemma, "
                              + (Array(XMLParameterStyle.all.keys) + Array(NestedXMLStyle.all.keys)).sorted().joined(separator: ", ") + ", or xml with \"xml_markers\"")
                }
                return try xmlParameters(schema, style: xml, options: options, path: path)
            } catch let e as JSONSchemaGrammarError {
                throw err(path + "/json_schema" + e.pointer, e.description)
            }
        case "regex":
            do { return embed(try RegexGrammar.compile(try string(f, "pattern", path))) } catch let e as RegexGrammarError {
                throw err(path + "/pattern", e.description)
            }
        case "grammar":
            do { return embed(try GBNF.parse(try string(f, "grammar", path))) } catch let e as GBNFError {
                throw err(path + "/grammar", e.description)
            }
        case "any_text":
            var excludes: [String] = []
            for x in f["excludes"]?.arrayValue ?? [] {
                guard let s = x.stringValue else { throw err(path + "/excludes", "must hold strings") }
                excludes.append(s)
            }
            if f["max_tokens"] != nil && !(f["max_tokens"]!.isNull) { throw err(path + "/max_tokens", "token budgets are not supported") }
            if let mc = f["max_chars"], !mc.isNull { throw err(path + "/max_chars", "character budgets are not supported") }
            return freeText(avoid: excludes, terminators: terminators, tags: [], canEnd: terminators.isEmpty, mode: .plain)
        case "sequence":
            guard let xs = f["elements"]?.arrayValue else { throw err(path, "\"elements\" must be an array") }
            var parts: [GrammarExpr] = []
            for (i, x) in xs.enumerated() {
                // Only the last element meets the enclosing end.
                parts.append(try compile(x, path: path + "/elements/\(i)", terminators: i == xs.count - 1 ? terminators : []))
            }
            return parts.isEmpty ? .empty : .sequence(parts)
        case "or":
            guard let xs = f["elements"]?.arrayValue, !xs.isEmpty else { throw err(path, "\"elements\" must be a non-empty array") }
            return .choice(try xs.enumerated().map { try compile($1, path: path + "/elements/\($0)", terminators: terminators) })
        case "optional", "plus", "star", "repeat":
            guard let content = f["content"] else { throw err(path, "\"content\" is missing") }
            let inner = try compile(content, path: path + "/content", terminators: [])
            switch type {
            case "optional": return .repeat(inner, min: 0, max: 1)
            case "plus": return .repeat(inner, min: 1, max: nil)
            case "star": return .repeat(inner, min: 0, max: nil)
            default:
                guard let lo = f["min"]?.int64Value, let hi = f["max"]?.int64Value, lo >= 0, hi >= -1, lo <= 100_000, hi <= 100_000,
                      hi == -1 || hi >= lo else { throw err(path, "\"min\" and \"max\" must be counts with min ≤ max (max -1: unbounded)") }
                return .repeat(inner, min: Int(lo), max: hi == -1 ? nil : Int(hi))
            }
        case "tag":
            return try tag(f, path: path)
        case "triggered_tags":
            return try triggeredTags(f, path: path, terminators: terminators)
        case "tags_with_separator":
            guard let ts = f["tags"]?.arrayValue, !ts.isEmpty else { throw err(path, "\"tags\" must be a non-empty array") }
            let sep = markerExpr(try string(f, "separator", path))
            let tags = GrammarExpr.choice(try ts.enumerated().map { try tag($1, path: path + "/tags/\($0)") })
            let atLeastOne = f["at_least_one"]?.boolValue ?? false
            let stop = f["stop_after_first"]?.boolValue ?? false
            let body: GrammarExpr = stop ? tags : .sequence([tags, .repeat(.sequence([sep, tags]), min: 0, max: nil)])
            return atLeastOne ? body : .repeat(body, min: 0, max: 1)
        default:
            throw err(path, "format type \(type) is not supported")
        }
    }

    mutating func tag(_ f: JSONValue, path: String) throws -> GrammarExpr {
        guard f["type"] == nil || f["type"]?.stringValue == "tag" else { throw err(path, "expected a tag") }
        let begin = try string(f, "begin", path)
        var ends: [String] = []
        if let e = f["end"]?.stringValue { ends = [e] } else if let a = f["end"]?.arrayValue, !a.isEmpty {
            for x in a { guard let s = x.stringValue else { throw err(path + "/end", "must hold strings") }; ends.append(s) }
        } else { throw err(path, "\"end\" must be a string or a list of strings") }
        guard let content = f["content"] else { throw err(path, "\"content\" is missing") }
        // The content ends with one of the ends (see `compile`).
        return .sequence([markerExpr(begin), try compile(content, path: path + "/content", terminators: ends)])
    }

    mutating func triggeredTags(_ f: JSONValue, path: String, terminators: [String]) throws -> GrammarExpr {
        guard let trs = f["triggers"]?.arrayValue, !trs.isEmpty else { throw err(path, "\"triggers\" must be a non-empty array") }
        let triggers = try trs.map { x -> String in guard let s = x.stringValue, !s.isEmpty else { throw err(path + "/triggers", "must hold non-empty strings") }; return s }
        guard let ts = f["tags"]?.arrayValue, !ts.isEmpty else { throw err(path, "\"tags\" must be a non-empty array") }
        var tags: [(begin: String, expr: GrammarExpr)] = []
        for (i, t) in ts.enumerated() {
            let begin = try string(t, "begin", path + "/tags/\(i)")
            guard triggers.contains(where: { begin.hasPrefix($0) }) else {
                throw err(path + "/tags/\(i)/begin", "the begin \(begin.debugDescription) starts with none of the triggers")
            }
            tags.append((begin, try tag(t, path: path + "/tags/\(i)")))
        }
        var excludes: [String] = []
        for x in f["excludes"]?.arrayValue ?? [] {
            guard let s = x.stringValue else { throw err(path + "/excludes", "must hold strings") }
            excludes.append(s)
        }
        let atLeastOne = f["at_least_one"]?.boolValue ?? false
        let stop = f["stop_after_first"]?.boolValue ?? false
        let avoid = triggers + excludes
        if atLeastOne {
            let first = GrammarExpr.choice(tags.map(\.expr))
            if stop { return .sequence([first, terminators.isEmpty ? .empty : .choice(terminators.map { markerExpr($0) })]) }
            return .sequence([first, freeText(avoid: avoid, terminators: terminators, tags: tags, canEnd: terminators.isEmpty, mode: .loop)])
        }
        return freeText(avoid: avoid, terminators: terminators, tags: tags, canEnd: terminators.isEmpty, mode: stop ? .stopAfterTag : .loop)
    }

    enum TextMode { case plain, loop, stopAfterTag }

    /// Free text that never contains any of `avoid` (first-occurrence semantics, Aho–Corasick
    /// over code points). It may end where the output ends (`canEnd`), or with one of
    /// `terminators` (the enclosing tag's ends) where that end's first occurrence starts; each tag
    /// may start where its begin's trigger is the first occurrence. `.loop`: text resumes after a
    /// tag; `.stopAfterTag`: only the end follows the first tag.
    mutating func freeText(avoid: [String], terminators: [String], tags: [(begin: String, expr: GrammarExpr)], canEnd: Bool,
                           mode: TextMode) -> GrammarExpr {
        let patterns = Array(Set((avoid + terminators).compactMap { leadingText($0) }.filter { !$0.isEmpty })).sorted()
        let ac = AhoCorasick(patterns.map { Array($0.unicodeScalars.map(\.value)) })
        let base = rules.count
        for _ in ac.states.indices { rules.append(GrammarRule(name: "text", body: .nothing)) }
        let endAfterTag: GrammarExpr = canEnd ? .empty : .choice(terminators.map { markerExpr($0) })
        for s in ac.states.indices where !ac.states[s].terminal {
            var alts: [GrammarExpr] = canEnd ? [.empty] : []
            for t in terminators where firstOccurrenceStartsAt(ac, state: s, marker: t) { alts.append(markerExpr(t)) }
            for tg in tags where firstOccurrenceStartsAt(ac, state: s, marker: tg.begin) {
                switch mode {
                case .plain: break
                case .loop: alts.append(.sequence([tg.expr, .rule(base)]))
                case .stopAfterTag: alts.append(.sequence([tg.expr, endAfterTag]))
                }
            }
            var byTarget: [Int: [ClosedRange<UInt32>]] = [:]
            for (c, t) in ac.transitions(from: s) { byTarget[t, default: []].append(c...c) }
            byTarget[0, default: []] += UTF8Ranges.complement(ac.alphabet.map { $0...$0 })
            for (t, ranges) in byTarget.sorted(by: { $0.key < $1.key }) where !ac.states[t].terminal {
                let norm = UTF8Ranges.normalize(ranges)
                if norm.isEmpty { continue }
                alts.append(.sequence([UTF8Ranges.expr(norm), .rule(base + t)]))
            }
            rules[base + s].body = .choice(alts)
        }
        return .rule(base)
    }

    /// Feeding `marker` from `state`: the first occurrence of any avoided pattern starts exactly at
    /// the marker's start (so the marker is where the text stops). Markers starting with a special
    /// token always qualify (text never holds special tokens).
    private func firstOccurrenceStartsAt(_ ac: AhoCorasick, state: Int, marker: String) -> Bool {
        guard let text = leadingText(marker) else { return true }
        let cps = text.unicodeScalars.map(\.value)
        let depth = ac.states[state].depth
        var s = state
        for (i, c) in cps.enumerated() {
            s = ac.next(s, c)
            if ac.states[s].terminal {
                // The longest pattern ending here starts at position (depth + i + 1 - len) of path+marker.
                let start = depth + i + 1 - ac.states[s].matchLength
                return start == depth
            }
        }
        // The marker's text holds no avoided pattern: only fine when the marker has a special
        // token after its text, or when it is itself not an avoided pattern (caller's markers are).
        return pieces(marker).count > 1
    }
}

/// Aho–Corasick automaton over code points.
struct AhoCorasick {
    struct State { var next: [UInt32: Int] = [:]; var fail = 0; var terminal = false; var depth = 0; var matchLength = 0 }
    var states: [State] = [State()]
    var alphabet: [UInt32] = []

    init(_ patterns: [[UInt32]]) {
        var alpha = Set<UInt32>()
        for p in patterns {
            var s = 0
            for c in p {
                alpha.insert(c)
                if let n = states[s].next[c] { s = n } else {
                    states.append(State(depth: states[s].depth + 1))
                    states[s].next[c] = states.count - 1
                    s = states.count - 1
                }
            }
            states[s].terminal = true
            states[s].matchLength = max(states[s].matchLength, p.count)
        }
        alphabet = alpha.sorted()
        // Breadth-first fail links.
        var queue: [Int] = []
        for (_, n) in states[0].next { states[n].fail = 0; queue.append(n) }
        var qi = 0
        while qi < queue.count {
            let s = queue[qi]; qi += 1
            for (c, n) in states[s].next {
                queue.append(n)
                var f = states[s].fail
                while f != 0 && states[f].next[c] == nil { f = states[f].fail }
                let target = states[f].next[c] ?? 0
                states[n].fail = target == n ? 0 : target
                if states[states[n].fail].terminal {
                    states[n].terminal = true
                    if states[n].matchLength == 0 { states[n].matchLength = states[states[n].fail].matchLength }
                }
            }
        }
    }

    func next(_ s: Int, _ c: UInt32) -> Int {
        var cur = s
        while true {
            if let n = states[cur].next[c] { return n }
            if cur == 0 { return 0 }
            cur = states[cur].fail
        }
    }

    /// Transitions for every alphabet code point (others go to the root).
    func transitions(from s: Int) -> [(UInt32, Int)] { alphabet.map { ($0, next(s, $0)) } }
}
