/// JSON Schema dialects the validator implements.
public enum SchemaDraft: String, Sendable, CaseIterable {
    case draft7 = "7"
    case draft2020_12 = "2020-12"

    /// The dialect a `$schema` URI names; nil when it names neither draft.
    public init?(schemaURI: String) {
        if schemaURI.contains("draft-07") || schemaURI.contains("draft-06") || schemaURI.contains("draft-04") {
            self = .draft7
        } else if schemaURI.contains("2020-12") || schemaURI.contains("2019-09") {
            self = .draft2020_12
        } else {
            return nil
        }
    }
}

/// One reason an instance does not satisfy a schema.
public struct SchemaValidationError: Sendable, Equatable, CustomStringConvertible {
    /// JSON pointer to the offending part of the instance (`""` is the whole instance).
    public let instancePointer: String
    /// JSON pointer along the evaluation path of the schema to the failing keyword
    /// (through `$ref`s, e.g. `/properties/a/$ref/type`).
    public let schemaPointer: String
    /// The failing keyword.
    public let keyword: String
    /// What is wrong.
    public let message: String
    /// True when the fault lies in the schema (a `$ref` cycle that consumes nothing), not in the instance.
    public var isSchemaDefect: Bool = false

    public var description: String {
        "instance \(instancePointer.isEmpty ? "(root)" : instancePointer): \(message) [schema \(schemaPointer.isEmpty ? "(root)" : schemaPointer)]"
    }
}

/// A schema that cannot be used: where (JSON pointer into the schema) and why.
public struct SchemaLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// JSON pointer into the schema document (or `URI#pointer` for a referenced document).
    public let pointer: String
    /// What is wrong and how to fix it.
    public let message: String

    public init(pointer: String, message: String) {
        self.pointer = pointer
        self.message = message
    }

    public var description: String { "schema \(pointer.isEmpty ? "(root)" : pointer): \(message)" }
}

/// A JSON Schema validator for draft 2020-12 and draft 7.
///
/// Built once per schema: `$id`s, `$anchor`s and `$dynamicAnchor`s are indexed, every `$ref`
/// is resolved (remote documents from `remotes` / `loader`, the official metaschemas built in),
/// and every `pattern` is compiled, so a broken schema fails here with a pointer. `format` is
/// an annotation unless `formatAssertion` is set. A `$ref` cycle that does not consume the
/// instance is reported as an error instead of recursing forever.
public struct SchemaValidator: @unchecked Sendable {
    // @unchecked: the compiled regexes are immutable after init (Regex is not marked Sendable).
    public let schema: JSONValue
    public let draft: SchemaDraft
    public let formatAssertion: Bool
    let registry: SchemaRegistry
    let rootBase: String
    /// False when the root's metaschema declares a `$vocabulary` without the validation vocabulary.
    let validationVocabulary: Bool
    /// The root declares draft-04 or draft-06 (validated as draft 7, except that
    /// `if`/`then`/`else`, which those drafts do not have, are ignored).
    let legacyDraft: Bool

    /// The base URI a schema without `$id` gets.
    public static let defaultBaseURI = "urn:toolshell:schema"

    /// Compiles `schema`. `draft` defaults to the one its `$schema` names, else 2020-12.
    /// `remotes` maps absolute URIs (no fragment) to documents; `loader` is asked for any other
    /// absolute URI a `$ref` needs.
    public init(schema: JSONValue, draft: SchemaDraft? = nil, formatAssertion: Bool = false,
                remotes: [String: JSONValue] = [:],
                loader: ((String) -> JSONValue?)? = nil) throws(SchemaLoadError) {
        var chosen = draft ?? .draft2020_12
        if draft == nil, let uri = schema["$schema"]?.stringValue, let d = SchemaDraft(schemaURI: uri) { chosen = d }
        self.schema = schema
        self.draft = chosen
        self.formatAssertion = formatAssertion
        switch schema {
        case .object, .bool: break
        default:
            throw SchemaLoadError(pointer: "", message: "a schema must be an object or a boolean, found \(schema.typeName)")
        }
        var registry = SchemaRegistry()
        try registry.build(root: schema, draft: chosen, remotes: remotes, loader: loader)
        self.registry = registry
        self.rootBase = registry.rootBase
        var validation = true
        if let metaURI = schema["$schema"]?.stringValue,
           let meta = registry.resources[URIReference.stripFragment(metaURI)]?.node,
           case .object(let vocab)? = meta["$vocabulary"] {
            validation = vocab.keys.contains { $0.hasSuffix("/vocab/validation") }
        }
        self.validationVocabulary = validation
        let declared = schema["$schema"]?.stringValue ?? ""
        self.legacyDraft = declared.contains("draft-04") || declared.contains("draft-06")
    }

    /// Every error the instance has (empty when valid).
    public func validate(_ instance: JSONValue) -> [SchemaValidationError] {
        let evaluator = SchemaEvaluator(validator: self)
        _ = evaluator.evaluate(schema, instance, base: rootBase, draft: draft)
        return evaluator.errors
    }

