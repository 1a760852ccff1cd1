import Schema

/// xgrammar's recursive XML `json_schema` styles, as data: every value sits in an element, and
/// objects and lists nest as child elements.
/// - `minimax_m3_xml` (MiniMax M3): `NS<key>VALUE NS</key>`, list items `NS<item>…NS</item>`
///   (NS = `]<]minimax[>[`, written before every tag);
/// - `cohere_xml` (Cohere): `<cofl:value name="key" type="raw|json|dict|list">VALUE</cofl:value>`,
///   list items `<cofl:value type="…">…</cofl:value>`.
///
/// A string is raw text up to the first `rawStop` (a string-or-null is raw text too, or in a
/// style with kinds the JSON `null`); numbers, integers, booleans and null are their JSON text;
/// an enum or const is its raw text (strings unquoted, other values their JSON text); an object
/// is its declared properties as child elements in order (required ones present), each after
/// optional whitespace, whitespace after the last, and may be empty (then without whitespace)
/// when nothing is required; a list is its items as elements. Strings with a pattern, format or
/// length bound, values without a type, unions of containers with other types, and names not
/// declared (`additionalProperties` other than false, `patternProperties`, `propertyNames`) are
/// errors: xgrammar rejects them too for M3, and supports some for Cohere, where toolshell is
/// narrower. A missing `additionalProperties` counts as false whatever the strictness
/// (xgrammar's non-strict mode rejects such schemas for M3 and lets any name through for Cohere).
struct NestedXMLStyle: Sendable {
    /// The style's name in a structural tag.
    let name: String
    /// A member's open tag: `{name}` is the key, `{kind}` the kind word.
    let memberOpen: String
    /// A member's close tag (`{name}`: the key).
    let memberClose: String
    /// A list item's open tag (`{kind}`: the kind word) and close tag.
    let itemOpen: String
    let itemClose: String
    /// Text a raw string never holds (it ends where this starts).
    let rawStop: String
    /// The kind words for raw text, JSON scalars, objects and lists (nil: the style writes none).
    let kinds: (raw: String, json: String, object: String, array: String)?
    /// Whitespace may surround JSON scalars, enum texts, and objects' and lists' contents.
    let padValues: Bool
    /// Whitespace may come before each list item, and after the last (M3); otherwise items
    /// follow each other directly.
    let spaceAroundItems: Bool

    static let all: [String: NestedXMLStyle] = {
        let ns = "]<]minimax[>["
        let styles = [
            NestedXMLStyle(name: "minimax_m3_xml", memberOpen: ns + "<{name}>", memberClose: ns + "</{name}>",
                           itemOpen: ns + "<item>", itemClose: ns + "</item>", rawStop: ns, kinds: nil,
                           padValues: false, spaceAroundItems: true),
            NestedXMLStyle(name: "cohere_xml", memberOpen: "<cofl:value name=\"{name}\" type=\"{kind}\">",
                           memberClose: "</cofl:value>", itemOpen: "<cofl:value type=\"{kind}\">", itemClose: "</cofl:value>",
                           rawStop: "</cofl:value>", kinds: (raw: "raw", json: "json", object: "dict", array: "list"),
                           padValues: true, spaceAroundItems: false),
        ]
        return Dictionary(uniqueKeysWithValues: styles.map { ($0.name, $0) })
    }()

    /// A value's shape, with the JSON rules it needs numbered in the schema compiler's rules.
    indirect enum Node {
        case raw(nullable: Bool)
        case json(Int)
        case literals([JSONValue])
        case object([(name: String, node: Node, required: Bool)])
        case array(Node?, min: Int, max: Int?)
    }
}

