import Schema

/// Schema complements, for `not` beyond types/constants/one required property and for `oneOf`
/// branches that may overlap (exactly one of A, B is (A and not B) or (B and not A)).
/// A complement is built keyword by keyword (De Morgan): a schema fails when one of its
/// assertions fails, and each assertion fails only on values of the type it applies to, e.g.
/// not {maximum: 5} is {type: number, exclusiveMinimum: 5} (a string satisfies `maximum`).
/// Keywords without an exact complement here (pattern, format, additionalProperties, items,
/// oneOf, …) give nil, and the caller keeps its typed error.
extension SchemaCompiler {
    /// A schema that holds exactly where `s` fails; nil when some keyword of `s` has no complement here.
    func complement(_ s: SubSchema, depth: Int = 0) throws -> JSONValue? {
        if depth > 12 { return nil }
        switch s.value {
        case .bool(let b): return .bool(!b)
        case .object(let o):
            func kp(_ k: String) -> String { s.pointer + "/" + JSONPointer.escape(k) }
            var terms: [JSONValue] = []
            if let ref = o["$ref"] {
                guard let r = ref.stringValue else { return nil }
                guard let target = try complement(resolve(r, at: kp("$ref")), depth: depth + 1) else { return nil }
                terms.append(target)
                if refOverrides { return target }
            }
            for k in o.keys {
                let v = o[k]!
                if k == "$ref" || annotationKeywords.contains(k) { continue }
                switch k {
                case "type": terms.append(["not": ["type": v]])
                case "enum": terms.append(["not": ["enum": v]])
                case "const": terms.append(["not": ["const": v]])
                case "required":
                    guard let names = v.arrayValue else { return nil }
                    for n in names { terms.append(["not": ["required": [n]]]) }
                case "properties":
                    guard case .object(let props) = v else { return nil }
                    for name in props.keys {
                        let sub = props[name]!
                        if case .bool(true) = sub { continue }
                        if case .object(let so) = sub, so.keys.allSatisfy({ annotationKeywords.contains($0) }) { continue }
                        guard let c = try complement(SubSchema(value: sub, pointer: kp(k) + "/" + JSONPointer.escape(name)), depth: depth + 1) else { return nil }
                        terms.append(["type": "object", "required": [.string(name)], "properties": .object(JSONObject([(name, c)]))])
                    }
                case "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum":
                    // Draft-04 boolean modifiers act through their base keyword.
                    if case .bool = v { continue }
                    guard v.doubleValue != nil else { return nil }
                    let isLower = k == "minimum" || k == "exclusiveMinimum"
                    var exclusive = k.hasPrefix("exclusive")
                    if !exclusive, case .bool(true)? = o["exclusive" + (isLower ? "Minimum" : "Maximum")] { exclusive = true }
                    let opposite = isLower ? (exclusive ? "maximum" : "exclusiveMaximum") : (exclusive ? "minimum" : "exclusiveMinimum")
                    terms.append(["type": "number", opposite: v])
                case "minLength", "minItems", "minProperties":
                    guard let n = v.int64Value, n >= 0 else { return nil }
                    if n == 0 { continue }
                    let type = k == "minLength" ? "string" : k == "minItems" ? "array" : "object"
                    terms.append(["type": .string(type), "max" + k.dropFirst(3): .integer(n - 1)])
                case "maxLength", "maxItems", "maxProperties":
                    guard let n = v.int64Value, n >= 0 else { return nil }
                    let type = k == "maxLength" ? "string" : k == "maxItems" ? "array" : "object"
                    terms.append(["type": .string(type), "min" + k.dropFirst(3): .integer(n + 1)])
                case "allOf":
                    guard let xs = v.arrayValue else { return nil }
                    for (i, x) in xs.enumerated() {
                        guard let c = try complement(SubSchema(value: x, pointer: kp(k) + "/\(i)"), depth: depth + 1) else { return nil }
                        terms.append(c)
                    }
                case "anyOf":
                    guard let xs = v.arrayValue else { return nil }
                    var all: [JSONValue] = []
                    for (i, x) in xs.enumerated() {
                        guard let c = try complement(SubSchema(value: x, pointer: kp(k) + "/\(i)"), depth: depth + 1) else { return nil }
                        all.append(c)
                    }
                    terms.append(["allOf": .array(all)])
                case "not": terms.append(v)
                case "items":
                    // An array with an element outside `items` (2020-12 form, no prefixItems).
                    guard v.arrayValue == nil, o["prefixItems"] == nil else { complementBlocker = kp(k); return nil }
                    guard let c = try complement(SubSchema(value: v, pointer: kp(k)), depth: depth + 1) else { return nil }
                    if case .bool(false) = c { continue }
                    terms.append(["type": "array", "contains": c])
                case "pattern":
                    guard v.stringValue != nil else { return nil }
                    terms.append(["type": "string", "not": ["pattern": v]])
                case "additionalItems":
                    // Without an items array it has no effect.
                    if o["items"]?.arrayValue != nil { complementBlocker = kp(k); return nil }
                case "minContains", "maxContains": if o["contains"] != nil { complementBlocker = kp(k); return nil }
                case "then", "else": if o["if"] != nil && !legacyDraft { complementBlocker = kp(k); return nil }
                case "if": if !legacyDraft { complementBlocker = kp(k); return nil }
                case "multipleOf", "format", "patternProperties", "additionalProperties", "propertyNames",
                     "prefixItems", "uniqueItems", "contains", "oneOf", "dependencies", "dependentRequired", "dependentSchemas",
                     "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef", "$recursiveAnchor":
                    complementBlocker = kp(k)
                    return nil
                default: continue   // Unknown keywords are annotations.
                }
            }
            if terms.isEmpty { return false }
            return terms.count == 1 ? terms[0] : ["anyOf": .array(terms)]
        default:
            return nil
        }
    }

    /// The pointer given to the complement of the schema at `pointer` (never a real pointer:
    /// a raw "~" is always escaped in one), so that rules memoized by pointer stay distinct.
    func complementPointer(_ pointer: String) -> String { pointer + "/~not" }
}
