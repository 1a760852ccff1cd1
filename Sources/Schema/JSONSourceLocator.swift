/// Finds where a JSON pointer's target sits in a JSON text, so errors found on the parsed
/// value (a bad schema keyword, a bad tool definition) can name `line:column`.
public enum JSONSourceLocator {
    /// A 1-based line and column (in characters) plus the 0-based byte offset.
    public struct Position: Sendable, Equatable {
        public let line: Int
        public let column: Int
        public let offset: Int
    }

    /// The position of the value `pointer` designates in `text` (for an object member: its key),
    /// or nil when the text is not valid JSON or has no such location.
    public static func position(of pointer: String, in text: String) -> Position? {
        guard let tokens = JSONPointer.tokens(pointer) else { return nil }
        let bytes = Array(text.utf8)
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        var target = scanner.i
        for token in tokens {
            guard let found = scanner.enter(token) else { return nil }
            target = found.report
            scanner.i = found.value
        }
        return position(offset: target, in: bytes)
    }

    /// Line and column of a byte offset.
    public static func position(offset: Int, in bytes: [UInt8]) -> Position {
        var line = 1, column = 1
        var i = 0
        let end = min(offset, bytes.count)
        while i < end {
            let b = bytes[i]
            if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return Position(line: line, column: column, offset: offset)
    }

    private struct Scanner {
        let bytes: [UInt8]
        var i = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipWhitespace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        /// From the start of a container at `i`, finds member `token`: the offset to report
        /// and the offset of its value.
        mutating func enter(_ token: String) -> (report: Int, value: Int)? {
            skipWhitespace()
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: "{") {
                i += 1
                while true {
                    skipWhitespace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
                    let keyStart = i
                    guard let key = readString() else { return nil }
                    skipWhitespace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
                    i += 1
                    skipWhitespace()
                    if key == token { return (keyStart, i) }
                    guard skipValue() else { return nil }
                    skipWhitespace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ",") else { return nil }
                    i += 1
                }
            } else if bytes[i] == UInt8(ascii: "[") {
                guard let index = Int(token), index >= 0 else { return nil }
                i += 1
                var n = 0
                while true {
                    skipWhitespace()
                    if n == index { return (i, i) }
                    guard skipValue() else { return nil }
                    skipWhitespace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ",") else { return nil }
                    i += 1
                    n += 1
                }
            }
            return nil
        }

        mutating func readString() -> String? {
            i += 1
            var out: [UInt8] = []
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
                if b == UInt8(ascii: "\\") {
                    guard i + 1 < bytes.count else { return nil }
                    let e = bytes[i + 1]
                    i += 2
                    switch e {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard var v = hex4() else { return nil }
                        if v >= 0xD800 && v < 0xDC00, i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                            i += 2
                            guard let low = hex4() else { return nil }
                            v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                        }
                        out.append(contentsOf: Array(String(Character(Unicode.Scalar(v) ?? "\u{FFFD}")).utf8))
                    default: out.append(e)
                    }
                    continue
                }
                out.append(b)
                i += 1
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else { return nil }
            i += 4
            return v
        }

        mutating func skipValue() -> Bool {
            skipWhitespace()
            guard i < bytes.count else { return false }
            switch bytes[i] {
            case UInt8(ascii: "\""):
                return readString() != nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while i < bytes.count {
                    let b = bytes[i]
                    if b == UInt8(ascii: "\"") { guard readString() != nil else { return false }; continue }
                    if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") { depth += 1 }
                    if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                        depth -= 1
                        if depth == 0 { i += 1; return true }
                    }
                    i += 1
                }
                return false
            default:
                while i < bytes.count {
                    let b = bytes[i]
                    if b == UInt8(ascii: ",") || b == UInt8(ascii: "}") || b == UInt8(ascii: "]") || b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { break }
                    i += 1
                }
                return true
            }
        }
    }
}