extension StructuralTagCompiler {
    /// The arguments object of `schema` in a nested style (see `NestedXMLStyle`).
    mutating func nestedXMLParameters(_ schema: JSONValue, style: NestedXMLStyle, options: JSONSchemaGrammarOptions,
                                      path: String) throws -> GrammarExpr {
        let sc = SchemaCompiler(root: schema, options: options)
        let at = path + "/json_schema"
        let rootC = try sc.parse(SubSchema(value: schema, pointer: ""))
        if let t = rootC.types, !t.contains("object") { throw err(at, "the \(style.name) style needs an object schema") }
        let root = try nestedObject(rootC, style: style, sc: sc, at: at)
        let offset = appendRules(sc.rules)
        return nestedBody(root, style: style, offset: offset)
    }

    private func nestedNode(_ subs: [SubSchema], style: NestedXMLStyle, sc: SchemaCompiler, at: String) throws -> NestedXMLStyle.Node {
        var c = Constraints()
        for s in subs { c = try sc.merge(c, sc.parse(s)) }
        if let values = c.enumValues {
            guard values.allSatisfy({ v in
                switch v { case .object, .array: return false; default: return true }
            }) else { throw err(at, "an enum or const of objects or arrays has no raw spelling in the \(style.name) style") }
            return .literals(values)
        }
        guard let types = c.types, c.disjunctions.isEmpty, c.nots.isEmpty else {
            throw err(at, "the \(style.name) style needs a type on every value (unconstrained values and anyOf/oneOf/not are not supported)")
        }
        if types.contains("string") {
            guard types.isSubset(of: ["string", "null"]) else {
                throw err(at + "/type", "a type mixing string with others than null has no raw spelling in the \(style.name) style")
            }
            guard c.patterns.isEmpty && c.formats.isEmpty && c.negatedPatterns.isEmpty && c.minLength == 0 && c.maxLength == nil else {
                throw err(at, "a string with a pattern, format or length bound is not supported in the \(style.name) style")
            }
            return .raw(nullable: types.contains("null"))
        }
        if types.isSubset(of: ["null", "boolean", "number", "integer"]) { return .json(try sc.ruleFor(subs)) }
        guard types.count == 1 else {
            throw err(at + "/type", "a type mixing objects or arrays with others is not supported in the \(style.name) style")
        }
        if types.contains("object") { return try nestedObject(c, style: style, sc: sc, at: at) }
        if c.prefixItems != nil || !c.contains.isEmpty || c.uniqueItems != nil {
            throw err(at, "prefixItems, contains and uniqueItems are not supported in the \(style.name) style")
        }
        let items = try c.items.map { try nestedNode($0, style: style, sc: sc, at: at + "/items") }
        return .array(items, min: c.minItems, max: items == nil ? 0 : c.maxItems)
    }

    private func nestedObject(_ c: Constraints, style: NestedXMLStyle, sc: SchemaCompiler, at: String) throws -> NestedXMLStyle.Node {
        if !c.disjunctions.isEmpty || !c.nots.isEmpty || !c.patternProperties.isEmpty || !c.propertyNames.isEmpty
            || c.minProperties > 0 || c.maxProperties != nil {
            throw err(at, "the \(style.name) style supports properties and required only (names are fixed)")
        }
        if let additional = c.additional {
            var a = Constraints()
            for s in additional { a = try sc.merge(a, sc.parse(s)) }
            if !a.isFalse {
                throw err(at + "/additionalProperties", "the \(style.name) style has fixed names; set additionalProperties to false or drop it")
            }
        }
        for r in c.required where !c.properties.contains(where: { $0.0 == r }) {
            throw err(at + "/required", "required property \(r) is not declared")
        }
        return .object(try c.properties.map { name, subs in
            (name, try nestedNode(subs, style: style, sc: sc, at: at + "/properties/" + JSONPointer.escape(name)), c.required.contains(name))
        })
    }

