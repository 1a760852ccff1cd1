/// JSON Schema `format` values as regular languages (ECMAScript patterns compiled by
/// `RegexPattern`). Each language is a subset of what the Schema module's format checks accept
/// (so no string the validator rejects is ever produced); the few corners left out are named.
enum SchemaFormats {
    /// The full-match pattern for `format`, or nil when the format is not supported.
    static func pattern(_ format: String) -> String? {
        switch format {
        case "date": return date
        case "time": return time
        case "date-time": return date + "[Tt]" + time
        case "duration": return duration
        case "email": return email
        case "hostname": return hostname
        case "ipv4": return ipv4
        case "ipv6": return ipv6
        case "uuid": return "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
        case "uri": return uri
        case "uri-reference", "iri-reference": return "(?:" + uri + "|" + relativeReference + ")"
        case "iri": return uri
        case "idn-email": return email
        case "idn-hostname": return hostname
        case "json-pointer": return jsonPointer
        case "relative-json-pointer": return "(?:0|[1-9]\\d*)(?:#|\(jsonPointer))"
        default: return nil
        }
    }

    /// Calendar dates with the right day counts; 29 February only in leap years.
    static let date: String = {
        let leapYear = "(?:\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
        return "(?:\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))|"
            + leapYear + "-02-29)"
    }()

    /// RFC 3339 full-time without leap seconds (second 60 is valid only at 23:59 UTC), with at
    /// most 9 fraction digits (nanoseconds) so that the language is finite.
    static let time = "(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{1,9})?(?:[Zz]|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)"

    /// ISO 8601 durations as RFC 3339 appendix A has them (weeks alone).
    static let duration: String = {
        let t = "T(?:\\d+H(?:\\d+M)?(?:\\d+S)?|\\d+M(?:\\d+S)?|\\d+S)"
        return "P(?:\\d+W|\\d+Y(?:\\d+M)?(?:\\d+D)?(?:\(t))?|\\d+M(?:\\d+D)?(?:\(t))?|\\d+D(?:\(t))?|\(t))"
    }()

    /// Labels of 1–35 letters, digits and single hyphens (no leading, trailing or doubled
    /// hyphen), at most 7 labels: always within the 63-byte label and 253-byte name limits.
    static let hostname = "[A-Za-z0-9](?:-?[A-Za-z0-9]){0,17}(?:\\.[A-Za-z0-9](?:-?[A-Za-z0-9]){0,17}){0,6}"

    /// Hostnames without the label and name caps (for strings short enough that the validator's
    /// 63-character label limit cannot be reached): letters, digits and single inner hyphens.
    static let unboundedHostname = "[A-Za-z0-9](?:-?[A-Za-z0-9])*(?:\\.[A-Za-z0-9](?:-?[A-Za-z0-9])*)*"
    /// The dot-atom local part without a length cap (the validator sets none).
    static let unboundedLocalPart = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-](?:\\.?[A-Za-z0-9!#$%&'*+/=?^_`{|}~-])*"
    /// `unboundedLocalPart@unboundedHostname`.
    static let unboundedEmail = unboundedLocalPart + "@" + unboundedHostname

    /// Dot-atom local part (no quoted form) of at most 64 characters besides its single dots
    /// (RFC 5321's local-part limit), at a hostname: a finite language.
    static let email: String = {
        let atext = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
        return "\(atext)(?:\\.?\(atext)){0,63}@\(hostname)"
    }()

    /// RFC 6901: `~` only as `~0` or `~1`.
    static let jsonPointer = "(?:/(?:[^~]|~[01])*)*"

    static let ipv4: String = {
        let octet = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)"
        return "\(octet)(?:\\.\(octet)){3}"
    }()

    /// Eight groups, or fewer around one `::` (the IPv4-suffixed forms are left out).
    static let ipv6: String = {
        let h = "[0-9A-Fa-f]{1,4}"
        var alts = ["\(h)(?::\(h)){7}", "::(?:\(h)(?::\(h)){0,6})?"]
        for a in 1...7 {
            let before = a == 1 ? h : "\(h)(?::\(h)){\(a - 1)}"
            let after = a == 7 ? "" : "(?:\(h)(?::\(h)){0,\(6 - a)})?"
            alts.append(before + "::" + after)
        }
        return "(?:" + alts.joined(separator: "|") + ")"
    }()

    /// Printable ASCII a URI may hold unescaped (no brackets, which need a matching pair), or a
    /// complete percent escape.
    static let uriChar = "(?:[!#$&-;=?-Z_a-z~]|%[0-9A-Fa-f]{2})"
    static let uri = "[A-Za-z][A-Za-z0-9+.-]*:\(uriChar)*"
    /// A relative reference: the first segment holds no ':'.
    static let relativeReference = "(?:[!$&-.0-9;=@-Z_a-z~]|%[0-9A-Fa-f]{2})*(?:[/?#]\(uriChar)*)?"
}
