import Schema

extension StructuralTagTemplate {
    /// `schema` with every object's keys in the order Gemma's chat templates write argument
    /// keys (Jinja's `dictsort`: by the lowercased key, code point by code point, ties in their
    /// given order), at every depth. Key order carries no meaning in a schema except the order of
    /// `properties`, which the `gemma` style takes as the order of the arguments (and enum or
    /// const objects, which the templates write sorted too).
    static func templateKeyOrder(_ schema: JSONValue) -> JSONValue {
        switch schema {
        case .object(let o):
            let sorted = o.enumerated().sorted { a, b in
                let ka = Array(a.element.0.lowercased().unicodeScalars.map(\.value))
                let kb = Array(b.element.0.lowercased().unicodeScalars.map(\.value))
                return ka == kb ? a.offset < b.offset : ka.lexicographicallyPrecedes(kb)
            }
            return .object(JSONObject(sorted.map { ($0.element.0, templateKeyOrder($0.element.1)) }))
        case .array(let a):
            return .array(a.map(templateKeyOrder))
        default:
            return schema
        }
    }
}
