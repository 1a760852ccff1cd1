/// llama.cpp's GBNF grammar format → grammar IR.
///
/// `name ::= alternatives` rules (one per line; inside parentheses a rule may span lines, and a
/// line may continue the previous rule's alternatives by starting with `|`), sequences,
/// `"literals"` and `[character classes]` (ranges, `^` negation) with escapes `\n \r \t \\ \"
/// \[ \] \- \xHH \uHHHH \UHHHHHHHH`, `.` (any character), groups, postfix `* + ? {m} {m,}
/// {m,n}`, `#` comments, rule references, and `<token>` for a special token by its text. The
/// start rule is `root`. Characters are Unicode code points, matched as UTF-8.

/// A GBNF syntax or reference error, with its place and a fix.
public struct GBNFError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var fix: String

    public var description: String { "\(line):\(column): \(message); \(fix)" }
}

/// The GBNF parser.
public enum GBNF {
    /// Deepest nesting of parentheses accepted.
    public static let maxNesting = 200
    /// Largest repetition bound accepted.
    public static let maxRepeat = 100_000

    /// Parses GBNF text into a grammar whose root is the rule `root`.
    public static func parse(_ text: String) throws(GBNFError) -> Grammar {
        var p = GBNFParser(text)
        return try p.parseGrammar()
    }
}

private struct GBNFParser {
    let chars: [Unicode.Scalar]
    var pos = 0
    var line = 1
    var lineStart = 0
    var ruleIndex: [String: Int] = [:]
    var names: [String] = []
    var bodies: [GrammarExpr?] = []
    /// Where each rule was first referenced (for undefined-rule errors).
    var firstUse: [Int: (Int, Int)] = [:]
    var depth = 0

    init(_ text: String) { chars = Array(text.unicodeScalars) }

    var column: Int { pos - lineStart + 1 }
    var atEnd: Bool { pos >= chars.count }
    var peek: Unicode.Scalar? { pos < chars.count ? chars[pos] : nil }

    func error(_ message: String, _ fix: String, line l: Int? = nil, column c: Int? = nil) -> GBNFError {
        GBNFError(line: l ?? line, column: c ?? column, message: message, fix: fix)
    }

    mutating func advance() {
        if chars[pos] == "\n" { line += 1; lineStart = pos + 1 }
        pos += 1
    }

    /// Skips spaces, tabs, comments, and newlines when `newlines`.
    mutating func skipSpace(newlines: Bool) {
        while let c = peek {
            if c == " " || c == "\t" || c == "\r" { advance() }
            else if c == "\n" && newlines { advance() }
            else if c == "#" { while let d = peek, d != "\n" { advance() } }
            else { break }
        }
    }

    static func isNameChar(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "-" || c == "_"
    }

    mutating func parseName() -> String {
        var s = ""
        while let c = peek, Self.isNameChar(c) { s.unicodeScalars.append(c); advance() }
        return s
    }

    mutating func index(of name: String) -> Int {
        if let i = ruleIndex[name] { return i }
        ruleIndex[name] = names.count
        names.append(name)
        bodies.append(nil)
        return names.count - 1
    }

    mutating func parseGrammar() throws(GBNFError) -> Grammar {
        skipSpace(newlines: true)
        while !atEnd {
            try parseRule()
            skipSpace(newlines: true)
        }
        for (i, body) in bodies.enumerated() where body == nil {
            let (l, c) = firstUse[i] ?? (1, 1)
            throw error("rule '\(names[i])' is used but never defined", "add a line `\(names[i]) ::= …` or fix the name", line: l, column: c)
        }
        guard let root = ruleIndex["root"] else {
            throw error(names.isEmpty ? "the grammar has no rules" : "the grammar has no rule named 'root'",
                        "add a start rule `root ::= …`", line: 1, column: 1)
        }
        return Grammar(rules: zip(names, bodies).map { GrammarRule(name: $0, body: $1 ?? .empty) }, root: root)
    }

