import Foundation

/// Python semantics of the arithmetic, comparison and membership operators.
enum Operators {
    /// Integer value of an int or bool (Python's `operator.index`).
    static func intValue(_ v: Value) -> Int? {
        switch v {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        case .float(let d) where d.rounded() == d && d.magnitude < 9.2e18: return Int(d)
        default: return nil
        }
    }

    /// A width, count or size argument, refused when it would build more than the output limit.
    static func checkedSize(_ n: Int, _ interp: Interpreter, _ offset: Int) throws -> Int {
        if n > Interpreter.maxOutputBytes { throw interp.fail("size \(n) exceeds the \(Interpreter.maxOutputBytes >> 20) MiB output limit", offset) }
        return n
    }

    /// Python's int(float) for floats that fit in 64 bits.
    static func truncatedInt(_ d: Double, _ interp: Interpreter, _ offset: Int) throws -> Int {
        let t = d.rounded(.towardZero)
        guard t.magnitude < 9.2e18 else { throw interp.fail("integer \(pythonFloatRepr(t)) does not fit in 64 bits", offset) }
        return Int(t)
    }

    enum Number {
        case int(Int)
        case float(Double)
        var double: Double {
            switch self {
            case .int(let i): return Double(i)
            case .float(let d): return d
            }
        }
    }

    static func number(_ v: Value) -> Number? {
        switch v {
        case .int(let i): return .int(i)
        case .bool(let b): return .int(b ? 1 : 0)
        case .float(let d): return .float(d)
        default: return nil
        }
    }

    static func binary(_ op: String, _ a: Value, _ b: Value, _ interp: Interpreter, _ offset: Int) throws -> Value {
        if op == "+" {
            switch (a, b) {
            case let (.markup(x), .markup(y)): return .markup(x + y)
            case let (.markup(x), .string(y)): return .markup(x + htmlEscape(y))
            case let (.string(x), .markup(y)): return .markup(htmlEscape(x) + y)
            default: break
            }
        }
        if op == "%", case .markup(let format) = a {
            let escaped: Value
            switch b {
            case .tuple(let items): escaped = .tuple(items.map { $0.isMarkup ? $0 : .string(htmlEscape($0.pythonString)) })
            default: escaped = b.isMarkup ? b : .string(htmlEscape(b.pythonString))
            }
            return .markup(try percentFormat(format, escaped, interp, offset))
        }
        let a = a.plain, b = b.plain
        if case .undefined(let hint) = a { throw interp.fail(hint, offset) }
        if case .undefined(let hint) = b { throw interp.fail(hint, offset) }
        if let x = number(a), let y = number(b) {
            return try arithmetic(op, x, y, interp, offset)
        }
        switch (op, a, b) {
        case let ("+", .string(x), .string(y)):
            _ = try checkedSize(x.utf8.count + y.utf8.count, interp, offset)
            return .string(x + y)
        case let ("+", .list(x), .list(y)):
            if x.count + y.count > Interpreter.maxIterations { throw interp.fail("list too large (more than \(Interpreter.maxIterations) items)", offset) }
            return try interp.checkedContainer(.list(x + y), offset)
        case let ("+", .tuple(x), .tuple(y)):
            if x.count + y.count > Interpreter.maxIterations { throw interp.fail("tuple too large (more than \(Interpreter.maxIterations) items)", offset) }
            return .tuple(x + y)
        case ("*", .string, _), ("*", _, .string), ("*", .list, _), ("*", _, .list), ("*", .tuple, _), ("*", _, .tuple):
            let (seq, countValue) = number(b) != nil ? (a, b) : (b, a)
            guard let count = intValue(countValue), !countValue.isFloat else { break }
            let n = max(0, count)
            func total(_ unit: Int) -> Int {
                let (t, overflow) = unit.multipliedReportingOverflow(by: n)
                return overflow ? .max : t
            }
            switch seq {
            case .string(let s):
                if total(s.utf8.count) > Interpreter.maxOutputBytes { throw interp.fail("repeated string too large", offset) }
                return .string(String(repeating: s, count: n))
            case .list(let items):
                if total(items.count) > Interpreter.maxIterations { throw interp.fail("repeated list too large", offset) }
                return try interp.checkedContainer(.list(Array([[Value]](repeating: items, count: n).joined())), offset)
            case .tuple(let items):
                if total(items.count) > Interpreter.maxIterations { throw interp.fail("repeated tuple too large", offset) }
                return .tuple(Array([[Value]](repeating: items, count: n).joined()))
            default: break
            }
        case let ("%", .string(format), args):
            return .string(try percentFormat(format, args, interp, offset))
        default: break
        }
        if op == "+", case .string = a {
            throw interp.fail("can only concatenate str (not \"\(b.pythonTypeName)\") to str", offset)
        }
        if op == "+", case .list = a {
            throw interp.fail("can only concatenate list (not \"\(b.pythonTypeName)\") to list", offset)
        }
        throw interp.fail("unsupported operand type(s) for \(op): '\(a.pythonTypeName)' and '\(b.pythonTypeName)'", offset)
    }

