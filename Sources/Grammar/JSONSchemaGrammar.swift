import Schema

/// How `JSONSchemaGrammar` lays out documents and treats unspecified properties.
public struct JSONSchemaGrammarOptions: Sendable, Equatable {
    /// Whitespace between JSON tokens.
    public enum Whitespace: Sendable, Equatable {
        /// None at all (`{"a":1}`).
        case compact
        /// Runs of space, tab, newline and carriage return up to `maxRun` bytes wherever JSON allows them.
        case flexible(maxRun: Int)
    }
    /// Order of an object's declared properties.
    public enum PropertyOrder: Sendable, Equatable {
        /// As `properties` lists them (other keys anywhere between).
        case declared
        /// Any order for objects that declare at most `JSONSchemaGrammar.maxAnyOrderProperties`
        /// properties (every permutation is spelled out); larger objects keep the declared order.
        case any
    }
    public var whitespace: Whitespace
    public var propertyOrder: PropertyOrder
    /// Treat a missing `additionalProperties` as `false` (the spec's default is `true`).
    public var strictAdditionalProperties: Bool

    public init(whitespace: Whitespace = .compact, propertyOrder: PropertyOrder = .declared, strictAdditionalProperties: Bool = false) {
        self.whitespace = whitespace
        self.propertyOrder = propertyOrder
        self.strictAdditionalProperties = strictAdditionalProperties
    }
}

/// A schema keyword that cannot be enforced exactly (or an invalid schema), by keyword and JSON pointer.
public struct JSONSchemaGrammarError: Error, Equatable, CustomStringConvertible {
    public let keyword: String
    public let pointer: String
    public let message: String

    public init(keyword: String, pointer: String, message: String) {
        self.keyword = keyword
        self.pointer = pointer
        self.message = message
    }

    public var description: String {
        "JSON Schema keyword '\(keyword)' at \(pointer.isEmpty ? "(root)" : pointer) cannot be enforced: \(message)"
    }
}

/// JSON Schema (draft 2020-12, with the draft-04/06/07 spellings) compiled to the grammar IR.
///
/// Every assertion keyword is enforced exactly or rejected with a `JSONSchemaGrammarError`:
/// the grammar never accepts a document the schema rejects. Canonical text is produced where
/// JSON has choices: strings whose value is constrained (pattern, format, enum, property names)
/// use the Schema printer's escapes; numbers under bounds are written without exponents.
public enum JSONSchemaGrammar {
    /// Largest number of declared properties `PropertyOrder.any` handles.
    public static let maxAnyOrderProperties = 8

    /// Compiles `schema` (an object or a boolean).
    public static func compile(_ schema: JSONValue, options: JSONSchemaGrammarOptions = .init()) throws -> Grammar {
        let c = SchemaCompiler(root: schema, options: options)
        return try c.compileRoot()
    }
}

/// One schema (object or boolean) with its location.
struct SubSchema {
    var value: JSONValue
    var pointer: String
}

/// The assertions of one or more schemas merged (`allOf`).
struct Constraints {
    var isFalse = false
    /// nil: any type. "number" includes integers.
    var types: Set<String>? = nil
    var typesPointer = ""
    var enumValues: [JSONValue]? = nil
    var enumPointer = ""
    // strings
    var minLength = 0, maxLength: Int? = nil
    var lengthPointer = ""
    var patterns: [(String, String)] = []
    /// Patterns excluded by `not: {pattern: …}` (strings must not match them).
    var negatedPatterns: [(String, String)] = []
    var formats: [(String, String)] = []
    // numbers
    var lower: (JSONValue, Bool, String)? = nil     // value, exclusive, pointer
    var upper: (JSONValue, Bool, String)? = nil
    var extraLowers: [(JSONValue, Bool, String)] = []
    var extraUppers: [(JSONValue, Bool, String)] = []
    var multipleOf: [(JSONValue, String)] = []
    // objects
    var properties: [(String, [SubSchema])] = []
    var patternProperties: [(String, [SubSchema], String)] = []
    var additional: [SubSchema]? = nil
    var additionalPointer = ""
    var required: [String] = []
    var minProperties = 0, maxProperties: Int? = nil
    var propertiesCountPointer = ""
    var propertyNames: [SubSchema] = []
    // arrays
    var prefixItems: [[SubSchema]]? = nil
    var items: [SubSchema]? = nil           // for elements past the prefix; nil: any
    var itemsPointer = ""
    var minItems = 0, maxItems: Int? = nil
    var itemsCountPointer = ""
    var uniqueItems: String? = nil          // pointer when true
    var contains: [SubSchema] = []
    var containsPointer = ""
    // combinators
    var disjunctions: [(branches: [SubSchema], exclusive: Bool, pointer: String)] = []
    var nots: [SubSchema] = []
    /// String values excluded by `not` (canonical spelling).
    var excludedStrings: [String] = []
    /// Property names excluded by `not: {required: [name]}`.
    var forbidden: [String] = []
    /// Pointers of every schema merged in.
    var sources: [String] = []

