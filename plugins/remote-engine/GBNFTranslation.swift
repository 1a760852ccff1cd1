import Foundation
import Schema

// Regex and choice constraints as llama.cpp GBNF, for servers built on llama.cpp
// (llama.cpp's server, llama-cpp-python) whose only non-JSON constraint is `grammar`.
// GBNF has literals, character classes, groups, alternation and the quantifiers * + ? {m,n},
// so a regular expression maps onto it piece by piece; anchors are dropped because a grammar
// always matches the whole output.

/// Why a regular expression has no GBNF form.
struct GBNFTranslationError: Error {
    let message: String
}

enum GBNFTranslation {
    /// `root ::= "a" | "b" | …`
    static func choice(_ options: [String]) -> String {
        "root ::= " + options.map(literal).joined(separator: " | ") + "\n"
    }

    /// `root ::= …` for a regular expression (ECMAScript/Python syntax subset: literals,
    /// escapes, classes, `.`, groups, `|`, greedy or lazy quantifiers, `^`/`$` at the ends).
    static func regex(_ pattern: String) throws(GBNFTranslationError) -> String {
        var parser = RegexToGBNF(Array(pattern.unicodeScalars))
        let body = try parser.alternation(depth: 0)
        guard parser.atEnd else { throw GBNFTranslationError(message: "unbalanced ')' at offset \(parser.position)") }
        return "root ::= \(body)\n"
    }

    /// A grammar that forces the calls of a structural tag (the xgrammar JSON the tool parsers
    /// build) from the first token: nil when calls are optional (`at_least_one` false) or a
    /// part has no GBNF form (free text up to an end marker). Arguments are any JSON object
    /// (the schema itself is not compiled to GBNF; the server checks nothing beyond JSON).
    static func structuralTag(_ tag: JSONValue) -> String? {
        let format = tag["format"] ?? tag
        guard format["type"]?.stringValue == "triggered_tags", format["at_least_one"] == .bool(true),
              let tags = format["tags"]?.arrayValue, !tags.isEmpty else { return nil }
        var rules: [String] = []
        func tagRule(_ t: JSONValue) -> String? {
            guard t["type"]?.stringValue == "tag", let begin = t["begin"]?.stringValue, let end = t["end"]?.stringValue,
                  let content = t["content"], let body = contentRule(content) else { return nil }
            return "\(literal(begin)) \(body) \(literal(end))"
        }
        func contentRule(_ c: JSONValue) -> String? {
            switch c["type"]?.stringValue {
            case "json_schema": return "jsonobject"
            case "tags_with_separator":
                guard let inner = c["tags"]?.arrayValue, !inner.isEmpty else { return nil }
                let alternatives = inner.compactMap(tagRule)
                guard alternatives.count == inner.count, let separator = c["separator"]?.stringValue else { return nil }
                let name = "section\(rules.count)"
                rules.append("\(name) ::= (\(alternatives.joined(separator: " | "))) (\(literal(separator)) (\(alternatives.joined(separator: " | "))))*")
                return name
            default: return nil
            }
        }
        let alternatives = tags.compactMap(tagRule)
        guard alternatives.count == tags.count else { return nil }
        let call = "(" + alternatives.joined(separator: " | ") + ")"
        return (["root ::= \(call) ([ \\n]* \(call))*"] + rules + jsonRules).joined(separator: "\n") + "\n"
    }

    /// JSON values (after llama.cpp's grammars/json.gbnf, with `jsonobject` as the entry point).
    static let jsonRules = [
        #"jsonobject ::= "{" jws ( jstring ":" jws jvalue ( "," jws jstring ":" jws jvalue )* )? "}" jws"#,
        #"jvalue ::= jsonobject | jarray | jstring | jnumber | ( "true" | "false" | "null" ) jws"#,
        #"jarray ::= "[" jws ( jvalue ( "," jws jvalue )* )? "]" jws"#,
        #"jstring ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\"" jws"#,
        #"jnumber ::= ( "-"? ( [0-9] | [1-9] [0-9]{0,15} ) ) ( "." [0-9]+ )? ( [eE] [-+]? [0-9]{1,15} )? jws"#,
        #"jws ::= | " " | "\n" [ \t]{0,20}"#,
    ]

    /// A GBNF string literal.
    static func literal(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars { out += escape(scalar, inClass: false) }
        return out + "\""
    }

    static func escape(_ s: Unicode.Scalar, inClass: Bool) -> String {
        switch s {
        case "\"" where !inClass: return "\\\""
        case "\\": return "\\\\"
        case "]" where inClass: return "\\]"
        case "-" where inClass: return "\\-"
        case "^" where inClass: return "\\^"
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default:
            if s.value < 0x20 || s.value == 0x7F { return String(format: "\\x%02X", s.value) }
            return String(s)
        }
    }
}

private struct RegexToGBNF {
    let scalars: [Unicode.Scalar]
    var position = 0

    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

    var atEnd: Bool { position >= scalars.count }
    var peek: Unicode.Scalar? { atEnd ? nil : scalars[position] }

    func fail(_ message: String) -> GBNFTranslationError {
        GBNFTranslationError(message: "\(message) at offset \(position)")
    }

