import Foundation

/// Methods of Python `str`, `dict` and `list` objects that templates call (`x.strip()`, `d.items()`),
/// under jinja2's immutable sandbox: methods that would modify a list or dict are unsafe.
enum Methods {
    static let unsafeList: Set<String> = ["append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"]
    static let unsafeDict: Set<String> = ["clear", "pop", "popitem", "setdefault", "update"]

    private static func bound(_ name: String, _ body: @escaping (Arguments, Interpreter, Int) throws -> Value) -> Value {
        .function(Function(name: name, kind: "method", body: body))
    }

    /// The bound method `name` of `object`, an unsafe-access undefined, or nil when there is none.
    static func method(_ object: Value, _ name: String, _ interp: Interpreter) -> Value? {
        let object = object.plain
        switch object {
        case .string(let s): return stringMethod(s, name)
        case .dict(let d):
            if unsafeDict.contains(name) {
                return .undefined(hint: "access to attribute '\(name)' of 'dict' object is unsafe.")
            }
            return dictMethod(d, name)
        case .list(let items), .tuple(let items):
            if case .list = object, unsafeList.contains(name) {
                return .undefined(hint: "access to attribute '\(name)' of 'list' object is unsafe.")
            }
            return listMethod(items, name, object)
        default:
            return nil
        }
    }

    private static func stringArgument(_ v: Value?, _ what: String, _ interp: Interpreter, _ offset: Int) throws -> String? {
        guard let v, !v.isNone else { return nil }
        guard case .string(let s) = v else {
            throw interp.fail("\(what) arg must be None or str, not \(v.pythonTypeName)", offset)
        }
        return s
    }

    private static func requireString(_ v: Value?, _ what: String, _ interp: Interpreter, _ offset: Int) throws -> String {
        guard case .string(let s)? = v else {
            throw interp.fail("\(what) requires a str argument, not \(v?.pythonTypeName ?? "nothing")", offset)
        }
        return s
    }

