import Schema

/// xgrammar's XML-like `json_schema` styles, as data: how one parameter of an object schema is
/// written around its name and value. Every style writes the declared properties in order
/// (required ones present, optional ones skippable), then any additional ones the schema allows;
/// whitespace may come before each parameter, after the last, and around a value written as
/// JSON. A value is written
/// - raw when the property is a plain string (free text up to the close marker, whitespace
///   included), or a string bounded only by minLength/maxLength (that many characters);
/// - as its raw text when the property is an enum or a const (strings unquoted, other values as
///   their JSON text);
/// - raw or as a JSON array or object when the property has no type at all;
/// - as JSON under the property's schema otherwise (numbers, booleans, objects, arrays, null);
///   in the styles without a kind mark a boolean or null parameter may also be Python's
///   `True`, `False`, `None`, as templates that render values with `str()` write them.
/// Strings with a pattern or format, and types mixing string with others, are errors (their raw
/// spelling is not defined by the styles).
struct XMLParameterStyle: Sendable {
    /// How a style marks the kind of value between the name and the value.
    enum KindMark: Sendable {
        case none
        /// DeepSeek: `string="true"` for raw text, `string="false"` for JSON.
        case stringFlag
        /// Kimi K3: `type="string"`, `type="number"` (integers too), `type="boolean"`, …
        case typeName
    }

    /// The style's name in a structural tag (`"style"` of a `json_schema` format).
    let name: String
    /// Text before the parameter name.
    let open: String
    /// Text after the name before the kind mark (or before `afterName` when there is none).
    let beforeMark: String
    let mark: KindMark
    /// Text between the name (or kind mark) and the value.
    let afterName: String
    /// Whitespace may come between `beforeMark` and `afterName` (GLM: `</arg_key>` `<arg_value>`).
    let spaceInside: Bool
    /// Text after the value.
    let close: String
    /// Whether whitespace may surround an enum's raw text (DeepSeek's raw strings take none).
    var rawEnumWhitespace = true
    /// Whether a raw string may instead be written as one `<![CDATA[…]]>` section (text up to the
    /// first `]]>`); only markers given as data (`style: "xml"`) set it.
    var cdata = false

    /// The styles by name; `qwen_xml_parameter` (the older format type) is `qwen_xml`.
    static let all: [String: XMLParameterStyle] = {
        let dsml = "\u{FF5C}DSML\u{FF5C}"
        let styles = [
            XMLParameterStyle(name: "qwen_xml", open: "<parameter=", beforeMark: "", mark: .none, afterName: ">",
                              spaceInside: false, close: "</parameter>"),
            XMLParameterStyle(name: "minimax_xml", open: "<parameter name=\"", beforeMark: "", mark: .none, afterName: "\">",
                              spaceInside: false, close: "</parameter>"),
            XMLParameterStyle(name: "glm_xml", open: "<arg_key>", beforeMark: "</arg_key>", mark: .none, afterName: "<arg_value>",
                              spaceInside: true, close: "</arg_value>"),
            XMLParameterStyle(name: "deepseek_xml", open: "<\(dsml)parameter name=\"", beforeMark: "\" string=\"", mark: .stringFlag,
                              afterName: "\">", spaceInside: false, close: "</\(dsml)parameter>", rawEnumWhitespace: false),
            XMLParameterStyle(name: "deepseek_v4_1_xml", open: "<\(dsml) parameter name=\"", beforeMark: "\" string=\"",
                              mark: .stringFlag, afterName: "\">", spaceInside: false, close: "</\(dsml) parameter>",
                              rawEnumWhitespace: false),
            XMLParameterStyle(name: "kimi_k3_xml", open: "<|open|>argument key=\"", beforeMark: "\" type=\"", mark: .typeName,
                              afterName: "\"<|sep|>", spaceInside: false, close: "<|close|>argument<|sep|>"),
        ]
        return Dictionary(uniqueKeysWithValues: styles.map { ($0.name, $0) })
    }()

    /// The fields of a `"xml_markers"` object (toolshell's extension: `"style": "xml"` takes the
    /// parameter markers as data) and the style field each sets.
    static let markerFields = ["parameter_begin", "name_end", "value_begin", "value_end", "space_after_name", "cdata"]

