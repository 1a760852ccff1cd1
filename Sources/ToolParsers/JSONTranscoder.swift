/// Re-serializes one JSON value (or Python literal) while it arrives, in the form of Python's
/// `json.dumps(value, ensure_ascii=False)`: `", "` and `": "` separators, non-ASCII kept as is,
/// control characters escaped, numbers exactly as written. Output is produced as early as possible
/// (string characters immediately; numbers and literals once complete), and `close()` turns whatever
/// has been written into valid JSON at any point.
struct JSONTranscoder {
    enum Dialect: Sendable { case json, python }
    enum Status { case needMore, complete, error }

    private enum State: UInt8 {
        case value, valueOrClose, keyOrClose, key, colon, afterValue
        case string, escape, unicode, surrogateBackslash, surrogateU, number, literal, done
    }

    private(set) var dialect: Dialect
    /// Canonical output not yet taken by the caller.
    var out: [UInt8] = []
    /// Whether the value has begun (a non-whitespace byte was consumed).
    private(set) var started = false

    private var state: State = .value
    /// Per open container: the input byte that closes it.
    private var closers: [UInt8] = []
    private var inKey = false
    private var quote: UInt8 = 0x22
    private var hexTarget = 4
    private var hexCount = 0
    private var hex: UInt32 = 0
    private var highSurrogate: UInt32 = 0
    private var numberText: [UInt8] = []
    private var literalExpected: StaticString = "null"
    private var literalPosition = 0
    private var literalOutput: StaticString = "null"
    private var needsSeparator = false
    private var awaitingValue = false

    init(dialect: Dialect = .json) {
        self.dialect = dialect
        out.reserveCapacity(128)
    }

    var isComplete: Bool { state == .done }

    /// Starts over for a new value, keeping the buffers' capacity.
    mutating func reset(_ dialect: Dialect = .json) {
        self.dialect = dialect
        clearKeepingCapacity(&out)
        started = false
        state = .value
        clearKeepingCapacity(&closers)
        inKey = false
        quote = 0x22
        highSurrogate = 0
        clearKeepingCapacity(&numberText)
        needsSeparator = false
        awaitingValue = false
    }

    // MARK: feeding

