/// `format` checks used when format assertion is requested. Unknown formats always pass
/// (as the specification requires).
public enum FormatChecks {
    /// Formats with a check here.
    public static let known: [String] = ["date-time", "date", "time", "duration", "email", "idn-email", "hostname",
                                         "idn-hostname", "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference",
                                         "uuid", "json-pointer", "relative-json-pointer", "regex"]

    /// True when `value` is valid for `format` (or the format is unknown).
    public static func check(_ format: String, _ value: String) -> Bool {
        switch format {
        case "date-time": return dateTime(value)
        case "date": return date(value)
        case "time": return time(value)
        case "duration": return duration(value)
        case "email", "idn-email": return email(value, international: format == "idn-email")
        case "hostname": return hostname(value, international: false)
        case "idn-hostname": return hostname(value, international: true)
        case "ipv4": return ipv4(value)
        case "ipv6": return ipv6(value)
        case "uri", "iri": return uri(value, requireScheme: true, international: format == "iri")
        case "uri-reference", "iri-reference": return uri(value, requireScheme: false, international: format == "iri-reference")
        case "uuid": return uuid(value)
        case "json-pointer": return jsonPointer(value)
        case "relative-json-pointer": return relativeJSONPointer(value)
        case "regex": return (try? Regex(value)) != nil
        default: return true
        }
    }

    private static func digits(_ s: Substring, _ n: Int) -> Int? {
        guard s.count == n, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(s)
    }

    static func date(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, let y = digits(parts[0], 4), let m = digits(parts[1], 2), let d = digits(parts[2], 2),
              (1...12).contains(m), d >= 1 else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return d <= days
    }

