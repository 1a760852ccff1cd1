/// What a successful evaluation marked as evaluated (for `unevaluatedProperties/Items`).
struct EvaluatedParts {
    var properties: Set<String> = []
    var allProperties = false
    /// Items `0..<itemsPrefix` were evaluated.
    var itemsPrefix = 0
    var allItems = false
    var containsIndices: Set<Int> = []

    mutating func merge(_ other: EvaluatedParts) {
        if other.allProperties { allProperties = true } else if !other.properties.isEmpty { properties.formUnion(other.properties) }
        itemsPrefix = max(itemsPrefix, other.itemsPrefix)
        if other.allItems { allItems = true }
        if !other.containsIndices.isEmpty { containsIndices.formUnion(other.containsIndices) }
    }
}

/// One validation run: walks schema and instance together, collecting errors with pointers.
final class SchemaEvaluator {
    let validator: SchemaValidator
    var errors: [SchemaValidationError] = []
    var instancePath: [String] = []
    var schemaPath: [String] = []
    /// Resources entered, outermost first (the dynamic scope for `$dynamicRef`).
    var dynamicScope: [String] = []
    /// `$ref` targets being evaluated, keyed by target and instance location (cycle detection).
    var activeRefs: Set<String> = []
    var depth = 0
    /// Identity of the instance location being evaluated (a fresh number per descent).
    var instanceIDs: [Int] = [0]
    var nextInstanceID = 0

    func pushInstance(_ token: String) {
        instancePath.append(token)
        nextInstanceID += 1
        instanceIDs.append(nextInstanceID)
    }

    func popInstance() {
        instancePath.removeLast()
        instanceIDs.removeLast()
    }

    /// Patterns met outside the indexed schema positions, compiled on first use.
    var extraPatterns: [String: Regex<AnyRegexOutput>?] = [:]

    func regex(_ pattern: String) -> Regex<AnyRegexOutput>? {
        if let r = validator.registry.patterns[pattern] { return r }
        if let cached = extraPatterns[pattern] { return cached }
        let compiled = (try? Regex(ECMARegex.translate(pattern)))?.matchingSemantics(.unicodeScalar)
        extraPatterns[pattern] = compiled
        return compiled
    }

    init(validator: SchemaValidator) {
        self.validator = validator
    }

    func fail(_ keyword: String, _ message: String, schemaDefect: Bool = false) {
        schemaPath.append(keyword)
        errors.append(SchemaValidationError(instancePointer: JSONPointer.string(instancePath),
                                            schemaPointer: JSONPointer.string(schemaPath),
                                            keyword: keyword, message: message, isSchemaDefect: schemaDefect))
        schemaPath.removeLast()
    }

    /// Evaluates a subschema reached through `keyword` (and `tokens` below it).
    @inline(__always)
    func sub(_ schema: JSONValue, _ instance: JSONValue, base: String, draft: SchemaDraft,
             keyword: String, _ tokens: String..., instanceToken: String? = nil) -> EvaluatedParts? {
        schemaPath.append(keyword)
        schemaPath.append(contentsOf: tokens)
        if let instanceToken { pushInstance(instanceToken) }
        let result = evaluate(schema, instance, base: base, draft: draft)
        if instanceToken != nil { popInstance() }
        schemaPath.removeLast(tokens.count + 1)
        return result
    }

    /// Evaluates without keeping errors; returns the annotations when valid.
    func probe(_ schema: JSONValue, _ instance: JSONValue, base: String, draft: SchemaDraft,
               keyword: String, _ tokens: String...) -> EvaluatedParts? {
        let mark = errors.count
        schemaPath.append(keyword)
        schemaPath.append(contentsOf: tokens)
        let result = evaluate(schema, instance, base: base, draft: draft)
        schemaPath.removeLast(tokens.count + 1)
        errors.removeSubrange(mark...)
        return result
    }

