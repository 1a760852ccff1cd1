import Schema

/// xgrammar's `minimax_m3_xml` style: MiniMax M3's recursive namespace XML. Every value sits in
/// an element `NS<key>VALUE NS</key>` (NS = `]<]minimax[>[`, written before every tag):
/// - a string is raw text up to the next NS (no pattern, format or length: those cannot be
///   combined with the namespace exclusion); a string-or-null is raw text too;
/// - numbers, integers, booleans and null are their JSON text, without surrounding whitespace;
/// - an enum or const is its raw text (strings unquoted, other values their JSON text);
/// - an object is its declared properties as child elements, in order (required ones present),
///   each after optional whitespace, whitespace after the last; an object with no required
///   property may also be empty (then without whitespace);
/// - an array is `NS<item>…NS</item>` elements the same way (empty without whitespace).
/// Property names are fixed: `additionalProperties` other than false, `patternProperties`,
/// `propertyNames`, values without a type, and unions of containers with other types are errors
/// (xgrammar rejects them too). A missing `additionalProperties` counts as false in either
/// strictness (xgrammar's non-strict mode rejects such schemas; tool schemas rarely say false).
enum MiniMaxM3XML {
    static let namespace = "]<]minimax[>["

    /// A value's shape, with the JSON rules it needs numbered in the schema compiler's rules.
    indirect enum Node {
        case raw
        case json(Int)
        case literals([String])
        case object([(name: String, node: Node, required: Bool)])
        case array(Node?, min: Int, max: Int?)
    }
}

extension StructuralTagCompiler {
    /// The arguments object of `schema` in the `minimax_m3_xml` style (see `MiniMaxM3XML`).
    mutating func minimaxM3Parameters(_ schema: JSONValue, options: JSONSchemaGrammarOptions, path: String) throws -> GrammarExpr {
        let sc = SchemaCompiler(root: schema, options: options)
        let at = path + "/json_schema"
        let rootC = try sc.parse(SubSchema(value: schema, pointer: ""))
        if let t = rootC.types, !t.contains("object") { throw err(at, "the minimax_m3_xml style needs an object schema") }
        let root = try m3Object(rootC, sc: sc, at: at)
        let offset = appendRules(sc.rules)
        return m3Expr(root, offset: offset)
    }

    private func m3Node(_ subs: [SubSchema], sc: SchemaCompiler, at: String) throws -> MiniMaxM3XML.Node {
        var c = Constraints()
        for s in subs { c = try sc.merge(c, sc.parse(s)) }
        if let values = c.enumValues {
            guard values.allSatisfy({ v in
                switch v { case .object, .array: return false; default: return true }
            }) else { throw err(at, "an enum or const of objects or arrays has no raw spelling in the minimax_m3_xml style") }
            return .literals(values.map { $0.stringValue ?? $0.jsonString(.compact) })
        }
        guard let types = c.types, c.disjunctions.isEmpty, c.nots.isEmpty else {
            throw err(at, "the minimax_m3_xml style needs a type on every value (unconstrained values and anyOf/oneOf/not are not supported)")
        }
        let scalars: Set<String> = ["null", "boolean", "number", "integer"]
        if types.contains("string") {
            guard types.isSubset(of: ["string", "null"]) else {
                throw err(at + "/type", "a type mixing string with others than null has no raw spelling in the minimax_m3_xml style")
            }
            guard c.patterns.isEmpty && c.formats.isEmpty && c.negatedPatterns.isEmpty && c.minLength == 0 && c.maxLength == nil else {
                throw err(at, "a string with a pattern, format or length bound is not supported in the minimax_m3_xml style "
                          + "(raw text ends at the namespace marker)")
            }
            return .raw
        }
        if types.isSubset(of: scalars) { return .json(try sc.ruleFor(subs)) }
        guard types.count == 1 else {
            throw err(at + "/type", "a type mixing objects or arrays with others is not supported in the minimax_m3_xml style")
        }
        if types.contains("object") { return try m3Object(c, sc: sc, at: at) }
        if c.prefixItems != nil || !c.contains.isEmpty || c.uniqueItems != nil {
            throw err(at, "prefixItems, contains and uniqueItems are not supported in the minimax_m3_xml style")
        }
        let items = try c.items.map { try m3Node($0, sc: sc, at: at + "/items") }
        return .array(items, min: c.minItems, max: items == nil ? 0 : c.maxItems)
    }

    private func m3Object(_ c: Constraints, sc: SchemaCompiler, at: String) throws -> MiniMaxM3XML.Node {
        if !c.disjunctions.isEmpty || !c.nots.isEmpty || !c.patternProperties.isEmpty || !c.propertyNames.isEmpty
            || c.minProperties > 0 || c.maxProperties != nil {
            throw err(at, "the minimax_m3_xml style supports properties and required only (names are fixed)")
        }
        if let additional = c.additional {
            var a = Constraints()
            for s in additional { a = try sc.merge(a, sc.parse(s)) }
            if !a.isFalse {
                throw err(at + "/additionalProperties", "the minimax_m3_xml style has fixed names; set additionalProperties to false or drop it")
            }
        }
        for r in c.required where !c.properties.contains(where: { $0.0 == r }) {
            throw err(at + "/required", "required property \(r) is not declared")
        }
        return .object(try c.properties.map { name, subs in
            (name, try m3Node(subs, sc: sc, at: at + "/properties/" + JSONPointer.escape(name)), c.required.contains(name))
        })
    }

    /// The text of a value of shape `node` between its element's tags.
    private mutating func m3Expr(_ node: MiniMaxM3XML.Node, offset: Int) -> GrammarExpr {
        let ns = MiniMaxM3XML.namespace
        let ws = GrammarExpr.repeat(.byteSet(ByteSet(Array(" \t\n\r".utf8))), min: 0, max: xmlWhitespaceRun)
        // One element: whitespace, its open tag, the value, its close tag.
        func element(_ tag: String, _ value: GrammarExpr) -> GrammarExpr {
            .sequence([ws, markerExpr(ns + "<" + tag + ">"), value, markerExpr(ns + "</" + tag + ">")])
        }
        switch node {
        case .raw:
            // Raw text stops at the first namespace marker, which must start the close tag.
            return freeText(avoid: [ns], terminators: [], tags: [], canEnd: true, mode: .plain)
        case .json(let rule):
            return .rule(rule + offset)
        case .literals(let texts):
            return .choice(texts.map { .literal($0) })
        case .object(let members):
            let elements = members.map { m in (element(m.name, m3Expr(m.node, offset: offset)), m.required) }
            if elements.isEmpty { return .empty }
            func chain(from i: Int) -> [GrammarExpr] {
                elements[i...].map { $0.1 ? $0.0 : .repeat($0.0, min: 0, max: 1) }
            }
            if elements.contains(where: { $0.1 }) { return .sequence(chain(from: 0) + [ws]) }
            // No required member: empty, or from the first member present on.
            return .choice([.empty] + (0..<elements.count).map { i in
                .sequence([elements[i].0] + (i + 1 < elements.count ? chain(from: i + 1) : []) + [ws])
            })
        case .array(let items, let lo, let hi):
            guard let items, hi != 0 else { return .empty }
            let item = element("item", m3Expr(items, offset: offset))
            let rest = GrammarExpr.repeat(item, min: max(lo - 1, 0), max: hi.map { $0 - 1 })
            let some = GrammarExpr.sequence([item, rest, ws])
            return lo > 0 ? some : .choice([.empty, some])
        }
    }
}
