/// How `JSONValue.jsonString` lays out its text.
public enum JSONPrintStyle: Sendable, Equatable {
    /// No whitespace, separators `,` and `:`, non-ASCII kept (the layout of JavaScript's
    /// `JSON.stringify`). Numbers print their parsed source text when they have one.
    case compact
    /// Byte-identical to Python's `json.dumps(value, ensure_ascii=ensureASCII, indent=indent)`:
    /// separators `", "` and `": "` (with an indent: `","` + newline and `": "`), floats as
    /// Python's `repr(float)`, integers exact.
    case python(indent: Int? = nil, ensureASCII: Bool = false)
}

extension JSONValue {
    /// The value as JSON text in the given style.
    public func jsonString(_ style: JSONPrintStyle = .compact) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        appendJSON(to: &out, style)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the value as UTF-8 JSON text in the given style.
    public func appendJSON(to out: inout [UInt8], _ style: JSONPrintStyle = .compact) {
        var printer: JSONPrinter
        switch style {
        case .compact: printer = JSONPrinter(python: false, indent: nil, ensureASCII: false)
        case let .python(indent, ensureASCII): printer = JSONPrinter(python: true, indent: indent, ensureASCII: ensureASCII)
        }
        printer.write(self, level: 0, &out)
    }
}

private struct JSONPrinter {
    let python: Bool
    let indent: Int?
    let ensureASCII: Bool

    func newline(_ level: Int, _ out: inout [UInt8]) {
        guard let indent else { return }
        out.append(0x0A)
        let n = indent * level
        if n > 0 { out.append(contentsOf: repeatElement(0x20, count: n)) }
    }

    func separator(_ out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        if python && indent == nil { out.append(0x20) }
    }