    /// Consumes `p[i..<n]` until the value is complete (`.complete`, `i` just past its last byte),
    /// the input runs out (`.needMore`), or a byte cannot continue it (`.error`, `i` at that byte).
    mutating func feed(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ n: Int) -> Status {
        while i < n {
            let c = p[i]
            switch state {
            case .string:
                let start = i
                if dialect == .json {
                    // Eight bytes at a time while none of them is a quote, a backslash or a control character.
                    if let base = p.baseAddress {
                        while i + 8 <= n && !hasJSONStringStop(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) { i += 8 }
                    }
                    while i < n {
                        let d = p[i]
                        if d == 0x22 || d == 0x5C || d < 0x20 { break }
                        i += 1
                    }
                } else {
                    while i < n {
                        let d = p[i]
                        if d == quote || d == 0x22 || d == 0x5C || d < 0x20 { break }
                        i += 1
                    }
                }
                if i > start { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<i])) }
                if i == n { return .needMore }
                let d = p[i]
                i += 1
                if d == quote {
                    out.append(0x22)
                    if inKey {
                        inKey = false
                        state = .colon
                        awaitingValue = true
                    } else {
                        valueDone()
                        if state == .done { return .complete }
                    }
                } else if d == 0x5C {
                    state = .escape
                } else if d == 0x22 {
                    out.append(0x5C); out.append(0x22)
                } else {
                    writeControl(d)
                }
            case .escape:
                i += 1
                state = .string
                switch c {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x2F: out.append(0x2F)
                case 0x62: out.append(0x5C); out.append(0x62)
                case 0x66: out.append(0x5C); out.append(0x66)
                case 0x6E: out.append(0x5C); out.append(0x6E)
                case 0x72: out.append(0x5C); out.append(0x72)
                case 0x74: out.append(0x5C); out.append(0x74)
                case 0x75: state = .unicode; hexTarget = 4; hexCount = 0; hex = 0
                case 0x27 where dialect == .python: out.append(0x27)
                case 0x78 where dialect == .python: state = .unicode; hexTarget = 2; hexCount = 0; hex = 0
                case 0x30 where dialect == .python: writeControl(0)
                case 0x0A where dialect == .python: break
                default:
                    // Unknown escape: keep the backslash and the character, as Python does.
                    out.append(0x5C); out.append(0x5C)
                    if c < 0x20 { writeControl(c) } else { out.append(c) }
                }
            case .unicode:
                guard let v = hexValue(c) else { return .error }
                i += 1
                hex = hex << 4 | v
                hexCount += 1
                if hexCount == hexTarget {
                    state = .string
                    codepoint(hex)
                }
            case .surrogateBackslash:
                if c == 0x5C {
                    i += 1
                    state = .surrogateU
                } else {
                    writeEscapedUnit(highSurrogate)
                    highSurrogate = 0
                    state = .string
                }
            case .surrogateU:
                if c == 0x75 {
                    i += 1
                    state = .unicode; hexTarget = 4; hexCount = 0; hex = 0
                } else {
                    writeEscapedUnit(highSurrogate)
                    highSurrogate = 0
                    state = .escape
                }
            case .number:
                if (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2B || c == 0x2E || c == 0x65 || c == 0x45 {
                    numberText.append(c)
                    i += 1
                } else {
                    guard isValidNumber(numberText) else { return .error }
                    out.append(contentsOf: numberText)
                    numberText.removeAll(keepingCapacity: true)
                    valueDone()
                    if state == .done { return .complete }
                }
            case .literal:
                guard c == literalExpected.utf8Start[literalPosition] else { return .error }
                i += 1
                literalPosition += 1
                if literalPosition == literalExpected.utf8CodeUnitCount {
                    out.append(contentsOf: UnsafeBufferPointer(start: literalOutput.utf8Start, count: literalOutput.utf8CodeUnitCount))
                    valueDone()
                    if state == .done { return .complete }
                }
            case .value, .valueOrClose:
                if isJSONWhitespace(c) { i += 1; continue }
                started = true
                if let closer = closers.last, c == closer, state == .valueOrClose || needsSeparator {
                    i += 1
                    needsSeparator = false
                    closeContainer()
                    if state == .done { return .complete }
                    continue
                }
                guard beginValue(c) else { return .error }
                i += 1
            case .keyOrClose, .key:
                if isJSONWhitespace(c) { i += 1; continue }
                if c == 0x22 || (dialect == .python && c == 0x27) {
                    i += 1
                    if needsSeparator { appendSeparator() }
                    quote = c
                    inKey = true
                    out.append(0x22)
                    state = .string
                } else if c == 0x7D && (state == .keyOrClose || needsSeparator) {
                    i += 1
                    needsSeparator = false
                    closeContainer()
                    if state == .done { return .complete }
                } else {
                    return .error
                }
            case .colon:
                if isJSONWhitespace(c) { i += 1; continue }
                guard c == 0x3A else { return .error }
                i += 1
                state = .value
            case .afterValue:
                if isJSONWhitespace(c) { i += 1; continue }
                if c == 0x2C {
                    i += 1
                    needsSeparator = true
                    state = closers.last == 0x7D ? .key : .value
                } else if let closer = closers.last, c == closer {
                    i += 1
                    closeContainer()
                    if state == .done { return .complete }
                } else {
                    return .error
                }
            case .done:
                return .complete
            }
        }
        return state == .done ? .complete : .needMore
    }

    /// Writes what is needed to make the output valid JSON (closing an open string, giving a
    /// dangling key the value null, closing containers) and ends the value.
    mutating func close() {
        switch state {
        case .string, .escape, .unicode, .surrogateBackslash, .surrogateU:
            if inKey { out.append(contentsOf: Array("\": null".utf8)) } else { out.append(0x22) }
        case .number:
            out.append(contentsOf: isValidNumber(numberText) ? numberText : Array("null".utf8))
        case .literal:
            out.append(contentsOf: Array("null".utf8))
        case .colon:
            out.append(contentsOf: Array(": null".utf8))
        case .value:
            if awaitingValue { out.append(contentsOf: Array(": null".utf8)) } else if !started { out.append(contentsOf: Array("null".utf8)) }
        default:
            break
        }
        for closer in closers.reversed() { out.append(closer == 0x7D ? 0x7D : 0x5D) }
        closers.removeAll()
        state = .done
    }

    // MARK: helpers

    private mutating func appendSeparator() {
        out.append(0x2C); out.append(0x20)
        needsSeparator = false
    }

    private mutating func beginValue(_ c: UInt8) -> Bool {
        let before = out.count
        if awaitingValue {
            out.append(0x3A); out.append(0x20)
            awaitingValue = false
        } else if needsSeparator {
            appendSeparator()
        }
        switch c {
        case 0x7B: out.append(0x7B); closers.append(0x7D); state = .keyOrClose
        case 0x5B: out.append(0x5B); closers.append(0x5D); state = .valueOrClose
        case 0x28 where dialect == .python: out.append(0x5B); closers.append(0x29); state = .valueOrClose
        case 0x22: quote = c; inKey = false; out.append(0x22); state = .string
        case 0x27 where dialect == .python: quote = c; inKey = false; out.append(0x22); state = .string
        case 0x2D, 0x30...0x39: clearKeepingCapacity(&numberText); numberText.append(c); state = .number
        default:
            let expected: StaticString
            let output: StaticString
            switch (c, dialect) {
            case (0x74, _): expected = "true"; output = "true"
            case (0x66, _): expected = "false"; output = "false"
            case (0x6E, _): expected = "null"; output = "null"
            case (0x54, .python): expected = "True"; output = "true"
            case (0x46, .python): expected = "False"; output = "false"
            case (0x4E, .python): expected = "None"; output = "null"
            default:
                out.removeSubrange(before...)
                return false
            }
            literalExpected = expected
            literalOutput = output
            literalPosition = 1
            state = .literal
        }
        return true
    }

    private mutating func closeContainer() {
        let closer = closers.removeLast()
        out.append(closer == 0x7D ? 0x7D : 0x5D)
        valueDone()
    }

    private mutating func valueDone() {
        state = closers.isEmpty ? .done : .afterValue
    }

    private mutating func codepoint(_ cp: UInt32) {
        if highSurrogate != 0 {
            let high = highSurrogate
            highSurrogate = 0
            if cp >= 0xDC00 && cp <= 0xDFFF {
                writeScalar(0x10000 + ((high - 0xD800) << 10) + (cp - 0xDC00))
                return
            }
            writeEscapedUnit(high)
        }
        if cp >= 0xD800 && cp <= 0xDBFF {
            highSurrogate = cp
            state = .surrogateBackslash
        } else if cp >= 0xDC00 && cp <= 0xDFFF {
            writeEscapedUnit(cp)
        } else {
            writeScalar(cp)
        }
    }

    private mutating func writeScalar(_ cp: UInt32) {
        if cp < 0x80 {
            let b = UInt8(cp)
            if b == 0x22 { out.append(0x5C); out.append(0x22) }
            else if b == 0x5C { out.append(0x5C); out.append(0x5C) }
            else if b < 0x20 { writeControl(b) }
            else { out.append(b) }
        } else if let scalar = Unicode.Scalar(cp) {
            out.append(contentsOf: UTF8.encode(scalar)!)
        }
    }

    private mutating func writeEscapedUnit(_ unit: UInt32) {
        out.append(contentsOf: Array("\\u".utf8))
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hexDigits[Int((unit >> UInt32(shift)) & 0xF)])
        }
    }

    private mutating func writeControl(_ b: UInt8) {
        appendJSONControlEscape(b, to: &out)
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

/// Whether any of the eight bytes in `word` is `"`, `\` or below 0x20 (exact: no false negatives;
/// a false positive only sends the caller to its byte-by-byte loop).
@inline(__always) func hasJSONStringStop(_ word: UInt64) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    let quote = word ^ (ones &* 0x22)
    let backslash = word ^ (ones &* 0x5C)
    let zeroQuote = (quote &- ones) & ~quote
    let zeroBackslash = (backslash &- ones) & ~backslash
    let below20 = (word &- ones &* 0x20) & ~word
    return (zeroQuote | zeroBackslash | below20) & highs != 0
}