    func hasKeyword(forType t: String) -> Bool {
        switch t {
        case "string": return minLength > 0 || maxLength != nil || !patterns.isEmpty || !formats.isEmpty || !negatedPatterns.isEmpty
        case "number", "integer": return lower != nil || upper != nil || !multipleOf.isEmpty || !extraLowers.isEmpty || !extraUppers.isEmpty
        case "object": return !properties.isEmpty || !patternProperties.isEmpty || additional != nil || !required.isEmpty
            || minProperties > 0 || maxProperties != nil || !propertyNames.isEmpty
        case "array": return prefixItems != nil || items != nil || minItems > 0 || maxItems != nil || uniqueItems != nil || !contains.isEmpty
        default: return false
        }
    }
}

private let allTypes: Set<String> = ["null", "boolean", "object", "array", "string", "number"]

/// Keywords with no effect on validity.
let annotationKeywords: Set<String> = [
    "$schema", "$id", "id", "$anchor", "$dynamicAnchor", "$comment", "$defs", "definitions", "$vocabulary",
    "title", "description", "default", "examples", "example", "deprecated", "readOnly", "writeOnly",
    "contentEncoding", "contentMediaType", "contentSchema",
]

/// Assertion keywords this compiler does not enforce (an error when present).
private let unsupportedKeywords: Set<String> = [
    "if", "then", "else", "unevaluatedProperties",
    "unevaluatedItems", "minContains", "maxContains", "$dynamicRef", "$recursiveRef", "$recursiveAnchor",
]

final class SchemaCompiler {
    let root: JSONValue
    let options: JSONSchemaGrammarOptions
    /// Draft-04/06/07 roots: siblings of `$ref` are ignored (as the validator does).
    let refOverrides: Bool
    let legacyDraft: Bool
    var rules: [GrammarRule] = []
    var memo: [String: Int] = [:]
    /// Schemas made up by the compiler (dependencies), by their pseudo-pointer.
    var syntheticSchemas: [String: JSONValue] = [:]
    var anchors: [String: String] = [:]
    var rootID: String? = nil
    let ws: GrammarExpr
    /// How keys and strings are spelled (JSON unless a structural-tag style says otherwise).
    var spelling = JSONSpelling.json
    var anyValueRule: Int? = nil
    var stringCharRuleIndex: Int? = nil
    /// A delimited raw string's body (no delimiter inside), built once.
    var rawStringRuleIndex: Int? = nil
    var checkDepth = 0
    var parseDepth = 0
    var budget = 20_000
    static let maxRules = 50_000
    static let maxDepth = 150
    /// Nesting of `compile` calls (subschemas and alternatives together).
    static let maxCompileDepth = 200
    var compileDepth = 0
    var disjointDepth = 0
    /// The keyword (pointer) that last stopped `complement`.
    var complementBlocker = ""
    var depth = 0

    init(root: JSONValue, options: JSONSchemaGrammarOptions) {
        self.root = root
        self.options = options
        let declared = root["$schema"]?.stringValue ?? ""
        refOverrides = declared.contains("draft-04") || declared.contains("draft-06") || declared.contains("draft-07")
        legacyDraft = declared.contains("draft-04") || declared.contains("draft-06")
        switch options.whitespace {
        case .compact: ws = .empty
        case .flexible(let n): ws = .repeat(.byteSet(ByteSet(Array(" \t\n\r".utf8))), min: 0, max: max(0, n))
        }
    }

    func fail(_ keyword: String, _ pointer: String, _ message: String) -> JSONSchemaGrammarError {
        JSONSchemaGrammarError(keyword: keyword, pointer: pointer, message: message)
    }

    /// The whole document; `padded`: whitespace may come before and after it.
    func compileRoot(padded: Bool = true) throws -> Grammar {
        switch root {
        case .object, .bool: break
        default: throw fail("", "", "a schema must be an object or a boolean, found \(root.typeName)")
        }
        rootID = (root["$id"] ?? root["id"])?.stringValue.map { stripFragment($0) }
        collectAnchors(root, "")
        let top = try ruleFor([SubSchema(value: root, pointer: "")])
        rules.append(GrammarRule(name: "root", body: padded ? .sequence([ws, .rule(top), ws]) : .rule(top)))
        let g = Grammar(rules: rules, root: rules.count - 1)
        try g.validate()
        return g
    }

    // MARK: references

    private func stripFragment(_ s: String) -> String {
        if let i = s.firstIndex(of: "#") { return String(s[..<i]) }
        return s
    }

    private func collectAnchors(_ v: JSONValue, _ ptr: String, depth: Int = 0) {
        if depth > Self.maxDepth * 2 { return }   // deeper schemas fail in compile anyway
        guard case .object(let o) = v else {
            if case .array(let a) = v { for (i, x) in a.enumerated() { collectAnchors(x, ptr + "/\(i)", depth: depth + 1) } }
            return
        }
        if let a = o["$anchor"]?.stringValue { anchors[a] = ptr }
        if let id = (o["$id"] ?? o["id"])?.stringValue, id.hasPrefix("#"), id.count > 1 { anchors[String(id.dropFirst())] = ptr }
        for (k, x) in o where !["enum", "const", "default", "examples", "example"].contains(k) {
            collectAnchors(x, ptr + "/" + JSONPointer.escape(k), depth: depth + 1)
        }
    }

