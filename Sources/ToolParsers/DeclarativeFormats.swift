import Schema

/// User formats from a declarative JSON file, loaded at run time. The file holds what the built-in
/// format tables hold, so every built-in except `openai` (Harmony, code) can be written as one
/// (`toolshell parsers --export NAME` prints it):
///
///     {"formats": [{"name": "my_format", "summary": "…",
///       "reasoning": {"start": "<think>", "end": "</think>", "starts_inside": false},
///       "triggers": [{"marker": "<call>", "effect": "call" | "section"}],
///       "anchored_starts": ["{"], "section_end": "…", "call_start": "…", "call_end": "</call>",
///       "chain_separators": ";", "dropped_markers": ["<|START_TEXT|>"],
///       "arguments": {"style": "json", "name_keys": ["name"], "argument_keys": ["arguments"],
///                     "allows_array": false, "allows_object": true, "name_is_key": false,
///                     "name_then_arguments": {"name_end": ["[ARGS]"], "id_marker": "…", "drop_through": "…",
///                                             "namespaced_id": false, "arguments_suffix": "…"}}
///                  | {"style": "tagged", "name_end": [">"], "parameter_start": "<parameter=", "key_end": ">",
///                     "attributes_end": "…", "value_start": "…", "value_end": "</parameter>",
///                     "trim_newlines": true, "unwrap_cdata": false}
///                  | {"style": "pythonic", "bracketed": true}
///                  | {"style": "key_value", "name_prefix": "call:", "string_delimiter": "<escape>"}
///                  | {"style": "nested_xml", "tag_prefix": "NS", "name_end": "\">", "call_end_tag": "invoke"},
///       "structural_tag": {"triggers": ["<call>"], "section": {"begin": "…", "end": "…", "separator": "…"},
///                          "call_begin": "<call>{name}", "call_end": "</call>",
///                          "call_id": {"marker": "[CALL_ID]", "pattern": "[A-Za-z0-9]{9}"} (where {call_id} stands),
///                          "arguments": "json_schema" | "qwen_xml_parameter" | "glm_xml" | "minimax_xml"
///                                       | "deepseek_xml" | "kimi_k3_xml" | "minimax_m3_xml" | "gemma"
///                                       | "function_gemma" | "any_text"
///                                       | "xml" (with "xml_markers": {"parameter_begin": "<p name=\"",
///                                         "name_end": "\">", "value_begin": "", "value_end": "</p>",
///                                         "space_after_name": false, "cdata": false})}}]}
///
/// Every mistake (a wrong type, an unknown field, markers the engine cannot tell apart) is reported
/// with the file, the JSON pointer of the offending value and what to write instead.
public enum DeclarativeFormats {
    /// Reads the formats of one declarative file's JSON text.
    public static func load(_ text: String, path: String) throws(ToolParserError) -> [ToolParserFormat] {
        let root: JSONValue
        do { root = try JSONValue.parse(text) } catch {
            throw .badFormatFile(path: path, pointer: "", message: "not JSON: \(error.description)")
        }
        let reader = Reader(path: path)
        guard case .object = root, let list = root["formats"]?.arrayValue else {
            throw reader.error("", "expected an object with a \"formats\" array: {\"formats\": [{\"name\": …}]}")
        }
        try reader.known(root, "", ["formats"])
        var formats: [ToolParserFormat] = []
        var seen: Set<String> = []
        for (k, entry) in list.enumerated() {
            let format = try reader.format(entry, "/formats/\(k)")
            if !seen.insert(format.name).inserted {
                throw reader.error("/formats/\(k)/name", "the name '\(format.name)' is used twice in this file; give each format its own name")
            }
            formats.append(format)
        }
        return formats
    }