    /// Returns the evaluated parts when the instance is valid against `schema`, nil otherwise.
    func evaluate(_ schema: JSONValue, _ instance: JSONValue, base: String, draft: SchemaDraft) -> EvaluatedParts? {
        switch schema {
        case .bool(let b):
            if !b { fail("false", "no value is allowed here (the schema is false)") ; return nil }
            return EvaluatedParts()
        case .object(let o):
            depth += 1
            defer { depth -= 1 }
            if depth > 2000 {
                fail("$ref", "the schema nests or recurses too deeply (over 2000 levels); check for a cyclic $ref", schemaDefect: true)
                return nil
            }
            return evaluateObject(o, instance, base: base, draft: draft)
        default:
            // Not a schema: ignored, as unknown content.
            return EvaluatedParts()
        }
    }

    private func evaluateObject(_ o: JSONObject, _ instance: JSONValue, base inheritedBase: String,
                                draft inheritedDraft: SchemaDraft) -> EvaluatedParts? {
        var base = inheritedBase
        var draft = inheritedDraft
        if let s = o["$schema"]?.stringValue, let d = SchemaDraft(schemaURI: s) { draft = d }
        let refOnly = draft == .draft7 && o["$ref"] != nil
        var pushedScope = false
        if let id = o["$id"]?.stringValue, !refOnly, !(draft == .draft7 && id.hasPrefix("#")) {
            let newBase = URIReference.stripFragment(URIReference.resolve(id, against: base))
            if newBase != base {
                base = newBase
                dynamicScope.append(base)
                pushedScope = true
            }
        }
        if dynamicScope.isEmpty { dynamicScope.append(base); pushedScope = true }
        defer { if pushedScope { dynamicScope.removeLast() } }

        var valid = true
        var parts = EvaluatedParts()

        if let ref = o["$ref"]?.stringValue {
            if let r = followRef(ref, keyword: "$ref", base: base, instance: instance) {
                parts.merge(r)
            } else {
                valid = false
            }
            if refOnly { return valid ? parts : nil }
        }
        if draft == .draft2020_12, let ref = o["$dynamicRef"]?.stringValue {
            if let r = followRef(ref, keyword: "$dynamicRef", base: base, instance: instance, dynamic: true) {
                parts.merge(r)
            } else {
                valid = false
            }
        }

        let assertions = validator.validationVocabulary
        if assertions {
            if !checkAssertions(o, instance, draft: draft) { valid = false }
        }
        if let f = o["format"]?.stringValue, validator.formatAssertion, case .string(let s) = instance {
            if !FormatChecks.check(f, s) { fail("format", "\(JSONValue.string(s).jsonString()) is not a valid \(f)"); valid = false }
        }

        // In-place applicators.
        if case .array(let list)? = o["allOf"] {
            for (i, s) in list.enumerated() {
                if let r = sub(s, instance, base: base, draft: draft, keyword: "allOf", String(i)) { parts.merge(r) } else { valid = false }
            }
        }
        if case .array(let list)? = o["anyOf"] {
            var any = false
            let mark = errors.count
            for (i, s) in list.enumerated() {
                if let r = sub(s, instance, base: base, draft: draft, keyword: "anyOf", String(i)) { any = true; parts.merge(r) }
            }
            if any { errors.removeSubrange(mark...) } else {
                errors.removeSubrange(mark...)
                fail("anyOf", "the value matches none of the \(list.count) anyOf alternatives")
                valid = false
            }
        }
        if case .array(let list)? = o["oneOf"] {
            var matches: [Int] = []
            var matched = EvaluatedParts()
            for (i, s) in list.enumerated() {
                if let r = probe(s, instance, base: base, draft: draft, keyword: "oneOf", String(i)) { matches.append(i); matched.merge(r) }
            }
            if matches.count == 1 { parts.merge(matched) } else {
                fail("oneOf", matches.isEmpty ? "the value matches none of the oneOf alternatives"
                    : "the value matches oneOf alternatives \(matches.map(String.init).joined(separator: ", ")); exactly one must match")
                valid = false
            }
        }
        if let n = o["not"] {
            if probe(n, instance, base: base, draft: draft, keyword: "not") != nil {
                fail("not", "the value must not match the \"not\" schema")
                valid = false
            }
        }
        if let condition = o["if"], !validator.legacyDraft {
            if let r = probe(condition, instance, base: base, draft: draft, keyword: "if") {
                parts.merge(r)
                if let t = o["then"] {
                    if let r2 = sub(t, instance, base: base, draft: draft, keyword: "then") { parts.merge(r2) } else { valid = false }
                }
            } else if let e = o["else"] {
                if let r2 = sub(e, instance, base: base, draft: draft, keyword: "else") { parts.merge(r2) } else { valid = false }
            }
        }

        switch instance {
        case .object(let object):
            if !evaluateObjectKeywords(o, object, base: base, draft: draft, parts: &parts) { valid = false }
        case .array(let array):
            if !evaluateArrayKeywords(o, array, base: base, draft: draft, parts: &parts) { valid = false }
        default:
            break
        }
        return valid ? parts : nil
    }

