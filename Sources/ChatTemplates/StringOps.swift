/// Python `str` operations, done on code points (UTF-8 bytes or scalars) so results match
/// CPython exactly, without Swift's grapheme and canonical-equivalence rules.
enum StringOps {
    /// First byte index of `needle` in `hay` at or after `from`.
    static func find(_ hay: [UInt8], _ needle: [UInt8], from: Int) -> Int? {
        if needle.isEmpty { return from <= hay.count ? from : nil }
        guard needle.count <= hay.count else { return nil }
        var i = from
        let last = hay.count - needle.count
        let first = needle[0]
        while i <= last {
            if hay[i] == first {
                var k = 1
                while k < needle.count, hay[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// Last byte index of `needle` in `hay` that ends at or before `end`.
    static func rfind(_ hay: [UInt8], _ needle: [UInt8], end: Int) -> Int? {
        var i = end - needle.count
        while i >= 0 {
            if Array(hay[i..<(i + needle.count)]) == needle { return i }
            i -= 1
        }
        return nil
    }

    static func string(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// `str.split(sep, maxsplit)`; `sep == nil` splits on runs of whitespace.
    static func split(_ s: String, _ sep: String?, maxsplit: Int) -> [String] {
        guard let sep else { return whitespaceSplit(s, maxsplit: maxsplit, fromRight: false) }
        let hay = Array(s.utf8), needle = Array(sep.utf8)
        var parts: [String] = []
        var start = 0
        while maxsplit < 0 || parts.count < maxsplit, let i = find(hay, needle, from: start) {
            parts.append(string(hay[start..<i]))
            start = i + needle.count
        }
        parts.append(string(hay[start...]))
        return parts
    }

    static func rsplit(_ s: String, _ sep: String?, maxsplit: Int) -> [String] {
        guard let sep else { return whitespaceSplit(s, maxsplit: maxsplit, fromRight: true) }
        if maxsplit < 0 { return split(s, sep, maxsplit: -1) }
        let hay = Array(s.utf8), needle = Array(sep.utf8)
        var parts: [String] = []
        var end = hay.count
        while parts.count < maxsplit, let i = rfind(hay, needle, end: end) {
            parts.append(string(hay[(i + needle.count)..<end]))
            end = i
        }
        parts.append(string(hay[..<end]))
        return parts.reversed()
    }

    private static func whitespaceSplit(_ s: String, maxsplit: Int, fromRight: Bool) -> [String] {
        let scalars = Array(s.unicodeScalars)
        func text(_ r: Range<Int>) -> String {
            var v = String.UnicodeScalarView()
            v.append(contentsOf: scalars[r])
            return String(v)
        }
        // Words as ranges of non-space characters.
        var words: [Range<Int>] = []
        var i = 0
        while i < scalars.count {
            while i < scalars.count, isPythonSpace(scalars[i]) { i += 1 }
            if i >= scalars.count { break }
            let start = i
            while i < scalars.count, !isPythonSpace(scalars[i]) { i += 1 }
            words.append(start..<i)
        }
        if maxsplit < 0 || words.count <= maxsplit + 1 { return words.map(text) }
        if fromRight {
            let tail = words.suffix(maxsplit)
            let headEnd = words[words.count - maxsplit - 1].upperBound
            return [text(words[0].lowerBound..<headEnd)] + tail.map(text)
        }
        let head = words.prefix(maxsplit)
        var restEnd = scalars.count
        while restEnd > 0, isPythonSpace(scalars[restEnd - 1]) { restEnd -= 1 }
        return head.map(text) + [text(words[maxsplit].lowerBound..<restEnd)]
    }

    /// `str.strip/lstrip/rstrip(chars)`; `chars == nil` strips whitespace.
    static func strip(_ s: String, _ chars: String?, left: Bool, right: Bool) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        func strippable(_ c: Unicode.Scalar) -> Bool { set.map { $0.contains(c) } ?? isPythonSpace(c) }
        let scalars = Array(s.unicodeScalars)
        var lo = 0, hi = scalars.count
        if left { while lo < hi, strippable(scalars[lo]) { lo += 1 } }
        if right { while hi > lo, strippable(scalars[hi - 1]) { hi -= 1 } }
        if lo == 0, hi == scalars.count { return s }
        var v = String.UnicodeScalarView()
        v.append(contentsOf: scalars[lo..<hi])
        return String(v)
    }

    /// `str.replace(old, new, count)`.
    /// The byte size `replace` would produce (to refuse runaway growth before building it).
    static func replacedSize(_ s: String, _ old: String, _ new: String, count: Int) -> Int {
        let matches = old.isEmpty ? s.unicodeScalars.count + 1 : StringOps.count(s, old)
        let n = count < 0 ? matches : min(count, matches)
        let (grow, overflow) = n.multipliedReportingOverflow(by: max(0, new.utf8.count - old.utf8.count))
        return overflow ? .max : s.utf8.count &+ grow
    }

    static func replace(_ s: String, _ old: String, _ new: String, count: Int) -> String {
        if old.isEmpty {
            var out = String.UnicodeScalarView()
            var n = 0
            for c in s.unicodeScalars {
                if count < 0 || n < count { out.append(contentsOf: new.unicodeScalars); n += 1 }
                out.append(c)
            }
            if count < 0 || n < count { out.append(contentsOf: new.unicodeScalars) }
            return String(out)
        }
        let hay = Array(s.utf8), needle = Array(old.utf8), repl = Array(new.utf8)
        var out: [UInt8] = []
        var start = 0, n = 0
        while count < 0 || n < count, let i = find(hay, needle, from: start) {
            out.append(contentsOf: hay[start..<i])
            out.append(contentsOf: repl)
            start = i + needle.count
            n += 1
        }
        if n == 0 { return s }
        out.append(contentsOf: hay[start...])
        return String(decoding: out, as: UTF8.self)
    }

    /// `str.count(sub)` (non-overlapping).
    static func count(_ s: String, _ sub: String) -> Int {
        if sub.isEmpty { return s.unicodeScalars.count + 1 }
        let hay = Array(s.utf8), needle = Array(sub.utf8)
        var n = 0, start = 0
        while let i = find(hay, needle, from: start) { n += 1; start = i + needle.count }
        return n
    }

    /// Code-point index of the first `sub` (Python `str.find`), or -1.
    static func findIndex(_ s: String, _ sub: String, reverse: Bool) -> Int {
        let hay = Array(s.utf8), needle = Array(sub.utf8)
        let i = reverse ? rfind(hay, needle, end: hay.count) : find(hay, needle, from: 0)
        guard let i else { return -1 }
        return hay[..<i].reduce(0) { $0 + ($1 & 0xC0 != 0x80 ? 1 : 0) }
    }

    static func upper(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars { out += c.properties.uppercaseMapping }
        return out
    }

    static func lower(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars { out += c.properties.lowercaseMapping }
        return out
    }

    private static func isCased(_ c: Unicode.Scalar) -> Bool {
        let p = c.properties
        return p.isLowercase || p.isUppercase || p.generalCategory == .titlecaseLetter
    }

    /// Python `str.title()`.
    static func title(_ s: String) -> String {
        var out = ""
        var previousCased = false
        for c in s.unicodeScalars {
            out += previousCased ? c.properties.lowercaseMapping : c.properties.titlecaseMapping
            previousCased = isCased(c)
        }
        return out
    }

    /// Python `str.capitalize()`.
    static func capitalize(_ s: String) -> String {
        var out = ""
        for (i, c) in s.unicodeScalars.enumerated() {
            out += i == 0 ? c.properties.titlecaseMapping : c.properties.lowercaseMapping
        }
        return out
    }

    /// Python `str.splitlines(keepends)`.
    static func splitlines(_ s: String, keepends: Bool = false) -> [String] {
        let scalars = Array(s.unicodeScalars)
        var lines: [String] = []
        var line = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            switch c.value {
            case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029:
                if keepends { line.append(c) }
                if c.value == 0x0D, i + 1 < scalars.count, scalars[i + 1].value == 0x0A {
                    if keepends { line.append(scalars[i + 1]) }
                    i += 1
                }
                lines.append(String(line))
                line = String.UnicodeScalarView()
            default:
                line.append(c)
            }
            i += 1
        }
        if !line.isEmpty { lines.append(String(line)) }
        return lines
    }

    /// Python `str.isdigit` / `isalpha` / `isalnum` / `isspace` / `islower` / `isupper`.
    static func classify(_ s: String, _ name: String) -> Bool {
        let scalars = Array(s.unicodeScalars)
        switch name {
        case "isdigit", "isnumeric", "isdecimal":
            return !scalars.isEmpty && scalars.allSatisfy { $0.properties.numericType != nil }
        case "isalpha":
            return !scalars.isEmpty && scalars.allSatisfy { $0.properties.isAlphabetic }
        case "isalnum":
            return !scalars.isEmpty && scalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil }
        case "isspace":
            return !scalars.isEmpty && scalars.allSatisfy(isPythonSpace)
        case "islower":
            let cased = scalars.filter(isCased)
            return !cased.isEmpty && cased.allSatisfy { $0.properties.isLowercase }
        case "isupper":
            let cased = scalars.filter(isCased)
            return !cased.isEmpty && cased.allSatisfy { $0.properties.isUppercase }
        default:
            return false
        }
    }
}