    private static func stringMethod(_ s: String, _ name: String) -> Value? {
        switch name {
        case "startswith", "endswith":
            return bound(name) { args, interp, offset in
                guard let arg = args.get(0, "prefix") else { throw interp.fail("\(name) takes at least 1 argument", offset) }
                var candidates: [String] = []
                switch arg {
                case .string(let p): candidates = [p]
                case .tuple(let items), .list(let items):
                    for item in items {
                        guard case .string(let p) = item else { throw interp.fail("tuple for \(name) must only contain str", offset) }
                        candidates.append(p)
                    }
                default: throw interp.fail("\(name) first arg must be str or a tuple of str, not \(arg.pythonTypeName)", offset)
                }
                var text = Array(s.unicodeScalars)[...]
                if let start = args.positional.count > 1 ? Operators.intValue(args.positional[1]) : nil {
                    let st = start < 0 ? max(0, text.count + start) : min(start, text.count)
                    text = text[st...]
                }
                let hay = Array(String(String.UnicodeScalarView(text)).utf8)
                return .bool(candidates.contains { p in
                    let needle = Array(p.utf8)
                    return name == "startswith" ? hay.starts(with: needle) : hay.reversed().starts(with: needle.reversed())
                })
            }
        case "split", "rsplit":
            return bound(name) { args, interp, offset in
                let sep = try stringArgument(args.get(0, "sep"), "sep", interp, offset)
                if sep == "" { throw interp.fail("empty separator", offset) }
                let maxsplit = args.get(1, "maxsplit").flatMap(Operators.intValue) ?? -1
                let parts = name == "split" ? StringOps.split(s, sep, maxsplit: maxsplit) : StringOps.rsplit(s, sep, maxsplit: maxsplit)
                return .list(parts.map { .string($0) })
            }
        case "strip", "lstrip", "rstrip":
            return bound(name) { args, interp, offset in
                let chars = try stringArgument(args.get(0, "chars"), name, interp, offset)
                return .string(StringOps.strip(s, chars, left: name != "rstrip", right: name != "lstrip"))
            }
        case "replace":
            return bound(name) { args, interp, offset in
                let old = try requireString(args.get(0, "old"), "replace", interp, offset)
                let new = try requireString(args.get(1, "new"), "replace", interp, offset)
                let count = args.get(2, "count").flatMap(Operators.intValue) ?? -1
                _ = try Operators.checkedSize(StringOps.replacedSize(s, old, new, count: count), interp, offset)
                return .string(StringOps.replace(s, old, new, count: count))
            }
        case "upper": return bound(name) { _, _, _ in .string(StringOps.upper(s)) }
        case "lower": return bound(name) { _, _, _ in .string(StringOps.lower(s)) }
        case "title": return bound(name) { _, _, _ in .string(StringOps.title(s)) }
        case "capitalize": return bound(name) { _, _, _ in .string(StringOps.capitalize(s)) }
        case "swapcase":
            return bound(name) { _, _, _ in
                .string(s.unicodeScalars.map { c in
                    c.properties.isUppercase ? c.properties.lowercaseMapping
                        : c.properties.isLowercase ? c.properties.uppercaseMapping : String(c)
                }.joined())
            }
        case "count":
            return bound(name) { args, interp, offset in
                .int(StringOps.count(s, try requireString(args.get(0, "sub"), "count", interp, offset)))
            }
        case "find", "rfind", "index", "rindex":
            return bound(name) { args, interp, offset in
                let sub = try requireString(args.get(0, "sub"), name, interp, offset)
                let i = StringOps.findIndex(s, sub, reverse: name.hasPrefix("r"))
                if i < 0, name.hasSuffix("index") { throw interp.fail("substring not found", offset) }
                return .int(i)
            }
        case "join":
            return bound(name) { args, interp, offset in
                guard let arg = args.get(0, "iterable") else { throw interp.fail("join takes exactly one argument", offset) }
                var parts: [String] = []
                for (i, item) in try interp.iterate(arg, offset).enumerated() {
                    guard case .string(let p) = item else {
                        throw interp.fail("sequence item \(i): expected str instance, \(item.pythonTypeName) found", offset)
                    }
                    parts.append(p)
                }
                _ = try Operators.checkedSize(parts.reduce(0) { $0 + $1.utf8.count } + s.utf8.count * max(0, parts.count - 1), interp, offset)
                return .string(parts.joined(separator: s))
            }
        case "splitlines":
            return bound(name) { args, _, _ in
                .list(StringOps.splitlines(s, keepends: args.get(0, "keepends")?.truthy ?? false).map { .string($0) })
            }
        case "isdigit", "isnumeric", "isdecimal", "isalpha", "isalnum", "isspace", "islower", "isupper":
            return bound(name) { _, _, _ in .bool(StringOps.classify(s, name)) }
        case "removeprefix", "removesuffix":
            return bound(name) { args, interp, offset in
                let affix = try requireString(args.get(0, name == "removeprefix" ? "prefix" : "suffix"), name, interp, offset)
                let hay = Array(s.utf8), needle = Array(affix.utf8)
                if needle.isEmpty { return .string(s) }
                if name == "removeprefix", hay.starts(with: needle) { return .string(StringOps.string(hay[needle.count...])) }
                if name == "removesuffix", hay.count >= needle.count, Array(hay[(hay.count - needle.count)...]) == needle {
                    return .string(StringOps.string(hay[..<(hay.count - needle.count)]))
                }
                return .string(s)
            }
        case "zfill":
            return bound(name) { args, interp, offset in
                let width = try Operators.checkedSize(args.get(0, "width").flatMap(Operators.intValue) ?? 0, interp, offset)
                let scalars = Array(s.unicodeScalars)
                guard scalars.count < width else { return .string(s) }
                let pad = String(repeating: "0", count: width - scalars.count)
                if let f = scalars.first, f == "-" || f == "+" {
                    return .string(String(f) + pad + String(String.UnicodeScalarView(scalars.dropFirst())))
                }
                return .string(pad + s)
            }
        case "center", "ljust", "rjust":
            return bound(name) { args, interp, offset in
                let width = try Operators.checkedSize(args.get(0, "width").flatMap(Operators.intValue) ?? 0, interp, offset)
                let fill = args.get(1, "fillchar")?.stringValue ?? " "
                let n = s.unicodeScalars.count
                guard n < width else { return .string(s) }
                let total = width - n
                switch name {
                case "ljust": return .string(s + String(repeating: fill, count: total))
                case "rjust": return .string(String(repeating: fill, count: total) + s)
                default:
                    let left = total / 2 + (total & width & 1)
                    return .string(String(repeating: fill, count: left) + s + String(repeating: fill, count: total - left))
                }
            }
        case "format":
            return bound(name) { args, interp, offset in .string(try StringFormat.format(s, args, interp, offset)) }
        case "partition", "rpartition":
            return bound(name) { args, interp, offset in
                let sep = try requireString(args.get(0, "sep"), name, interp, offset)
                if sep.isEmpty { throw interp.fail("empty separator", offset) }
                let parts = name == "partition" ? StringOps.split(s, sep, maxsplit: 1) : StringOps.rsplit(s, sep, maxsplit: 1)
                if parts.count == 2 { return .tuple([.string(parts[0]), .string(sep), .string(parts[1])]) }
                return name == "partition" ? .tuple([.string(s), .string(""), .string("")]) : .tuple([.string(""), .string(""), .string(s)])
            }
        default:
            return nil
        }
    }

