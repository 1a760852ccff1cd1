import Schema

/// User formats from a declarative JSON file, loaded at run time:
///
///     {"formats": [{"name": "my_format", "summary": "…",
///       "reasoning": {"start": "<think>", "end": "</think>", "starts_inside": false},
///       "triggers": [{"marker": "<call>", "effect": "call" | "section"}],
///       "anchored_starts": ["{"], "section_end": "…", "call_start": "…", "call_end": "</call>",
///       "chain_separators": ";",
///       "arguments": {"style": "json", "name_keys": ["name"], "argument_keys": ["arguments"],
///                     "allows_array": false, "allows_object": true,
///                     "name_then_arguments": {"name_end": ["[ARGS]"], "id_marker": "…", "drop_through": "…",
///                                             "namespaced_id": false, "arguments_suffix": "…"}}
///                  | {"style": "tagged", "name_end": [">"], "parameter_start": "<parameter=", "key_end": ">",
///                     "attributes_end": "…", "value_start": "…", "value_end": "</parameter>", "trim_newlines": true}
///                  | {"style": "pythonic", "bracketed": true},
///       "structural_tag": {"triggers": ["<call>"], "section": {"begin": "…", "end": "…", "separator": "…"},
///                          "call_begin": "<call>{name}", "call_end": "</call>",
///                          "arguments": "json_schema" | "qwen_xml_parameter" | "any_text"}}]}
///
/// Every mistake is reported with the file and the JSON pointer of the offending value.
public enum DeclarativeFormats {
    /// Reads the formats of one declarative file's JSON text.
    public static func load(_ text: String, path: String) throws(ToolParserError) -> [ToolParserFormat] {
        let root: JSONValue
        do { root = try JSONValue.parse(text) } catch {
            throw .badFormatFile(path: path, pointer: "", message: "not JSON: \(error.description)")
        }
        let reader = Reader(path: path)
        guard let list = root["formats"]?.arrayValue else {
            throw reader.error("", "expected an object with a \"formats\" array")
        }
        var formats: [ToolParserFormat] = []
        for (k, entry) in list.enumerated() {
            formats.append(try reader.format(entry, "/formats/\(k)"))
        }
        return formats
    }

    private struct Reader {
        let path: String

        func error(_ pointer: String, _ message: String) -> ToolParserError {
            .badFormatFile(path: path, pointer: pointer, message: message)
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
            let name = try string(e["name"], p + "/name", required: true) ?? ""
            let summary = try string(e["summary"], p + "/summary") ?? "user format"
            var reasoning: ReasoningMarkers?
            if let r = e["reasoning"], !r.isNull {
                reasoning = ReasoningMarkers(start: try string(r["start"], p + "/reasoning/start", required: true) ?? "",
                                             end: try string(r["end"], p + "/reasoning/end", required: true) ?? "",
                                             startsInside: try bool(r["starts_inside"], p + "/reasoning/starts_inside", default: false))
            }
            var triggers: [CallTrigger] = []
            for (k, t) in (e["triggers"]?.arrayValue ?? []).enumerated() {
                let tp = "\(p)/triggers/\(k)"
                let marker = try string(t["marker"], tp + "/marker", required: true) ?? ""
                let effectName = try string(t["effect"], tp + "/effect") ?? "call"
                guard let effect = CallTrigger.Effect(rawValue: effectName) else {
                    throw error(tp + "/effect", "unknown effect '\(effectName)'; use \"call\" or \"section\"")
                }
                triggers.append(CallTrigger(marker, effect))
            }
            let anchored = try strings(e["anchored_starts"], p + "/anchored_starts", default: [])
            if triggers.isEmpty && anchored.isEmpty {
                throw error(p + "/triggers", "a format needs at least one trigger or anchored start")
            }
            try checkNoPrefixes(triggers.map(\.marker) + (reasoning.map { [$0.start] } ?? []), p + "/triggers")
            let sectionEnd = try string(e["section_end"], p + "/section_end")
            let callStart = try string(e["call_start"], p + "/call_start")
            if triggers.contains(where: { $0.effect == .section }) && (sectionEnd == nil || callStart == nil) {
                throw error(p, "a \"section\" trigger needs \"section_end\" and \"call_start\"")
            }
            let callEnd = try string(e["call_end"], p + "/call_end")
            let chain = try string(e["chain_separators"], p + "/chain_separators") ?? ""
            let body = try arguments(e["arguments"], p + "/arguments", callEnd: callEnd)
            let markup = MarkupFormat(reasoning: reasoning, triggers: triggers, anchoredStarts: anchored,
                                      sectionEnd: sectionEnd, callStart: callStart, callEnd: callEnd,
                                      chainSeparators: chain, body: body)
            var structural: StructuralTagTemplate?
            if let s = e["structural_tag"], !s.isNull {
                structural = try structuralTag(s, p + "/structural_tag")
            }
            return ToolParserFormat(name: name, summary: summary, engine: .markup(markup), structural: structural)
        }