    /// The ways to write a value of shape `node`: its kind word and the text between its tags.
    private mutating func nestedValue(_ node: NestedXMLStyle.Node, style: NestedXMLStyle, offset: Int) -> [(kind: String, expr: GrammarExpr)] {
        let ws = GrammarExpr.repeat(.byteSet(ByteSet(Array(" \t\n\r".utf8))), min: 0, max: xmlWhitespaceRun)
        func pad(_ e: GrammarExpr) -> GrammarExpr { style.padValues ? .sequence([ws, e, ws]) : e }
        let kinds = style.kinds ?? (raw: "", json: "", object: "", array: "")
        switch node {
        case .raw(let nullable):
            // Raw text stops at the first `rawStop`, which must start the close tag.
            let raw = (kinds.raw, freeText(avoid: [style.rawStop], terminators: [], tags: [], canEnd: true, mode: .plain))
            return nullable && style.kinds != nil ? [raw, (kinds.json, pad(.literal("null")))] : [raw]
        case .json(let rule):
            return [(kinds.json, pad(.rule(rule + offset)))]
        case .literals(let values):
            let strings = values.compactMap(\.stringValue), others = values.filter { $0.stringValue == nil }.map { $0.jsonString(.compact) }
            guard style.kinds != nil else { return [("", pad(.choice((strings + others).map { .literal($0) })))] }
            return (strings.isEmpty ? [] : [(kinds.raw, pad(.choice(strings.map { .literal($0) })))])
                + (others.isEmpty ? [] : [(kinds.json, pad(.choice(others.map { .literal($0) })))])
        case .object:
            return [(kinds.object, pad(nestedBody(node, style: style, offset: offset)))]
        case .array(let items, let lo, let hi):
            guard let items, hi != 0 else { return [(kinds.array, pad(.empty))] }
            let ways = nestedValue(items, style: style, offset: offset)
            let item = element(style.itemOpen, style.itemClose, ways, space: style.spaceAroundItems)
            if !style.spaceAroundItems { return [(kinds.array, pad(.repeat(item, min: lo, max: hi)))] }
            let some = GrammarExpr.sequence([item, .repeat(item, min: max(lo - 1, 0), max: hi.map { $0 - 1 }), ws])
            return [(kinds.array, lo > 0 ? some : .choice([.empty, some]))]
        }
    }

    /// One element: optional whitespace, then one of `ways` between `open` and `close` (`{kind}` in
    /// `open` is the way's kind word).
    private func element(_ open: String, _ close: String, _ ways: [(kind: String, expr: GrammarExpr)], space: Bool) -> GrammarExpr {
        let ws = GrammarExpr.repeat(.byteSet(ByteSet(Array(" \t\n\r".utf8))), min: 0, max: xmlWhitespaceRun)
        let alts = ways.map { w in
            GrammarExpr.sequence([markerExpr(open.replacing("{kind}", with: w.kind)), w.expr, markerExpr(close)])
        }
        let one = alts.count == 1 ? alts[0] : .choice(alts)
        return space ? .sequence([ws, one]) : one
    }

    /// An object's members: each after optional whitespace, whitespace after the last; empty
    /// (without whitespace) when nothing is required and nothing is written.
    private mutating func nestedBody(_ node: NestedXMLStyle.Node, style: NestedXMLStyle, offset: Int) -> GrammarExpr {
        guard case .object(let members) = node, !members.isEmpty else { return .empty }
        let ws = GrammarExpr.repeat(.byteSet(ByteSet(Array(" \t\n\r".utf8))), min: 0, max: xmlWhitespaceRun)
        var elements: [(GrammarExpr, Bool)] = []
        for m in members {
            let ways = nestedValue(m.node, style: style, offset: offset)
            elements.append((element(style.memberOpen.replacing("{name}", with: m.name),
                                     style.memberClose.replacing("{name}", with: m.name), ways, space: true), m.required))
        }
        func chain(from i: Int) -> [GrammarExpr] {
            elements[i...].map { $0.1 ? $0.0 : .repeat($0.0, min: 0, max: 1) }
        }
        if elements.contains(where: { $0.1 }) { return .sequence(chain(from: 0) + [ws]) }
        // No required member: empty, or from the first member present on.
        return .choice([.empty] + (0..<elements.count).map { i in
            .sequence([elements[i].0] + (i + 1 < elements.count ? chain(from: i + 1) : []) + [ws])
        })
    }
}
