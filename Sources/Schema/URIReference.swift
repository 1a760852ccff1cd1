/// Minimal RFC 3986 URI references: splitting and resolving a reference against a base, as
/// JSON Schema's `$id` and `$ref` need.
enum URIReference {
    struct Parts {
        var scheme: String?
        var authority: String?
        var path: String
        var query: String?
        var fragment: String?

        var text: String {
            var s = ""
            if let scheme { s += scheme + ":" }
            if let authority { s += "//" + authority }
            s += path
            if let query { s += "?" + query }
            if let fragment { s += "#" + fragment }
            return s
        }
    }

    static func parse(_ uri: String) -> Parts {
        var rest = Substring(uri)
        var fragment: String? = nil
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        var query: String? = nil
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        var scheme: String? = nil
        if let colon = rest.firstIndex(of: ":") {
            let candidate = rest[..<colon]
            if let first = candidate.first, first.isLetter,
               candidate.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) {
                scheme = String(candidate)
                rest = rest[rest.index(after: colon)...]
            }
        }
        var authority: String? = nil
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            authority = String(rest[..<end])
            rest = rest[end...]
        }
        return Parts(scheme: scheme, authority: authority, path: String(rest), query: query, fragment: fragment)
    }

    /// `reference` resolved against `base` (RFC 3986 §5.2).
    static func resolve(_ reference: String, against base: String) -> String {
        let r = parse(reference)
        if r.scheme != nil {
            var t = r
            t.path = removeDotSegments(r.path)
            return t.text
        }
        let b = parse(base)
        var t = Parts(scheme: b.scheme, authority: nil, path: "", query: nil, fragment: r.fragment)
        if r.authority != nil {
            t.authority = r.authority
            t.path = removeDotSegments(r.path)
            t.query = r.query
        } else {
            t.authority = b.authority
            if r.path.isEmpty {
                t.path = b.path
                t.query = r.query ?? b.query
            } else {
                if r.path.hasPrefix("/") {
                    t.path = removeDotSegments(r.path)
                } else {
                    let merged: String
                    if b.authority != nil && b.path.isEmpty {
                        merged = "/" + r.path
                    } else if let slash = b.path.lastIndex(of: "/") {
                        merged = String(b.path[...slash]) + r.path
                    } else {
                        merged = r.path
                    }
                    t.path = removeDotSegments(merged)
                }
                t.query = r.query
            }
        }
        return t.text
    }

    /// The URI without its fragment.
    static func stripFragment(_ uri: String) -> String {
        if let hash = uri.firstIndex(of: "#") { return String(uri[..<hash]) }
        return uri
    }

    /// (URI without fragment, fragment or "").
    static func splitFragment(_ uri: String) -> (String, String) {
        if let hash = uri.firstIndex(of: "#") {
            return (String(uri[..<hash]), String(uri[uri.index(after: hash)...]))
        }
        return (uri, "")
    }

    static func removeDotSegments(_ path: String) -> String {
        guard path.contains(".") else { return path }
        var input = Substring(path)
        var output: [Substring] = []
        let absolute = path.hasPrefix("/")
        var segments = input.split(separator: "/", omittingEmptySubsequences: false)
        if absolute { segments.removeFirst() }
        let trailing = segments.last == "." || segments.last == ".."
        for s in segments {
            if s == "." { continue }
            if s == ".." { if !output.isEmpty { output.removeLast() }; continue }
            output.append(s)
        }
        input = Substring(output.joined(separator: "/"))
        var result = (absolute ? "/" : "") + input
        if trailing && !result.hasSuffix("/") { result += "/" }
        return result
    }
}