    /// True when the instance satisfies the schema.
    public func isValid(_ instance: JSONValue) -> Bool {
        validate(instance).isEmpty
    }
}

/// A schema node found through a reference, with the base URI and dialect in force there.
struct ResolvedSchema {
    /// The absolute URI it was found by (identity for cycle detection).
    let uri: String
    let node: JSONValue
    let base: String
    let draft: SchemaDraft
}

/// Index of the schema resources reachable from a root: documents and embedded `$id`
/// resources by URI, anchors by `URI#name`, resolved `$ref`s, compiled patterns.
struct SchemaRegistry {
    struct Resource {
        let node: JSONValue
        let draft: SchemaDraft
        /// The base URI in force outside the resource's root (its own `$id` applies on top).
        let parentBase: String
    }

    var rootBase = SchemaValidator.defaultBaseURI
    var resources: [String: Resource] = [:]
    var anchors: [String: ResolvedSchema] = [:]
    var dynamicAnchors: Set<String> = []
    var refs: [String: ResolvedSchema] = [:]
    var patterns: [String: Regex<AnyRegexOutput>] = [:]
    private var pendingRefs: [(base: String, ref: String, pointer: String)] = []


    mutating func build(root: JSONValue, draft: SchemaDraft, remotes: [String: JSONValue],
                        loader: ((String) -> JSONValue?)?) throws(SchemaLoadError) {
        var base = SchemaValidator.defaultBaseURI
        if let id = root["$id"]?.stringValue ?? (draft == .draft7 ? root["$id"]?.stringValue : nil),
           !(draft == .draft7 && root["$ref"] != nil) {
            base = URIReference.stripFragment(URIReference.resolve(id, against: base))
        }
        rootBase = SchemaValidator.defaultBaseURI
        resources[base] = Resource(node: root, draft: draft, parentBase: SchemaValidator.defaultBaseURI)
        if let meta = root["$schema"]?.stringValue {
            let document = URIReference.stripFragment(meta)
            if Metaschemas.texts[document] == nil, let doc = remotes[document] ?? loader?(document) {
                resources[document] = Resource(node: doc, draft: draft, parentBase: document)
            }
        }
        try index(root, base: SchemaValidator.defaultBaseURI, draft: draft, pointer: "", isRoot: true)
        // Resolve every reference, loading documents as needed.
        var loaded = Set<String>([base])
        while let item = pendingRefs.popLast() {
            let absolute = URIReference.resolve(item.ref, against: item.base)
            let (document, _) = URIReference.splitFragment(absolute)
            if resources[document] == nil && !loaded.contains(document) {
                loaded.insert(document)
                var fetched: JSONValue? = remotes[document]
                if fetched == nil, let text = Metaschemas.texts[document] { fetched = try? JSONValue.parse(text) }
                if fetched == nil { fetched = loader?(document) }
                if let doc = fetched {
                    var docDraft = draft
                    if let s = doc["$schema"]?.stringValue, let d = SchemaDraft(schemaURI: s) { docDraft = d }
                    resources[document] = Resource(node: doc, draft: docDraft, parentBase: document)
                    try index(doc, base: document, draft: docDraft, pointer: document + "#", isRoot: true)
                }
            }
            guard let target = lookup(absolute) else {
                throw SchemaLoadError(pointer: item.pointer, message: "cannot resolve $ref \"\(item.ref)\" (as \(absolute)); define the target or fix the reference")
            }
            refs[item.base + " " + item.ref] = target
        }
    }

    /// Finds the schema an absolute URI (with optional fragment) designates.
    func lookup(_ absolute: String) -> ResolvedSchema? {
        let (document, rawFragment) = URIReference.splitFragment(absolute)
        let fragment = JSONPointer.percentDecode(rawFragment)
        if fragment.isEmpty || fragment.hasPrefix("/") {
            guard let resource = resources[document] else { return nil }
            guard let tokens = JSONPointer.tokens(fragment) else { return nil }
            var node = resource.node
            var base = resource.parentBase
            var draft = resource.draft
            for token in tokens {
                // Leaving `node`: its own $id becomes the base for what is inside it.
                if case .object(let o) = node, let id = o["$id"]?.stringValue,
                   !(draft == .draft7 && (o["$ref"] != nil || id.hasPrefix("#"))) {
                    base = URIReference.stripFragment(URIReference.resolve(id, against: base))
                    if let r = resources[base] { draft = r.draft }
                }
                switch node {
                case .object(let o):
                    guard let next = o[token] else { return nil }
                    node = next
                case .array(let a):
                    guard let i = Int(token), i >= 0, i < a.count else { return nil }
                    node = a[i]
                default:
                    return nil
                }
            }
            return ResolvedSchema(uri: absolute, node: node, base: base, draft: draft)
        }
        return anchors[document + "#" + fragment]
    }

