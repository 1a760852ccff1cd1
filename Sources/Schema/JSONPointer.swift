/// RFC 6901 JSON Pointers: building them for error messages and resolving them in a value.
public enum JSONPointer {
    /// Escapes one reference token (`~` → `~0`, `/` → `~1`).
    public static func escape(_ token: String) -> String {
        guard token.contains("~") || token.contains("/") else { return token }
        return token.replacing("~", with: "~0").replacing("/", with: "~1")
    }

    /// The pointer text for a path of tokens (`""` for the whole document).
    public static func string(_ tokens: [String]) -> String {
        tokens.map { "/" + escape($0) }.joined()
    }

    /// Splits a pointer into unescaped tokens; nil when it does not start with `/` (and is not empty).
    public static func tokens(_ pointer: String) -> [String]? {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        return pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).replacing("~1", with: "/").replacing("~0", with: "~")
        }
    }

    /// The value a pointer designates inside `document`, or nil.
    public static func resolve(_ pointer: String, in document: JSONValue) -> JSONValue? {
        guard let tokens = tokens(pointer) else { return nil }
        var current = document
        for token in tokens {
            switch current {
            case .object(let o):
                guard let next = o[token] else { return nil }
                current = next
            case .array(let a):
                guard let i = Int(token), token == String(i), i >= 0, i < a.count else { return nil }
                current = a[i]
            default:
                return nil
            }
        }
        return current
    }

    /// Decodes `%XX` escapes in a URI fragment (fragments of `$ref` are percent-encoded).
    public static func percentDecode(_ s: String) -> String {
        guard s.contains("%") else { return s }
        var bytes: [UInt8] = []
        var utf8 = Array(s.utf8)[...]
        while let b = utf8.popFirst() {
            if b == UInt8(ascii: "%"), utf8.count >= 2,
               let v = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Local `$ref` resolution for the schema utilities tool parsers share (refs inside one
/// document: `#`, `#/json/pointer`, `#anchor`). Full URI resolution lives in `SchemaValidator`.
public enum SchemaRefs {
    /// Follows `$ref` chains (at most 64 hops, so a cyclic `$ref` ends) and returns the schema
    /// they lead to; a schema without `$ref` is returned as is; nil when a ref cannot be resolved.
    /// Sibling keywords next to a `$ref` are merged over the target (2020-12 semantics, approximated).
    public static func resolve(_ schema: JSONValue, root: JSONValue?) -> JSONValue? {
        var current = schema
        var hops = 0
        while case .object(let o) = current, let ref = o["$ref"]?.stringValue {
            hops += 1
            guard hops <= 64, let target = lookup(ref, root: root ?? schema) else { return nil }
            if o.count > 1, case .object(var merged) = target {
                for (k, v) in o where k != "$ref" && merged[k] == nil { merged[k] = v }
                current = .object(merged)
            } else {
                current = target
            }
        }
        return current
    }

    /// The schema a local reference designates in `root`.
    public static func lookup(_ ref: String, root: JSONValue) -> JSONValue? {
        guard let hash = ref.firstIndex(of: "#") else {
            return ref.isEmpty ? root : nil
        }
        let fragment = JSONPointer.percentDecode(String(ref[ref.index(after: hash)...]))
        if fragment.isEmpty || fragment.hasPrefix("/") {
            return JSONPointer.resolve(fragment, in: root)
        }
        return findAnchor(fragment, in: root, depth: 0)
    }

    private static func findAnchor(_ name: String, in value: JSONValue, depth: Int) -> JSONValue? {
        guard depth < 256 else { return nil }
        switch value {
        case .object(let o):
            if o["$anchor"]?.stringValue == name || o["$dynamicAnchor"]?.stringValue == name { return value }
            if let id = o["$id"]?.stringValue ?? o["id"]?.stringValue, id == "#" + name { return value }
            for (k, v) in o where k != "enum" && k != "const" && k != "examples" && k != "default" {
                if let found = findAnchor(name, in: v, depth: depth + 1) { return found }
            }
        case .array(let a):
            for v in a { if let found = findAnchor(name, in: v, depth: depth + 1) { return found } }
        default:
            break
        }
        return nil
    }
}