    /// A format's declarative entry (`{"name": …, "triggers": …, "arguments": …}`), or nil for a
    /// format that is code (Harmony, plugins). Loading it back gives an identical format.
    public static func entry(_ format: ToolParserFormat) -> JSONValue? {
        guard case .markup(let m) = format.engine else { return nil }
        var o = JSONObject()
        o["name"] = .string(format.name)
        o["summary"] = .string(format.summary)
        if let r = m.reasoning {
            var ro = JSONObject([("start", .string(r.start)), ("end", .string(r.end))])
            if r.startsInside { ro["starts_inside"] = true }
            o["reasoning"] = .object(ro)
        }
        if !m.triggers.isEmpty {
            o["triggers"] = .array(m.triggers.map { .object(JSONObject([("marker", .string($0.marker)), ("effect", .string($0.effect.rawValue))])) })
        }
        if !m.anchoredStarts.isEmpty { o["anchored_starts"] = strings(m.anchoredStarts) }
        if let s = m.sectionEnd { o["section_end"] = .string(s) }
        if let s = m.callStart { o["call_start"] = .string(s) }
        if let s = m.callEnd { o["call_end"] = .string(s) }
        if !m.chainSeparators.isEmpty { o["chain_separators"] = .string(m.chainSeparators) }
        if !m.droppedMarkers.isEmpty { o["dropped_markers"] = strings(m.droppedMarkers) }
        o["arguments"] = arguments(m.body)
        if let s = format.structural { o["structural_tag"] = structuralTag(s) }
        return .object(o)
    }

    /// A whole declarative file (`{"formats": [...]}`) for these formats; code formats are left out.
    public static func file(_ formats: [ToolParserFormat]) -> JSONValue {
        ["formats": .array(formats.compactMap(entry))]
    }

    private static func strings(_ list: [String]) -> JSONValue { .array(list.map { .string($0) }) }

    private static func arguments(_ body: CallBodyStyle) -> JSONValue {
        var a = JSONObject()
        switch body {
        case .json(let s):
            a["style"] = "json"
            if s.nameKeys != ["name"] { a["name_keys"] = strings(s.nameKeys) }
            if s.argumentKeys != ["arguments", "parameters"] { a["argument_keys"] = strings(s.argumentKeys) }
            if s.allowsArray { a["allows_array"] = true }
            if !s.allowsObject { a["allows_object"] = false }
            if s.nameIsKey { a["name_is_key"] = true }
            if let n = s.nameThenArguments {
                var no = JSONObject([("name_end", strings(n.nameEnd))])
                if let v = n.idMarker { no["id_marker"] = .string(v) }
                if let v = n.dropThrough { no["drop_through"] = .string(v) }
                if n.namespacedID { no["namespaced_id"] = true }
                if let v = n.argumentsSuffix { no["arguments_suffix"] = .string(v) }
                a["name_then_arguments"] = .object(no)
            }
        case .tagged(let s):
            a["style"] = "tagged"
            if !s.nameEnd.isEmpty { a["name_end"] = strings(s.nameEnd) }
            a["parameter_start"] = .string(s.parameterStart)
            a["key_end"] = .string(s.keyEnd)
            if let v = s.attributesEnd { a["attributes_end"] = .string(v) }
            if let v = s.valueStart { a["value_start"] = .string(v) }
            a["value_end"] = .string(s.valueEnd)
            if !s.trimNewlines { a["trim_newlines"] = false }
            if s.unwrapCDATA { a["unwrap_cdata"] = true }
        case .pythonic(let s):
            a["style"] = "pythonic"
            if !s.bracketed { a["bracketed"] = false }
        case .keyValue(let s):
            a["style"] = "key_value"
            a["name_prefix"] = .string(s.namePrefix)
            a["string_delimiter"] = .string(s.stringDelimiter)
        case .nestedXML(let s):
            a["style"] = "nested_xml"
            a["tag_prefix"] = .string(s.tagPrefix)
            a["name_end"] = .string(s.nameEnd)
            a["call_end_tag"] = .string(s.callEndTag)
        }
        return .object(a)
    }

    private static func structuralTag(_ s: StructuralTagTemplate) -> JSONValue {
        var o = JSONObject()
        if !s.triggers.isEmpty { o["triggers"] = strings(s.triggers) }
        if let section = s.section {
            o["section"] = .object(JSONObject([("begin", .string(section.begin)), ("end", .string(section.end)),
                                               ("separator", .string(section.separator))]))
        }
        o["call_begin"] = .string(s.callBegin)
        o["call_end"] = .string(s.callEnd)
        o["arguments"] = .string(s.arguments.rawValue)
        if let m = s.xmlMarkers { o["xml_markers"] = m.json }
        if let id = s.callID { o["call_id"] = .object(JSONObject([("marker", .string(id.marker)), ("pattern", .string(id.pattern))])) }
        return .object(o)
    }