    /// The style `"xml_markers"` spells out (`path`: the JSON pointer of that object):
    /// `parameter_begin` NAME `name_end` [whitespace when `space_after_name`] `value_begin` VALUE
    /// `value_end`; `cdata` lets a raw string be one `<![CDATA[…]]>` section.
    static func markers(_ m: JSONValue?, path: String) throws -> XMLParameterStyle {
        func err(_ at: String, _ message: String) -> StructuralTagError { StructuralTagError(path: at, message: message) }
        guard let m, case .object(let o) = m else {
            throw err(path, "style xml needs \"xml_markers\": an object with parameter_begin, name_end, value_end "
                      + "(strings), and optionally value_begin (string), space_after_name and cdata (booleans)")
        }
        for (key, _) in o where !markerFields.contains(key) {
            throw err(path + "/" + JSONPointer.escape(key), "unknown marker field; use " + markerFields.joined(separator: ", "))
        }
        func text(_ key: String, required: Bool) throws -> String {
            guard let v = m[key] else {
                if required { throw err(path + "/" + key, "is missing; give the text written there as a non-empty string") }
                return ""
            }
            guard let s = v.stringValue, !s.isEmpty || !required else {
                throw err(path + "/" + key, required ? "must be a non-empty string" : "must be a string")
            }
            return s
        }
        func flag(_ key: String) throws -> Bool {
            guard let v = m[key] else { return false }
            guard let b = v.boolValue else { throw err(path + "/" + key, "must be true or false") }
            return b
        }
        let open = try text("parameter_begin", required: true), nameEnd = try text("name_end", required: true)
        let valueBegin = try text("value_begin", required: false), close = try text("value_end", required: true)
        // A parameter name is [A-Za-z_][A-Za-z0-9_]*: the text after it must not go on with a name character.
        if let first = nameEnd.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || first == "_"
            || ("0"..."9").contains(first) {
            throw err(path + "/name_end", "starts with a character a parameter name may hold; start it with a delimiter such as \" or >")
        }
        var style = XMLParameterStyle(name: "xml", open: open, beforeMark: nameEnd, mark: .none, afterName: valueBegin,
                                      spaceInside: try flag("space_after_name"), close: close)
        style.cdata = try flag("cdata")
        return style
    }

    /// The names Kimi K3 writes for each JSON type.
    static let kimiTypeNames = ["string", "number", "integer", "boolean", "object", "array", "null"]
}

/// The longest whitespace run the XML styles allow in one place (xgrammar's are unbounded; a
/// bound keeps a model from stalling in blank space).
let xmlWhitespaceRun = 20

extension StructuralTagCompiler {
    /// How a value is written.
    private enum ValueKind {
        case rawText
        case rawLength(min: Int, max: Int?)
        case rawValues([JSONValue])
        case rawOrContainer
        case json
    }

