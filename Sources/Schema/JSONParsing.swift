import CJansson

/// Why a JSON text could not be parsed: where (1-based line and column, 0-based byte
/// offset), what jansson reported, and how to fix it.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line of the error.
    public let line: Int
    /// 1-based column of the error, counted in Unicode scalars (characters) on that line.
    public let column: Int
    /// 0-based byte offset into the UTF-8 input where the error was detected.
    public let offset: Int
    /// What is wrong (jansson's message).
    public let message: String
    /// What to do about it.
    public let hint: String

    public init(line: Int, column: Int, offset: Int, message: String, hint: String) {
        self.line = line
        self.column = column
        self.offset = offset
        self.message = message
        self.hint = hint
    }

    /// `line:column: message (hint)`, ready to be prefixed with a file name.
    public var description: String { "\(line):\(column): \(message) (\(hint))" }
}

extension JSONValue {
    /// Parses one JSON text (any value at the top level) through jansson.
    ///
    /// - Duplicate object keys: the last value wins, at the key's first position.
    /// - `NaN`, `Infinity` and numbers that overflow a Double are rejected.
    /// - Integers that fit in Int64 become `.integer`; larger integers become
    ///   `.number(Double, source:)` keeping their exact digits; reals keep their source text.
    ///   (In documents that also contain duplicate keys, a number's source text is recovered
    ///   only where it can be matched unambiguously; values are always correct.)
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        let result: Result<JSONValue, JSONParseError> = text.withUTF8 { buf in
            Result { () throws(JSONParseError) -> JSONValue in try parseUTF8(buf) }
        }
        return try result.get()
    }

    /// Parses one JSON text given as UTF-8 bytes; see `parse(_:)`.
    public static func parse(bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buf in
            Result { () throws(JSONParseError) -> JSONValue in try parseUTF8(buf) }
        }
        return try result.get()
    }

    /// Parses UTF-8 bytes in place; see `parse(_:)`.
    public static func parse(utf8 buf: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        try parseUTF8(buf)
    }

    static func parseUTF8(_ buf: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        let base = buf.baseAddress ?? UnsafePointer<UInt8>(bitPattern: 1)!
        let raw = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
        let flagsAny = Int(JSON_DECODE_ANY) | Int(JSON_ALLOW_NUL)
        var intsAsReals = false
        var duplicates = false
        var error = json_error_t()

        // First try: strict about duplicates so that number tokens align with the tree.
        var root = json_loadb(raw, buf.count, flagsAny | Int(JSON_REJECT_DUPLICATES), &error)
        if root == nil {
            var code = errorCode(error)
            if code == json_error_numeric_overflow && errorText(error).contains("integer") {
                intsAsReals = true
                root = json_loadb(raw, buf.count, flagsAny | Int(JSON_REJECT_DUPLICATES) | Int(JSON_DECODE_INT_AS_REAL), &error)
                if root == nil { code = errorCode(error) }
            }
            if root == nil && code == json_error_duplicate_key {
                duplicates = true
                root = json_loadb(raw, buf.count, flagsAny | (intsAsReals ? Int(JSON_DECODE_INT_AS_REAL) : 0), &error)
                if root == nil && errorCode(error) == json_error_numeric_overflow && errorText(error).contains("integer") {
                    intsAsReals = true
                    root = json_loadb(raw, buf.count, flagsAny | Int(JSON_DECODE_INT_AS_REAL), &error)
                }
            }
        }
        guard let root else { throw makeError(error, buf) }
        defer { json_decref(root) }
        var builder = JanssonTreeConverter(text: buf, intsAsReals: intsAsReals, matchByValue: duplicates)
        return builder.convert(root)
    }

    private static func errorCode(_ e: json_error_t) -> json_error_code {
        var e = e
        return json_error_code(&e)
    }

    private static func errorText(_ e: json_error_t) -> String {
        withUnsafeBytes(of: e.text) { raw in
            let bytes = raw.prefix(Int(JSON_ERROR_TEXT_LENGTH) - 1)
            let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
            return String(decoding: bytes[..<end], as: UTF8.self)
        }
    }

    private static func makeError(_ e: json_error_t, _ buf: UnsafeBufferPointer<UInt8>) -> JSONParseError {
        let message = errorText(e)
        let code = errorCode(e)
        // jansson's position is the byte offset just past the offending token; recompute
        // line and column from it so both are exact and in characters.
        var offset = max(0, min(Int(e.position), buf.count))
        if offset > 0 && code != json_error_premature_end_of_input && Int(e.position) > 0 {
            offset = Int(e.position) - 1
            offset = max(0, min(offset, buf.count))
        }
        // Point at the start of an unrecognised token, not at its last byte.
        if code == json_error_invalid_syntax || message.contains("invalid token") {
            func wordByte(_ b: UInt8) -> Bool {
                (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x2B || b == 0x2D || b == 0x2E
            }
            while offset > 0, offset <= buf.count, offset < buf.count ? wordByte(buf[offset]) : true,
                  wordByte(buf[offset - 1]) {
                offset -= 1
            }
        }
        var line = 1, column = 1
        var i = 0
        while i < offset {
            let b = buf[i]
            if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        if buf.isEmpty || (Int(e.line) <= 0 && offset == 0) { line = 1; column = 1 }
        return JSONParseError(line: line, column: column, offset: offset, message: message,
                              hint: hint(for: code, message: message))
    }

    private static func hint(for code: json_error_code, message: String) -> String {
        switch code {
        case json_error_invalid_utf8:
            return "the input must be UTF-8; re-encode the file"
        case json_error_premature_end_of_input:
            return "the text ends early; close every open string, array and object"
        case json_error_end_of_input_expected:
            return "there is text after the JSON value; remove it or wrap the values in an array"
        case json_error_numeric_overflow:
            return "the number is out of range for a double; write it as a string"
        case json_error_stack_overflow:
            return "nesting is too deep (2048 levels at most); flatten the document"
        case json_error_null_byte_in_key:
            return "object keys may not contain \\u0000; rename the key"
        default:
            break
        }
        let m = message.lowercased()
        if m.contains("nan") || m.contains("infinity") || m.contains("invalid token") {
            return "check the token: JSON has no NaN/Infinity, no single quotes, no comments and no trailing commas; literals are true, false, null"
        }
        if m.contains("control character") {
            return "control characters inside strings must be escaped, e.g. \\n or \\u0001"
        }
        if m.contains("escape") || m.contains("unicode") {
            return "use a valid escape: \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX (surrogates in pairs)"
        }
        if m.contains("string or '}' expected") || m.contains("string expected") {
            return "object keys must be double-quoted strings; remove a trailing comma"
        }
        if m.contains("':' expected") { return "put ':' between an object key and its value" }
        if m.contains("'}' expected") || m.contains("']' expected") {
            return "a ',' or the closing bracket is missing"
        }
        return "check the JSON syntax at this position"
    }
}

/// Walks a jansson tree in document order and builds `JSONValue`s. Number source texts come
/// from a forward-only scan of the input, performed lazily (documents without reals and
/// without huge integers are never scanned).
private struct JanssonTreeConverter {
    let text: UnsafeBufferPointer<UInt8>
    let intsAsReals: Bool
    let matchByValue: Bool
    var cursor = 0
    var pendingSkips = 0

    init(text: UnsafeBufferPointer<UInt8>, intsAsReals: Bool, matchByValue: Bool) {
        self.text = text
        self.intsAsReals = intsAsReals
        self.matchByValue = matchByValue
    }

    mutating func convert(_ node: UnsafeMutablePointer<json_t>) -> JSONValue {
        switch node.pointee.type {
        case JSON_NULL: return .null
        case JSON_TRUE: return .bool(true)
        case JSON_FALSE: return .bool(false)
        case JSON_INTEGER:
            pendingSkips += 1
            return .integer(Int64(json_integer_value(node)))
        case JSON_REAL:
            return real(json_real_value(node))
        case JSON_STRING:
            let length = json_string_length(node)
            guard let p = json_string_value(node) else { return .string("") }
            return .string(String(decoding: UnsafeRawBufferPointer(start: p, count: length), as: UTF8.self))
        case JSON_ARRAY:
            let n = json_array_size(node)
            var items: [JSONValue] = []
            items.reserveCapacity(n)
            for i in 0..<n {
                if let child = json_array_get(node, i) { items.append(convert(child)) }
            }
            return .array(items)
        case JSON_OBJECT:
            var object = JSONObject()
            object.reserveCapacity(json_object_size(node))
            var iter = json_object_iter(node)
            while let it = iter {
                let keyLength = json_object_iter_key_len(it)
                let key: String
                if let k = json_object_iter_key(it) {
                    key = String(decoding: UnsafeRawBufferPointer(start: k, count: keyLength), as: UTF8.self)
                } else {
                    key = ""
                }
                if let child = json_object_iter_value(it) {
                    object.appendNew(key, convert(child))
                }
                iter = json_object_iter_next(node, it)
            }
            return .object(object)
        default:
            return .null
        }
    }

    /// A real from jansson: find its token, keep the source text, and restore exact
    /// integers when jansson had to read integers as reals.
    mutating func real(_ value: Double) -> JSONValue {
        let token: Range<Int>?
        if matchByValue {
            token = matchToken(value)
        } else {
            while pendingSkips > 0 { _ = nextToken(); pendingSkips -= 1 }
            token = nextToken()
        }
        guard let token else {
            if intsAsReals && value.rounded() == value && value.magnitude <= 9_007_199_254_740_992 {
                return .integer(Int64(value))
            }
            return .number(value, source: nil)
        }
        let source = String(decoding: UnsafeBufferPointer(rebasing: text[token]), as: UTF8.self)
        if intsAsReals && isIntegerToken(token) {
            if let exact = Int64(source) { return .integer(exact) }
        }
        return .number(value, source: source)
    }

    func isIntegerToken(_ r: Range<Int>) -> Bool {
        for i in r {
            let b = text[i]
            if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") { return false }
        }
        return true
    }

    /// Next number token at or after the cursor, skipping strings.
    mutating func nextToken() -> Range<Int>? {
        var i = cursor
        let n = text.count
        while i < n {
            let b = text[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                while i < n {
                    let c = text[i]
                    if c == UInt8(ascii: "\\") { i += 2; continue }
                    i += 1
                    if c == UInt8(ascii: "\"") { break }
                }
                continue
            }
            if b == UInt8(ascii: "-") || (b >= 0x30 && b <= 0x39) {
                let start = i
                i += 1
                while i < n {
                    let c = text[i]
                    if (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ".") || c == UInt8(ascii: "e")
                        || c == UInt8(ascii: "E") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                        i += 1
                    } else {
                        break
                    }
                }
                cursor = i
                return start..<i
            }
            i += 1
        }
        cursor = n
        return nil
    }

    /// With duplicate keys the tree and the text disagree on order; take the next token whose
    /// value is this one, leaving the cursor alone when there is none.
    mutating func matchToken(_ value: Double) -> Range<Int>? {
        let saved = cursor
        while let t = nextToken() {
            let s = String(decoding: UnsafeBufferPointer(rebasing: text[t]), as: UTF8.self)
            if Double(s) == value { return t }
        }
        cursor = saved
        return nil
    }
}