    private static func dictMethod(_ d: PyDict, _ name: String) -> Value? {
        switch name {
        case "items": return bound(name) { _, _, _ in .list(d.pairs.map { .tuple([$0.0, $0.1]) }) }
        case "keys": return bound(name) { _, _, _ in .list(d.keys) }
        case "values": return bound(name) { _, _, _ in .list(d.values) }
        case "copy": return bound(name) { _, _, _ in .dict(d) }
        case "get":
            return bound(name) { args, interp, offset in
                guard let key = args.get(0, "key") else { throw interp.fail("get expected at least 1 argument, got 0", offset) }
                if DictKey(key) == nil, !key.isUndefined { throw interp.fail("unhashable type: '\(key.pythonTypeName)'", offset) }
                return d[key] ?? args.get(1, "default") ?? Value.none
            }
        default: return nil
        }
    }

    private static func listMethod(_ items: [Value], _ name: String, _ object: Value) -> Value? {
        switch name {
        case "index":
            return bound(name) { args, interp, offset in
                let x = args.get(0, "value") ?? Value.none
                guard let i = items.firstIndex(where: { Operators.equals($0, x) }) else {
                    throw interp.fail("\(x.pythonRepr) is not in list", offset)
                }
                return .int(i)
            }
        case "count":
            return bound(name) { args, _, _ in
                let x = args.get(0, "value") ?? Value.none
                return .int(items.filter { Operators.equals($0, x) }.count)
            }
        case "copy":
            return bound(name) { _, _, _ in object }
        default:
            return nil
        }
    }
}

/// Python's `str.format` for the replacement fields templates use: `{}`, `{0}`, `{name}`,
/// `{x.attr}`, `{x[key]}`, conversions `!s`/`!r`, and format specs (fill, align, width, precision, type).
enum StringFormat {
    static func format(_ template: String, _ args: Arguments, _ interp: Interpreter, _ offset: Int) throws -> String {
        var out = ""
        let scalars = Array(template.unicodeScalars)
        var i = 0
        var autoIndex = 0
        while i < scalars.count {
            let c = scalars[i]
            if c == "{" {
                if i + 1 < scalars.count, scalars[i + 1] == "{" { out += "{"; i += 2; continue }
                var j = i + 1
                var depth = 1
                while j < scalars.count {
                    if scalars[j] == "{" { depth += 1 }
                    if scalars[j] == "}" { depth -= 1; if depth == 0 { break } }
                    j += 1
                }
                guard j < scalars.count else { throw interp.fail("Single '{' encountered in format string", offset) }
                let field = String(String.UnicodeScalarView(scalars[(i + 1)..<j]))
                out += try replacement(field, args, &autoIndex, interp, offset)
                _ = try Operators.checkedSize(out.utf8.count, interp, offset)
                i = j + 1
            } else if c == "}" {
                guard i + 1 < scalars.count, scalars[i + 1] == "}" else {
                    throw interp.fail("Single '}' encountered in format string", offset)
                }
                out += "}"
                i += 2
            } else {
                out.unicodeScalars.append(c)
                i += 1
            }
        }
        return out
    }