    func resolve(_ ref: String, at pointer: String) throws -> SubSchema {
        var r = ref
        if let id = rootID, !id.isEmpty, r.hasPrefix(id) { r = String(r.dropFirst(id.count)) }
        guard r.hasPrefix("#") else {
            throw fail("$ref", pointer, "only references within the document are supported, not \(ref)")
        }
        let frag = JSONPointer.percentDecode(String(r.dropFirst()))
        var target = frag
        if !frag.isEmpty && !frag.hasPrefix("/") {
            guard let p = anchors[frag] else { throw fail("$ref", pointer, "no anchor \(frag) in the document") }
            target = p
        }
        guard let v = JSONPointer.resolve(target, in: root) else {
            throw fail("$ref", pointer, "\(ref) does not point into the document")
        }
        return SubSchema(value: v, pointer: target)
    }

    // MARK: parsing and merging

    func parse(_ s: SubSchema, refDepth: Int = 0) throws -> Constraints {
        parseDepth += 1
        defer { parseDepth -= 1 }
        if parseDepth > Self.maxDepth { throw fail("allOf", s.pointer, "schemas nested deeper than \(Self.maxDepth)") }
        var c = Constraints()
        c.sources = [s.pointer]
        switch s.value {
        case .bool(let b): c.isFalse = !b; return c
        case .object: break
        default: throw fail("", s.pointer, "a schema must be an object or a boolean, found \(s.value.typeName)")
        }
        guard case .object(let o) = s.value else { return c }
        let p = s.pointer
        func kp(_ k: String) -> String { p + "/" + JSONPointer.escape(k) }

        var deferred: [Constraints] = []
        if let ref = o["$ref"] {
            guard let r = ref.stringValue else { throw fail("$ref", kp("$ref"), "must be a string") }
            if refDepth > 64 { throw fail("$ref", kp("$ref"), "references form a cycle that never reaches a schema") }
            let target = try parse(resolve(r, at: kp("$ref")), refDepth: refDepth + 1)
            if refOverrides { return target }
            deferred.append(target)
        }
        for (k, v) in o {
            if k == "$ref" || annotationKeywords.contains(k) { continue }
            if unsupportedKeywords.contains(k) {
                if legacyDraft && ["if", "then", "else"].contains(k) { continue }
                if (k == "minContains" || k == "maxContains") && o["contains"] == nil { continue }
                if (k == "then" || k == "else") && o["if"] == nil { continue }
                throw fail(k, kp(k), "not supported by the grammar compiler")
            }
            switch k {
            case "type":
                var ts: Set<String> = []
                let list = v.arrayValue ?? [v]
                for t in list {
                    guard let name = t.stringValue, allTypes.contains(name) || name == "integer" else {
                        throw fail("type", kp(k), "unknown type \(t.jsonString())")
                    }
                    ts.insert(name)
                }
                c.types = intersectTypes(c.types, ts)
                c.typesPointer = kp(k)
            case "enum":
                guard let a = v.arrayValue else { throw fail("enum", kp(k), "must be an array") }
                c.enumValues = intersectEnum(c.enumValues, a); c.enumPointer = kp(k)
            case "const":
                c.enumValues = intersectEnum(c.enumValues, [v]); c.enumPointer = kp(k)
            case "minLength": c.minLength = max(c.minLength, try count(v, kp(k))); c.lengthPointer = kp(k)
            case "maxLength": c.maxLength = min(c.maxLength ?? Int.max, try count(v, kp(k))); c.lengthPointer = kp(k)
            case "pattern":
                guard let pat = v.stringValue else { throw fail("pattern", kp(k), "must be a string") }
                c.patterns.append((pat, kp(k)))
            case "format":
                guard let f = v.stringValue else { throw fail("format", kp(k), "must be a string") }
                c.formats.append((f, kp(k)))
            case "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum":
                if case .bool(let b) = v {
                    // Draft-04: a boolean modifier of minimum / maximum.
                    if !b { continue }
                    let base = k == "exclusiveMinimum" ? "minimum" : "maximum"
                    guard o[base]?.doubleValue != nil else { continue }
                    continue
                }
                guard v.doubleValue != nil else { throw fail(k, kp(k), "must be a number") }
                var exclusive = k.hasPrefix("exclusive")
                if !exclusive, case .bool(true)? = o["exclusive" + (k == "minimum" ? "Minimum" : "Maximum")] { exclusive = true }
                if k.hasSuffix("inimum") || k == "exclusiveMinimum" {
                    c.extraLowers.append((v, exclusive, kp(k)))
                } else {
                    c.extraUppers.append((v, exclusive, kp(k)))
                }
            case "multipleOf":
                guard let d = v.doubleValue, d > 0 else { throw fail("multipleOf", kp(k), "must be a positive number") }
                c.multipleOf.append((v, kp(k)))
            case "properties":
                guard case .object(let props) = v else { throw fail(k, kp(k), "must be an object") }
                for (name, sub) in props {
                    c.properties.append((name, [SubSchema(value: sub, pointer: kp(k) + "/" + JSONPointer.escape(name))]))
                }
            case "patternProperties":
                guard case .object(let props) = v else { throw fail(k, kp(k), "must be an object") }
                for (pat, sub) in props {
                    let sp = kp(k) + "/" + JSONPointer.escape(pat)
                    c.patternProperties.append((pat, [SubSchema(value: sub, pointer: sp)], sp))
                }
            case "additionalProperties":
                c.additional = [SubSchema(value: v, pointer: kp(k))]; c.additionalPointer = kp(k)
            case "required":
                guard let a = v.arrayValue else { throw fail(k, kp(k), "must be an array") }
                for x in a {
                    guard let n = x.stringValue else { throw fail(k, kp(k), "must hold strings") }
                    if !c.required.contains(n) { c.required.append(n) }
                }
            case "minProperties": c.minProperties = try count(v, kp(k)); c.propertiesCountPointer = kp(k)
            case "maxProperties": c.maxProperties = try count(v, kp(k)); c.propertiesCountPointer = kp(k)
            case "propertyNames": c.propertyNames.append(SubSchema(value: v, pointer: kp(k)))
            case "prefixItems":
                guard let a = v.arrayValue else { throw fail(k, kp(k), "must be an array") }
                c.prefixItems = a.enumerated().map { [SubSchema(value: $1, pointer: kp(k) + "/\($0)")] }
            case "items":
                if let a = v.arrayValue {
                    // Draft-07 tuple form; `additionalItems` then governs the rest.
                    c.prefixItems = a.enumerated().map { [SubSchema(value: $1, pointer: kp(k) + "/\($0)")] }
                    if let extra = o["additionalItems"] { c.items = [SubSchema(value: extra, pointer: kp("additionalItems"))] }
                } else {
                    c.items = [SubSchema(value: v, pointer: kp(k))]
                }
                c.itemsPointer = kp(k)
            case "additionalItems": continue
            case "minItems": c.minItems = try count(v, kp(k)); c.itemsCountPointer = kp(k)
            case "maxItems": c.maxItems = try count(v, kp(k)); c.itemsCountPointer = kp(k)
            case "uniqueItems": if v.boolValue == true { c.uniqueItems = kp(k) }
            case "contains": c.contains.append(SubSchema(value: v, pointer: kp(k))); c.containsPointer = kp(k)
            case "allOf":
                guard let a = v.arrayValue, !a.isEmpty else { throw fail(k, kp(k), "must be a non-empty array") }
                for (i, x) in a.enumerated() { deferred.append(try parse(SubSchema(value: x, pointer: kp(k) + "/\(i)"), refDepth: refDepth)) }
            case "anyOf", "oneOf":
                guard let a = v.arrayValue, !a.isEmpty else { throw fail(k, kp(k), "must be a non-empty array") }
                c.disjunctions.append((a.enumerated().map { SubSchema(value: $1, pointer: kp(k) + "/\($0)") }, k == "oneOf", kp(k)))
            case "not": c.nots.append(SubSchema(value: v, pointer: kp(k)))
            case "dependencies", "dependentRequired", "dependentSchemas":
                // "if name is present then …": two disjoint branches, name absent or name present with the rest.
                guard case .object(let deps) = v else { throw fail(k, kp(k), "must be an object") }
                for (name, dep) in deps {
                    let absent: JSONValue = ["not": ["required": [.string(name)]]]
                    var present: JSONValue
                    if let names = dep.arrayValue {
                        guard names.allSatisfy({ $0.stringValue != nil }) else { throw fail(k, kp(k), "must list property names") }
                        present = ["required": .array([.string(name)] + names)]
                    } else {
                        guard k != "dependentRequired" else { throw fail(k, kp(k), "must list property names") }
                        present = ["required": [.string(name)], "allOf": [dep]]
                    }
                    let dp = kp(k) + "/" + JSONPointer.escape(name)
                    syntheticSchemas[dp + "/absent"] = absent
                    syntheticSchemas[dp + "/present"] = present
                    c.disjunctions.append(([SubSchema(value: absent, pointer: dp + "/absent"), SubSchema(value: present, pointer: dp + "/present")], false, dp))
                }
            default: continue   // Unknown keywords are annotations.
            }
        }
        // Numeric bounds: keep the tightest.
        try settleBounds(&c)
        // Referenced and allOf schemas merge with this object's own keywords as a whole, so that
        // additionalProperties / items see only their own object's properties / prefixItems.
        // Their properties come first (the usual instance order for "base schema + own keywords").
        if deferred.isEmpty { return c }
        var merged = deferred[0]
        for d in deferred.dropFirst() { merged = try merge(merged, d) }
        return try merge(merged, c)
    }