    mutating func alternation(depth: Int) throws(GBNFTranslationError) -> String {
        var branches = [try sequence(depth: depth)]
        while peek == "|" {
            position += 1
            branches.append(try sequence(depth: depth))
        }
        return branches.count == 1 ? branches[0] : branches.map { $0.isEmpty ? "\"\"" : $0 }.joined(separator: " | ")
    }

    mutating func sequence(depth: Int) throws(GBNFTranslationError) -> String {
        var items: [String] = []
        var literalRun = ""
        func flush() {
            if !literalRun.isEmpty { items.append(GBNFTranslation.literal(literalRun)); literalRun = "" }
        }
        while let c = peek, c != "|", c != ")" {
            var atom: String
            var literalScalar: Unicode.Scalar?
            switch c {
            case "^" where position == 0 || scalars[position - 1] == "(" || scalars[position - 1] == "|":
                position += 1
                continue
            case "$" where position + 1 == scalars.count || scalars[position + 1] == ")" || scalars[position + 1] == "|":
                position += 1
                continue
            case "(":
                position += 1
                if peek == "?" {
                    guard position + 1 < scalars.count, scalars[position + 1] == ":" else {
                        throw fail("lookaround and named groups have no grammar form")
                    }
                    position += 2
                }
                let inner = try alternation(depth: depth + 1)
                guard peek == ")" else { throw fail("unclosed '('") }
                position += 1
                atom = "(" + (inner.isEmpty ? "\"\"" : inner) + ")"
            case "[":
                atom = try characterClass()
            case ".":
                position += 1
                atom = "[^\\n]"
            case "\\":
                position += 1
                guard let e = peek else { throw fail("a pattern cannot end with a backslash") }
                position += 1
                if let cls = Self.classEscape(e) {
                    atom = "[\(cls)]"
                } else if let s = Self.literalEscape(e) {
                    atom = ""
                    literalScalar = s
                } else {
                    throw fail("the escape \\\(e) has no grammar form")
                }
            case "*", "+", "?", "{":
                throw fail("a quantifier with nothing to repeat")
            default:
                position += 1
                atom = ""
                literalScalar = c
            }
            let quantifier = try quantifierSuffix()
            if let s = literalScalar {
                if quantifier.isEmpty {
                    literalRun.unicodeScalars.append(s)
                    continue
                }
                atom = GBNFTranslation.literal(String(s))
            }
            flush()
            items.append(atom + quantifier)
        }
        flush()
        return items.joined(separator: " ")
    }

    mutating func quantifierSuffix() throws(GBNFTranslationError) -> String {
        guard let c = peek else { return "" }
        var q = ""
        switch c {
        case "*", "+", "?":
            position += 1
            q = String(c)
        case "{":
            var end = position + 1
            var text = ""
            while end < scalars.count, scalars[end] != "}" { text.unicodeScalars.append(scalars[end]); end += 1 }
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            guard end < scalars.count, (1...2).contains(parts.count), Int(parts[0]) != nil,
                  parts.count == 1 || parts[1].isEmpty || Int(parts[1]) != nil else {
                // Not a quantifier: a literal brace.
                return ""
            }
            position = end + 1
            q = "{" + text + "}"
        default:
            return ""
        }
        if peek == "?" { position += 1 }  // lazy: the same language
        return q
    }

    mutating func characterClass() throws(GBNFTranslationError) -> String {
        position += 1  // [
        var out = "["
        if peek == "^" { out += "^"; position += 1 }
        var first = true
        while let c = peek, c != "]" || first {
            first = false
            position += 1
            if c == "\\" {
                guard let e = peek else { throw fail("unclosed '['") }
                position += 1
                if let cls = Self.classEscape(e) {
                    guard !cls.hasPrefix("^") else { throw fail("a negated escape (\\\(e)) inside [] has no grammar form") }
                    out += cls
                } else if let s = Self.literalEscape(e) {
                    out += GBNFTranslation.escape(s, inClass: true)
                } else {
                    throw fail("the escape \\\(e) has no grammar form")
                }
            } else if c == "-" {
                out += "-"
            } else {
                out += GBNFTranslation.escape(c, inClass: true)
            }
        }
        guard peek == "]" else { throw fail("unclosed '['") }
        position += 1
        return out + "]"
    }

    /// \d \w \s and their negations, as class contents.
    static func classEscape(_ e: Unicode.Scalar) -> String? {
        switch e {
        case "d": return "0-9"
        case "D": return "^0-9"
        case "w": return "a-zA-Z0-9_"
        case "W": return "^a-zA-Z0-9_"
        case "s": return " \\t\\n\\r\\x0B\\x0C"
        case "S": return "^ \\t\\n\\r\\x0B\\x0C"
        default: return nil
        }
    }

    static func literalEscape(_ e: Unicode.Scalar) -> Unicode.Scalar? {
        switch e {
        case "n": return "\n"
        case "t": return "\t"
        case "r": return "\r"
        case "f": return "\u{0C}"
        case "v": return "\u{0B}"
        case "0": return "\u{0}"
        default:
            let punctuation = "\\^$.|?*+()[]{}/-\"' :,#&~=!<>@%;`"
            return punctuation.unicodeScalars.contains(e) ? e : nil
        }
    }
}
