/// Incremental JSON for streams (e.g. tool-call arguments arriving token by token).
///
/// Feed text as it arrives; each byte is looked at once, so a whole stream costs
/// O(total length). `value` reports what is known so far and never invents anything: an
/// unfinished string or number is included with what it holds so far (and reported by
/// `openScalar`); an unfinished literal (`tru`), an unfinished key, or a key whose value has
/// not started are left out. Building `value` costs O(depth + members of the open containers),
/// so take it when needed rather than after every byte of a large document.
public struct PartialJSONParser: Sendable {
    /// The kind of an unfinished scalar.
    public enum OpenKind: String, Sendable, Equatable {
        case string, number
    }

    /// Why the text is not (a prefix of) JSON.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Byte offset into everything fed so far.
        public let offset: Int
        public let message: String
        public var description: String { "byte \(offset): \(message)" }
    }

    /// An open container. Mutated in place through `stack[last]` so appends stay O(1).
    private struct Frame: Sendable {
        var isArray: Bool
        var items: [JSONValue] = []
        var object = JSONObject()
        var key: String? = nil
    }

    private enum State: Sendable {
        case value          // expecting a value (or, after '[', a ']')
        case afterValue     // expecting ',' / closing bracket / end
        case key            // expecting a key string (or, after '{', a '}')
        case colon          // expecting ':'
        case string(isKey: Bool)
        case escape(isKey: Bool)
        case unicode(isKey: Bool, digits: Int, value: UInt32)
        case number
        case literal
        case done
    }

    private var stack: [Frame] = []
    private var state: State = .value
    private var allowClose = false
    private var buffer: [UInt8] = []
    private var pendingHighSurrogate: UInt32? = nil
    private var literalTarget: [UInt8] = []
    private var root: JSONValue? = nil
    private var offset = 0

    /// Set once the text stops being a JSON prefix; later input is ignored.
    public private(set) var failure: Failure? = nil

    public init() {}

    /// True once a whole top-level value has been read.
    public var isComplete: Bool {
        if case .done = state { return true }
        if case .afterValue = state, stack.isEmpty { return root != nil }
        return false
    }

    /// Total bytes fed.
    public var bytesConsumed: Int { offset }

    /// Feeds the next piece of text.
    public mutating func feed(_ text: String) {
        var text = text
        text.withUTF8 { buf in
            for b in buf { if failure == nil { step(b) } else { break } }
        }
    }

    /// Feeds the next bytes of UTF-8 text.
    public mutating func feed(bytes: [UInt8]) {
        for b in bytes { if failure == nil { step(b) } else { break } }
    }

    /// The unfinished string or number, if any: JSON pointer of its place and kind.
    public var openScalar: (pointer: String, kind: OpenKind)? {
        switch state {
        case .string(false), .escape(false), .unicode(false, _, _):
            return (JSONPointer.string(currentPath()), .string)
        case .number:
            return partialNumber() == nil ? nil : (JSONPointer.string(currentPath()), .number)
        default:
            return nil
        }
    }

    /// The value so far (nil when nothing definite has been read yet).
    public var value: JSONValue? {
        if stack.isEmpty {
            if let root { return root }
            return openScalarValue()
        }
        var child: JSONValue? = openScalarValue()
        for frame in stack.reversed() {
            if frame.isArray {
                var items = frame.items
                if let c = child { items.append(c) }
                child = .array(items)
            } else {
                var object = frame.object
                if let c = child, let key = frame.key { object[key] = c }
                child = .object(object)
            }
        }
        return child
    }

    // MARK: - Internals

    private func openScalarValue() -> JSONValue? {
        switch state {
        case .string(false), .escape(false), .unicode(false, _, _):
            return .string(decodeCompletePrefix(buffer))
        case .number:
            return partialNumber()
        default:
            return nil
        }
    }

    /// The pointer of the value being read now.
    private func currentPath() -> [String] {
        var path: [String] = []
        for frame in stack {
            path.append(frame.isArray ? String(frame.items.count) : (frame.key ?? ""))
        }
        return path
    }

    /// A number token so far, when it is already a valid number (`1.`, `-`, `1e` are not).
    private func partialNumber() -> JSONValue? {
        guard let last = buffer.last, last >= 0x30 && last <= 0x39 else { return nil }
        return Self.number(buffer)
    }

    private static func number(_ token: [UInt8]) -> JSONValue? {
        let text = String(decoding: token, as: UTF8.self)
        if !token.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            if let i = Int64(text) { return .integer(i) }
        }
        guard let d = Double(text), d.isFinite else { return nil }
        return .number(d, source: text)
    }

    /// UTF-8 decoding that leaves out an incomplete trailing sequence.
    private func decodeCompletePrefix(_ bytes: [UInt8]) -> String {
        var end = bytes.count
        var back = 0
        while end - back > 0 && back < 4 {
            let b = bytes[end - back - 1]
            if b & 0xC0 == 0x80 { back += 1; continue }
            if b >= 0xC0 {
                let need = b >= 0xF0 ? 4 : (b >= 0xE0 ? 3 : 2)
                if back + 1 < need { end = end - back - 1 }
            }
            break
        }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    private mutating func fail(_ message: String) {
        failure = Failure(offset: offset, message: message)
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    private mutating func step(_ b: UInt8) {
        defer { offset += 1 }
        switch state {
        case .value:
            if Self.isSpace(b) { return }
            if b == UInt8(ascii: "]"), allowClose, stack.last?.isArray == true {
                allowClose = false
                closeContainer()
                return
            }
            allowClose = false
            startValue(b)
        case .afterValue:
            if Self.isSpace(b) { return }
            guard let top = stack.last else {
                fail("unexpected '\(Character(Unicode.Scalar(b)))' after the complete value")
                return
            }
            switch (top.isArray, b) {
            case (true, UInt8(ascii: ",")): state = .value
            case (false, UInt8(ascii: ",")): state = .key
            case (true, UInt8(ascii: "]")), (false, UInt8(ascii: "}")): closeContainer()
            default: fail("expected ',' or a closing bracket")
            }
        case .key:
            if Self.isSpace(b) { return }
            if b == UInt8(ascii: "}"), allowClose { allowClose = false; closeContainer(); return }
            allowClose = false
            guard b == UInt8(ascii: "\"") else { fail("expected a double-quoted key"); return }
            buffer.removeAll(keepingCapacity: true)
            state = .string(isKey: true)
        case .colon:
            if Self.isSpace(b) { return }
            guard b == UInt8(ascii: ":") else { fail("expected ':' after the key"); return }
            state = .value
        case .string(let isKey):
            if b == UInt8(ascii: "\"") {
                finishString(isKey: isKey)
            } else if b == UInt8(ascii: "\\") {
                state = .escape(isKey: isKey)
            } else if b < 0x20 {
                fail("control character in a string; escape it")
            } else {
                flushSurrogate()
                buffer.append(b)
            }
        case .escape(let isKey):
            var c: UInt8? = nil
            switch b {
            case UInt8(ascii: "\""): c = 0x22
            case UInt8(ascii: "\\"): c = 0x5C
            case UInt8(ascii: "/"): c = 0x2F
            case UInt8(ascii: "b"): c = 0x08
            case UInt8(ascii: "f"): c = 0x0C
            case UInt8(ascii: "n"): c = 0x0A
            case UInt8(ascii: "r"): c = 0x0D
            case UInt8(ascii: "t"): c = 0x09
            case UInt8(ascii: "u"):
                state = .unicode(isKey: isKey, digits: 0, value: 0)
                return
            default:
                fail("invalid escape '\\\(Character(Unicode.Scalar(b)))'")
                return
            }
            flushSurrogate()
            if let c { buffer.append(c) }
            state = .string(isKey: isKey)
        case let .unicode(isKey, digits, value):
            guard let h = Self.hexValue(b) else { fail("invalid \\u escape"); return }
            let v = value << 4 | h
            if digits < 3 {
                state = .unicode(isKey: isKey, digits: digits + 1, value: v)
                return
            }
            state = .string(isKey: isKey)
            if v >= 0xD800 && v < 0xDC00 {
                flushSurrogate()
                pendingHighSurrogate = v
            } else if v >= 0xDC00 && v < 0xE000, let high = pendingHighSurrogate {
                pendingHighSurrogate = nil
                appendScalar(0x10000 + ((high - 0xD800) << 10) + (v - 0xDC00))
            } else {
                flushSurrogate()
                appendScalar(v)
            }
        case .number:
            if (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
                || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") {
                buffer.append(b)
                if !Self.isNumberPrefix(buffer) { fail("malformed number") }
                return
            }
            guard let n = Self.number(buffer), Self.isCompleteNumber(buffer) else { fail("malformed number"); return }
            finishValue(n)
            step(b)
            offset -= 1  // the byte is counted by the nested step
        case .literal:
            buffer.append(b)
            guard literalTarget.starts(with: buffer) else { fail("invalid literal; expected true, false or null"); return }
            if buffer.count == literalTarget.count {
                switch literalTarget.first {
                case UInt8(ascii: "t"): finishValue(.bool(true))
                case UInt8(ascii: "f"): finishValue(.bool(false))
                default: finishValue(.null)
                }
            }
        case .done:
            if !Self.isSpace(b) { fail("unexpected text after the complete value") }
        }
    }

    private mutating func startValue(_ b: UInt8) {
        switch b {
        case UInt8(ascii: "{"):
            stack.append(Frame(isArray: false))
            state = .key
            allowClose = true
        case UInt8(ascii: "["):
            stack.append(Frame(isArray: true))
            state = .value
            allowClose = true
        case UInt8(ascii: "\""):
            buffer.removeAll(keepingCapacity: true)
            state = .string(isKey: false)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            buffer.removeAll(keepingCapacity: true)
            buffer.append(b)
            state = .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            literalTarget = Array((b == UInt8(ascii: "t") ? "true" : b == UInt8(ascii: "f") ? "false" : "null").utf8)
            buffer = [b]
            state = .literal
        default:
            fail("expected a value")
        }
    }

    private mutating func finishString(isKey: Bool) {
        flushSurrogate()
        let s = String(decoding: buffer, as: UTF8.self)
        if isKey {
            if !stack.isEmpty { stack[stack.count - 1].key = s }
            state = .colon
        } else {
            finishValue(.string(s))
        }
    }

    private mutating func finishValue(_ v: JSONValue) {
        buffer.removeAll(keepingCapacity: true)
        guard !stack.isEmpty else {
            root = v
            state = .done
            return
        }
        let last = stack.count - 1
        if stack[last].isArray {
            stack[last].items.append(v)
        } else {
            if let key = stack[last].key { stack[last].object[key] = v }
            stack[last].key = nil
        }
        state = .afterValue
    }

    private mutating func closeContainer() {
        guard let top = stack.popLast() else { return }
        finishValue(top.isArray ? .array(top.items) : .object(top.object))
    }

    private mutating func flushSurrogate() {
        if pendingHighSurrogate != nil {
            pendingHighSurrogate = nil
            appendScalar(0xFFFD)
        }
    }

    private mutating func appendScalar(_ v: UInt32) {
        let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
        buffer.append(contentsOf: Array(String(Character(scalar)).utf8))
    }

    private static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - 0x30)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - 0x61 + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - 0x41 + 10)
        default: return nil
        }
    }

    /// Whether `t` can still grow into a JSON number.
    private static func isNumberPrefix(_ t: [UInt8]) -> Bool {
        var i = 0
        if i < t.count && t[i] == UInt8(ascii: "-") { i += 1 }
        if i == t.count { return true }
        if t[i] == UInt8(ascii: "0") {
            i += 1
        } else if t[i] >= 0x31 && t[i] <= 0x39 {
            while i < t.count && t[i] >= 0x30 && t[i] <= 0x39 { i += 1 }
        } else {
            return false
        }
        if i == t.count { return true }
        if t[i] == UInt8(ascii: ".") {
            i += 1
            if i == t.count { return true }
            guard t[i] >= 0x30 && t[i] <= 0x39 else { return false }
            while i < t.count && t[i] >= 0x30 && t[i] <= 0x39 { i += 1 }
            if i == t.count { return true }
        }
        guard t[i] == UInt8(ascii: "e") || t[i] == UInt8(ascii: "E") else { return false }
        i += 1
        if i == t.count { return true }
        if t[i] == UInt8(ascii: "+") || t[i] == UInt8(ascii: "-") { i += 1 }
        if i == t.count { return true }
        while i < t.count && t[i] >= 0x30 && t[i] <= 0x39 { i += 1 }
        return i == t.count
    }

    private static func isCompleteNumber(_ t: [UInt8]) -> Bool {
        guard let last = t.last else { return false }
        return last >= 0x30 && last <= 0x39 && isNumberPrefix(t)
    }
}
