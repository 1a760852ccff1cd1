/// One token of a template: raw text between tags, tag delimiters, or an expression token.
enum TokenKind: Equatable {
    case text(String)
    case variableBegin, variableEnd, blockBegin, blockEnd
    case name(String)
    case string(String)
    case integer(Int)
    case float(Double)
    case op(String)
    case eof
}

struct Token {
    let kind: TokenKind
    /// Byte offset in the normalised source.
    let offset: Int
}

/// Splits a template into tokens the way jinja2's lexer does with `trim_blocks` and
/// `lstrip_blocks` on: `{%-`/`-%}` strip whitespace, `+` disables lstrip/trim for one tag,
/// the newline after a block or comment tag is dropped, and indentation before a block
/// or comment tag that starts a line is removed.
struct Lexer {
    let bytes: [UInt8]
    let map: SourceMap
    private var tokens: [Token] = []

    /// Normalises newlines as jinja2 does (`\r\n` and `\r` become `\n`, one trailing newline dropped).
    static func normalise(_ source: String) -> [UInt8] {
        var out: [UInt8] = []
        let input = Array(source.utf8)
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            let b = input[i]
            if b == 13 {
                out.append(10)
                if i + 1 < input.count, input[i + 1] == 10 { i += 1 }
            } else {
                out.append(b)
            }
            i += 1
        }
        if out.last == 10 { out.removeLast() }
        return out
    }

    init(source: String) {
        bytes = Lexer.normalise(source)
        map = SourceMap(bytes)
    }

    private func syntaxError(_ message: String, at offset: Int) -> TemplateError {
        let (line, column) = map.location(offset)
        return .syntax(message: message, line: line, column: column)
    }

    private func text(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    private func starts(_ s: String, at i: Int) -> Bool { startsWith(s, at: i) }

    mutating func tokenize() throws(TemplateError) -> [Token] {
        var pos = 0
        var lineStarting = true
        let n = bytes.count
        while pos < n {
            // Find the next tag opener.
            var idx = pos
            var kind: UInt8 = 0
            while idx + 1 < n {
                if bytes[idx] == UInt8(ascii: "{") {
                    let c = bytes[idx + 1]
                    if c == UInt8(ascii: "{") || c == UInt8(ascii: "%") || c == UInt8(ascii: "#") {
                        kind = c
                        break
                    }
                }
                idx += 1
            }
            if kind == 0 {
                emitText(pos..<n)
                break
            }
            var sign: UInt8 = 0
            if idx + 2 < n, bytes[idx + 2] == UInt8(ascii: "-") || bytes[idx + 2] == UInt8(ascii: "+") {
                sign = bytes[idx + 2]
            }
            var textEnd = idx
            if sign == UInt8(ascii: "-") {
                while textEnd > pos, isSpaceByteBefore(textEnd) { textEnd = previousScalarStart(textEnd) }
            } else if sign != UInt8(ascii: "+"), kind != UInt8(ascii: "{") {
                var lpos = idx
                while lpos > pos, bytes[lpos - 1] != 10 { lpos -= 1 }
                let hasNewline = lpos > pos
                if hasNewline || lineStarting {
                    var allSpace = lpos < idx
                    var k = lpos
                    while k < idx {
                        let b = bytes[k]
                        if b == 32 || b == 9 || b == 11 || b == 12 || b == 13 { k += 1; continue }
                        if b >= 0x80, isSpaceByteBefore(nextScalarEnd(k)) { k = nextScalarEnd(k); continue }
                        allSpace = false
                        break
                    }
                    if allSpace { textEnd = lpos }
                }
            }
            emitText(pos..<textEnd)
            let tagStart = idx
            var p = idx + 2 + (sign != 0 ? 1 : 0)
            if kind == UInt8(ascii: "#") {
                // Comment: up to the first `#}`.
                var j = p
                while j + 1 < n, !(bytes[j] == UInt8(ascii: "#") && bytes[j + 1] == UInt8(ascii: "}")) { j += 1 }
                guard j + 1 < n else { throw syntaxError("unterminated comment: add '#}'", at: tagStart) }
                let endSign: UInt8 = j > p ? bytes[j - 1] : 0
                p = j + 2
                p = afterTagEnd(p, endSign: endSign, trim: true)
            } else if kind == UInt8(ascii: "%"), let afterRaw = rawBlockStart(p) {
                p = try lexRaw(from: afterRaw, tagStart: tagStart)
            } else {
                let isBlock = kind == UInt8(ascii: "%")
                tokens.append(Token(kind: isBlock ? .blockBegin : .variableBegin, offset: tagStart))
                p = try lexExpression(from: p, block: isBlock, tagStart: tagStart)
            }
            lineStarting = p > 0 && bytes[p - 1] == 10
            pos = p
        }
        tokens.append(Token(kind: .eof, offset: n))
        return tokens
    }

    private func skipSpaces(_ i: Int) -> Int {
        var i = i
        while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 10 { i += 1 }
        return i
    }

    /// If `{% raw %}` starts at `p` (just after `{%` and its sign), the offset after its `%}`
    /// (`-%}` also strips the whitespace that follows).
    private func rawBlockStart(_ p: Int) -> Int? {
        var i = skipSpaces(p)
        guard startsWith("raw", at: i) else { return nil }
        i = skipSpaces(i + 3)
        if startsWith("-%}", at: i) { return afterTagEnd(i + 3, endSign: UInt8(ascii: "-"), trim: false) }
        if startsWith("%}", at: i) { return i + 2 }
        return nil
    }

    /// The verbatim text up to `{% endraw %}`; returns the offset after that tag.
    private mutating func lexRaw(from start: Int, tagStart: Int) throws(TemplateError) -> Int {
        var j = start
        while j + 1 < bytes.count {
            if bytes[j] == UInt8(ascii: "{"), bytes[j + 1] == UInt8(ascii: "%") {
                var k = j + 2
                var sign: UInt8 = 0
                if k < bytes.count, bytes[k] == UInt8(ascii: "-") || bytes[k] == UInt8(ascii: "+") { sign = bytes[k]; k += 1 }
                k = skipSpaces(k)
                if startsWith("endraw", at: k) {
                    k = skipSpaces(k + 6)
                    var endSign: UInt8 = 0
                    if k < bytes.count, bytes[k] == UInt8(ascii: "-") || bytes[k] == UInt8(ascii: "+") { endSign = bytes[k]; k += 1 }
                    if startsWith("%}", at: k) {
                        var textEnd = j
                        if sign == UInt8(ascii: "-") {
                            while textEnd > start, isSpaceByteBefore(textEnd) { textEnd = previousScalarStart(textEnd) }
                        }
                        emitText(start..<textEnd)
                        return afterTagEnd(k + 2, endSign: endSign, trim: true)
                    }
                }
            }
            j += 1
        }
        throw syntaxError("'raw' block is never closed: add '{% endraw %}'", at: tagStart)
    }

    /// Skips what the closing delimiter strips: all whitespace after `-`, one newline otherwise (trim_blocks).
    private func afterTagEnd(_ p: Int, endSign: UInt8, trim: Bool) -> Int {
        var p = p
        if endSign == UInt8(ascii: "-") {
            while p < bytes.count, isSpaceScalar(at: p) { p = nextScalarEnd(p) }
        } else if endSign != UInt8(ascii: "+"), trim, p < bytes.count, bytes[p] == 10 {
            p += 1
        }
        return p
    }

    private mutating func emitText(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        tokens.append(Token(kind: .text(text(range)), offset: range.lowerBound))
    }

    private func nextScalarEnd(_ i: Int) -> Int {
        var j = i + 1
        while j < bytes.count, bytes[j] & 0xC0 == 0x80 { j += 1 }
        return j
    }

    private func previousScalarStart(_ i: Int) -> Int {
        var j = i - 1
        while j > 0, bytes[j] & 0xC0 == 0x80 { j -= 1 }
        return j
    }

    private func scalar(at i: Int) -> Unicode.Scalar? {
        let s = String(decoding: bytes[i..<nextScalarEnd(i)], as: UTF8.self)
        return s.unicodeScalars.first
    }

    private func isSpaceScalar(at i: Int) -> Bool {
        let b = bytes[i]
        if b < 0x80 { return b == 32 || (b >= 9 && b <= 13) || (b >= 0x1C && b <= 0x1F) }
        guard let s = scalar(at: i) else { return false }
        return isPythonSpace(s)
    }

    /// Whether the character ending just before `end` is whitespace.
    private func isSpaceByteBefore(_ end: Int) -> Bool {
        isSpaceScalar(at: previousScalarStart(end))
    }

    // MARK: Expressions inside tags

    private static let operators: [String] = ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~",
                                              "<", ">", "=", ".", ",", ":", "|", "(", ")", "[", "]", "{", "}", ";"]
    private static let operatorBytes: [(String, [UInt8])] = operators.map { ($0, Array($0.utf8)) }

    private func matchOperator(at i: Int) -> String? {
        for (op, b) in Lexer.operatorBytes where bytes[i] == b[0] {
            if b.count == 1 || (i + 1 < bytes.count && bytes[i + 1] == b[1]) { return op }
        }
        return nil
    }

    private mutating func lexExpression(from start: Int, block: Bool, tagStart: Int) throws(TemplateError) -> Int {
        var p = start
        var brackets: [UInt8] = []
        let n = bytes.count
        while true {
            while p < n, bytes[p] == 32 || bytes[p] == 9 || bytes[p] == 10 || bytes[p] == 13 || bytes[p] == 12 || bytes[p] == 11 { p += 1 }
            guard p < n else {
                throw syntaxError(block ? "unexpected end of template: the tag is not closed with '%}'"
                                        : "unexpected end of template: the expression is not closed with '}}'", at: tagStart)
            }
            if brackets.isEmpty {
                if block {
                    if starts("-%}", at: p) {
                        tokens.append(Token(kind: .blockEnd, offset: p))
                        return afterTagEnd(p + 3, endSign: UInt8(ascii: "-"), trim: true)
                    }
                    if starts("+%}", at: p) {
                        tokens.append(Token(kind: .blockEnd, offset: p))
                        return p + 3
                    }
                    if starts("%}", at: p) {
                        tokens.append(Token(kind: .blockEnd, offset: p))
                        return afterTagEnd(p + 2, endSign: 0, trim: true)
                    }
                } else {
                    if starts("-}}", at: p) {
                        tokens.append(Token(kind: .variableEnd, offset: p))
                        return afterTagEnd(p + 3, endSign: UInt8(ascii: "-"), trim: false)
                    }
                    if starts("}}", at: p) {
                        tokens.append(Token(kind: .variableEnd, offset: p))
                        return p + 2
                    }
                }
            }
            let b = bytes[p]
            if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") {
                let (value, end) = try lexString(at: p)
                tokens.append(Token(kind: .string(value), offset: p))
                p = end
            } else if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                p = try lexNumber(at: p)
            } else if isNameStart(at: p) {
                var e = nextScalarEnd(p)
                while e < n, isNameContinue(at: e) { e = nextScalarEnd(e) }
                tokens.append(Token(kind: .name(text(p..<e)), offset: p))
                p = e
            } else if let op = matchOperator(at: p) {
                switch op {
                case "(": brackets.append(UInt8(ascii: ")"))
                case "[": brackets.append(UInt8(ascii: "]"))
                case "{": brackets.append(UInt8(ascii: "}"))
                case ")", "]", "}":
                    guard let expected = brackets.popLast() else {
                        throw syntaxError("unexpected '\(op)'", at: p)
                    }
                    if expected != op.utf8.first {
                        throw syntaxError("unexpected '\(op)', expected '\(Character(Unicode.Scalar(expected)))'", at: p)
                    }
                default: break
                }
                tokens.append(Token(kind: .op(op), offset: p))
                p += op.utf8.count
            } else {
                let c = scalar(at: p).map { String(Character($0)) } ?? "?"
                throw syntaxError("unexpected character '\(c)'", at: p)
            }
        }
    }

    private func startsWith(_ s: String, at i: Int) -> Bool {
        var k = i
        guard i < bytes.count, s.utf8.first == bytes[i] else { return false }
        for b in s.utf8 {
            guard k < bytes.count, bytes[k] == b else { return false }
            k += 1
        }
        return true
    }

    private func isNameStart(at i: Int) -> Bool {
        let b = bytes[i]
        if b == UInt8(ascii: "_") || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) { return true }
        if b >= 0x80, let s = scalar(at: i) { return s.properties.isXIDStart }
        return false
    }

    private func isNameContinue(at i: Int) -> Bool {
        let b = bytes[i]
        if b == UInt8(ascii: "_") || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) { return true }
        if b >= 0x80, let s = scalar(at: i) { return s.properties.isXIDContinue }
        return false
    }

    private mutating func lexNumber(at start: Int) throws(TemplateError) -> Int {
        var p = start
        let n = bytes.count
        func digits() {
            while p < n, (bytes[p] >= 48 && bytes[p] <= 57) || (bytes[p] == UInt8(ascii: "_") && p + 1 < n && bytes[p + 1] >= 48 && bytes[p + 1] <= 57) { p += 1 }
        }
        let afterDot = tokens.last?.kind == .op(".")
        digits()
        var isFloat = false
        if !afterDot, p + 1 < n, bytes[p] == UInt8(ascii: "."), bytes[p + 1] >= 48, bytes[p + 1] <= 57 {
            isFloat = true
            p += 1
            digits()
        }
        if !afterDot, p < n, bytes[p] == UInt8(ascii: "e") || bytes[p] == UInt8(ascii: "E") {
            var q = p + 1
            if q < n, bytes[q] == UInt8(ascii: "+") || bytes[q] == UInt8(ascii: "-") { q += 1 }
            if q < n, bytes[q] >= 48, bytes[q] <= 57 {
                isFloat = true
                p = q
                digits()
            }
        }
        let literal = String(text(start..<p).filter { $0 != "_" })
        if isFloat {
            guard let d = Double(literal) else { throw syntaxError("invalid number '\(literal)'", at: start) }
            tokens.append(Token(kind: .float(d), offset: start))
        } else {
            guard let i = Int(literal) else { throw syntaxError("integer '\(literal)' is too large", at: start) }
            tokens.append(Token(kind: .integer(i), offset: start))
        }
        return p
    }

    /// A quoted string with Python escapes (`\n`, `\t`, `\\`, `\'`, `\xhh`, `\uhhhh`, `\Uhhhhhhhh`, octal).
    private func lexString(at start: Int) throws(TemplateError) -> (String, Int) {
        let quote = bytes[start]
        var p = start + 1
        var out: [UInt8] = []
        let n = bytes.count
        func appendScalar(_ v: UInt32) {
            if let s = Unicode.Scalar(v) { out.append(contentsOf: Array(String(Character(s)).utf8)) }
        }
        func hexValue(_ count: Int) -> UInt32? {
            guard p + count <= n else { return nil }
            var v: UInt32 = 0
            for k in 0..<count {
                let c = bytes[p + k]
                let d: UInt32
                switch c {
                case 48...57: d = UInt32(c - 48)
                case 97...102: d = UInt32(c - 87)
                case 65...70: d = UInt32(c - 55)
                default: return nil
                }
                v = v * 16 + d
            }
            return v
        }
        while p < n {
            let b = bytes[p]
            if b == quote { return (String(decoding: out, as: UTF8.self), p + 1) }
            if b == UInt8(ascii: "\\"), p + 1 < n {
                let e = bytes[p + 1]
                p += 2
                switch e {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "\\"): out.append(92)
                case UInt8(ascii: "'"): out.append(39)
                case UInt8(ascii: "\""): out.append(34)
                case UInt8(ascii: "a"): out.append(7)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "v"): out.append(11)
                case 10: break  // line continuation
                case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let count = e == UInt8(ascii: "x") ? 2 : (e == UInt8(ascii: "u") ? 4 : 8)
                    guard let v = hexValue(count), Unicode.Scalar(v) != nil else {
                        throw syntaxError("invalid \\\(Character(Unicode.Scalar(e))) escape in string", at: p - 2)
                    }
                    appendScalar(v)
                    p += count
                case 48...55:
                    var v = UInt32(e - 48)
                    var k = 0
                    while k < 2, p < n, bytes[p] >= 48, bytes[p] <= 55 {
                        v = v * 8 + UInt32(bytes[p] - 48)
                        p += 1
                        k += 1
                    }
                    appendScalar(v)
                default:
                    out.append(92)
                    out.append(e)
                }
                continue
            }
            out.append(b)
            p += 1
        }
        throw syntaxError("unterminated string: add the closing \(quote == 39 ? "'" : "\"")", at: start)
    }
}