    private func count(_ v: JSONValue, _ ptr: String) throws -> Int {
        guard let n = v.int64Value, n >= 0 else { throw fail(String(ptr.split(separator: "/").last ?? ""), ptr, "must be a non-negative integer") }
        return Int(min(n, Int64(Int32.max)))
    }

    func intersectTypes(_ a: Set<String>?, _ b: Set<String>) -> Set<String> {
        guard let a else { return b }
        var out: Set<String> = []
        for t in a {
            if b.contains(t) { out.insert(t) }
            else if t == "integer" && b.contains("number") { out.insert("integer") }
            else if t == "number" && b.contains("integer") { out.insert("integer") }
        }
        return out
    }

    /// The values of `b` (first occurrence, in order) that are also in `a` (all when `a` is nil).
    /// Hashing keeps 100,000-entry enums linear; JSONValue's hash agrees with `sameJSON`.
    func intersectEnum(_ a: [JSONValue]?, _ b: [JSONValue]) -> [JSONValue] {
        let allowed = a.map { Set($0) }
        var seen = Set<JSONValue>()
        var out: [JSONValue] = []
        for x in b where seen.insert(x).inserted {
            if allowed?.contains(x) ?? true { out.append(x) }
        }
        return out
    }

    /// Whether two lists of values share one.
    func overlap(_ a: [JSONValue], _ b: [JSONValue]) -> Bool {
        let small = a.count <= b.count ? a : b, large = a.count <= b.count ? b : a
        let set = Set(small)
        return large.contains { set.contains($0) }
    }