    private static func replacement(_ field: String, _ args: Arguments, _ autoIndex: inout Int, _ interp: Interpreter, _ offset: Int) throws -> String {
        var name = field
        var spec = ""
        var conversion: Character?
        if let colon = name.firstIndex(of: ":") {
            spec = String(name[name.index(after: colon)...])
            name = String(name[..<colon])
        }
        if let bang = name.firstIndex(of: "!") {
            conversion = name[name.index(after: bang)...].first
            name = String(name[..<bang])
        }
        var head = name
        var rest = ""
        if let cut = name.firstIndex(where: { $0 == "." || $0 == "[" }) {
            head = String(name[..<cut])
            rest = String(name[cut...])
        }
        var value: Value
        if head.isEmpty {
            guard autoIndex < args.positional.count else {
                throw interp.fail("Replacement index \(autoIndex) out of range for positional args tuple", offset)
            }
            value = args.positional[autoIndex]
            autoIndex += 1
        } else if let index = Int(head) {
            guard index < args.positional.count else {
                throw interp.fail("Replacement index \(index) out of range for positional args tuple", offset)
            }
            value = args.positional[index]
        } else {
            guard let v = args.keyword(head) else { throw interp.fail("KeyError: '\(head)'", offset) }
            value = v
        }
        while !rest.isEmpty {
            if rest.hasPrefix(".") {
                rest.removeFirst()
                let end = rest.firstIndex(where: { $0 == "." || $0 == "[" }) ?? rest.endIndex
                value = try interp.getAttribute(value, String(rest[..<end]), offset)
                rest = String(rest[end...])
            } else if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { throw interp.fail("Missing ']' in format string", offset) }
                let key = String(rest[rest.index(after: rest.startIndex)..<close])
                value = try interp.getItem(value, Int(key).map { .int($0) } ?? .string(key), offset)
                rest = String(rest[rest.index(after: close)...])
            } else {
                break
            }
        }
        if case .undefined(let hint) = value { throw interp.fail(hint, offset) }
        if conversion == "r" { value = .string(value.pythonRepr) } else if conversion == "s" { value = .string(value.pythonString) }
        return try applySpec(value, spec, interp, offset)
    }

    /// Python's format-spec mini-language: [[fill]align][sign][0][width][,][.precision][type].
    private static func applySpec(_ value: Value, _ spec: String, _ interp: Interpreter, _ offset: Int) throws -> String {
        if spec.isEmpty { return value.pythonString }
        var chars = Array(spec)
        var fill: Character = " "
        var align: Character?
        if chars.count >= 2, "<>^=".contains(chars[1]) {
            fill = chars[0]; align = chars[1]; chars.removeFirst(2)
        } else if let f = chars.first, "<>^=".contains(f) {
            align = f; chars.removeFirst()
        }
        var sign: Character?
        if let f = chars.first, "+- ".contains(f) { sign = f; chars.removeFirst() }
        if chars.first == "0" { if align == nil { fill = "0"; align = "=" }; chars.removeFirst() }
        var width = 0
        while let f = chars.first, let v = f.wholeNumberValue { width = min(width * 10 + v, Interpreter.maxOutputBytes + 1); chars.removeFirst() }
        _ = try Operators.checkedSize(width, interp, offset)
        var precision: Int?
        if chars.first == "." {
            chars.removeFirst()
            var p = 0
            while let f = chars.first, let v = f.wholeNumberValue { p = min(p * 10 + v, 10_000); chars.removeFirst() }
            precision = p
        }
        let type = chars.first
        var body: String
        switch (type, value) {
        case (nil, .string(let s)), ("s", .string(let s)):
            body = precision.map { String(s.unicodeScalars.prefix($0).map(Character.init)) } ?? s
        case ("d", _), (nil, .int), (nil, .bool):
            guard let i = Operators.intValue(value), !value.isFloat else {
                throw interp.fail("Unknown format code 'd' for object of type '\(value.pythonTypeName)'", offset)
            }
            body = String(i)
        case ("f", _), ("F", _), ("e", _), ("g", _), ("%", _), (nil, .float):
            guard let n = Operators.number(value) else {
                throw interp.fail("Unknown format code '\(type.map(String.init) ?? "")' for object of type '\(value.pythonTypeName)'", offset)
            }
            if type == nil && precision == nil {
                body = value.pythonRepr
            } else {
                let code = type == "%" ? "f" : type.map(String.init) ?? "g"
                body = String(format: "%.\(precision ?? 6)\(code)", type == "%" ? n.double * 100 : n.double)
                if type == "%" { body += "%" }
            }
        default:
            body = value.pythonString
        }
        if let sign, sign != "-", Operators.number(value) != nil, !body.hasPrefix("-") { body = String(sign) + body }
        let n = body.unicodeScalars.count
        guard n < width else { return body }
        let pad = width - n
        let defaultAlign: Character = Operators.number(value) != nil && !(value.isString) ? ">" : "<"
        switch align ?? defaultAlign {
        case ">": return String(repeating: fill, count: pad) + body
        case "^": return String(repeating: fill, count: pad / 2) + body + String(repeating: fill, count: pad - pad / 2)
        case "=":
            if let f = body.first, f == "-" || f == "+" { return String(f) + String(repeating: fill, count: pad) + body.dropFirst() }
            return String(repeating: fill, count: pad) + body
        default: return body + String(repeating: fill, count: pad)
        }
    }
}

extension Value {
    var isString: Bool { switch self { case .string, .markup: return true; default: return false } }
    var isMarkup: Bool { if case .markup = self { return true }; return false }
    var stringValue: String? { switch self { case .string(let s), .markup(let s): return s; default: return nil } }
}