    /// The fields each object of the file may have.
    static let formatFields = ["name", "summary", "reasoning", "triggers", "anchored_starts", "section_end", "call_start",
                               "call_end", "chain_separators", "dropped_markers", "arguments", "structural_tag"]
    static let styleFields: [String: [String]] = [
        "json": ["style", "name_keys", "argument_keys", "allows_array", "allows_object", "name_is_key", "name_then_arguments"],
        "tagged": ["style", "name_end", "parameter_start", "key_end", "attributes_end", "value_start", "value_end",
                   "trim_newlines", "unwrap_cdata"],
        "pythonic": ["style", "bracketed"],
        "key_value": ["style", "name_prefix", "string_delimiter"],
        "nested_xml": ["style", "tag_prefix", "name_end", "call_end_tag"],
    ]
    static let styleNames = "json, tagged, pythonic, key_value or nested_xml"

    private struct Reader {
        let path: String

        func error(_ pointer: String, _ message: String) -> ToolParserError {
            .badFormatFile(path: path, pointer: pointer, message: message)
        }

        /// Rejects fields this object may not have (a misspelt field would otherwise be ignored).
        func known(_ v: JSONValue, _ pointer: String, _ fields: [String], other: [String: [String]] = [:]) throws(ToolParserError) {
            guard let o = v.objectValue else { return }
            for (key, _) in o where !fields.contains(key) {
                var hint = "the fields here are: \(fields.joined(separator: ", "))"
                if let owner = other.first(where: { $0.value.contains(key) })?.key {
                    hint = "'\(key)' belongs to the \"\(owner)\" style; " + hint
                } else if let close = fields.first(where: { editDistance($0, key) <= 2 }) {
                    hint = "did you mean '\(close)'? " + hint
                }
                throw error(pointer + "/" + JSONPointer.escape(key), "unknown field '\(key)'; \(hint)")
            }
        }

        func object(_ v: JSONValue?, _ pointer: String, _ what: String) throws(ToolParserError) -> JSONValue? {
            guard let v, !v.isNull else { return nil }
            guard case .object = v else { throw error(pointer, "expected an object (\(what)), found \(v.typeName)") }
            return v
        }

        func string(_ v: JSONValue?, _ pointer: String, required: Bool = false) throws(ToolParserError) -> String? {
            guard let v, !v.isNull else {
                if required { throw error(pointer, "missing: a string is required") }
                return nil
            }
            guard let s = v.stringValue else { throw error(pointer, "expected a string, found \(v.typeName)") }
            if required && s.isEmpty { throw error(pointer, "must not be empty") }
            return s
        }

        /// An optional marker: absent or null is nil; present, it must not be empty (an empty marker never matches).
        func marker(_ v: JSONValue?, _ pointer: String) throws(ToolParserError) -> String? {
            guard let s = try string(v, pointer) else { return nil }
            if s.isEmpty { throw error(pointer, "an empty marker never matches; leave the field out instead") }
            return s
        }

        func strings(_ v: JSONValue?, _ pointer: String, default d: [String]) throws(ToolParserError) -> [String] {
            guard let v, !v.isNull else { return d }
            guard let a = v.arrayValue else { throw error(pointer, "expected an array of strings, found \(v.typeName)") }
            var out: [String] = []
            for (k, e) in a.enumerated() {
                guard let s = e.stringValue, !s.isEmpty else { throw error("\(pointer)/\(k)", "expected a non-empty string") }
                out.append(s)
            }
            return out
        }

        func bool(_ v: JSONValue?, _ pointer: String, default d: Bool) throws(ToolParserError) -> Bool {
            guard let v, !v.isNull else { return d }
            guard let b = v.boolValue else { throw error(pointer, "expected true or false, found \(v.typeName)") }
            return b
        }