    /// `$ref` / `$dynamicRef`: resolve and evaluate the target in its own resource.
    private func followRef(_ ref: String, keyword: String, base: String, instance: JSONValue,
                           dynamic: Bool = false) -> EvaluatedParts? {
        let registry = validator.registry
        guard var resolved = registry.refs[base + " " + ref] ?? registry.lookup(URIReference.resolve(ref, against: base)) else {
            fail(keyword, "cannot resolve \(keyword) \"\(ref)\"", schemaDefect: true)
            return nil
        }
        if dynamic {
            let (_, fragment) = URIReference.splitFragment(ref)
            if !fragment.isEmpty, !fragment.hasPrefix("/"),
               resolved.node["$dynamicAnchor"]?.stringValue == fragment {
                for scopeBase in dynamicScope where registry.dynamicAnchors.contains(scopeBase + "#" + fragment) {
                    if let t = registry.anchors[scopeBase + "#" + fragment] { resolved = t }
                    break
                }
            }
        }
        let key = resolved.uri + " " + String(instanceIDs.last ?? 0)
        if activeRefs.contains(key) {
            fail(keyword, "cyclic \(keyword) \"\(ref)\": it leads back to itself without consuming any of the instance; break the cycle in the schema", schemaDefect: true)
            return nil
        }
        activeRefs.insert(key)
        defer { activeRefs.remove(key) }
        var targetBase = resolved.base
        if let id = resolved.node["$id"]?.stringValue, !(resolved.draft == .draft7 && id.hasPrefix("#")) {
            targetBase = URIReference.stripFragment(URIReference.resolve(id, against: resolved.base))
        }
        var pushed = false
        if dynamicScope.last != targetBase { dynamicScope.append(targetBase); pushed = true }
        defer { if pushed { dynamicScope.removeLast() } }
        return sub(resolved.node, instance, base: resolved.base, draft: resolved.draft, keyword: keyword)
    }


    // MARK: Assertions (validation vocabulary)