    func write(_ value: JSONValue, level: Int, _ out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case let .number(d, source):
            writeNumber(d, source: source, &out)
        case .string(let s): writeString(s, &out)
        case .array(let items):
            if items.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            var first = true
            for item in items {
                if !first { separator(&out) }
                first = false
                newline(level + 1, &out)
                write(item, level: level + 1, &out)
            }
            newline(level, &out)
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            var first = true
            for (key, item) in object {
                if !first { separator(&out) }
                first = false
                newline(level + 1, &out)
                writeString(key, &out)
                out.append(UInt8(ascii: ":"))
                if python { out.append(0x20) }
                write(item, level: level + 1, &out)
            }
            newline(level, &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    func writeNumber(_ d: Double, source: String?, _ out: inout [UInt8]) {
        if let source, !source.isEmpty {
            if !python || JSONNumberText.isIntegerToken(source) {
                out.append(contentsOf: source.utf8)
                return
            }
        }
        if !d.isFinite {
            if python {
                out.append(contentsOf: (d.isNaN ? "NaN" : (d < 0 ? "-Infinity" : "Infinity")).utf8)
            } else {
                out.append(contentsOf: "null".utf8)
            }
            return
        }
        out.append(contentsOf: JSONNumberText.pythonRepr(d).utf8)
    }

    func writeString(_ s: String, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if ensureASCII {
            for scalar in s.unicodeScalars {
                let v = scalar.value
                if v >= 0x20 && v < 0x7F {
                    if v == 0x22 { out.append(0x5C); out.append(0x22) }
                    else if v == 0x5C { out.append(0x5C); out.append(0x5C) }
                    else { out.append(UInt8(v)) }
                } else if let short = shortEscape(v) {
                    out.append(0x5C); out.append(short)
                } else if v > 0xFFFF {
                    let u = v - 0x10000
                    unicodeEscape(0xD800 + (u >> 10), &out)
                    unicodeEscape(0xDC00 + (u & 0x3FF), &out)
                } else {
                    unicodeEscape(v, &out)
                }
            }
        } else {
            var utf8 = s.utf8
            let fast: Bool? = utf8.withContiguousStorageIfAvailable { buf in
                appendEscaped(buf, &out)
                return true
            }
            if fast == nil {
                var copy = s
                copy.makeContiguousUTF8()
                utf8 = copy.utf8
                _ = utf8.withContiguousStorageIfAvailable { buf in appendEscaped(buf, &out) }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    func appendEscaped(_ buf: UnsafeBufferPointer<UInt8>, _ out: inout [UInt8]) {
        var runStart = 0
        var i = 0
        let n = buf.count
        while i < n {
            let b = buf[i]
            if b < 0x20 || b == 0x22 || b == 0x5C {
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<i])) }
                if let short = shortEscape(UInt32(b)) {
                    out.append(0x5C); out.append(short)
                } else {
                    unicodeEscape(UInt32(b), &out)
                }
                runStart = i + 1
            }
            i += 1
        }
        if runStart < n { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<n])) }
    }

    func shortEscape(_ v: UInt32) -> UInt8? {
        switch v {
        case 0x22: return 0x22
        case 0x5C: return 0x5C
        case 0x08: return UInt8(ascii: "b")
        case 0x0C: return UInt8(ascii: "f")
        case 0x0A: return UInt8(ascii: "n")
        case 0x0D: return UInt8(ascii: "r")
        case 0x09: return UInt8(ascii: "t")
        default: return nil
        }
    }

    func unicodeEscape(_ v: UInt32, _ out: inout [UInt8]) {
        let hex = hexDigits
        out.append(0x5C)
        out.append(UInt8(ascii: "u"))
        out.append(hex[Int((v >> 12) & 0xF)])
        out.append(hex[Int((v >> 8) & 0xF)])
        out.append(hex[Int((v >> 4) & 0xF)])
        out.append(hex[Int(v & 0xF)])
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

/// Number text helpers shared by printing and parsing.
enum JSONNumberText {
    /// True for `-?digits` (a JSON integer token).
    static func isIntegerToken(_ s: String) -> Bool {
        var sawDigit = false
        for (i, b) in s.utf8.enumerated() {
            if b == UInt8(ascii: "-") && i == 0 { continue }
            if b < 0x30 || b > 0x39 { return false }
            sawDigit = true
        }
        return sawDigit
    }

    /// Python's `repr(float)` for a finite double: shortest round-trip digits; positional
    /// notation when the decimal exponent is in [-4, 16), else `d.ddde±XX`.
    static func pythonRepr(_ d: Double) -> String {
        // Swift's description gives the shortest round-trip digits; only the layout differs.
        let text = d.description
        var negative = false
        var mantissa = Substring(text)
        if mantissa.first == "-" { negative = true; mantissa = mantissa.dropFirst() }
        var exponent = 0
        if let e = mantissa.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(mantissa[mantissa.index(after: e)...]) ?? 0
            mantissa = mantissa[..<e]
        }
        var digits: [UInt8] = []
        var pointPosition: Int? = nil
        for b in mantissa.utf8 {
            if b == UInt8(ascii: ".") { pointPosition = digits.count } else { digits.append(b) }
        }
        // value = 0.DIGITS × 10^decpt
        var decpt = (pointPosition ?? digits.count) + exponent
        while let f = digits.first, f == UInt8(ascii: "0") { digits.removeFirst(); decpt -= 1 }
        while let l = digits.last, l == UInt8(ascii: "0") { digits.removeLast() }
        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        if digits.isEmpty {
            out.append(contentsOf: "0.0".utf8)
            return String(decoding: out, as: UTF8.self)
        }
        if decpt > -4 && decpt <= 16 {
            if decpt <= 0 {
                out.append(contentsOf: "0.".utf8)
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -decpt))
                out.append(contentsOf: digits)
            } else if decpt >= digits.count {
                out.append(contentsOf: digits)
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: decpt - digits.count))
                out.append(contentsOf: ".0".utf8)
            } else {
                out.append(contentsOf: digits[..<decpt])
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[decpt...])
            }
        } else {
            out.append(digits[0])
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            let e = decpt - 1
            out.append(UInt8(ascii: "e"))
            out.append(UInt8(ascii: e < 0 ? "-" : "+"))
            let mag = String(abs(e))
            if mag.count < 2 { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: mag.utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