        func format(_ e: JSONValue, _ p: String) throws(ToolParserError) -> ToolParserFormat {
            guard case .object = e else { throw error(p, "expected an object describing one format") }
            try known(e, p, DeclarativeFormats.formatFields)
            let name = try string(e["name"], p + "/name", required: true) ?? ""
            if !isPlausibleToolName(name) {
                throw error(p + "/name", "'\(name)' cannot be a parser name: use letters, digits, '_', '-' or '.', no spaces or brackets")
            }
            let summary = try string(e["summary"], p + "/summary") ?? "user format"
            var reasoning: ReasoningMarkers?
            if let r = try object(e["reasoning"], p + "/reasoning", "{\"start\": …, \"end\": …}") {
                try known(r, p + "/reasoning", ["start", "end", "starts_inside"])
                reasoning = ReasoningMarkers(start: try string(r["start"], p + "/reasoning/start", required: true) ?? "",
                                             end: try string(r["end"], p + "/reasoning/end", required: true) ?? "",
                                             startsInside: try bool(r["starts_inside"], p + "/reasoning/starts_inside", default: false))
            }
            var triggers: [CallTrigger] = []
            if let list = e["triggers"], !list.isNull {
                guard let items = list.arrayValue else {
                    throw error(p + "/triggers", "expected an array of {\"marker\": …, \"effect\": \"call\" | \"section\"}, found \(list.typeName)")
                }
                for (k, t) in items.enumerated() {
                    let tp = "\(p)/triggers/\(k)"
                    guard case .object = t else { throw error(tp, "expected {\"marker\": …, \"effect\": \"call\" | \"section\"}, found \(t.typeName)") }
                    try known(t, tp, ["marker", "effect"])
                    let marker = try string(t["marker"], tp + "/marker", required: true) ?? ""
                    let effectName = try string(t["effect"], tp + "/effect") ?? "call"
                    guard let effect = CallTrigger.Effect(rawValue: effectName) else {
                        throw error(tp + "/effect", "unknown effect '\(effectName)'; use \"call\" or \"section\"")
                    }
                    triggers.append(CallTrigger(marker, effect))
                }
            }
            if triggers.count > 32 { throw error(p + "/triggers", "at most 32 triggers") }
            let anchored = try strings(e["anchored_starts"], p + "/anchored_starts", default: [])
            for (k, a) in anchored.enumerated() where a.utf8.count != 1 {
                throw error("\(p)/anchored_starts/\(k)", "an anchored start is the one character a bare answer begins with (\"{\" or \"[\"); '\(a)' is longer")
            }
            if triggers.isEmpty && anchored.isEmpty {
                throw error(p + "/triggers", "a format needs at least one trigger or anchored start")
            }
            let sectionEnd = try marker(e["section_end"], p + "/section_end")
            let callStart = try marker(e["call_start"], p + "/call_start")
            if triggers.contains(where: { $0.effect == .section }) && (sectionEnd == nil || callStart == nil) {
                throw error(p, "a \"section\" trigger needs \"section_end\" and \"call_start\"")
            }
            let callEnd = try marker(e["call_end"], p + "/call_end")
            let chain = try string(e["chain_separators"], p + "/chain_separators") ?? ""
            let dropped = try strings(e["dropped_markers"], p + "/dropped_markers", default: [])
            if dropped.count > 16 { throw error(p + "/dropped_markers", "at most 16 dropped markers") }
            let body = try arguments(e["arguments"], p + "/arguments", callEnd: callEnd)
            let markup = MarkupFormat(reasoning: reasoning, triggers: triggers, anchoredStarts: anchored,
                                      sectionEnd: sectionEnd, callStart: callStart, callEnd: callEnd,
                                      chainSeparators: chain, body: body, droppedMarkers: dropped)
            try checkMarkerSets(markup, p)
            var structural: StructuralTagTemplate?
            if let s = try object(e["structural_tag"], p + "/structural_tag", "{\"call_begin\": …, \"call_end\": …}") {
                structural = try structuralTag(s, p + "/structural_tag")
            }
            return ToolParserFormat(name: name, summary: summary, engine: .markup(markup), structural: structural)
        }