    private func checkAssertions(_ o: JSONObject, _ instance: JSONValue, draft: SchemaDraft) -> Bool {
        var valid = true
        if let t = o["type"] {
            let names: [String]
            switch t {
            case .string(let s): names = [s]
            case .array(let list): names = list.compactMap(\.stringValue)
            default: names = []
            }
            if !names.contains(where: { Self.hasType(instance, $0) }) {
                fail("type", "expected \(names.joined(separator: " or ")), found \(Self.typeDescription(instance))")
                valid = false
            }
        }
        if let e = o["enum"]?.arrayValue, !e.contains(instance) {
            fail("enum", "\(instance.jsonString()) is not one of \(JSONValue.array(e).jsonString())")
            valid = false
        }
        if let c = o["const"], c != instance {
            fail("const", "expected \(c.jsonString()), found \(instance.jsonString())")
            valid = false
        }
        switch instance {
        case .integer, .number:
            if !checkNumber(o, instance, draft: draft) { valid = false }
        case .string(let s):
            if let maxLength = o["maxLength"]?.doubleValue, Double(s.unicodeScalars.count) > maxLength {
                fail("maxLength", "the string has \(s.unicodeScalars.count) characters, more than \(Int(maxLength))")
                valid = false
            }
            if let minLength = o["minLength"]?.doubleValue, Double(s.unicodeScalars.count) < minLength {
                fail("minLength", "the string has \(s.unicodeScalars.count) characters, fewer than \(Int(minLength))")
                valid = false
            }
            if let p = o["pattern"]?.stringValue, let regex = regex(p) {
                if (try? regex.firstMatch(in: s)) == nil {
                    fail("pattern", "\(instance.jsonString()) does not match the pattern \(JSONValue.string(p).jsonString())")
                    valid = false
                }
            }
        case .array(let a):
            if let m = o["maxItems"]?.doubleValue, Double(a.count) > m {
                fail("maxItems", "the array has \(a.count) items, more than \(Int(m))"); valid = false
            }
            if let m = o["minItems"]?.doubleValue, Double(a.count) < m {
                fail("minItems", "the array has \(a.count) items, fewer than \(Int(m))"); valid = false
            }
            if o["uniqueItems"]?.boolValue == true {
                var seen: [JSONValue: Int] = [:]
                for (i, item) in a.enumerated() {
                    if let first = seen[item] {
                        fail("uniqueItems", "items \(first) and \(i) are equal; items must be unique")
                        valid = false
                        break
                    }
                    seen[item] = i
                }
            }
        case .object(let object):
            if let m = o["maxProperties"]?.doubleValue, Double(object.count) > m {
                fail("maxProperties", "the object has \(object.count) properties, more than \(Int(m))"); valid = false
            }
            if let m = o["minProperties"]?.doubleValue, Double(object.count) < m {
                fail("minProperties", "the object has \(object.count) properties, fewer than \(Int(m))"); valid = false
            }
            if let required = o["required"]?.arrayValue {
                let missing = required.compactMap(\.stringValue).filter { !object.contains($0) }
                if !missing.isEmpty {
                    fail("required", "missing required propert\(missing.count == 1 ? "y" : "ies") \(missing.map { JSONValue.string($0).jsonString() }.joined(separator: ", "))")
                    valid = false
                }
            }
            if draft == .draft2020_12, case .object(let deps)? = o["dependentRequired"] {
                for (name, list) in deps where object.contains(name) {
                    let missing = (list.arrayValue ?? []).compactMap(\.stringValue).filter { !object.contains($0) }
                    if !missing.isEmpty {
                        schemaPath.append("dependentRequired")
                        fail(name, "property \(JSONValue.string(name).jsonString()) requires \(missing.map { JSONValue.string($0).jsonString() }.joined(separator: ", "))")
                        schemaPath.removeLast()
                        valid = false
                    }
                }
            }
        default:
            break
        }
        return valid
    }

    private func checkNumber(_ o: JSONObject, _ instance: JSONValue, draft: SchemaDraft) -> Bool {
        var valid = true
        let x = instance.doubleValue ?? 0
        func cmp(_ keyword: String, _ bound: JSONValue, _ ok: (Int) -> Bool, _ relation: String) {
            guard let order = Self.compare(instance, bound) else { return }
            if !ok(order) {
                fail(keyword, "\(instance.jsonString()) must be \(relation) \(bound.jsonString())")
                valid = false
            }
        }
        // Draft 4 wrote exclusive bounds as a boolean beside maximum/minimum.
        if let b = o["maximum"] {
            if o["exclusiveMaximum"]?.boolValue == true { cmp("maximum", b, { $0 < 0 }, "less than") } else { cmp("maximum", b, { $0 <= 0 }, "at most") }
        }
        if let b = o["minimum"] {
            if o["exclusiveMinimum"]?.boolValue == true { cmp("minimum", b, { $0 > 0 }, "greater than") } else { cmp("minimum", b, { $0 >= 0 }, "at least") }
        }
        if let b = o["exclusiveMaximum"] { cmp("exclusiveMaximum", b, { $0 < 0 }, "less than") }
        if let b = o["exclusiveMinimum"] { cmp("exclusiveMinimum", b, { $0 > 0 }, "greater than") }
        if let m = o["multipleOf"], let md = m.doubleValue, md > 0 {
            var ok: Bool
            if case .integer(let i) = instance, case .integer(let j) = m {
                ok = i % j == 0
            } else {
                let q = x / md
                if !q.isFinite {
                    ok = false
                } else {
                    ok = (q - q.rounded()).magnitude < 1e-9
                }
            }
            if !ok {
                fail("multipleOf", "\(instance.jsonString()) is not a multiple of \(m.jsonString())")
                valid = false
            }
        }
        return valid
    }

