/// Grammars built in rather than parsed: a choice among strings, and any JSON value.
public enum BuiltinGrammars {
    /// Exactly one of `options` (UTF-8, compared byte for byte). An empty list matches nothing.
    public static func choice(_ options: [String]) -> Grammar {
        let alts = Array(Set(options)).sorted().map { GrammarExpr.literal($0) }
        return Grammar(rules: [GrammarRule(name: "root", body: alts.count == 1 ? alts[0] : .choice(alts))], root: 0)
    }

    /// Any JSON value (RFC 8259), or only objects when `objectOnly` (OpenAI's `json_object`
    /// mode). Whitespace between tokens is limited to `maxWhitespace` characters per gap so a
    /// model cannot stall in blank space.
    public static func json(objectOnly: Bool = false, maxWhitespace: Int = 20) -> Grammar {
        // Rule indices.
        let value = 0, object = 1, array = 2, string = 3, number = 4, ws = 5, char = 6, root = 7
        let r = GrammarExpr.rule
        let lit = GrammarExpr.literal
        let hex = GrammarExpr.byteSet(ByteSet(Array("0123456789abcdefABCDEF".utf8)))
        let digit = GrammarExpr.byteSet(ByteSet(range: 0x30, 0x39))
        let escape = GrammarExpr.sequence([lit("\\"), .choice([
            .byteSet(ByteSet(Array("\"\\/bfnrt".utf8))),
            .sequence([lit("u"), hex, hex, hex, hex]),
        ])])
        // Any scalar except '"', '\\' and controls below U+0020.
        let plain = UTF8Ranges.expr([0x20...0x21, 0x23...0x5B, 0x5D...0x10FFFF])
        let member = GrammarExpr.sequence([r(string), r(ws), lit(":"), r(ws), r(value)])
        let rules: [GrammarRule] = [
            GrammarRule(name: "value", body: .choice([r(object), r(array), r(string), r(number), lit("true"), lit("false"), lit("null")])),
            GrammarRule(name: "object", body: .sequence([lit("{"), r(ws), .choice([
                .sequence([member, .repeat(.sequence([r(ws), lit(","), r(ws), member]), min: 0, max: nil), r(ws)]),
                .empty]), lit("}")])),
            GrammarRule(name: "array", body: .sequence([lit("["), r(ws), .choice([
                .sequence([r(value), .repeat(.sequence([r(ws), lit(","), r(ws), r(value)]), min: 0, max: nil), r(ws)]),
                .empty]), lit("]")])),
            GrammarRule(name: "string", body: .sequence([lit("\""), .repeat(r(char), min: 0, max: nil), lit("\"")])),
            GrammarRule(name: "number", body: .sequence([
                .repeat(lit("-"), min: 0, max: 1),
                .choice([lit("0"), .sequence([.byteSet(ByteSet(range: 0x31, 0x39)), .repeat(digit, min: 0, max: nil)])]),
                .repeat(.sequence([lit("."), .repeat(digit, min: 1, max: nil)]), min: 0, max: 1),
                .repeat(.sequence([.byteSet(ByteSet(Array("eE".utf8))), .repeat(.byteSet(ByteSet(Array("+-".utf8))), min: 0, max: 1),
                                   .repeat(digit, min: 1, max: nil)]), min: 0, max: 1),
            ])),
            GrammarRule(name: "ws", body: .repeat(.byteSet(ByteSet(Array(" \t\n\r".utf8))), min: 0, max: maxWhitespace)),
            GrammarRule(name: "char", body: .choice([plain, escape])),
            GrammarRule(name: "root", body: .sequence([r(ws), r(objectOnly ? object : value), r(ws)])),
        ]
        return Grammar(rules: rules, root: root)
    }
}