        /// Markers the engine searches together must not be prefixes of one another (it could never
        /// tell which one it has read); each clash names both fields.
        func checkMarkerSets(_ m: MarkupFormat, _ p: String) throws(ToolParserError) {
            typealias Entry = (marker: String, pointer: String)
            let triggers: [Entry] = m.triggers.enumerated().map { ($0.element.marker, "\(p)/triggers/\($0.offset)/marker") }
            let dropped: [Entry] = m.droppedMarkers.enumerated().map { ($0.element, "\(p)/dropped_markers/\($0.offset)") }
            var reasoningStart: [Entry] = []
            var reasoningSet: [Entry] = triggers
            if let r = m.reasoning {
                reasoningStart = [(r.start, p + "/reasoning/start")]
                reasoningSet += [(r.end, p + "/reasoning/end"), (r.start, p + "/reasoning/start")]
            }
            try checkNoPrefixes(triggers + reasoningStart + dropped, "in running text")
            try checkNoPrefixes(reasoningSet, "inside reasoning")
            var section: [Entry] = []
            if let s = m.callStart { section.append((s, p + "/call_start")) }
            if let s = m.sectionEnd { section.append((s, p + "/section_end")) }
            try checkNoPrefixes(section, "between the calls of a section")
            try checkNoPrefixes((m.callEnd.map { [($0, p + "/call_end")] } ?? []) + triggers, "after a call body")
            let a = p + "/arguments"
            switch m.body {
            case .tagged(let s):
                let end: [Entry] = m.callEnd.map { [($0, p + "/call_end")] } ?? []
                let start: [Entry] = [(s.parameterStart, a + "/parameter_start")]
                try checkNoPrefixes(s.nameEnd.enumerated().map { ($0.element, "\(a)/name_end/\($0.offset)") } + start + end, "after a call's name")
            case .json(let s):
                if let n = s.nameThenArguments {
                    var set: [Entry] = n.nameEnd.enumerated().map { ($0.element, "\(a)/name_then_arguments/name_end/\($0.offset)") }
                    if let v = n.idMarker { set.append((v, a + "/name_then_arguments/id_marker")) }
                    if let v = n.dropThrough { set.append((v, a + "/name_then_arguments/drop_through")) }
                    try checkNoPrefixes(set, "in a call's name")
                }
            default:
                break
            }
        }

        func checkNoPrefixes(_ markers: [(marker: String, pointer: String)], _ place: String) throws(ToolParserError) {
            for a in markers {
                for b in markers where a.marker != b.marker && b.marker.hasPrefix(a.marker) {
                    throw error(b.pointer, "marker '\(b.marker)' begins with '\(a.marker)' (\(a.pointer)); markers searched together \(place) must not be prefixes of each other: change one of them")
                }
            }
        }