@inline(__always) private func hexValue(_ c: UInt8) -> UInt32? {
    switch c {
    case 0x30...0x39: return UInt32(c - 0x30)
    case 0x61...0x66: return UInt32(c - 0x61 + 10)
    case 0x41...0x46: return UInt32(c - 0x41 + 10)
    default: return nil
    }
}

/// Appends the JSON escape of a control character the way Python's json.dumps writes it.
func appendJSONControlEscape(_ b: UInt8, to out: inout [UInt8]) {
    switch b {
    case 0x08: out.append(0x5C); out.append(0x62)
    case 0x0C: out.append(0x5C); out.append(0x66)
    case 0x0A: out.append(0x5C); out.append(0x6E)
    case 0x0D: out.append(0x5C); out.append(0x72)
    case 0x09: out.append(0x5C); out.append(0x74)
    default:
        out.append(contentsOf: Array("\\u00".utf8))
        out.append(hexDigits[Int(b >> 4)])
        out.append(hexDigits[Int(b & 0xF)])
    }
}

/// Appends raw text as the inside of a JSON string (escaping quotes, backslashes and controls).
func appendJSONStringBody(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
    var start = 0
    var i = 0
    let n = bytes.count
    while i < n {
        let b = bytes[i]
        if b == 0x22 || b == 0x5C || b < 0x20 {
            if i > start { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i])) }
            if b < 0x20 { appendJSONControlEscape(b, to: &out) } else { out.append(0x5C); out.append(b) }
            start = i + 1
        }
        i += 1
    }
    if n > start { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<n])) }
}