        func checkNoPrefixes(_ markers: [String], _ pointer: String) throws(ToolParserError) {
            for a in markers {
                for b in markers where a != b && b.hasPrefix(a) {
                    throw error(pointer, "marker '\(a)' is a prefix of '\(b)'; markers searched together must not be prefixes of each other")
                }
            }
        }

        func arguments(_ a: JSONValue?, _ p: String, callEnd: String?) throws(ToolParserError) -> CallBodyStyle {
            guard let a, case .object = a else { throw error(p, "missing: an object with \"style\" (json, tagged or pythonic)") }
            let style = try string(a["style"], p + "/style", required: true) ?? ""
            switch style {
            case "json":
                var nameThen: NameThenArguments?
                if let n = a["name_then_arguments"], !n.isNull {
                    let np = p + "/name_then_arguments"
                    let ends = try strings(n["name_end"], np + "/name_end", default: [])
                    if ends.isEmpty { throw error(np + "/name_end", "at least one marker ending the name is required") }
                    nameThen = NameThenArguments(nameEnd: ends, idMarker: try string(n["id_marker"], np + "/id_marker"),
                                                 dropThrough: try string(n["drop_through"], np + "/drop_through"),
                                                 namespacedID: try bool(n["namespaced_id"], np + "/namespaced_id", default: false),
                                                 argumentsSuffix: try string(n["arguments_suffix"], np + "/arguments_suffix"))
                }
                return .json(JSONCallStyle(
                    nameKeys: try strings(a["name_keys"], p + "/name_keys", default: ["name"]),
                    argumentKeys: try strings(a["argument_keys"], p + "/argument_keys", default: ["arguments", "parameters"]),
                    allowsArray: try bool(a["allows_array"], p + "/allows_array", default: false),
                    allowsObject: try bool(a["allows_object"], p + "/allows_object", default: true),
                    nameThenArguments: nameThen))
            case "tagged":
                guard callEnd != nil else { throw error(p, "tagged arguments need the format's \"call_end\"") }
                let nameEnd = try strings(a["name_end"], p + "/name_end", default: [])
                if nameEnd.isEmpty { throw error(p + "/name_end", "at least one marker ending the name is required") }
                return .tagged(TaggedCallStyle(
                    nameEnd: nameEnd,
                    parameterStart: try string(a["parameter_start"], p + "/parameter_start", required: true) ?? "",
                    keyEnd: try string(a["key_end"], p + "/key_end", required: true) ?? "",
                    attributesEnd: try string(a["attributes_end"], p + "/attributes_end"),
                    valueStart: try string(a["value_start"], p + "/value_start"),
                    valueEnd: try string(a["value_end"], p + "/value_end", required: true) ?? "",
                    trimNewlines: try bool(a["trim_newlines"], p + "/trim_newlines", default: true)))
            case "pythonic":
                return .pythonic(PythonicCallStyle(bracketed: try bool(a["bracketed"], p + "/bracketed", default: true)))
            default:
                throw error(p + "/style", "unknown argument style '\(style)'; use json, tagged or pythonic")
            }
        }

        func structuralTag(_ s: JSONValue, _ p: String) throws(ToolParserError) -> StructuralTagTemplate {
            let argsName = try string(s["arguments"], p + "/arguments") ?? "json_schema"
            let args: StructuralTagTemplate.Arguments
            switch argsName {
            case "json_schema": args = .jsonSchema
            case "qwen_xml_parameter": args = .qwenXMLParameters
            case "any_text": args = .anyText
            default: throw error(p + "/arguments", "unknown '\(argsName)'; use json_schema, qwen_xml_parameter or any_text")
            }
            var section: (begin: String, end: String, separator: String)?
            if let sec = s["section"], !sec.isNull {
                section = (try string(sec["begin"], p + "/section/begin", required: true) ?? "",
                           try string(sec["end"], p + "/section/end", required: true) ?? "",
                           try string(sec["separator"], p + "/section/separator") ?? "")
            }
            let callBegin = try string(s["call_begin"], p + "/call_begin", required: true) ?? ""
            if !callBegin.contains("{name}") { throw error(p + "/call_begin", "must contain {name} where the tool name goes") }
            return StructuralTagTemplate(triggers: try strings(s["triggers"], p + "/triggers", default: []),
                                         section: section, callBegin: callBegin,
                                         callEnd: try string(s["call_end"], p + "/call_end") ?? "", arguments: args)
        }
    }
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