    mutating func parseRule() throws(GBNFError) {
        let (l, c) = (line, column)
        let name = parseName()
        guard !name.isEmpty else {
            let what = peek.map { "'\(Character($0))'" } ?? "the end"
            throw error("expected a rule name, found \(what)", "start each rule with `name ::= …` (names use letters, digits, - and _)")
        }
        skipSpace(newlines: false)
        guard matchString("::=") else {
            throw error("expected '::=' after the rule name '\(name)'", "write `\(name) ::= …`")
        }
        skipSpace(newlines: true)
        let i = index(of: name)
        if bodies[i] != nil {
            throw error("rule '\(name)' is defined twice", "merge the definitions into one rule with `|`", line: l, column: c)
        }
        bodies[i] = .empty  // mark defined before parsing the body (self-reference)
        let body = try parseAlternates(nested: false)
        bodies[i] = body
        skipSpace(newlines: false)
        if let ch = peek, ch != "\n" {
            throw error("unexpected '\(Character(ch))' after the rule '\(name)'", "check for an unclosed group or a missing `|`")
        }
    }

    mutating func matchString(_ s: String) -> Bool {
        let sc = Array(s.unicodeScalars)
        guard pos + sc.count <= chars.count, Array(chars[pos..<pos + sc.count]) == sc else { return false }
        for _ in sc { advance() }
        return true
    }

    mutating func parseAlternates(nested: Bool) throws(GBNFError) -> GrammarExpr {
        var alts = [try parseSequence(nested: nested)]
        while true {
            skipSpace(newlines: nested)
            if peek == "|" {
                advance()
                skipSpace(newlines: true)
                alts.append(try parseSequence(nested: nested))
                continue
            }
            if !nested && peek == "\n" {
                // A following line that starts with `|` continues the alternatives.
                let save = (pos, line, lineStart)
                skipSpace(newlines: true)
                if peek == "|" { continue }
                (pos, line, lineStart) = save
            }
            break
        }
        return alts.count == 1 ? alts[0] : .choice(alts)
    }