    private mutating func index(_ node: JSONValue, base: String, draft: SchemaDraft, pointer: String,
                                isRoot: Bool) throws(SchemaLoadError) {
        guard case .object(let o) = node else { return }
        let parentBase = base
        var base = base
        var draft = draft
        if let s = o["$schema"]?.stringValue, let d = SchemaDraft(schemaURI: s), !isRoot || pointer.isEmpty {
            draft = d
        }
        let refOnly = draft == .draft7 && o["$ref"] != nil
        if let id = o["$id"]?.stringValue, !refOnly {
            if draft == .draft7 && id.hasPrefix("#") {
                anchors[base + id] = ResolvedSchema(uri: base + id, node: node, base: base, draft: draft)
            } else {
                let resolved = URIReference.resolve(id, against: base)
                let (document, fragment) = URIReference.splitFragment(resolved)
                base = document
                if resources[document] == nil { resources[document] = Resource(node: node, draft: draft, parentBase: parentBase) }
                if !fragment.isEmpty && draft == .draft7 {
                    anchors[document + "#" + fragment] = ResolvedSchema(uri: document + "#" + fragment, node: node, base: parentBase, draft: draft)
                }
            }
        }
        if draft == .draft2020_12 {
            if let a = o["$anchor"]?.stringValue {
                anchors[base + "#" + a] = ResolvedSchema(uri: base + "#" + a, node: node, base: parentBase, draft: draft)
            }
            if let a = o["$dynamicAnchor"]?.stringValue {
                anchors[base + "#" + a] = ResolvedSchema(uri: base + "#" + a, node: node, base: parentBase, draft: draft)
                dynamicAnchors.insert(base + "#" + a)
            }
        }
        if let ref = o["$ref"]?.stringValue { pendingRefs.append((base, ref, pointer + "/$ref")) }
        if draft == .draft2020_12, let ref = o["$dynamicRef"]?.stringValue {
            pendingRefs.append((base, ref, pointer + "/$dynamicRef"))
        }
        if let p = o["pattern"]?.stringValue { try compile(p, pointer: pointer + "/pattern") }
        if case .object(let pp)? = o["patternProperties"] {
            for key in pp.keys { try compile(key, pointer: pointer + "/patternProperties/" + JSONPointer.escape(key)) }
        }
        // One pass over the members (most schema objects have few).
        for (key, v) in o {
            switch key {
            case "$defs", "definitions", "properties", "patternProperties", "dependentSchemas":
                if case .object(let m) = v {
                    for (k, sub) in m { try index(sub, base: base, draft: draft, pointer: pointer + "/" + key + "/" + JSONPointer.escape(k), isRoot: false) }
                }
            case "dependencies" where draft == .draft7:
                if case .object(let m) = v {
                    for (k, sub) in m { try index(sub, base: base, draft: draft, pointer: pointer + "/dependencies/" + JSONPointer.escape(k), isRoot: false) }
                }
            case "allOf", "anyOf", "oneOf", "prefixItems", "items":
                if case .array(let list) = v {
                    for (i, sub) in list.enumerated() { try index(sub, base: base, draft: draft, pointer: pointer + "/\(key)/\(i)", isRoot: false) }
                } else if key == "items" {
                    try index(v, base: base, draft: draft, pointer: pointer + "/items", isRoot: false)
                }
            case "additionalProperties", "unevaluatedProperties", "unevaluatedItems", "contains", "propertyNames",
                 "not", "if", "then", "else", "additionalItems":
                try index(v, base: base, draft: draft, pointer: pointer + "/" + key, isRoot: false)
            default:
                break
            }
        }
    }

    private mutating func compile(_ pattern: String, pointer: String) throws(SchemaLoadError) {
        if patterns[pattern] != nil { return }
        do {
            let regex = try Regex(ECMARegex.translate(pattern)).matchingSemantics(.unicodeScalar)
            patterns[pattern] = regex
        } catch {
            throw SchemaLoadError(pointer: pointer, message: "pattern \(JSONValue.string(pattern).jsonString()) is not a supported regular expression: \(error)")
        }
    }
}

/// Rewrites the ECMA-262 regex constructs whose meaning differs in Swift's regex syntax.
enum ECMARegex {
    static func translate(_ pattern: String) -> String {
        // ECMA's \d, \w, \s are ASCII-only for \d and \w; Swift's are Unicode-aware.
        guard pattern.contains("\\d") || pattern.contains("\\w") || pattern.contains("\\D") || pattern.contains("\\W") else {
            return pattern
        }
        var out = ""
        var escaped = false
        var inClass = false
        for c in pattern {
            if escaped {
                escaped = false
                switch c {
                case "d": out += inClass ? "0-9" : "[0-9]"
                case "D": out += inClass ? "\\D" : "[^0-9]"
                case "w": out += inClass ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]"
                case "W": out += inClass ? "\\W" : "[^a-zA-Z0-9_]"
                default: out += "\\" + String(c)
                }
                continue
            }
            if c == "\\" { escaped = true; continue }
            if c == "[" { inClass = true } else if c == "]" { inClass = false }
            out.append(c)
        }
        if escaped { out += "\\" }
        return out
    }
}
