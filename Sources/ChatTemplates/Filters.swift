import Foundation
import Schema

/// jinja2's built-in filters (the ones chat templates use), with jinja2 3.1's argument names and defaults.
enum Filters {
    static let names: Set<String> = [
        "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
        "first", "float", "format", "indent", "int", "items", "join", "last", "length", "list", "lower", "map",
        "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr",
        "sort", "string", "sum", "title", "tojson", "trim", "truncate", "unique", "upper", "wordcount",
    ]

    /// Reads parameter `index`/`name` of a filter call (the filtered value is not counted).
    private static func arg(_ args: Arguments, _ index: Int, _ name: String) -> Value? { args.get(index, name) }

    static func apply(_ name: String, _ original: Value, _ args: Arguments, _ interp: Interpreter, _ offset: Int) throws -> Value {
        if name == "safe" { return original.isMarkup ? original : .markup(original.pythonString) }
        if name == "e" || name == "escape" { return original.isMarkup ? original : .markup(htmlEscape(original.pythonString)) }
        let value = original.plain
        let args = Arguments(positional: args.positional.map(\.plain), keywords: args.keywords.map { ($0.0, $0.1.plain) })
        func fail(_ message: String) -> TemplateError { interp.fail(message, offset) }
        func undefinedCheck(_ v: Value) throws {
            if case .undefined(let hint) = v { throw fail(hint) }
        }
        switch name {
        case "default", "d":
            let fallback = arg(args, 0, "default_value") ?? .string("")
            let boolean = arg(args, 1, "boolean")?.truthy ?? false
            if value.isUndefined || (boolean && !value.truthy) { return fallback }
            return value
        case "length", "count":
            return .int(try length(value, interp, offset))
        case "string":
            return .string(value.pythonString)
        case "upper": return .string(StringOps.upper(value.pythonString))
        case "lower": return .string(StringOps.lower(value.pythonString))
        case "capitalize": return .string(StringOps.capitalize(value.pythonString))
        case "title": return .string(jinjaTitle(value.pythonString))
        case "trim":
            let chars = arg(args, 0, "chars")
            if let chars, !chars.isNone, !chars.isString { throw fail("strip arg must be None or str") }
            return .string(StringOps.strip(value.pythonString, chars?.stringValue, left: true, right: true))
        case "replace":
            guard let old = arg(args, 0, "old"), let new = arg(args, 1, "new") else { throw fail("replace needs old and new") }
            let count = arg(args, 2, "count").flatMap(Operators.intValue) ?? -1
            guard case .string(let o) = old, case .string(let n) = new else {
                throw fail("replace() argument 1 must be str, not \(old.isString ? new.pythonTypeName : old.pythonTypeName)")
            }
            _ = try Operators.checkedSize(StringOps.replacedSize(value.pythonString, o, n, count: count), interp, offset)
            return .string(StringOps.replace(value.pythonString, o, n, count: count))
        case "indent":
            return .string(try indent(value.pythonString, args, interp, offset))
        case "truncate":
            // jinja2: keep strings up to length + leeway; else cut at a word boundary (or anywhere
            // with killwords) so the result including `end` fits `length`.
            let text = Array(value.pythonString.unicodeScalars)
            let length = arg(args, 0, "length").flatMap(Operators.intValue) ?? 255
            let killwords = arg(args, 1, "killwords")?.truthy ?? false
            let end = arg(args, 2, "end")?.pythonString ?? "..."
            let leewayValue = arg(args, 3, "leeway")
            let leeway = leewayValue.flatMap { $0.isNone ? nil : Operators.intValue($0) } ?? 5
            let endCount = end.unicodeScalars.count
            guard length >= endCount else { throw fail("expected length >= \(endCount), got \(length)") }
            guard leeway >= 0 else { throw fail("expected leeway >= 0, got \(leeway)") }
            if text.count <= length + leeway { return .string(value.pythonString) }
            let cut = String(String.UnicodeScalarView(text[..<(length - endCount)]))
            if killwords { return .string(cut + end) }
            return .string(StringOps.rsplit(cut, " ", maxsplit: 1)[0] + end)
        case "center":
            let width = try Operators.checkedSize(arg(args, 0, "width").flatMap(Operators.intValue) ?? 80, interp, offset)
            let s = value.pythonString
            let n = s.unicodeScalars.count
            guard n < width else { return .string(s) }
            let total = width - n
            let left = total / 2 + (total & width & 1)
            return .string(String(repeating: " ", count: left) + s + String(repeating: " ", count: total - left))
        case "wordcount":
            var count = 0
            var inWord = false
            for c in value.pythonString.unicodeScalars {
                let isWord = c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
                if isWord, !inWord { count += 1 }
                inWord = isWord
            }
            return .int(count)
        case "format":
            guard case .string(let f) = value else { return .string(value.pythonString) }
            let a: Value = args.positional.count == 1 && args.keywords.isEmpty ? .tuple(args.positional) : .tuple(args.positional)
            return .string(try Operators.percentFormat(f, a, interp, offset))
        case "join":
            let separator = arg(args, 0, "d")?.pythonString ?? ""
            var items = try interp.iterate(try requireIterable(value, interp, offset), offset)
            if let attribute = arg(args, 1, "attribute"), !attribute.isNone {
                items = try items.map { try attributePath($0, attribute, interp, offset) }
            }
            let parts = items.map(\.pythonString)
            _ = try Operators.checkedSize(parts.reduce(0) { $0 + $1.utf8.count } + separator.utf8.count * max(0, parts.count - 1), interp, offset)
            return .string(parts.joined(separator: separator))
        case "list":
            return .list(try interp.iterate(try requireIterable(value, interp, offset), offset))
        case "first":
            let items = try interp.iterate(try requireIterable(value, interp, offset), offset)
            return items.first ?? .undefined(hint: "No first item, sequence was empty.")
        case "last":
            if case .generator = value { throw fail("'generator' object is not reversible") }
            let items = try interp.iterate(try requireIterable(value, interp, offset), offset)
            return items.last ?? .undefined(hint: "No last item, sequence was empty.")
        case "reverse":
            if case .string(let s) = value { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .list(try interp.iterate(try requireIterable(value, interp, offset), offset).reversed())
        case "int":
            let fallback = arg(args, 0, "default") ?? .int(0)
            let base = arg(args, 1, "base").flatMap(Operators.intValue) ?? 10
            switch value {
            case .int: return value
            case .bool(let b): return .int(b ? 1 : 0)
            case .float(let d):
                guard d.isFinite else { return fallback }
                return .int(try Operators.truncatedInt(d, interp, offset))
            case .string(let s):
                let t = StringOps.strip(s, nil, left: true, right: true).replacingOccurrences(of: "_", with: "")
                if let i = Int(t, radix: base) { return .int(i) }
                if let d = Double(t), d.isFinite { return .int(try Operators.truncatedInt(d, interp, offset)) }
                return fallback
            case .undefined(let hint): throw fail(hint)
            default: return fallback
            }
        case "float":
            let fallback = arg(args, 0, "default") ?? .float(0)
            switch value {
            case .int(let i): return .float(Double(i))
            case .bool(let b): return .float(b ? 1 : 0)
            case .float: return value
            case .string(let s):
                let t = StringOps.strip(s, nil, left: true, right: true)
                if let d = Double(t) { return .float(d) }
                return fallback
            case .undefined(let hint): throw fail(hint)
            default: return fallback
            }
        case "abs":
            switch value {
            case .int(let i):
                guard i != .min else { throw fail("integer overflow in abs()") }
                return .int(abs(i))
            case .bool(let b): return .int(b ? 1 : 0)
            case .float(let d): return .float(abs(d))
            case .undefined(let hint): throw fail(hint)
            default: throw fail("bad operand type for abs(): '\(value.pythonTypeName)'")
            }
        case "round":
            let precision = arg(args, 0, "precision").flatMap(Operators.intValue) ?? 0
            let method = arg(args, 1, "method")?.stringValue ?? "common"
            guard let n = Operators.number(value) else { try undefinedCheck(value); throw fail("type \(value.pythonTypeName) doesn't define __round__ method") }
            let scale = pow(10.0, Double(precision))
            if case .int = n, method == "common" { return value }
            switch method {
            case "common":
                // Python's round() rounds the exact binary value half-to-even, as C's printf does.
                if precision >= 0, precision <= 30 {
                    return .float(Double(String(format: "%.\(precision)f", n.double)) ?? n.double)
                }
                return .float((n.double * scale).rounded(.toNearestOrEven) / scale)
            case "ceil": return .float((n.double * scale).rounded(.up) / scale)
            case "floor": return .float((n.double * scale).rounded(.down) / scale)
            default: throw fail("method must be common, ceil or floor")
            }
        case "sum":
            var items = try interp.iterate(try requireIterable(value, interp, offset), offset)
            if let attribute = arg(args, 0, "attribute"), !attribute.isNone {
                items = try items.map { try attributePath($0, attribute, interp, offset) }
            }
            var total = arg(args, 1, "start") ?? .int(0)
            for item in items { total = try Operators.binary("+", total, item, interp, offset) }
            return total
        case "min", "max":
            let caseSensitive = arg(args, 0, "case_sensitive")?.truthy ?? false
            let attribute = arg(args, 1, "attribute")
            let items = try interp.iterate(try requireIterable(value, interp, offset), offset)
            guard !items.isEmpty else { return .undefined(hint: "No aggregated item, sequence was empty.") }
            var best = items[0]
            for item in items.dropFirst() {
                let a = try sortKey(item, attribute, caseSensitive, interp, offset)
                let b = try sortKey(best, attribute, caseSensitive, interp, offset)
                guard let less = Operators.lessThan(a, b), let greater = Operators.lessThan(b, a) else {
                    throw fail("'<' not supported between instances of '\(a.pythonTypeName)' and '\(b.pythonTypeName)'")
                }
                if name == "min" ? less : greater { best = item }
            }
            return best
        case "unique":
            let caseSensitive = arg(args, 0, "case_sensitive")?.truthy ?? false
            let attribute = arg(args, 1, "attribute")
            var seen: [Value] = []
            var out: [Value] = []
            for item in try interp.iterate(try requireIterable(value, interp, offset), offset) {
                let key = try sortKey(item, attribute, caseSensitive, interp, offset)
                if !seen.contains(where: { Operators.equals($0, key) }) {
                    seen.append(key)
                    out.append(item)
                }
            }
            return .generator(out, name: "do_unique")
        case "sort":
            let reverse = arg(args, 0, "reverse")?.truthy ?? false
            let caseSensitive = arg(args, 1, "case_sensitive")?.truthy ?? false
            let attribute = arg(args, 2, "attribute")
            let items = try interp.iterate(try requireIterable(value, interp, offset), offset)
            return .list(try sorted(items, reverse: reverse, interp, offset) { try sortKey($0, attribute, caseSensitive, interp, offset) })
        case "dictsort":
            guard case .dict(let d) = value else {
                try undefinedCheck(value)
                throw fail("'\(value.pythonTypeName)' object has no attribute 'items'")
            }
            let caseSensitive = arg(args, 0, "case_sensitive")?.truthy ?? false
            let by = arg(args, 1, "by")?.stringValue ?? "key"
            let reverse = arg(args, 2, "reverse")?.truthy ?? false
            guard by == "key" || by == "value" else { throw fail("You can only sort by either \"key\" or \"value\"") }
            let pairs = d.pairs.map { Value.tuple([$0.0, $0.1]) }
            return .list(try sorted(pairs, reverse: reverse, interp, offset) { pair in
                guard case .tuple(let kv) = pair else { return pair }
                let v = by == "key" ? kv[0] : kv[1]
                return caseSensitive ? v : (v.stringValue.map { .string(StringOps.lower($0)) } ?? v)
            })
        case "items":
            switch value {
            case .undefined: return .generator([], name: "dict_itemiterator")
            case .dict(let d): return .generator(d.pairs.map { .tuple([$0.0, $0.1]) }, name: "dict_itemiterator")
            default: throw fail("Can only get item pairs from a mapping.")
            }
        case "batch":
            guard let size = arg(args, 0, "linecount").flatMap(Operators.intValue), size > 0 else {
                throw fail("batch needs a positive line count")
            }
            _ = try Operators.checkedSize(size, interp, offset)
            let fill = arg(args, 1, "fill_with")
            let items = try interp.iterate(try requireIterable(value, interp, offset), offset)
            var out: [Value] = []
            var i = 0
            while i < items.count {
                var chunk = Array(items[i..<min(i + size, items.count)])
                if let fill, !fill.isNone, chunk.count < size {
                    chunk += Array(repeating: fill, count: size - chunk.count)
                }
                out.append(.list(chunk))
                i += size
            }
            return .generator(out, name: "do_batch")
        case "attr":
            guard case .string(let n)? = arg(args, 0, "name") else { throw fail("attr needs a name") }
            return try interp.getAttribute(value, n, offset)
        case "map":
            // jinja2 maps and selects over `value` only when it is truthy (None gives nothing).
            let items = value.truthy ? try interp.iterate(try requireIterable(value, interp, offset), offset) : []
            if let attribute = args.keyword("attribute") {
                let fallback = args.keyword("default")
                return .generator(try items.map { item in
                    let v = try attributePath(item, attribute, interp, offset)
                    if v.isUndefined, let fallback { return fallback }
                    return v
                }, name: "sync_do_map")
            }
            guard case .string(let filterName)? = args.positional.first else {
                if args.positional.isEmpty { return .generator(items, name: "sync_do_map") }
                throw fail("map needs a filter name or attribute=")
            }
            guard names.contains(filterName) else { throw fail("No filter named '\(filterName)'.") }
            let rest = Arguments(positional: Array(args.positional.dropFirst()), keywords: args.keywords)
            return .generator(try items.map { try apply(filterName, $0, rest, interp, offset) }, name: "sync_do_map")
        case "select", "reject", "selectattr", "rejectattr":
            let items = value.truthy ? try interp.iterate(try requireIterable(value, interp, offset), offset) : []
            let byAttribute = name.hasSuffix("attr")
            var positional = args.positional[...]
            var attribute: Value?
            if byAttribute {
                guard let a = positional.popFirst() else { throw fail("\(name) needs an attribute name") }
                attribute = a
            }
            let testName = positional.popFirst()
            let testArgs = Arguments(positional: Array(positional), keywords: [])
            if let testName {
                guard case .string(let t) = testName, Tests.names.contains(t) else {
                    throw fail("No test named \(testName.pythonRepr).")
                }
            }
            let keep = name.hasPrefix("select")
            var out: [Value] = []
            for item in items {
                let subject = try attribute.map { try attributePath(item, $0, interp, offset) } ?? item
                let passed: Bool
                if case .string(let t)? = testName {
                    passed = try Tests.apply(t, subject, testArgs, interp, offset)
                } else {
                    passed = subject.truthy
                }
                if passed == keep { out.append(item) }
            }
            return .generator(out, name: "select_or_reject")
        case "tojson":
            return .string(try toJSON(value, args, interp, offset))
        default:
            throw fail("No filter named '\(name)'.")
        }
    }

    /// `tojson` as transformers defines it: json.dumps(x, ensure_ascii=False, indent=None, sort_keys=False).
    static func toJSON(_ value: Value, _ args: Arguments, _ interp: Interpreter, _ offset: Int) throws -> String {
        let ensureASCII = arg(args, 0, "ensure_ascii")?.truthy ?? false
        var indent: Int?
        if let i = arg(args, 1, "indent"), !i.isNone {
            guard let n = Operators.intValue(i), !i.isFloat else {
                throw interp.fail("tojson indent must be an integer, not \(i.pythonTypeName)", offset)
            }
            indent = max(0, n)
        }
        if let separators = arg(args, 2, "separators"), !separators.isNone {
            throw interp.fail("tojson(separators=...) is not supported; Python's defaults are used", offset)
        }
        let sortKeys = arg(args, 3, "sort_keys")?.truthy ?? false
        switch value.toJSON() {
        case .success(var json):
            if sortKeys { json = sortedKeys(json) }
            return json.jsonString(.python(indent: indent, ensureASCII: ensureASCII))
        case .failure(let e):
            throw interp.fail(e.message, offset)
        }
    }

    private static func sortedKeys(_ json: JSONValue) -> JSONValue {
        switch json {
        case .array(let a): return .array(a.map(sortedKeys))
        case .object(let o):
            let keys = o.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) { $0.value < $1.value } }
            return .object(JSONObject(keys.map { ($0, sortedKeys(o[$0] ?? .null)) }))
        default: return json
        }
    }

    private static func requireIterable(_ value: Value, _ interp: Interpreter, _ offset: Int) throws -> Value {
        switch value {
        case .none, .int, .float, .bool, .function, .namespace, .loop:
            throw interp.fail("'\(value.pythonTypeName)' object is not iterable", offset)
        default:
            return value
        }
    }

    static func length(_ value: Value, _ interp: Interpreter, _ offset: Int) throws -> Int {
        switch value {
        case .undefined: return 0
        case .string(let s): return s.unicodeScalars.count
        case .list(let a), .tuple(let a): return a.count
        case .dict(let d): return d.count
        default: throw interp.fail("object of type '\(value.pythonTypeName)' has no len()", offset)
        }
    }

    /// jinja2's attribute getter: dotted paths, integer parts index sequences.
    static func attributePath(_ item: Value, _ attribute: Value, _ interp: Interpreter, _ offset: Int) throws -> Value {
        if let i = Operators.intValue(attribute), !attribute.isString { return try interp.getItem(item, .int(i), offset) }
        var v = item
        for part in attribute.pythonString.split(separator: ".", omittingEmptySubsequences: false) {
            let key: Value = Int(part).map { .int($0) } ?? .string(String(part))
            v = try interp.getItem(v, key, offset)
        }
        return v
    }

    private static func sortKey(_ item: Value, _ attribute: Value?, _ caseSensitive: Bool, _ interp: Interpreter, _ offset: Int) throws -> Value {
        var v = item
        if let attribute, !attribute.isNone { v = try attributePath(item, attribute, interp, offset) }
        if !caseSensitive, case .string(let s) = v { return .string(StringOps.lower(s)) }
        return v
    }

    private static func sorted(_ items: [Value], reverse: Bool, _ interp: Interpreter, _ offset: Int,
                               key: (Value) throws -> Value) throws -> [Value] {
        let keyed = try items.map { (try key($0), $0) }
        var failure: TemplateError?
        // A stable merge sort, as Python's sort is stable (reverse keeps equal items in order).
        let result = mergeSort(keyed) { a, b in
            let (x, y) = reverse ? (b.0, a.0) : (a.0, b.0)
            guard let less = Operators.lessThan(x, y) else {
                failure = interp.fail("'<' not supported between instances of '\(x.pythonTypeName)' and '\(y.pythonTypeName)'", offset)
                return false
            }
            return less
        }
        if let failure { throw failure }
        return result.map { $0.1 }
    }

    private static func mergeSort<T>(_ items: [T], _ less: (T, T) -> Bool) -> [T] {
        guard items.count > 1 else { return items }
        let mid = items.count / 2
        let left = mergeSort(Array(items[..<mid]), less), right = mergeSort(Array(items[mid...]), less)
        var out: [T] = []
        out.reserveCapacity(items.count)
        var i = 0, j = 0
        while i < left.count, j < right.count {
            if less(right[j], left[i]) { out.append(right[j]); j += 1 } else { out.append(left[i]); i += 1 }
        }
        out += left[i...]
        out += right[j...]
        return out
    }

    /// jinja2's `indent` filter (3.1): indents every line but the first; `first` and `blank` opt in.
    private static func indent(_ s: String, _ args: Arguments, _ interp: Interpreter, _ offset: Int) throws -> String {
        let widthValue = arg(args, 0, "width") ?? .int(4)
        let indention: String
        if case .string(let w) = widthValue { indention = w } else {
            indention = String(repeating: " ", count: max(0, try Operators.checkedSize(Operators.intValue(widthValue) ?? 4, interp, offset)))
        }
        let first = arg(args, 1, "first")?.truthy ?? false
        let blank = arg(args, 2, "blank")?.truthy ?? false
        let lines = StringOps.splitlines(s + "\n")
        var rv: String
        if blank {
            rv = lines.joined(separator: "\n" + indention)
        } else {
            rv = lines.first ?? ""
            if lines.count > 1 {
                rv += "\n" + lines.dropFirst().map { $0.isEmpty ? $0 : indention + $0 }.joined(separator: "\n")
            }
        }
        if first { rv = indention + rv }
        return rv
    }

    /// jinja2's `title` filter: upper-cases the first character after `-`, whitespace or an opening bracket.
    private static func jinjaTitle(_ s: String) -> String {
        var out = ""
        var atStart = true
        for c in s.unicodeScalars {
            let separator = c == "-" || c == "(" || c == "{" || c == "[" || c == "<" || isPythonSpace(c)
            if separator {
                out.unicodeScalars.append(c)
                atStart = true
            } else {
                out += atStart ? c.properties.uppercaseMapping : c.properties.lowercaseMapping
                atStart = false
            }
        }
        return out
    }
}