    /// The parameters of an object schema in `style` (see `XMLParameterStyle`).
    mutating func xmlParameters(_ schema: JSONValue, style: XMLParameterStyle, options: JSONSchemaGrammarOptions,
                                path: String) throws -> GrammarExpr {
        let sc = SchemaCompiler(root: schema, options: options)
        let rootC = try sc.parse(SubSchema(value: schema, pointer: ""))
        let at = path + "/json_schema"
        if let t = rootC.types, !t.contains("object") { throw err(at, "the \(style.name) style needs an object schema") }
        if !rootC.disjunctions.isEmpty || !rootC.nots.isEmpty || !rootC.patternProperties.isEmpty || rootC.minProperties > 0
            || rootC.maxProperties != nil || !rootC.propertyNames.isEmpty {
            throw err(at, "the \(style.name) style supports properties, required and additionalProperties only")
        }
        for r in rootC.required where !rootC.properties.contains(where: { $0.0 == r }) {
            throw err(at + "/required", "required property \(r) is not declared")
        }
        let ws = GrammarExpr.repeat(.byteSet(ByteSet(Array(" \t\n\r".utf8))), min: 0, max: xmlWhitespaceRun)

        // Each parameter's value as a kind, and for JSON values the schema rule (placed once the
        // schema compiler's rules are in).
        struct Parameter { var name: String?; var kind: ValueKind; var constraints: Constraints; var rule: Int?; var required: Bool }
        var parameters: [Parameter] = []
        for (name, subs) in rootC.properties {
            var c = Constraints()
            for s in subs { c = try sc.merge(c, sc.parse(s)) }
            let kind = try valueKind(c, style: style, at: at + "/properties/" + name)
            let rule: Int? = if case .json = kind { try sc.ruleFor(subs) } else { nil }
            parameters.append(Parameter(name: name, kind: kind, constraints: c, rule: rule, required: rootC.required.contains(name)))
        }
        // Other parameters, after the declared ones, where the schema allows them.
        var extra: Parameter?
        if let additional = rootC.additional {
            var c = Constraints()
            for s in additional { c = try sc.merge(c, sc.parse(s)) }
            if !c.isFalse {
                let kind = try valueKind(c, style: style, at: at + "/additionalProperties")
                let rule: Int? = if case .json = kind { try sc.ruleFor(additional) } else { nil }
                extra = Parameter(name: nil, kind: kind, constraints: c, rule: rule, required: false)
            }
        } else if !options.strictAdditionalProperties {
            extra = Parameter(name: nil, kind: .rawOrContainer, constraints: Constraints(), rule: nil, required: false)
        }
        // A value of no declared type written as JSON: arrays and objects (other values are raw
        // text), or for DeepSeek's string="false" any non-string value.
        let containers = try sc.ruleFor([SubSchema(value: ["type": ["array", "object"]], pointer: at)])
        let nonStrings = try sc.ruleFor([SubSchema(value: ["type": ["number", "boolean", "null", "array", "object"]], pointer: at)])
        let offset = appendRules(sc.rules)

        // The text from after the name to the end of the parameter, for a value of `kind`.
        func tail(_ p: Parameter) -> GrammarExpr {
            let close = markerExpr(style.close)
            // Between the name and the value, with the kind mark `words` (one of them).
            func head(_ words: [String]) -> GrammarExpr {
                var parts: [GrammarExpr] = []
                switch style.mark {
                case .none: parts.append(.literal(style.beforeMark))
                case .stringFlag, .typeName: parts.append(.choice(words.map { .literal(style.beforeMark + $0) }))
                }
                if style.spaceInside { parts.append(ws) }
                parts.append(markerExpr(style.afterName))
                return .sequence(parts)
            }
            func head(_ word: String) -> GrammarExpr { head([word]) }
            let raw = freeText(avoid: [], terminators: [style.close], tags: [], canEnd: false, mode: .plain)
            switch p.kind {
            case .rawText:
                if style.cdata {
                    let section = GrammarExpr.sequence([.literal("<![CDATA["), freeText(avoid: [], terminators: ["]]>"], tags: [],
                                                                                          canEnd: false, mode: .plain), close])
                    return .sequence([head(""), .choice([raw, section])])
                }
                return .sequence([head(style.mark == .stringFlag ? "true" : "string"), raw])
            case .rawLength(let lo, let hi):
                let char = UTF8Ranges.expr([0...0x10FFFF])
                let body = GrammarExpr.repeat(char, min: lo, max: hi)
                if style.mark == .stringFlag { return .sequence([head("true"), body, close]) }
                return .sequence([head("string"), ws, body, ws, close])
            case .rawValues(let values):
                let texts = values.map { v in v.stringValue ?? v.jsonString(.compact) }
                switch style.mark {
                case .stringFlag:
                    // Strings are raw text (string="true"), other values JSON text (string="false").
                    return .choice(zip(values, texts).map { v, t in
                        v.stringValue != nil ? .sequence([head("true"), .literal(t), close])
                            : .sequence([head("false"), ws, .literal(t), ws, close])
                    })
                case .typeName:
                    let h = values.allSatisfy({ $0.stringValue != nil }) ? head("string") : head(XMLParameterStyle.kimiTypeNames)
                    return .sequence([h, ws, .choice(texts.map { .literal($0) }), ws, close])
                case .none:
                    let pad = style.rawEnumWhitespace ? ws : .empty
                    return .sequence([head(""), pad, .choice(texts.map { .literal($0) }), pad, close])
                }
            case .rawOrContainer:
                let json = GrammarExpr.sequence([ws, .rule(containers + offset), ws, close])
                switch style.mark {
                case .stringFlag:
                    return .choice([.sequence([head("true"), raw]), .sequence([head("false"), ws, .rule(nonStrings + offset), ws, close])])
                case .typeName:
                    return .sequence([head(XMLParameterStyle.kimiTypeNames), .choice([raw, json])])
                case .none:
                    return .sequence([head(""), .choice([raw, json])])
                }
            case .json:
                let words: [String]
                switch style.mark {
                case .none: words = [""]
                case .stringFlag: words = ["false"]
                case .typeName: words = kimiTypeNames(p.constraints)
                }
                var value = GrammarExpr.rule(p.rule! + offset)
                if style.mark == .none, let types = p.constraints.types {
                    // Chat templates that write a parameter with Python's str() (Qwen3-Coder, Seed-OSS,
                    // MiniCPM 5) spell booleans and null True, False and None; the tagged parsers read
                    // them (Python dialect), so the model may keep the spelling it was trained on.
                    var python: [String] = []
                    if types.contains("boolean") { python += ["True", "False"] }
                    if types.contains("null") { python.append("None") }
                    if !python.isEmpty { value = .choice([value] + python.map { .literal($0) }) }
                }
                return .sequence([head(words), ws, value, ws, close])
            }
        }
        let nameExpr = Self.name(excluding: parameters.compactMap(\.name))
        var parts: [GrammarExpr] = []
        for p in parameters {
            let one = GrammarExpr.sequence([ws, markerExpr(style.open + p.name!), tail(p)])
            parts.append(p.required ? one : .repeat(one, min: 0, max: 1))
        }
        if let extra {
            parts.append(.repeat(.sequence([ws, markerExpr(style.open), nameExpr, tail(extra)]), min: 0, max: nil))
        }
        parts.append(ws)
        return .sequence(parts)
    }