    /// JSON Schema equality, except that `true` and `1` differ (JSONValue's == already keeps them apart).
    func sameJSON(_ a: JSONValue, _ b: JSONValue) -> Bool { a == b }

    private func settleBounds(_ c: inout Constraints) throws {
        for b in c.extraLowers {
            if let cur = c.lower {
                let (x, y) = (b.0.doubleValue!, cur.0.doubleValue!)
                if x > y || (x == y && b.1) { c.lower = b }
            } else { c.lower = b }
        }
        for b in c.extraUppers {
            if let cur = c.upper {
                let (x, y) = (b.0.doubleValue!, cur.0.doubleValue!)
                if x < y || (x == y && b.1) { c.upper = b }
            } else { c.upper = b }
        }
        c.extraLowers = []
        c.extraUppers = []
    }

    func merge(_ a: Constraints, _ b: Constraints) throws -> Constraints {
        var c = a
        c.sources += b.sources
        if b.isFalse { c.isFalse = true }
        if let bt = b.types { c.types = intersectTypes(c.types, bt); c.typesPointer = b.typesPointer }
        if let be = b.enumValues { c.enumValues = intersectEnum(c.enumValues, be); c.enumPointer = b.enumPointer }
        c.minLength = max(a.minLength, b.minLength)
        if let m = b.maxLength { c.maxLength = min(a.maxLength ?? Int.max, m) }
        if !b.lengthPointer.isEmpty { c.lengthPointer = b.lengthPointer }
        c.patterns += b.patterns
        c.negatedPatterns += b.negatedPatterns
        c.formats += b.formats
        if let l = b.lower { c.extraLowers.append(l) }
        if let u = b.upper { c.extraUppers.append(u) }
        try settleBounds(&c)
        c.multipleOf += b.multipleOf
        // Objects.
        if !b.properties.isEmpty || !b.patternProperties.isEmpty || b.additional != nil {
            if (a.additional != nil || !a.patternProperties.isEmpty) || (b.additional != nil || !b.patternProperties.isEmpty) {
                // additionalProperties depends on the sibling properties: a declared name of one side is
                // "additional" for the other side. Merge exactly by conjoining per name.
                var props = a.properties
                for (name, subs) in b.properties {
                    if let i = props.firstIndex(where: { $0.0 == name }) { props[i].1 += subs } else { props.append((name, subs)) }
                }
                func extraSchemas(_ side: Constraints, _ name: String) throws -> [SubSchema] {
                    if side.properties.contains(where: { $0.0 == name }) { return [] }
                    var out: [SubSchema] = []
                    var matched = false
                    for (pat, subs, ptr) in side.patternProperties {
                        if try regex(pat, ptr).matches(name, search: true) { out += subs; matched = true }
                    }
                    if !matched, let add = side.additional { out += add }
                    return out
                }
                for i in props.indices {
                    props[i].1 += try extraSchemas(a, props[i].0) + extraSchemas(b, props[i].0)
                }
                c.properties = props
                if !a.patternProperties.isEmpty && !b.patternProperties.isEmpty {
                    throw fail("patternProperties", b.patternProperties[0].2, "patternProperties in two schemas of an allOf")
                }
                if (!a.patternProperties.isEmpty && b.additional != nil) || (!b.patternProperties.isEmpty && a.additional != nil) {
                    throw fail("additionalProperties", b.additional != nil ? b.additionalPointer : a.additionalPointer,
                               "additionalProperties of one allOf branch alongside patternProperties of another")
                }
                c.patternProperties = a.patternProperties + b.patternProperties
                if let x = a.additional, let y = b.additional { c.additional = x + y }
                else { c.additional = a.additional ?? b.additional }
                if b.additional != nil { c.additionalPointer = b.additionalPointer }
            } else {
                var props = a.properties
                for (name, subs) in b.properties {
                    if let i = props.firstIndex(where: { $0.0 == name }) { props[i].1 += subs } else { props.append((name, subs)) }
                }
                c.properties = props
            }
        }
        for r in b.required where !c.required.contains(r) { c.required.append(r) }
        c.minProperties = max(a.minProperties, b.minProperties)
        if let m = b.maxProperties { c.maxProperties = min(a.maxProperties ?? Int.max, m) }
        if !b.propertiesCountPointer.isEmpty { c.propertiesCountPointer = b.propertiesCountPointer }
        c.propertyNames += b.propertyNames
        // Arrays.
        if let bp = b.prefixItems {
            if let ap = a.prefixItems {
                if ap.count != bp.count || a.items != nil || b.items != nil {
                    throw fail("prefixItems", b.itemsPointer, "two tuple schemas of different shapes in an allOf")
                }
                c.prefixItems = zip(ap, bp).map { $0 + $1 }
            } else if let ai = a.items {
                c.prefixItems = bp.map { $0 + ai }
                c.items = b.items.map { $0 + ai } ?? ai
            } else {
                c.prefixItems = bp
                c.items = b.items
            }
        } else if let bi = b.items {
            if let ap = a.prefixItems {
                c.prefixItems = ap.map { $0 + bi }
                c.items = a.items.map { $0 + bi } ?? bi
            } else {
                c.items = (a.items ?? []) + bi
            }
        }
        if !b.itemsPointer.isEmpty { c.itemsPointer = b.itemsPointer }
        c.minItems = max(a.minItems, b.minItems)
        if let m = b.maxItems { c.maxItems = min(a.maxItems ?? Int.max, m) }
        if !b.itemsCountPointer.isEmpty { c.itemsCountPointer = b.itemsCountPointer }
        c.uniqueItems = a.uniqueItems ?? b.uniqueItems
        c.contains += b.contains
        if !b.containsPointer.isEmpty { c.containsPointer = b.containsPointer }
        c.disjunctions += b.disjunctions
        c.nots += b.nots
        return c
    }