    private static func arithmetic(_ op: String, _ x: Number, _ y: Number, _ interp: Interpreter, _ offset: Int) throws -> Value {
        if case .int(let i) = x, case .int(let j) = y {
            switch op {
            case "+", "-", "*":
                let (r, overflow) = op == "+" ? i.addingReportingOverflow(j)
                    : op == "-" ? i.subtractingReportingOverflow(j) : i.multipliedReportingOverflow(by: j)
                if overflow { throw interp.fail("integer overflow in \(op)", offset) }
                return .int(r)
            case "/":
                if j == 0 { throw interp.fail("division by zero", offset) }
                return .float(Double(i) / Double(j))
            case "//":
                if j == 0 { throw interp.fail("integer division or modulo by zero", offset) }
                let q = i / j
                return .int((i % j != 0) && ((i < 0) != (j < 0)) ? q - 1 : q)
            case "%":
                if j == 0 { throw interp.fail("integer division or modulo by zero", offset) }
                let r = i % j
                return .int(r != 0 && ((r < 0) != (j < 0)) ? r + j : r)
            case "**":
                if j < 0 { return .float(pow(Double(i), Double(j))) }
                // Exponentiation by squaring, with overflow checks.
                var result = 1, base = i, e = j
                while e > 0 {
                    if e & 1 == 1 {
                        let (r, overflow) = result.multipliedReportingOverflow(by: base)
                        if overflow { throw interp.fail("integer overflow in **", offset) }
                        result = r
                    }
                    e >>= 1
                    if e > 0 {
                        let (b, overflow) = base.multipliedReportingOverflow(by: base)
                        if overflow { throw interp.fail("integer overflow in **", offset) }
                        base = b
                    }
                }
                return .int(result)
            default: break
            }
        }
        let a = x.double, b = y.double
        switch op {
        case "+": return .float(a + b)
        case "-": return .float(a - b)
        case "*": return .float(a * b)
        case "/":
            if b == 0 { throw interp.fail("float division by zero", offset) }
            return .float(a / b)
        case "//":
            if b == 0 { throw interp.fail("float floor division by zero", offset) }
            return .float((a / b).rounded(.down))
        case "%":
            if b == 0 { throw interp.fail("float modulo", offset) }
            let r = a.truncatingRemainder(dividingBy: b)
            return .float(r != 0 && ((r < 0) != (b < 0)) ? r + b : r)
        case "**": return .float(pow(a, b))
        default: throw interp.fail("unknown operator \(op)", offset)
        }
    }

    /// Python's `==`.
    static func equals(_ a: Value, _ b: Value) -> Bool {
        switch (a.plain, b.plain) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.undefined, _), (_, .undefined), (.none, _), (_, .none): return false
        case let (.string(x), .string(y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case let (.list(x), .list(y)), let (.tuple(x), .tuple(y)):
            return x.count == y.count && zip(x, y).allSatisfy { equals($0, $1) }
        case let (.dict(x), .dict(y)):
            guard x.count == y.count else { return false }
            for (k, v) in x.pairs {
                guard let w = y[k], equals(v, w) else { return false }
            }
            return true
        case let (.function(x), .function(y)): return x === y
        case let (.namespace(x), .namespace(y)): return x === y
        default:
            if let x = number(a), let y = number(b) {
                if case .int(let i) = x, case .int(let j) = y { return i == j }
                return x.double == y.double
            }
            return false
        }
    }

