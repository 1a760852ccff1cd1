/// Schema-directed coercion of a raw parameter string (as tool-call formats such as XML
/// parameters deliver them) into a JSON value.
public enum ParameterCoercion {
    /// Converts `raw` to the first type the schema allows that it fits, trying types by
    /// specificity — null, boolean, integer, number, object, array, string — so the result does
    /// not depend on the order of a set. With no schema (or a schema allowing any type, e.g. one
    /// without `type`) every type is tried, so `5` → 5 and `hello` → "hello". When nothing fits, the raw
    /// string is returned unchanged: a value is never invented.
    public static func coerce(_ raw: String, schema: JSONValue?, root: JSONValue?) -> JSONValue {
        let allowed: [String]
        if let schema {
            let resolved = SchemaRefs.resolve(schema, root: root ?? schema) ?? schema
            allowed = SchemaTypes.allowedTypes(resolved, root: root ?? schema)
        } else {
            allowed = ["any"]
        }
        let trimmed = raw.trimmingWhitespace()
        let anyType = allowed.contains("any")
        for type in ladder where anyType || allowed.contains(type) {
            if let value = attempt(type, raw: raw, trimmed: trimmed) { return value }
        }
        return .string(raw)
    }

    /// Types from most to least specific; string last so it only catches what nothing else fits.
    static let ladder = ["null", "boolean", "integer", "number", "object", "array", "string"]

    /// `raw` read as `type` (canonical name), or nil when it does not fit.
    public static func attempt(_ type: String, raw: String, trimmed: String) -> JSONValue? {
        switch type {
        case "null":
            return ["null", "none"].contains(trimmed.lowercased()) ? .null : nil
        case "boolean":
            switch trimmed.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return nil
            }
        case "integer":
            if JSONNumberText.isIntegerToken(trimmed) || (trimmed.hasPrefix("+") && JSONNumberText.isIntegerToken(String(trimmed.dropFirst()))) {
                let digits = trimmed.hasPrefix("+") ? String(trimmed.dropFirst()) : trimmed
                if let i = Int64(digits) { return .integer(i) }
                if let d = Double(digits) { return .number(d, source: canonicalIntegerText(digits)) }
                return nil
            }
            // An integral real such as "5.0" still names an integer.
            if let d = plainDouble(trimmed), d.rounded() == d, d.magnitude < 9.2e18 { return .integer(Int64(d)) }
            return nil
        case "number":
            if let i = attempt("integer", raw: raw, trimmed: trimmed), JSONNumberText.isIntegerToken(trimmed.hasPrefix("+") ? String(trimmed.dropFirst()) : trimmed) {
                return i
            }
            guard let d = plainDouble(trimmed) else { return nil }
            if let parsed = try? JSONValue.parse(trimmed), case .number = parsed { return parsed }
            return .number(d, source: nil)
        case "object", "array":
            guard let parsed = try? JSONValue.parse(trimmed), parsed.typeName == type else { return nil }
            return parsed
        case "string":
            return .string(raw)
        default:
            return nil
        }
    }

    /// A finite Double from decimal text; rejects `nan`, `inf`, hex and empty text.
    static func plainDouble(_ s: String) -> Double? {
        guard !s.isEmpty else { return nil }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
                 UInt8(ascii: "+"), UInt8(ascii: "-"):
                continue
            default:
                return nil
            }
        }
        guard let d = Double(s), d.isFinite else { return nil }
        return d
    }

    /// Drops leading zeros so the text is a valid JSON integer token.
    static func canonicalIntegerText(_ s: String) -> String {
        var negative = false
        var body = Substring(s)
        if body.hasPrefix("-") { negative = true; body = body.dropFirst() }
        while body.count > 1 && body.hasPrefix("0") { body = body.dropFirst() }
        return (negative && body != "0" ? "-" : "") + body
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