    // MARK: compiling

    var regexCache: [String: RegexPattern] = [:]
    func regex(_ pattern: String, _ ptr: String) throws -> RegexPattern {
        if let r = regexCache[pattern] { return r }
        do {
            let r = try RegexPattern(pattern)
            regexCache[pattern] = r
            return r
        } catch let e as RegexGrammarError {
            throw fail("pattern", ptr, e.description)
        }
    }

    /// The rule for the conjunction of `subs` (memoized by their pointers, so recursion is plain).
    func ruleFor(_ subs: [SubSchema]) throws -> Int {
        // Resolve pure references first so that every path to a schema shares its rule.
        var resolved: [SubSchema] = []
        for s in subs {
            var cur = s
            var hops = 0
            while case .object(let o) = cur.value, o.count == 1, let r = o["$ref"]?.stringValue {
                cur = try resolve(r, at: cur.pointer + "/$ref")
                hops += 1
                if hops > 64 { throw fail("$ref", s.pointer, "references form a cycle that never reaches a schema") }
            }
            if case .bool(true) = cur.value { continue }
            if case .object(let o) = cur.value, o.keys.allSatisfy({ annotationKeywords2.contains($0) }) { continue }
            if !resolved.contains(where: { $0.pointer == cur.pointer }) { resolved.append(cur) }
        }
        let key = resolved.isEmpty ? "\u{1}any" : resolved.map(\.pointer).sorted().joined(separator: "\u{0}")
        if let r = memo[key] { return r }
        if rules.count > Self.maxRules { throw fail("", subs.first?.pointer ?? "", "the grammar grows past \(Self.maxRules) rules") }
        let index = rules.count
        rules.append(GrammarRule(name: resolved.first.map { $0.pointer.isEmpty ? "schema" : $0.pointer } ?? "any", body: .nothing))
        memo[key] = index
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw fail("", subs.first?.pointer ?? "", "schemas nested deeper than \(Self.maxDepth)") }
        var c = Constraints()
        for s in resolved { c = try merge(c, parse(s)) }
        rules[index].body = try compile(c)
        return index
    }

    func compile(_ c: Constraints) throws -> GrammarExpr {
        budget -= 1
        if budget < 0 { throw fail("anyOf", c.sources.first ?? "", "the schema expands to too many alternatives") }
        // Nested anyOf/oneOf recurse here without passing through ruleFor: bound the stack.
        compileDepth += 1
        defer { compileDepth -= 1 }
        if compileDepth > Self.maxCompileDepth {
            let d = c.disjunctions.first
            throw fail(d.map { $0.exclusive ? "oneOf" : "anyOf" } ?? "", d?.pointer ?? c.sources.first ?? "",
                       "schemas nested deeper than \(Self.maxCompileDepth)")
        }
        if c.isFalse { return .nothing }
        if let d = c.disjunctions.first {
            var rest = c
            rest.disjunctions.removeFirst()
            var branches: [Constraints] = []
            for b in d.branches {
                let m = try merge(rest, parse(b))
                branches.append(m)
            }
            if branches.count > 64 && c.disjunctions.count > 1 {
                throw fail(d.exclusive ? "oneOf" : "anyOf", d.pointer, "nested alternatives expand to too many branches")
            }
            // oneOf: branches that may overlap exclude each other through their complements
            // (exactly one of A, B: A and not B, or B and not A).
            var overlapping = [[Int]](repeating: [], count: branches.count)
            var overlap: (Int, Int)? = nil
            if d.exclusive {
                for i in branches.indices {
                    for j in branches.indices where j > i && !disjoint(branches[i], branches[j]) {
                        overlapping[i].append(j); overlapping[j].append(i)
                        if overlap == nil { overlap = (i, j) }
                    }
                }
            }
            guard let (oi, oj) = overlap else { return .choice(try branches.map { try compile($0) }) }
            do {
                for i in branches.indices {
                    for j in overlapping[i] {
                        let b = d.branches[j]
                        complementBlocker = ""
                        guard let comp = try complement(b) else {
                            throw fail("oneOf", complementBlocker.isEmpty ? b.pointer : complementBlocker,
                                       "branch \(j) has no exact complement (its keyword \(complementBlocker.split(separator: "/").last.map { "'\($0)'" } ?? "") has none here)")
                        }
                        branches[i] = try merge(branches[i], parse(SubSchema(value: comp, pointer: complementPointer(b.pointer))))
                    }
                }
                return .choice(try branches.map { try compile($0) })
            } catch let e as JSONSchemaGrammarError {
                throw fail("oneOf", d.pointer, "branches \(oi) and \(oj) may both match, and excluding one from the other fails: \(e.message) (at \(e.pointer.isEmpty ? "(root)" : e.pointer))")
            }
        }
        if let values = c.enumValues { return try compileEnum(values, c) }
        var types = c.types ?? allTypes
        var c = c
        do {
            var trial = c, trialTypes = types
            try applyNots(&trial, &trialTypes)
            c = trial; types = trialTypes
        } catch let e as JSONSchemaGrammarError where e.keyword == "not" {
            // A `not` beyond types, constants and one required property: its complement, when
            // every keyword of it has one (the original error otherwise).
            guard let i = c.nots.firstIndex(where: { $0.pointer == e.pointer }),
                  let comp = try? complement(c.nots[i]), comp != ["not": c.nots[i].value] else { throw e }
            var rewritten = c
            let n = rewritten.nots.remove(at: i)
            do {
                rewritten = try merge(rewritten, parse(SubSchema(value: comp, pointer: complementPointer(n.pointer))))
                return try compile(rewritten)
            } catch is JSONSchemaGrammarError { throw e }
        }
        if let values = c.enumValues { return try compileEnum(values, c) }
        var alts: [GrammarExpr] = []
        for t in ["null", "boolean", "object", "array", "string", "number", "integer"] where types.contains(t) {
            if t == "integer" && types.contains("number") { continue }
            switch t {
            case "null": alts.append(.choice(spelling.nulls.map { .literal($0) }))
            case "boolean": alts.append(.choice([.literal("true"), .literal("false")]))
            case "string": alts.append(try compileString(c))
            case "number", "integer": alts.append(try compileNumber(c, integer: t == "integer"))
            case "object": alts.append(try compileObject(c))
            case "array": alts.append(try compileArray(c))
            default: break
            }
        }
        return alts.count == 1 ? alts[0] : .choice(alts)
    }

    /// Two merged branches can never both hold for one instance.
    func disjoint(_ a: Constraints, _ b: Constraints) -> Bool {
        if a.isFalse || b.isFalse { return true }
        let ta = effectiveTypes(a), tb = effectiveTypes(b)
        if intersectTypes(ta, tb).isEmpty { return true }
        if let ea = a.enumValues, let eb = b.enumValues, !overlap(ea, eb) { return true }
        // A value satisfies the other side when it is in that side's enum (checked by hashing,
        // not by a scan per value) and satisfies the rest of it.
        func someSatisfies(_ values: [JSONValue], _ other: Constraints) -> Bool {
            var rest = other
            var candidates = values
            if let e = other.enumValues {
                let set = Set(e)
                candidates = values.filter { set.contains($0) }
                rest.enumValues = nil
            }
            return candidates.contains { (try? valueSatisfies($0, rest)) ?? true }
        }
        if let ea = a.enumValues, !someSatisfies(ea, b) { return true }
        if let eb = b.enumValues, !someSatisfies(eb, a) { return true }
        // Objects told apart by a required property with disjoint constant values, or one side
        // requiring a property the other forbids.
        let objectsOnly = intersectTypes(ta, tb) == ["object"]
        if objectsOnly {
            for r in a.required where b.required.contains(r) {
                if let va = constValues(a, r), let vb = constValues(b, r), !overlap(va, vb) { return true }
            }
            if a.required.contains(where: { forbids(b, $0) }) || b.required.contains(where: { forbids(a, $0) }) { return true }
            // A property one side requires whose values the two sides keep apart (e.g. a string
            // on one side, and on the other a null through patternProperties).
            if disjointDepth < 4 {
                disjointDepth += 1
                defer { disjointDepth -= 1 }
                for (x, y) in [(a, b), (b, a)] {
                    for r in x.required {
                        guard let sx = valueSchemas(x, r), let sy = valueSchemas(y, r), !sx.isEmpty, !sy.isEmpty else { continue }
                        guard let cx = try? sx.reduce(Constraints(), { try merge($0, parse($1)) }),
                              let cy = try? sy.reduce(Constraints(), { try merge($0, parse($1)) }) else { continue }
                        if cx.disjunctions.isEmpty && cy.disjunctions.isEmpty && disjoint(cx, cy) { return true }
                    }
                }
            }
        }
        return false
    }

    /// Schemas that a property `name` of an object must satisfy under `c` (a subset of them
    /// when patterns cannot be matched); nil when unknown.
    private func valueSchemas(_ c: Constraints, _ name: String) -> [SubSchema]? {
        if let (_, subs) = c.properties.first(where: { $0.0 == name }) { return subs }
        var out: [SubSchema] = []
        var matched = false
        for (pat, subs, ptr) in c.patternProperties {
            guard let m = try? regex(pat, ptr).matches(name, search: true) else { return nil }
            if m { out += subs; matched = true }
        }
        if !matched, let add = c.additional { out += add }
        return out
    }

    private func effectiveTypes(_ c: Constraints) -> Set<String> {
        if let e = c.enumValues {
            return Set(e.map { v -> String in
                if case .number(let d, _) = v, d.rounded() != d { return "number" }
                return v.typeName == "integer" ? "integer" : v.typeName
            })
        }
        var types = c.types ?? allTypes
        // Every instance satisfies a branch of each anyOf / oneOf: the types of their union.
        if disjointDepth < 4 {
            disjointDepth += 1
            defer { disjointDepth -= 1 }
            for d in c.disjunctions {
                var union: Set<String> = []
                for b in d.branches {
                    guard let bc = try? parse(b) else { return types }
                    union.formUnion(effectiveTypes(bc))
                }
                types = intersectTypes(types, union)
            }
        }
        return types
    }

    private func constValues(_ c: Constraints, _ name: String) -> [JSONValue]? {
        guard let (_, subs) = c.properties.first(where: { $0.0 == name }) else { return nil }
        var values: [JSONValue]? = nil
        for s in subs {
            if let e = (try? parse(s))?.enumValues { values = intersectEnum(values, e) }
        }
        return values
    }

    private func forbids(_ c: Constraints, _ name: String) -> Bool {
        // not {required: [name]}
        if c.nots.contains(where: { if case .object(let o) = $0.value, o.count == 1, o["required"] == [.string(name)] { return true }; return false }) { return true }
        if let (_, subs) = c.properties.first(where: { $0.0 == name }) {
            return subs.contains { if case .bool(false) = $0.value { return true }; return false }
        }
        if !c.patternProperties.isEmpty {
            // The schemas that apply to `name`: the matching patterns', else additionalProperties.
            guard let subs = valueSchemas(c, name) else { return false }
            return subs.contains { if case .bool(false) = $0.value { return true }; return false }
        }
        if let add = c.additional, add.contains(where: { if case .bool(false) = $0.value { return true }; return false }) { return true }
        return false
    }

    // MARK: not

    private func applyNots(_ c: inout Constraints, _ types: inout Set<String>) throws {
        for n in c.nots {
            let nc = try parse(n)
            if nc.isFalse { continue }
            let onlyTypes = nc.types != nil && nc.enumValues == nil && !allTypes.union(["integer"]).contains { nc.hasKeyword(forType: $0) }
                && nc.disjunctions.isEmpty && nc.nots.isEmpty
            if case .bool(true) = n.value { types = []; continue }
            if case .object(let o) = n.value, o.isEmpty { types = []; continue }
            if onlyTypes {
                for t in nc.types! {
                    types.remove(t)
                    if t == "number" { types.remove("integer") }
                    if t == "integer" && types.contains("number") {
                        throw fail("not", n.pointer, "excluding integers from numbers is not supported")
                    }
                }
                continue
            }
            if let values = nc.enumValues, nc.types == nil, !allTypes.union(["integer"]).contains(where: { nc.hasKeyword(forType: $0) }),
               nc.disjunctions.isEmpty, nc.nots.isEmpty {
                // Excluded constants: null / booleans drop out of the types; strings need an
                // enumerable or unconstrained string side.
                var strings: [String] = []
                for v in values {
                    switch v {
                    case .null: types.remove("null")
                    case .bool(let b):
                        if types.contains("boolean") {
                            types.remove("boolean")
                            let other = !b
                            if !values.contains(where: { $0 == .bool(other) }) {
                                c.enumValues = (c.enumValues ?? []) + [.bool(other)]
                            }
                        }
                    case .string(let s): strings.append(s)
                    default:
                        if types.contains(v.typeName) || (v.typeName == "integer" && types.contains("number")) {
                            throw fail("not", n.pointer, "excluding a \(v.typeName) constant is not supported")
                        }
                    }
                }
                if c.enumValues != nil {
                    // Only booleans survive as an enum; other types go through their own grammars below.
                    if !types.isEmpty { throw fail("not", n.pointer, "excluding one boolean alongside other types is not supported") }
                }
                if !strings.isEmpty && types.contains("string") {
                    c.excludedStrings += strings
                }
                continue
            }
            if nc.types == nil && nc.enumValues == nil && nc.patterns.count == 1 && nc.negatedPatterns.isEmpty && nc.formats.isEmpty
                && nc.minLength == 0 && nc.maxLength == nil && nc.disjunctions.isEmpty && nc.nots.isEmpty
                && !["object", "number", "array"].contains(where: { nc.hasKeyword(forType: $0) }) {
                // Strings that do not match the pattern (other types satisfy it).
                c.negatedPatterns.append(nc.patterns[0])
                types = types.intersection(["string"])
                continue
            }
            if nc.types == nil && nc.enumValues == nil && nc.required.count == 1 && nc.properties.isEmpty && nc.patternProperties.isEmpty
                && nc.additional == nil && nc.disjunctions.isEmpty && nc.nots.isEmpty
                && !["string", "number", "array"].contains(where: { nc.hasKeyword(forType: $0) }) && nc.minProperties == 0 && nc.maxProperties == nil
                && nc.propertyNames.isEmpty {
                // Valid only for objects that lack the property.
                c.forbidden.append(nc.required[0])
                types = types.intersection(["object"])
                continue
            }
            throw fail("not", n.pointer, "only types, constants and one required property can be excluded")
        }
    }
}