    /// Python's `<` ordering; nil when the types cannot be ordered.
    static func lessThan(_ a: Value, _ b: Value) -> Bool? {
        if let x = number(a), let y = number(b) {
            if case .int(let i) = x, case .int(let j) = y { return i < j }
            return x.double < y.double
        }
        switch (a.plain, b.plain) {
        case let (.string(x), .string(y)): return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars) { $0.value < $1.value }
        case let (.list(x), .list(y)), let (.tuple(x), .tuple(y)):
            for (p, q) in zip(x, y) where !equals(p, q) { return lessThan(p, q) }
            return x.count < y.count
        default: return nil
        }
    }

    static func compare(_ op: String, _ a: Value, _ b: Value, _ interp: Interpreter, _ offset: Int) throws -> Bool {
        switch op {
        case "==": return equals(a, b)
        case "!=": return !equals(a, b)
        case "in": return try contains(b, a, interp, offset)
        case "notin": return !(try contains(b, a, interp, offset))
        default:
            if case .undefined(let hint) = a { throw interp.fail(hint, offset) }
            if case .undefined(let hint) = b { throw interp.fail(hint, offset) }
            let result: Bool?
            switch op {
            case "<": result = lessThan(a, b)
            case ">": result = lessThan(b, a)
            case "<=": result = lessThan(b, a).map { !$0 }
            case ">=": result = lessThan(a, b).map { !$0 }
            default: result = nil
            }
            guard let result else {
                throw interp.fail("'\(op)' not supported between instances of '\(a.pythonTypeName)' and '\(b.pythonTypeName)'", offset)
            }
            return result
        }
    }

    /// Python's `needle in container`.
    static func contains(_ container: Value, _ needle: Value, _ interp: Interpreter, _ offset: Int) throws -> Bool {
        let needle = needle.plain
        switch container.plain {
        case .undefined: return false
        case .string(let s):
            guard case .string(let n) = needle else {
                if case .undefined(let hint) = needle { throw interp.fail(hint, offset) }
                throw interp.fail("'in <string>' requires string as left operand, not \(needle.pythonTypeName)", offset)
            }
            return StringOps.find(Array(s.utf8), Array(n.utf8), from: 0) != nil
        case .list(let items), .tuple(let items), .generator(let items, _):
            return items.contains { equals($0, needle) }
        case .dict(let d):
            guard DictKey(needle) != nil else {
                if case .undefined = needle { return false }
                throw interp.fail("unhashable type: '\(needle.pythonTypeName)'", offset)
            }
            return d[needle] != nil
        default:
            throw interp.fail("argument of type '\(container.pythonTypeName)' is not iterable", offset)
        }
    }

    /// `format % args` with the conversions templates use (%s %r %d %i %f %x %%).
    static func percentFormat(_ format: String, _ args: Value, _ interp: Interpreter, _ offset: Int) throws -> String {
        var values: [Value]
        if case .tuple(let items) = args { values = items } else { values = [args] }
        var out = ""
        var scalars = Array(format.unicodeScalars)[...]
        while let c = scalars.popFirst() {
            guard c == "%" else { out.unicodeScalars.append(c); continue }
            var flags = ""
            while let d = scalars.first, "-+ #0".unicodeScalars.contains(d) { flags.unicodeScalars.append(d); scalars.removeFirst() }
            var width = 0
            while let d = scalars.first, let v = Int(String(d)) { width = min(width * 10 + v, Interpreter.maxOutputBytes + 1); scalars.removeFirst() }
            _ = try checkedSize(width, interp, offset)
            var precision: Int?
            if scalars.first == "." {
                scalars.removeFirst()
                var p = 0
                while let d = scalars.first, let v = Int(String(d)) { p = min(p * 10 + v, 10_000); scalars.removeFirst() }
                precision = p
            }
            guard let conversion = scalars.popFirst() else { throw interp.fail("incomplete format", offset) }
            if conversion == "%" { out += "%"; continue }
            guard !values.isEmpty else { throw interp.fail("not enough arguments for format string", offset) }
            let v = values.removeFirst()
            let text: String
            switch conversion {
            case "s": text = precision.map { String(v.pythonString.unicodeScalars.prefix($0).map(Character.init)) } ?? v.pythonString
            case "r": text = v.pythonRepr
            case "d", "i":
                guard let n = number(v) else { throw interp.fail("%d format: a real number is required, not \(v.pythonTypeName)", offset) }
                if case .int(let i) = n { text = String(i) } else { text = String(try truncatedInt(n.double, interp, offset)) }
            case "f", "F":
                guard let n = number(v) else { throw interp.fail("must be real number, not \(v.pythonTypeName)", offset) }
                text = String(format: "%.\(precision ?? 6)f", n.double)
            case "x":
                guard let i = intValue(v) else { throw interp.fail("%x format: an integer is required", offset) }
                text = String(i, radix: 16)
            default:
                throw interp.fail("unsupported format character '\(conversion)'", offset)
            }
            var signed = text
            if flags.contains("+"), Operators.number(v) != nil, conversion != "s", conversion != "r", !text.hasPrefix("-") { signed = "+" + text }
            if signed.unicodeScalars.count < width {
                let count = width - signed.unicodeScalars.count
                if flags.contains("-") {
                    out += signed + String(repeating: " ", count: count)
                } else if flags.contains("0"), Operators.number(v) != nil, conversion != "s", conversion != "r" {
                    let sign = signed.hasPrefix("-") || signed.hasPrefix("+") ? String(signed.prefix(1)) : ""
                    out += sign + String(repeating: "0", count: count) + signed.dropFirst(sign.count)
                } else {
                    out += String(repeating: " ", count: count) + signed
                }
            } else {
                out += signed
            }
            _ = try checkedSize(out.utf8.count, interp, offset)
        }
        if !values.isEmpty, case .tuple = args { throw interp.fail("not all arguments converted during string formatting", offset) }
        return out
    }
}