    /// -1, 0 or 1 comparing two numbers (exact for two 64-bit integers); nil when one is not a number.
    static func compare(_ a: JSONValue, _ b: JSONValue) -> Int? {
        if case .integer(let i) = a, case .integer(let j) = b { return i < j ? -1 : (i > j ? 1 : 0) }
        guard let x = a.doubleValue, let y = b.doubleValue else { return nil }
        return x < y ? -1 : (x > y ? 1 : 0)
    }

    static func hasType(_ v: JSONValue, _ type: String) -> Bool {
        switch type {
        case "null": return v.isNull
        case "boolean": if case .bool = v { return true }; return false
        case "object": if case .object = v { return true }; return false
        case "array": if case .array = v { return true }; return false
        case "string": if case .string = v { return true }; return false
        case "number":
            switch v { case .integer, .number: return true; default: return false }
        case "integer":
            switch v {
            case .integer: return true
            case let .number(d, source):
                if let source, JSONNumberText.isIntegerToken(source) { return true }
                return d.isFinite && d.rounded() == d
            default: return false
            }
        default: return false
        }
    }

    static func typeDescription(_ v: JSONValue) -> String {
        if case .number = v, hasType(v, "integer") { return "integer" }
        return v.typeName
    }

    // MARK: Object applicators

    private func evaluateObjectKeywords(_ o: JSONObject, _ object: JSONObject, base: String, draft: SchemaDraft,
                                        parts: inout EvaluatedParts) -> Bool {
        var valid = true
        var local = Set<String>()
        let properties = o["properties"]?.objectValue
        if let properties {
            for (name, s) in properties {
                guard let value = object[name] else { continue }
                if sub(s, value, base: base, draft: draft, keyword: "properties", JSONPointer.escape(name), instanceToken: name) == nil { valid = false }
                local.insert(name)
            }
        }
        var patternMatched = Set<String>()
        if case .object(let pp)? = o["patternProperties"] {
            for (pattern, s) in pp {
                guard let regex = regex(pattern) else { continue }
                for (name, value) in object where (try? regex.firstMatch(in: name)) != nil {
                    patternMatched.insert(name)
                    if sub(s, value, base: base, draft: draft, keyword: "patternProperties", JSONPointer.escape(pattern), instanceToken: name) == nil { valid = false }
                }
            }
            local.formUnion(patternMatched)
        }
        if let additional = o["additionalProperties"] {
            for (name, value) in object where properties?[name] == nil && !patternMatched.contains(name) {
                if case .bool(false) = additional {
                    pushInstance(name)
                    fail("additionalProperties", "property \(JSONValue.string(name).jsonString()) is not allowed")
                    popInstance()
                    valid = false
                } else if sub(additional, value, base: base, draft: draft, keyword: "additionalProperties", instanceToken: name) == nil {
                    valid = false
                }
            }
            parts.allProperties = true
        }
        if let names = o["propertyNames"] {
            for name in object.keys {
                schemaPath.append("propertyNames")
                pushInstance(name)
                let r = evaluate(names, .string(name), base: base, draft: draft)
                popInstance()
                schemaPath.removeLast()
                if r == nil { valid = false }
            }
        }
        if draft == .draft2020_12, case .object(let deps)? = o["dependentSchemas"] {
            for (name, s) in deps where object.contains(name) {
                if let r = sub(s, .object(object), base: base, draft: draft, keyword: "dependentSchemas", JSONPointer.escape(name)) { parts.merge(r) } else { valid = false }
            }
        }
        if draft == .draft7, case .object(let deps)? = o["dependencies"] {
            for (name, dep) in deps where object.contains(name) {
                if case .array(let list) = dep {
                    let missing = list.compactMap(\.stringValue).filter { !object.contains($0) }
                    if !missing.isEmpty {
                        schemaPath.append("dependencies")
                        fail(name, "property \(JSONValue.string(name).jsonString()) requires \(missing.map { JSONValue.string($0).jsonString() }.joined(separator: ", "))")
                        schemaPath.removeLast()
                        valid = false
                    }
                } else if sub(dep, .object(object), base: base, draft: draft, keyword: "dependencies", JSONPointer.escape(name)) == nil {
                    valid = false
                }
            }
        }
        parts.properties.formUnion(local)
        if draft == .draft2020_12, let unevaluated = o["unevaluatedProperties"] {
            if !parts.allProperties {
                for (name, value) in object where !parts.properties.contains(name) {
                    if case .bool(false) = unevaluated {
                        pushInstance(name)
                        fail("unevaluatedProperties", "property \(JSONValue.string(name).jsonString()) is not allowed (not evaluated by any other keyword)")
                        popInstance()
                        valid = false
                    } else if sub(unevaluated, value, base: base, draft: draft, keyword: "unevaluatedProperties", instanceToken: name) == nil {
                        valid = false
                    }
                }
            }
            parts.allProperties = true
        }
        return valid
    }