        func arguments(_ a: JSONValue?, _ p: String, callEnd: String?) throws(ToolParserError) -> CallBodyStyle {
            guard let a, case .object = a else {
                throw error(p, "missing: an object with \"style\" (\(DeclarativeFormats.styleNames)) saying how arguments are written")
            }
            let style = try string(a["style"], p + "/style", required: true) ?? ""
            guard let fields = DeclarativeFormats.styleFields[style] else {
                throw error(p + "/style", "unknown argument style '\(style)'; use \(DeclarativeFormats.styleNames)")
            }
            try known(a, p, fields, other: DeclarativeFormats.styleFields.filter { $0.key != style })
            switch style {
            case "json":
                var nameThen: NameThenArguments?
                if let n = try object(a["name_then_arguments"], p + "/name_then_arguments", "{\"name_end\": [\"…\"]}") {
                    let np = p + "/name_then_arguments"
                    try known(n, np, ["name_end", "id_marker", "drop_through", "namespaced_id", "arguments_suffix"])
                    let ends = try strings(n["name_end"], np + "/name_end", default: [])
                    if ends.isEmpty { throw error(np + "/name_end", "at least one marker ending the name is required") }
                    nameThen = NameThenArguments(nameEnd: ends, idMarker: try marker(n["id_marker"], np + "/id_marker"),
                                                 dropThrough: try marker(n["drop_through"], np + "/drop_through"),
                                                 namespacedID: try bool(n["namespaced_id"], np + "/namespaced_id", default: false),
                                                 argumentsSuffix: try marker(n["arguments_suffix"], np + "/arguments_suffix"))
                }
                let nameKeys = try strings(a["name_keys"], p + "/name_keys", default: ["name"])
                let argumentKeys = try strings(a["argument_keys"], p + "/argument_keys", default: ["arguments", "parameters"])
                if nameKeys.isEmpty { throw error(p + "/name_keys", "at least one key holding the tool name is required") }
                if argumentKeys.isEmpty { throw error(p + "/argument_keys", "at least one key holding the arguments is required") }
                let allowsArray = try bool(a["allows_array"], p + "/allows_array", default: false)
                let allowsObject = try bool(a["allows_object"], p + "/allows_object", default: true)
                if !allowsArray && !allowsObject && nameThen == nil {
                    throw error(p, "no body shape is allowed: set \"allows_object\" or \"allows_array\" to true, or give \"name_then_arguments\"")
                }
                return .json(JSONCallStyle(
                    nameKeys: nameKeys, argumentKeys: argumentKeys, allowsArray: allowsArray, allowsObject: allowsObject,
                    nameThenArguments: nameThen, nameIsKey: try bool(a["name_is_key"], p + "/name_is_key", default: false)))
            case "tagged":
                guard callEnd != nil else { throw error(p, "tagged arguments need the format's \"call_end\" (the marker closing a call)") }
                return .tagged(TaggedCallStyle(
                    // Without one the name ends at the first parameter or at the call's end.
                    nameEnd: try strings(a["name_end"], p + "/name_end", default: []),
                    parameterStart: try string(a["parameter_start"], p + "/parameter_start", required: true) ?? "",
                    keyEnd: try string(a["key_end"], p + "/key_end", required: true) ?? "",
                    attributesEnd: try marker(a["attributes_end"], p + "/attributes_end"),
                    valueStart: try marker(a["value_start"], p + "/value_start"),
                    valueEnd: try string(a["value_end"], p + "/value_end", required: true) ?? "",
                    trimNewlines: try bool(a["trim_newlines"], p + "/trim_newlines", default: true),
                    unwrapCDATA: try bool(a["unwrap_cdata"], p + "/unwrap_cdata", default: false)))
            case "pythonic":
                return .pythonic(PythonicCallStyle(bracketed: try bool(a["bracketed"], p + "/bracketed", default: true)))
            case "key_value":
                let delimiter = try string(a["string_delimiter"], p + "/string_delimiter", required: true) ?? ""
                let bytes = Array(delimiter.utf8)
                if bytes.dropFirst().contains(bytes[0]) {
                    throw error(p + "/string_delimiter", "the delimiter's first character must not occur again in it (as in <escape> or <|\"|>), or a string could not be told from its end")
                }
                if let b = bytes.first, b == 0x7B || b == 0x7D || b == 0x5B || b == 0x5D || b == 0x2C || b == 0x3A || isJSONWhitespace(b) {
                    throw error(p + "/string_delimiter", "the delimiter must not begin with a space or one of { } [ ] , : (they are the syntax around values)")
                }
                let prefix = try string(a["name_prefix"], p + "/name_prefix") ?? "call:"
                return .keyValue(KeyValueCallStyle(namePrefix: prefix, stringDelimiter: delimiter))
            case "nested_xml":
                let tag = try string(a["call_end_tag"], p + "/call_end_tag") ?? "invoke"
                if tag.isEmpty || tag.utf8.contains(where: { isJSONWhitespace($0) || $0 == 0x3C || $0 == 0x3E || $0 == 0x2F }) {
                    throw error(p + "/call_end_tag", "a tag name (no spaces, '<', '>' or '/'), e.g. \"invoke\"")
                }
                return .nestedXML(NestedXMLCallStyle(
                    tagPrefix: try string(a["tag_prefix"], p + "/tag_prefix", required: true) ?? "",
                    nameEnd: try marker(a["name_end"], p + "/name_end") ?? "\">",
                    callEndTag: tag))
            default:
                throw error(p + "/style", "unknown argument style '\(style)'; use \(DeclarativeFormats.styleNames)")
            }
        }

