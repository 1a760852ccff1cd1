/// The JSON types a (sub)schema allows, as tool parsers need them to coerce raw argument text.
public enum SchemaTypes {
    /// Canonical type names, in the order used when a result has to be ordered by kind.
    public static let canonicalOrder = ["null", "boolean", "integer", "number", "string", "array", "object"]

    /// Maps a type name as found in tool definitions to its JSON Schema name
    /// (`int64` → `integer`, `double` → `number`, `dict` → `object`, …); nil when unknown.
    public static func canonicalTypeName(_ name: String) -> String? {
        aliases[name.lowercased()]
    }

    private static let aliases: [String: String] = [
        "null": "null", "none": "null", "nil": "null",
        "int": "integer", "int8": "integer", "int16": "integer", "int32": "integer", "int64": "integer",
        "integer": "integer", "uint": "integer", "uint32": "integer", "uint64": "integer", "long": "integer",
        "short": "integer",
        "float": "number", "float32": "number", "float64": "number", "double": "number", "number": "number",
        "decimal": "number", "real": "number",
        "bool": "boolean", "boolean": "boolean",
        "str": "string", "string": "string", "text": "string", "char": "string",
        "dict": "object", "object": "object", "map": "object",
        "list": "array", "array": "array", "tuple": "array",
    ]

    /// The types `schema` allows, deduplicated, in the order the schema declares them (never a
    /// set's order). Handles `type` (string or list, aliases normalised), `enum`, `const`,
    /// `anyOf`, `oneOf`, `allOf` (intersection), `$ref` (resolved against `root`, or the schema
    /// itself). A schema that names no type infers one from `properties`/`items`-style keywords,
    /// else allows `["any"]`. `false` allows nothing (`[]`). Unknown type names are kept as written.
    public static func allowedTypes(_ schema: JSONValue, root: JSONValue?) -> [String] {
        var visiting = 0
        let result = types(schema, root: root ?? schema, depth: &visiting)
        return result ?? ["any"]
    }

    /// nil means "any type".
    private static func types(_ schema: JSONValue, root: JSONValue, depth: inout Int) -> [String]? {
        depth += 1
        defer { depth -= 1 }
        guard depth < 64 else { return nil }
        switch schema {
        case .bool(let b): return b ? nil : []
        case .object: break
        default: return nil
        }
        guard let object = schema.objectValue else { return nil }
        var result: [String]? = nil

        func intersect(_ other: [String]?) {
            guard let other else { return }
            guard let current = result else { result = other; return }
            var kept: [String] = []
            for t in current {
                if other.contains(t) { kept.append(t) }
                else if t == "number" && other.contains("integer") { kept.append("integer") }
                else if t == "integer" && other.contains("number") { kept.append("integer") }
            }
            result = dedupe(kept)
        }

        if let ref = object["$ref"]?.stringValue {
            if let target = SchemaRefs.lookup(ref, root: root) {
                intersect(types(target, root: root, depth: &depth))
            }
        }
        switch object["type"] {
        case .string(let t)?: intersect([canonicalTypeName(t) ?? t])
        case .array(let list)?:
            intersect(dedupe(list.compactMap { $0.stringValue.map { canonicalTypeName($0) ?? $0 } }))
        default: break
        }
        if let c = object["const"] { intersect([valueType(c)]) }
        if let e = object["enum"]?.arrayValue { intersect(dedupe(e.map(valueType))) }
        for key in ["anyOf", "oneOf"] {
            if let branches = object[key]?.arrayValue {
                var union: [String] = []
                var any = false
                for b in branches {
                    if let t = types(b, root: root, depth: &depth) { union.append(contentsOf: t) } else { any = true }
                }
                if !any { intersect(dedupe(union)) }
            }
        }
        if let branches = object["allOf"]?.arrayValue {
            for b in branches { intersect(types(b, root: root, depth: &depth)) }
        }
        if result == nil {
            var inferred: [String] = []
            let objectWords = ["properties", "required", "additionalProperties", "patternProperties",
                               "minProperties", "maxProperties", "propertyNames", "dependentRequired"]
            let arrayWords = ["items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains"]
            let stringWords = ["minLength", "maxLength", "pattern", "format"]
            let numberWords = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]
            for key in object.keys {
                if objectWords.contains(key) { inferred.append("object") }
                else if arrayWords.contains(key) { inferred.append("array") }
                else if stringWords.contains(key) { inferred.append("string") }
                else if numberWords.contains(key) { inferred.append("number") }
            }
            if !inferred.isEmpty { result = dedupe(inferred) }
        }
        return result
    }

    /// The type of a literal value (`integer` for integral numbers).
    static func valueType(_ v: JSONValue) -> String {
        if case .number(let d, let source) = v {
            if let source, JSONNumberText.isIntegerToken(source) { return "integer" }
            return d.rounded() == d && d.isFinite ? "integer" : "number"
        }
        return v.typeName
    }

    private static func dedupe(_ list: [String]) -> [String] {
        var seen = Set<String>()
        return list.filter { seen.insert($0).inserted }
    }
}