    /// A parameter name (`[A-Za-z_][A-Za-z0-9_]*`) other than `declared`: an additional
    /// property never takes a declared property's name (that one follows its own schema;
    /// xgrammar lets such a name through as an additional property).
    static func name(excluding declared: [String]) -> GrammarExpr {
        let first = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_".utf8)
        let rest = first + Array("0123456789".utf8)
        let tail = GrammarExpr.repeat(.byteSet(ByteSet(rest)), min: 0, max: nil)
        // The names left after reading `prefix` of some declared names.
        func node(_ names: [[UInt8]], depth: Int) -> GrammarExpr {
            var alts: [GrammarExpr] = []
            if depth > 0 && !names.contains(where: { $0.count == depth }) { alts.append(.empty) }
            let allowed = depth == 0 ? first : rest
            var next: [UInt8: [[UInt8]]] = [:]
            for n in names where n.count > depth { next[n[depth], default: []].append(n) }
            for (b, group) in next.sorted(by: { $0.key < $1.key }) where allowed.contains(b) {
                alts.append(.sequence([.literal(String(decoding: [b], as: UTF8.self)), node(group, depth: depth + 1)]))
            }
            let others = allowed.filter { next[$0] == nil }
            if !others.isEmpty { alts.append(.sequence([.byteSet(ByteSet(others)), tail])) }
            return alts.count == 1 ? alts[0] : .choice(alts)
        }
        return node(declared.map { Array($0.utf8) }, depth: 0)
    }

    /// How a property with constraints `c` is written in `style`.
    private func valueKind(_ c: Constraints, style: XMLParameterStyle, at: String) throws -> ValueKind {
        if let values = c.enumValues {
            guard values.allSatisfy({ v in
                switch v { case .object, .array: return false; default: return true }
            }) else { throw err(at, "an enum or const of objects or arrays has no raw spelling in the \(style.name) style") }
            return .rawValues(values)
        }
        guard let types = c.types else {
            if c.disjunctions.isEmpty && c.nots.isEmpty && !c.hasKeyword(forType: "string") { return .rawOrContainer }
            throw err(at, "a property without a type but with other keywords is not supported in the \(style.name) style")
        }
        if types.contains("string") {
            guard types.count == 1 else {
                throw err(at + "/type", "a type mixing string with others has no raw spelling in the \(style.name) style")
            }
            guard c.disjunctions.isEmpty && c.nots.isEmpty && c.patterns.isEmpty && c.formats.isEmpty else {
                throw err(at, "a string with a pattern, format, anyOf or not is not supported in the \(style.name) style")
            }
            if c.minLength == 0 && c.maxLength == nil { return .rawText }
            return .rawLength(min: c.minLength, max: c.maxLength)
        }
        return .json
    }

    /// Kimi K3's type words for a JSON value of the property's types (integers are `number`).
    private func kimiTypeNames(_ c: Constraints) -> [String] {
        guard let types = c.types else { return XMLParameterStyle.kimiTypeNames }
        return Array(Set(types.map { $0 == "integer" ? "number" : $0 })).sorted()
    }
}