        func structuralTag(_ s: JSONValue, _ p: String) throws(ToolParserError) -> StructuralTagTemplate {
            try known(s, p, ["triggers", "section", "call_begin", "call_end", "arguments", "xml_markers", "call_id"])
            let argsName = try string(s["arguments"], p + "/arguments") ?? "json_schema"
            guard let args = StructuralTagTemplate.Arguments(rawValue: argsName) else {
                throw error(p + "/arguments", "unknown '\(argsName)'; use one of "
                            + StructuralTagTemplate.Arguments.allCases.map(\.rawValue).joined(separator: ", "))
            }
            var section: (begin: String, end: String, separator: String)?
            if let sec = try object(s["section"], p + "/section", "{\"begin\": …, \"end\": …, \"separator\": …}") {
                try known(sec, p + "/section", ["begin", "end", "separator"])
                section = (try string(sec["begin"], p + "/section/begin", required: true) ?? "",
                           try string(sec["end"], p + "/section/end", required: true) ?? "",
                           try string(sec["separator"], p + "/section/separator") ?? "")
            }
            let callBegin = try string(s["call_begin"], p + "/call_begin", required: true) ?? ""
            if !callBegin.contains("{name}") { throw error(p + "/call_begin", "must contain {name} where the tool name goes") }
            var template = StructuralTagTemplate(triggers: try strings(s["triggers"], p + "/triggers", default: []),
                                                 section: section, callBegin: callBegin,
                                                 callEnd: try string(s["call_end"], p + "/call_end") ?? "", arguments: args)
            let mp = p + "/xml_markers"
            if let m = try object(s["xml_markers"], mp, "{\"parameter_begin\": …, \"name_end\": …, \"value_end\": …}") {
                guard args == .xml else { throw error(mp, "markers are read only with \"arguments\": \"xml\"; set that or drop them") }
                try known(m, mp, ["parameter_begin", "name_end", "value_begin", "value_end", "space_after_name", "cdata"])
                func text(_ key: String) throws(ToolParserError) -> String {
                    let t = try string(m[key], mp + "/" + key, required: true) ?? ""
                    if t.isEmpty { throw error(mp + "/" + key, "must be a non-empty string") }
                    return t
                }
                template.xmlMarkers = StructuralTagTemplate.XMLMarkers(
                    parameterBegin: try text("parameter_begin"), nameEnd: try text("name_end"),
                    valueBegin: try string(m["value_begin"], mp + "/value_begin") ?? "", valueEnd: try text("value_end"),
                    spaceAfterName: try bool(m["space_after_name"], mp + "/space_after_name", default: false),
                    cdata: try bool(m["cdata"], mp + "/cdata", default: false))
            } else if args == .xml {
                throw error(mp, "\"arguments\": \"xml\" needs the parameter markers: {\"parameter_begin\": …, \"name_end\": …, \"value_end\": …}")
            }
            let ip = p + "/call_id"
            if let id = try object(s["call_id"], ip, "{\"marker\": \"[CALL_ID]\", \"pattern\": \"[A-Za-z0-9]{9}\"}") {
                try known(id, ip, ["marker", "pattern"])
                let marker = try string(id["marker"], ip + "/marker", required: true) ?? ""
                let pattern = try string(id["pattern"], ip + "/pattern", required: true) ?? ""
                if marker.isEmpty { throw error(ip + "/marker", "must be a non-empty string (the text before the id)") }
                if pattern.isEmpty { throw error(ip + "/pattern", "must be a non-empty regular expression for the id") }
                if !callBegin.contains("{call_id}") { throw error(p + "/call_begin", "must contain {call_id} where the optional call id goes") }
                template.callID = (marker, pattern)
            } else if callBegin.contains("{call_id}") {
                throw error(ip, "call_begin has {call_id}: give {\"marker\": …, \"pattern\": …} for it")
            }
            return template
        }
    }
}

/// Levenshtein distance of two short strings (for "did you mean" hints).
private func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.utf8), y = Array(b.utf8)
    if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
    var row = Array(0...y.count)
    for i in 1...x.count {
        var previous = row[0]
        row[0] = i
        for j in 1...y.count {
            let saved = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (x[i - 1] == y[j - 1] ? 0 : 1))
            previous = saved
        }
    }
    return row[y.count]
}

extension ToolParserRegistry {
    /// Registers every format of a declarative file's JSON text; returns their names.
    @discardableResult
    public mutating func loadDeclarativeFormats(_ text: String, path: String) throws(ToolParserError) -> [String] {
        let formats = try DeclarativeFormats.load(text, path: path)
        for f in formats { register(f) }
        return formats.map(\.name)
    }
}