    static func time(_ s: String) -> Bool {
        let chars = Array(s)
        guard chars.count >= 9 else { return false }
        guard let h = digits(Substring(String(chars[0..<2])), 2), chars[2] == ":",
              let mi = digits(Substring(String(chars[3..<5])), 2), chars[5] == ":",
              let se = digits(Substring(String(chars[6..<8])), 2) else { return false }
        var i = 8
        if chars[i] == "." {
            i += 1
            let start = i
            while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 }
            if i == start { return false }
        }
        guard i < chars.count else { return false }
        var offsetMinutes = 0
        if chars[i] == "Z" || chars[i] == "z" {
            guard i + 1 == chars.count else { return false }
        } else if chars[i] == "+" || chars[i] == "-" {
            let rest = String(chars[(i + 1)...])
            let hm = rest.split(separator: ":", omittingEmptySubsequences: false)
            guard hm.count == 2, let oh = digits(hm[0], 2), let om = digits(hm[1], 2), oh <= 23, om <= 59 else { return false }
            offsetMinutes = (oh * 60 + om) * (chars[i] == "+" ? 1 : -1)
        } else {
            return false
        }
        guard h <= 23, mi <= 59, se <= 60 else { return false }
        if se == 60 {
            // A leap second is only valid at 23:59:60 UTC.
            var total = h * 60 + mi - offsetMinutes
            total = ((total % 1440) + 1440) % 1440
            return total == 23 * 60 + 59
        }
        return true
    }

    static func dateTime(_ s: String) -> Bool {
        guard let t = s.firstIndex(where: { $0 == "T" || $0 == "t" }) else { return false }
        return date(String(s[..<t])) && time(String(s[s.index(after: t)...]))
    }

    static func duration(_ s: String) -> Bool {
        var chars = Substring(s)
        guard chars.popFirst() == "P", !chars.isEmpty else { return false }
        var inTime = false
        var sawUnit = false
        var sawTimeUnit = false
        var number = ""
        var order = ["Y", "M", "W", "D"]
        let timeOrder = ["H", "M", "S"]
        var weeks = false
        var other = false
        while let c = chars.popFirst() {
            if c.isASCII && c.isNumber { number.append(c); continue }
            if c == "T" {
                if inTime || !number.isEmpty { return false }
                inTime = true
                order = timeOrder
                continue
            }
            guard !number.isEmpty, let idx = order.firstIndex(of: String(c)) else { return false }
            order.removeFirst(idx + 1)
            number = ""
            sawUnit = true
            if inTime { sawTimeUnit = true }
            if c == "W" && !inTime { weeks = true } else { other = true }
        }
        if !number.isEmpty || !sawUnit { return false }
        if inTime && !sawTimeUnit { return false }
        return !(weeks && other)
    }

    static func email(_ s: String, international: Bool) -> Bool {
        guard let at = s.lastIndex(of: "@") else { return false }
        let local = s[..<at], domain = s[s.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty else { return false }
        if local.first == "\"" { return local.count >= 2 && local.last == "\"" }
        if local.hasPrefix(".") || local.hasSuffix(".") || local.contains("..") { return false }
        let allowed = Set("!#$%&'*+-/=?^_`{|}~.")
        for c in local where !(c.isLetter || c.isNumber || allowed.contains(c)) { return false }
        if !international && !local.allSatisfy(\.isASCII) { return false }
        if domain.hasPrefix("[") && domain.hasSuffix("]") {
            let inner = domain.dropFirst().dropLast()
            if inner.lowercased().hasPrefix("ipv6:") { return ipv6(String(inner.dropFirst(5))) }
            return ipv4(String(inner))
        }
        return hostname(String(domain), international: international)
    }

    static func hostname(_ s: String, international: Bool) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 + (s.hasSuffix(".") ? 1 : 0) else { return false }
        let labels = s.split(separator: ".", omittingEmptySubsequences: false)
        for (n, label) in labels.enumerated() {
            if label.isEmpty { return n == labels.count - 1 && n > 0 }
            guard label.utf8.count <= 63, label.first != "-", label.last != "-" else { return false }
            if label.count >= 4, label.dropFirst(2).hasPrefix("--"), !label.lowercased().hasPrefix("xn--") { return false }
            for c in label {
                if c.isASCII {
                    guard c.isLetter || c.isNumber || c == "-" else { return false }
                } else if !international || !(c.isLetter || c.isNumber) {
                    return false
                }
            }
        }
        return true
    }

    static func ipv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(p), v <= 255 else { return false }
            if p.count > 1 && p.first == "0" { return false }
        }
        return true
    }

    static func ipv6(_ s: String) -> Bool {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII }) else { return false }
        var text = Substring(s)
        var groupsNeeded = 8
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard ipv4(String(text[text.index(after: lastColon)...])) else { return false }
            text = text[...lastColon]
            if text.hasSuffix(":") && !text.hasSuffix("::") { text = text.dropLast() }
            groupsNeeded = 6
        }
        let halves = text.components(separatedByString: "::")
        guard halves.count <= 2 else { return false }
        func groups(_ part: Substring) -> Int? {
            if part.isEmpty { return 0 }
            var n = 0
            for g in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(g.count), g.allSatisfy(\.isHexDigit) else { return nil }
                n += 1
            }
            return n
        }
        if halves.count == 2 {
            guard let a = groups(halves[0]), let b = groups(halves[1]) else { return false }
            return a + b < groupsNeeded
        }
        guard let n = groups(halves[0]) else { return false }
        return n == groupsNeeded
    }

    static func uri(_ s: String, requireScheme: Bool, international: Bool) -> Bool {
        for c in s.unicodeScalars {
            if c.value <= 0x20 || "<>\"{}|\\^`".unicodeScalars.contains(c) { return false }
            if !international && c.value > 0x7E { return false }
        }
        let parts = URIReference.parse(s)
        if requireScheme && parts.scheme == nil { return false }
        if let authority = parts.authority, authority.contains("[") {
            guard let open = authority.firstIndex(of: "["), let close = authority.firstIndex(of: "]"), open < close else { return false }
        }
        if parts.scheme == nil, let colon = s.firstIndex(of: ":") {
            // A relative reference's first segment may not contain ':'.
            let firstSegmentEnd = s.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? s.endIndex
            if colon < firstSegmentEnd { return false }
        }
        // Percent escapes must be complete.
        let scalars = Array(s.unicodeScalars)
        var i = 0
        while i < scalars.count {
            if scalars[i] == "%" {
                guard i + 2 < scalars.count, Character(scalars[i + 1]).isHexDigit, Character(scalars[i + 2]).isHexDigit else { return false }
                i += 3
                continue
            }
            i += 1
        }
        return true
    }

    static func uuid(_ s: String) -> Bool {
        let groups = s.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    static func jsonPointer(_ s: String) -> Bool {
        if s.isEmpty { return true }
        guard s.hasPrefix("/") else { return false }
        let chars = Array(s)
        for (i, c) in chars.enumerated() where c == "~" {
            guard i + 1 < chars.count, chars[i + 1] == "0" || chars[i + 1] == "1" else { return false }
        }
        return true
    }

    static func relativeJSONPointer(_ s: String) -> Bool {
        let digitsPrefix = s.prefix { $0.isASCII && $0.isNumber }
        guard !digitsPrefix.isEmpty, !(digitsPrefix.count > 1 && digitsPrefix.first == "0") else { return false }
        let rest = s.dropFirst(digitsPrefix.count)
        return rest == "#" || jsonPointer(String(rest))
    }
}

extension Substring {
    /// Splits on a multi-character separator.
    func components(separatedByString separator: String) -> [Substring] {
        var result: [Substring] = []
        var rest = self
        while let range = rest.firstRange(of: separator) {
            result.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        result.append(rest)
        return result
    }
}