    // MARK: Array applicators

    private func evaluateArrayKeywords(_ o: JSONObject, _ array: [JSONValue], base: String, draft: SchemaDraft,
                                       parts: inout EvaluatedParts) -> Bool {
        var valid = true
        if draft == .draft2020_12 {
            var prefix = 0
            if case .array(let schemas)? = o["prefixItems"] {
                for (i, s) in schemas.enumerated() where i < array.count {
                    if sub(s, array[i], base: base, draft: draft, keyword: "prefixItems", String(i), instanceToken: String(i)) == nil { valid = false }
                }
                prefix = min(schemas.count, array.count)
                parts.itemsPrefix = max(parts.itemsPrefix, prefix)
            }
            if let items = o["items"] {
                for i in prefix..<max(prefix, array.count) {
                    if case .bool(false) = items {
                        pushInstance(String(i))
                        fail("items", "no item is allowed at index \(i) (items is false after \(prefix) prefix items)")
                        popInstance()
                        valid = false
                    } else if sub(items, array[i], base: base, draft: draft, keyword: "items", instanceToken: String(i)) == nil {
                        valid = false
                    }
                }
                parts.allItems = true
            }
        } else {
            if case .array(let schemas)? = o["items"] {
                for (i, s) in schemas.enumerated() where i < array.count {
                    if sub(s, array[i], base: base, draft: draft, keyword: "items", String(i), instanceToken: String(i)) == nil { valid = false }
                }
                if let additional = o["additionalItems"], schemas.count < array.count {
                    for i in schemas.count..<array.count {
                        if sub(additional, array[i], base: base, draft: draft, keyword: "additionalItems", instanceToken: String(i)) == nil { valid = false }
                    }
                }
            } else if let items = o["items"] {
                for (i, item) in array.enumerated() {
                    if sub(items, item, base: base, draft: draft, keyword: "items", instanceToken: String(i)) == nil { valid = false }
                }
            }
        }
        if let contains = o["contains"] {
            var matched: [Int] = []
            for (i, item) in array.enumerated() {
                pushInstance(String(i))
                if probe(contains, item, base: base, draft: draft, keyword: "contains") != nil { matched.append(i) }
                popInstance()
            }
            let minContains = draft == .draft2020_12 ? (o["minContains"]?.doubleValue ?? 1) : 1
            let maxContains = draft == .draft2020_12 ? o["maxContains"]?.doubleValue : nil
            if Double(matched.count) < minContains {
                if o["minContains"] != nil && draft == .draft2020_12 {
                    fail("minContains", "\(matched.count) items match \"contains\", fewer than \(Int(minContains))")
                } else {
                    fail("contains", "no item matches the \"contains\" schema")
                }
                valid = false
            }
            if let maxContains, Double(matched.count) > maxContains {
                fail("maxContains", "\(matched.count) items match \"contains\", more than \(Int(maxContains))")
                valid = false
            }
            if draft == .draft2020_12 { parts.containsIndices.formUnion(matched) }
        }
        if draft == .draft2020_12, let unevaluated = o["unevaluatedItems"] {
            if !parts.allItems {
                for i in parts.itemsPrefix..<max(parts.itemsPrefix, array.count) where !parts.containsIndices.contains(i) {
                    if sub(unevaluated, array[i], base: base, draft: draft, keyword: "unevaluatedItems", instanceToken: String(i)) == nil { valid = false }
                }
            }
            parts.allItems = true
        }
        return valid
    }
}