func appendJSONStringBody(_ bytes: [UInt8], to out: inout [UInt8]) {
    bytes.withUnsafeBufferPointer { appendJSONStringBody($0, to: &out) }
}

/// Whether `text` is a JSON number.
func isValidNumber(_ text: [UInt8]) -> Bool {
    var i = 0
    let n = text.count
    func digits() -> Int {
        let s = i
        while i < n && text[i] >= 0x30 && text[i] <= 0x39 { i += 1 }
        return i - s
    }
    if i < n && text[i] == 0x2D { i += 1 }
    if i < n && text[i] == 0x30 { i += 1 } else if digits() == 0 { return false }
    if i < n && text[i] == 0x2E { i += 1; if digits() == 0 { return false } }
    if i < n && (text[i] == 0x65 || text[i] == 0x45) {
        i += 1
        if i < n && (text[i] == 0x2B || text[i] == 0x2D) { i += 1 }
        if digits() == 0 { return false }
    }
    return i == n
}

/// Empties an array without giving up its storage (and without the call when it is already empty).
@inline(__always) func clearKeepingCapacity<T>(_ array: inout [T]) {
    if !array.isEmpty { array.removeAll(keepingCapacity: true) }
}

/// Decodes a string written by `JSONTranscoder` (a quoted canonical JSON string).
func decodeCanonicalJSONString(_ bytes: [UInt8]) -> String {
    var lower = 0
    var upper = bytes.count
    if upper > 0 && bytes[0] == 0x22 { lower = 1 }
    if upper > lower && bytes[upper - 1] == 0x22 { upper -= 1 }
    if !bytes[lower..<upper].contains(0x5C) {
        return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[lower..<upper]), as: UTF8.self) }
    }
    let body = Array(bytes[lower..<upper])
    var out: [UInt8] = []
    var i = 0
    while i < body.count {
        let b = body[i]
        if b != 0x5C || i + 1 >= body.count { out.append(b); i += 1; continue }
        let e = body[i + 1]
        i += 2
        switch e {
        case 0x6E: out.append(0x0A)
        case 0x72: out.append(0x0D)
        case 0x74: out.append(0x09)
        case 0x62: out.append(0x08)
        case 0x66: out.append(0x0C)
        case 0x75 where i + 4 <= body.count:
            var v: UInt32 = 0
            for k in 0..<4 { v = v << 4 | (hexValue(body[i + k]) ?? 0) }
            i += 4
            if let s = Unicode.Scalar(v) { out.append(contentsOf: UTF8.encode(s)!) }
        default: out.append(e)
        }
    }
    return String(decoding: out, as: UTF8.self)
}
