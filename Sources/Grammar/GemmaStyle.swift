import Schema

/// How the JSON Schema compiler spells keys and strings: JSON (quoted keys, `"…"` strings with
/// escapes), or a dialect with bare keys and raw strings between a delimiter, such as Gemma 4's
/// `{city:<|"|>Paris<|"|>,days:3}`. Numbers, booleans, null, braces, brackets, commas and colons
/// are JSON's in every spelling.
struct JSONSpelling {
    /// The style's name in messages.
    var name: String
    /// Keys are written bare (`city:`), not as JSON strings.
    var bareKeys: Bool
    /// What opens and closes a string.
    var open: GrammarExpr
    var close: GrammarExpr
    /// The text that delimits raw strings (nil: JSON strings with escapes). A raw string never
    /// contains it.
    var delimiter: String?
    /// How a string's code points are written between the delimiters.
    var encoding: RegexEncoding
    /// How null is written: `null`, and in the gemma style also Python's `None`, as Gemma 4's
    /// chat template renders it (the format's parser reads both).
    var nulls = ["null"]

    static let json = JSONSpelling(name: "json", bareKeys: false, open: .literal("\""), close: .literal("\""), delimiter: nil,
                                   encoding: .jsonString)

    /// A regex (ECMAScript syntax) matching `text` literally, for "contains `text`" searches:
    /// each code point as a one-member class.
    static func containsPattern(_ text: String) -> String {
        var out = ""
        for s in text.unicodeScalars {
            out += "["
            if "]\\^-".unicodeScalars.contains(s) { out += "\\" }
            out.unicodeScalars.append(s)
            out += "]"
        }
        return out
    }
}

/// xgrammar's `gemma` style of the `json_schema` format: the whole argument object in Gemma 4's
/// dialect, `{key:<|"|>string<|"|>,n:1,flag:true,obj:{k:…},list:[…]}`, checked against the
/// schema as the JSON compiler checks JSON (declared order or any order, required properties,
/// enums and consts, bounds, nested objects and arrays, additional properties per the options).
/// Keys are bare: declared ones as written in the schema, other ones names
/// (`[A-Za-z_][A-Za-z0-9_]*`, never a declared one). Strings are raw (no escapes) between two
/// delimiters and never contain the delimiter; an enum or const string that contains it has no
/// spelling and is left out. No whitespace before or after the object.
///
/// toolshell extension (xgrammar has none): `"string_delimiter"` replaces `<|"|>`, e.g.
/// FunctionGemma's `<escape>`. It must be non-empty, its first character must not occur again in
/// it (so the first occurrence of the delimiter ends a string, as the parser reads it), and it
/// must not start with whitespace, a letter, a digit, `-` or `{}[],:"` (the start of another value
/// or of JSON punctuation).
enum GemmaStyle {
    /// The style's name in a structural tag.
    static let name = "gemma"
    /// Gemma 4's string delimiter.
    static let defaultDelimiter = "<|\"|>"
    /// The format field of the delimiter extension.
    static let delimiterField = "string_delimiter"

    /// Why `delimiter` cannot delimit raw strings; nil when it can.
    static func problem(with delimiter: String) -> String? {
        guard let first = delimiter.unicodeScalars.first else { return "is empty" }
        if delimiter.unicodeScalars.dropFirst().contains(first) {
            return "repeats its first character \(String(first).debugDescription), so a string could not tell where it ends"
        }
        let v = first.value
        let isLetterOrDigit = (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v)
        if isLetterOrDigit || " \t\n\r-{}[],:\"".unicodeScalars.contains(first) || first.properties.isWhitespace {
            return "starts with \(String(first).debugDescription), which also starts other values or JSON punctuation"
        }
        return nil
    }
}

extension StructuralTagCompiler {
    /// A `json_schema` format in the `gemma` style (see `GemmaStyle`), at `path`.
    mutating func gemmaArguments(_ schema: JSONValue, format f: JSONValue, options: JSONSchemaGrammarOptions,
                                 path: String) throws -> GrammarExpr {
        var delimiter = GemmaStyle.defaultDelimiter
        if let d = f[GemmaStyle.delimiterField] {
            let at = path + "/" + GemmaStyle.delimiterField
            guard let s = d.stringValue else {
                throw err(at, "must be a string, e.g. \"<escape>\" (FunctionGemma); leave it out for Gemma 4's <|\"|>")
            }
            if let problem = GemmaStyle.problem(with: s) {
                throw err(at, "the string delimiter \(s.debugDescription) \(problem); use a marker such as \"<escape>\" or \"<|\\\"|>\"")
            }
            delimiter = s
        }
        let sc = SchemaCompiler(root: schema, options: options)
        let marker = markerExpr(delimiter)
        sc.spelling = JSONSpelling(name: GemmaStyle.name, bareKeys: true, open: marker, close: marker, delimiter: delimiter,
                                   encoding: .utf8, nulls: ["null", "None"])
        return embed(try sc.compileRoot(padded: false))
    }
}
