/// A schema DSL error: where (1-based line and column, in characters) and what to change.
public struct SchemaDSLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let message: String

    public var description: String { "\(line):\(column): \(message)" }
}

/// The concise schema syntax of simonw/llm: `name, age int, score float: the score`.
///
/// Fields are separated by commas, or by newlines when the text has more than one line (so
/// descriptions may then contain commas). Each field is `NAME [TYPE][: DESCRIPTION]` with TYPE
/// one of `str` (the default), `int`, `float`, `bool`. The result is a JSON Schema object
/// with every field required.
public enum SchemaDSL {
    static let types: [String: String] = ["str": "string", "int": "integer", "float": "number", "bool": "boolean"]

    /// Builds the JSON Schema; `multi` wraps it as `{"items": [SCHEMA, ...]}` (llm's `--schema-multi`).
    public static func parse(_ text: String, multi: Bool = false) throws(SchemaDSLError) -> JSONValue {
        let scalars = Array(text.unicodeScalars)
        // Fields with the position of their first character.
        var fields: [(text: [Unicode.Scalar], line: Int, column: Int)] = []
        let byLine = scalars.contains("\n")
        var line = 1, column = 1
        var current: [Unicode.Scalar] = []
        var startLine = 1, startColumn = 1
        func flush() {
            fields.append((current, startLine, startColumn))
            current = []
        }
        for s in scalars {
            let separator = byLine ? s == "\n" : s == ","
            if separator {
                flush()
                if s == "\n" { line += 1; column = 1 } else { column += 1 }
                startLine = line
                startColumn = column
                continue
            }
            if s == "\n" { line += 1; column = 0 }
            current.append(s)
            column += 1
        }
        flush()

        var properties = JSONObject()
        var required: [JSONValue] = []
        var sawField = false
        for field in fields {
            // Trim, keeping track of the column of the first non-space character.
            var start = 0
            var col = field.column
            while start < field.text.count, field.text[start].properties.isWhitespace { start += 1; col += 1 }
            var end = field.text.count
            while end > start, field.text[end - 1].properties.isWhitespace { end -= 1 }
            if start == end {
                // Blank lines in the one-per-line form are fine; an empty comma field is not.
                if byLine { continue }
                throw SchemaDSLError(line: field.line, column: col, message: "empty field between commas; remove the extra comma or add a field name")
            }
            let body = Array(field.text[start..<end])
            var info = body[...]
            var description: String? = nil
            if let colon = body.firstIndex(of: ":") {
                info = body[..<colon]
                let d = String(String.UnicodeScalarView(body[(colon + 1)...])).trimmingWhitespace()
                description = d.isEmpty ? nil : d
            }
            // Words of NAME [TYPE] with their columns.
            var words: [(String, Int)] = []
            var word = "", wordColumn = col
            for (i, s) in info.enumerated() {
                if s.properties.isWhitespace {
                    if !word.isEmpty { words.append((word, wordColumn)); word = "" }
                } else {
                    if word.isEmpty { wordColumn = col + i }
                    word.unicodeScalars.append(s)
                }
            }
            if !word.isEmpty { words.append((word, wordColumn)) }
            guard let (name, _) = words.first else {
                throw SchemaDSLError(line: field.line, column: col, message: "a field needs a name before ':'; write NAME [TYPE]: DESCRIPTION")
            }
            if words.count > 2 {
                throw SchemaDSLError(line: field.line, column: words[2].1, message: "unexpected \"\(words[2].0)\" after the type; write NAME [TYPE][: DESCRIPTION]")
            }
            var type = "string"
            if words.count == 2 {
                guard let t = types[words[1].0] else {
                    throw SchemaDSLError(line: field.line, column: words[1].1, message: "unknown type \"\(words[1].0)\"; use str, int, float or bool")
                }
                type = t
            }
            if properties[name] != nil {
                throw SchemaDSLError(line: field.line, column: col, message: "field \"\(name)\" is declared twice; rename one")
            }
            var property: JSONObject = ["type": .string(type)]
            if let description { property["description"] = .string(description) }
            properties[name] = .object(property)
            required.append(.string(name))
            sawField = true
        }
        guard sawField else {
            throw SchemaDSLError(line: 1, column: 1, message: "no fields; write e.g. \"name, age int, bio: a short bio\"")
        }
        let schema: JSONValue = ["type": "object", "properties": .object(properties), "required": .array(required)]
        if multi {
            return ["type": "object", "properties": ["items": ["type": "array", "items": schema]], "required": ["items"]]
        }
        return schema
    }
}