    mutating func parseSequence(nested: Bool) throws(GBNFError) -> GrammarExpr {
        var items: [GrammarExpr] = []
        while true {
            skipSpace(newlines: nested)
            guard let c = peek, c != "|", c != ")", c != "\n" else { break }
            var item = try parsePrimary()
            while true {
                guard let q = peek else { break }
                if q == "*" { advance(); item = .repeat(item, min: 0, max: nil) }
                else if q == "+" { advance(); item = .repeat(item, min: 1, max: nil) }
                else if q == "?" { advance(); item = .repeat(item, min: 0, max: 1) }
                else if q == "{" { item = try parseBraces(item) }
                else { break }
            }
            items.append(item)
        }
        if items.isEmpty { return .empty }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    mutating func parseNumber() -> Int? {
        var n = 0, any = false
        while let c = peek, c >= "0" && c <= "9" {
            n = min(n * 10 + Int(c.value - 48), Int(Int32.max))
            any = true
            advance()
        }
        return any ? n : nil
    }

    mutating func parseBraces(_ item: GrammarExpr) throws(GBNFError) -> GrammarExpr {
        let (l, c) = (line, column)
        advance()
        skipSpace(newlines: false)
        guard let lo = parseNumber() else {
            throw error("expected a number after '{'", "write a repetition as {m}, {m,} or {m,n}")
        }
        skipSpace(newlines: false)
        var hi: Int? = lo
        if peek == "," {
            advance()
            skipSpace(newlines: false)
            hi = parseNumber()
            skipSpace(newlines: false)
        }
        guard peek == "}" else { throw error("expected '}' to close the repetition", "write {m}, {m,} or {m,n}") }
        advance()
        if let hi, hi < lo {
            throw error("repetition {\(lo),\(hi)} has its maximum below its minimum", "swap the bounds", line: l, column: c)
        }
        if lo > GBNF.maxRepeat || (hi ?? 0) > GBNF.maxRepeat {
            throw error("repetition bound over \(GBNF.maxRepeat)", "use a smaller bound or `*`", line: l, column: c)
        }
        return .repeat(item, min: lo, max: hi)
    }

    mutating func parsePrimary() throws(GBNFError) -> GrammarExpr {
        guard let c = peek else { throw error("unexpected end of the grammar", "finish the rule") }
        switch c {
        case "\"":
            advance()
            var bytes: [UInt8] = []
            while true {
                guard let d = peek, d != "\n" else {
                    throw error("unterminated string literal", "close it with \"")
                }
                if d == "\"" { advance(); break }
                let cp = try parseChar()
                bytes += UTF8Ranges.encode(cp)
            }
            return bytes.isEmpty ? .empty : .bytes(bytes)
        case "[":
            return try parseClass()
        case ".":
            advance()
            return UTF8Ranges.expr([0...0x10FFFF])
        case "(":
            advance()
            depth += 1
            if depth > GBNF.maxNesting {
                throw error("groups nested deeper than \(GBNF.maxNesting)", "split the grammar into named rules")
            }
            skipSpace(newlines: true)
            let inner = try parseAlternates(nested: true)
            skipSpace(newlines: true)
            guard peek == ")" else { throw error("expected ')' to close the group", "add the missing ')'") }
            advance()
            depth -= 1
            return inner
        case "<":
            let (l, col) = (line, column)
            var text = ""
            while let d = peek, d != ">", d != "\n" { text.unicodeScalars.append(d); advance() }
            guard peek == ">" else { throw error("unterminated token reference", "write a special token as <token-text>", line: l, column: col) }
            advance()
            text += ">"
            if text.hasPrefix("<[") {
                throw error("token references by id (\(text)) are not supported", "name the special token by its text, e.g. <|im_end|>", line: l, column: col)
            }
            return .specialToken(text)
        default:
            if Self.isNameChar(c) {
                let (l, col) = (line, column)
                let name = parseName()
                let i = index(of: name)
                if firstUse[i] == nil { firstUse[i] = (l, col) }
                return .rule(i)
            }
            throw error("unexpected '\(Character(c))'", "expected a \"literal\", a [class], '.', a rule name or '('")
        }
    }

    /// One character of a literal or class, escapes decoded.
    mutating func parseChar() throws(GBNFError) -> UInt32 {
        let c = chars[pos]
        if c != "\\" { advance(); return c.value }
        let (l, col) = (line, column)
        advance()
        guard let e = peek else { throw error("a backslash ends the grammar", "remove it or complete the escape") }
        advance()
        switch e {
        case "n": return 0x0A
        case "r": return 0x0D
        case "t": return 0x09
        case "\\", "\"", "[", "]", "-", "/", "'", "^": return e.value
        case "x": return try hexDigits(2, l, col)
        case "u": return try hexDigits(4, l, col)
        case "U": return try hexDigits(8, l, col)
        default:
            throw error("unknown escape '\\\(Character(e))'", "use \\n \\r \\t \\\\ \\\" \\[ \\] \\xHH \\uHHHH or \\UHHHHHHHH", line: l, column: col)
        }
    }

    mutating func hexDigits(_ n: Int, _ l: Int, _ col: Int) throws(GBNFError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<n {
            guard let d = peek, d.isASCII, let h = UInt32(String(d), radix: 16) else {
                throw error("expected \(n) hex digits in the escape", "write \\x41, \\u00e9 or \\U0001F600", line: l, column: col)
            }
            v = v << 4 | h
            advance()
        }
        if v > 0x10FFFF || (0xD800...0xDFFF).contains(v) {
            throw error("escape U+\(String(v, radix: 16, uppercase: true)) is not a Unicode scalar value", "use a code point up to U+10FFFF outside the surrogates", line: l, column: col)
        }
        return v
    }

    mutating func parseClass() throws(GBNFError) -> GrammarExpr {
        let (l, col) = (line, column)
        advance()
        var negated = false
        if peek == "^" { negated = true; advance() }
        var ranges: [ClosedRange<UInt32>] = []
        while true {
            guard let c = peek, c != "\n" else {
                throw error("unterminated character class", "close it with ]", line: l, column: col)
            }
            if c == "]" { advance(); break }
            let lo = try parseChar()
            var hi = lo
            if peek == "-", pos + 1 < chars.count, chars[pos + 1] != "]" {
                advance()
                hi = try parseChar()
                if hi < lo {
                    throw error("class range is reversed", "write the lower character first", line: l, column: col)
                }
            }
            ranges.append(lo...hi)
        }
        if negated { ranges = UTF8Ranges.complement(ranges) }
        if ranges.isEmpty { return .nothing }
        return UTF8Ranges.expr(ranges)
    }
}
