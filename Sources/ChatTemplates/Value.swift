import Schema

/// A runtime value of the template language, modelled on the Python objects jinja2 works with.
enum Value {
    /// jinja2's default `Undefined`: prints as "", iterates as empty, is falsy; most other
    /// operations fail with `hint` (e.g. "'x' is undefined").
    case undefined(hint: String)
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    /// markupsafe's `Markup` (from `|safe` / `|escape`): a str whose `+` HTML-escapes the other operand.
    case markup(String)
    case list([Value])
    case tuple([Value])
    case dict(PyDict)
    /// A lazy jinja2 result (`map`, `select`, …): iterable once fully, has no length, cannot be serialised.
    case generator([Value], name: String)
    case function(Function)
    case namespace(Namespace)
    case loop(LoopState)
}

/// A callable: a built-in function, a bound method or a macro.
final class Function {
    let name: String
    let kind: String  // "function", "method", "macro"
    let body: (Arguments, Interpreter, Int) throws -> Value
    init(name: String, kind: String = "function", body: @escaping (Arguments, Interpreter, Int) throws -> Value) {
        self.name = name
        self.kind = kind
        self.body = body
    }
}

/// `namespace(...)`: the one mutable object templates can assign attributes on.
final class Namespace {
    var attributes = PyDict()
}

/// The `loop` variable inside a `for` body.
final class LoopState {
    let index0: Int
    let length: Int
    let previtem: Value?
    let nextitem: Value?
    let depth0: Int
    /// Shared by every iteration of one loop: the last arguments `loop.changed(...)` saw.
    let changeTracker: ChangeTracker
    init(index0: Int, length: Int, previtem: Value?, nextitem: Value?, depth0: Int, changeTracker: ChangeTracker) {
        self.changeTracker = changeTracker
        self.index0 = index0
        self.length = length
        self.previtem = previtem
        self.nextitem = nextitem
        self.depth0 = depth0
    }
}

/// State of `loop.changed(...)` across the iterations of one loop.
final class ChangeTracker {
    var last: [Value]?
}

/// Positional and keyword arguments of a call.
struct Arguments {
    var positional: [Value] = []
    var keywords: [(String, Value)] = []

    func keyword(_ name: String) -> Value? { keywords.first { $0.0 == name }?.1 }

    /// The argument at `index` or with `name`, else nil.
    func get(_ index: Int, _ name: String) -> Value? {
        if index < positional.count { return positional[index] }
        return keyword(name)
    }
}

/// Hashable key of a Python dict (numbers compare by value, as in Python: 1 == 1.0 == True).
enum DictKey: Hashable {
    case none
    case int(Int)
    case float(Double)
    case string(String)
    case tuple([DictKey])

    init?(_ value: Value) {
        switch value.plain {
        case .none: self = .none
        case .bool(let b): self = .int(b ? 1 : 0)
        case .int(let i): self = .int(i)
        case .float(let d):
            if d.rounded() == d, d.magnitude < 9.2e18 { self = .int(Int(d)) } else { self = .float(d) }
        case .string(let s), .markup(let s): self = .string(s)
        case .tuple(let items):
            var keys: [DictKey] = []
            for item in items {
                guard let k = DictKey(item) else { return nil }
                keys.append(k)
            }
            self = .tuple(keys)
        default: return nil
        }
    }
}

/// An insertion-ordered Python dict.
struct PyDict {
    private(set) var keys: [Value] = []
    private var storage: [DictKey: (index: Int, value: Value)] = [:]

    init() {}

    var count: Int { keys.count }

    subscript(key: Value) -> Value? {
        guard let k = DictKey(key) else { return nil }
        return storage[k]?.value
    }

    subscript(string key: String) -> Value? { storage[.string(key)]?.value }

    /// Sets a value; returns false when the key is unhashable.
    @discardableResult
    mutating func set(_ key: Value, _ value: Value) -> Bool {
        guard let k = DictKey(key) else { return false }
        if let existing = storage[k] {
            storage[k] = (existing.index, value)
        } else {
            storage[k] = (keys.count, value)
            keys.append(key)
        }
        return true
    }

    mutating func set(string key: String, _ value: Value) { set(.string(key), value) }

    var pairs: [(Value, Value)] {
        keys.map { key in (key, DictKey(key).flatMap { storage[$0]?.value } ?? Value.none) }
    }
    var values: [Value] { pairs.map { $0.1 } }
}

// MARK: - Conversion from and to JSON

extension Value {
    init(json: JSONValue) {
        switch json {
        case .null: self = .none
        case .bool(let b): self = .bool(b)
        case .integer(let i): self = .int(Int(i))
        case .number(let d, let source):
            if let source, !source.contains("."), !source.contains("e"), !source.contains("E"), let i = Int(source) {
                self = .int(i)
            } else {
                self = .float(d)
            }
        case .string(let s): self = .string(s)
        case .array(let a): self = .list(a.map { Value(json: $0) })
        case .object(let o):
            var d = PyDict()
            for (k, v) in o.pairs { d.set(string: k, Value(json: v)) }
            self = .dict(d)
        }
    }

    /// The value as JSON for `tojson`; nil names the Python type json.dumps rejects.
    func toJSON() -> Result<JSONValue, TypeNameError> {
        switch self {
        case .none: return .success(.null)
        case .bool(let b): return .success(.bool(b))
        case .int(let i): return .success(.integer(Int64(i)))
        case .float(let d): return .success(.number(d, source: nil))
        case .string(let s), .markup(let s): return .success(.string(s))
        case .list(let items), .tuple(let items):
            var out: [JSONValue] = []
            for item in items {
                switch item.toJSON() {
                case .success(let j): out.append(j)
                case .failure(let e): return .failure(e)
                }
            }
            return .success(.array(out))
        case .dict(let d):
            var o = JSONObject()
            for (k, v) in d.pairs {
                let key: String
                switch k {
                case .string(let s): key = s
                case .int, .float, .bool, .none: key = k.jsonKeyString
                default: return .failure(TypeNameError(typeName: "keys must be str, int, float, bool or None, not \(k.pythonTypeName)", isKeyError: true))
                }
                switch v.toJSON() {
                case .success(let j): o[key] = j
                case .failure(let e): return .failure(e)
                }
            }
            return .success(.object(o))
        case .namespace(let ns):
            return Value.dict(ns.attributes).toJSON().mapError { _ in TypeNameError(typeName: "Namespace") }
        default:
            return .failure(TypeNameError(typeName: pythonTypeName))
        }
    }

    /// How json.dumps writes a non-string dict key.
    private var jsonKeyString: String {
        switch self {
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .none: return "null"
        case .float(let d): return pythonFloatRepr(d)
        default: return pythonString
        }
    }
}

/// json.dumps rejected a value of this Python type.
struct TypeNameError: Error {
    let typeName: String
    var isKeyError = false
    var message: String {
        isKeyError ? typeName : "Object of type \(typeName) is not JSON serializable"
    }
}

// MARK: - Python behaviour: type names, truthiness, str() and repr()

extension Value {
    var pythonTypeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .markup: return "Markup"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .generator: return "generator"
        case .function(let f): return f.kind == "macro" ? "Macro" : "builtin_function_or_method"
        case .namespace: return "Namespace"
        case .loop: return "LoopContext"
        }
    }

    /// Markup as a plain str (every operation but `+`, `%` and printing treats them alike).
    var plain: Value { if case .markup(let s) = self { return .string(s) }; return self }

    var isUndefined: Bool { if case .undefined = self { return true }; return false }
    var isNone: Bool { if case .none = self { return true }; return false }

    /// Python truthiness (Undefined is falsy).
    var truthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .float(let d): return d != 0
        case .string(let s), .markup(let s): return !s.isEmpty
        case .list(let a), .tuple(let a): return !a.isEmpty
        case .dict(let d): return d.count > 0
        case .generator, .function, .namespace, .loop: return true
        }
    }

    /// Python `str()` (what `{{ x }}` prints).
    var pythonString: String {
        switch self {
        case .undefined: return ""
        case .string(let s), .markup(let s): return s
        default: return pythonRepr
        }
    }

    /// Python `repr()`.
    var pythonRepr: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let d): return pythonFloatRepr(d)
        case .string(let s): return pythonStringRepr(s)
        case .markup(let s): return "Markup(" + pythonStringRepr(s) + ")"
        case .list(let a): return "[" + a.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .tuple(let a):
            if a.count == 1 { return "(" + a[0].pythonRepr + ",)" }
            return "(" + a.map(\.pythonRepr).joined(separator: ", ") + ")"
        case .dict(let d):
            return "{" + d.pairs.map { $0.0.pythonRepr + ": " + $0.1.pythonRepr }.joined(separator: ", ") + "}"
        case .generator(_, let name): return "<generator object \(name)>"
        case .function(let f):
            return f.kind == "macro" ? "<Macro '\(f.name)'>" : "<built-in method \(f.name)>"
        case .namespace(let ns):
            return "<Namespace " + ns.attributes.pairs.map { "\($0.0.pythonString)=\($0.1.pythonRepr)" }.joined(separator: ", ") + ">"
        case .loop(let l): return "<LoopContext \(l.index0 + 1)/\(l.length)>"
        }
    }
}

extension Value {
    /// Whether printing or serialising this value could exceed `budget` bytes (each container
    /// element counts 8, strings their UTF-8 size). Stops walking as soon as the budget is spent,
    /// so values that share sub-lists (`[l, l]` built in a loop) cannot explode.
    func exceedsSize(_ budget: Int) -> Bool {
        var remaining = budget
        var stack: [Value] = [self]
        while let v = stack.popLast() {
            remaining -= 8
            switch v {
            case .string(let s), .markup(let s): remaining -= s.utf8.count
            case .list(let a), .tuple(let a), .generator(let a, _): stack.append(contentsOf: a)
            case .dict(let d):
                for (k, x) in d.pairs { stack.append(k); stack.append(x) }
            case .namespace(let ns):
                for (k, x) in ns.attributes.pairs { stack.append(k); stack.append(x) }
            default: break
            }
            if remaining < 0 { return true }
        }
        return false
    }
}

/// Python's `repr(float)`: shortest round-trip digits, scientific below 1e-4 and from 1e16.
func pythonFloatRepr(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
    // Swift's description gives the shortest round-trip digits; re-layout them the Python way.
    var text = "\(d.magnitude)"
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        exponent = Int(text[text.index(after: e)...]) ?? 0
        text = String(text[..<e])
    }
    var digits: String
    var pointPos: Int  // digits before the decimal point
    if let dot = text.firstIndex(of: ".") {
        let intPart = String(text[..<dot])
        let frac = String(text[text.index(after: dot)...])
        digits = intPart + frac
        pointPos = intPart.count
    } else {
        digits = text
        pointPos = text.count
    }
    pointPos += exponent
    // Strip leading zeros.
    while digits.count > 1, digits.first == "0" {
        digits.removeFirst()
        pointPos -= 1
    }
    while digits.count > 1, digits.last == "0" { digits.removeLast() }
    let sciExp = pointPos - 1
    let sign = d < 0 ? "-" : ""
    if sciExp < -4 || sciExp >= 16 {
        var mant = String(digits.first ?? "0")
        if digits.count > 1 { mant += "." + digits.dropFirst() }
        let expText = sciExp < 0 ? "-" + pad2(-sciExp) : "+" + pad2(sciExp)
        return sign + mant + "e" + expText
    }
    if pointPos <= 0 {
        return sign + "0." + String(repeating: "0", count: -pointPos) + digits
    }
    if pointPos >= digits.count {
        return sign + digits + String(repeating: "0", count: pointPos - digits.count) + ".0"
    }
    let idx = digits.index(digits.startIndex, offsetBy: pointPos)
    return sign + digits[..<idx] + "." + digits[idx...]
}

private func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

/// Python's `repr(str)`: single quotes unless the text has `'` and no `"`.
func pythonStringRepr(_ s: String) -> String {
    let quote: Character = (s.contains("'") && !s.contains("\"")) ? "\"" : "'"
    var out = String(quote)
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if Character(scalar) == quote {
                out += "\\" + String(quote)
            } else if isPythonPrintable(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                let v = scalar.value
                if v < 0x100 {
                    out += "\\x" + hex(v, 2)
                } else if v < 0x10000 {
                    out += "\\u" + hex(v, 4)
                } else {
                    out += "\\U" + hex(v, 8)
                }
            }
        }
    }
    out.append(quote)
    return out
}

private func hex(_ v: UInt32, _ width: Int) -> String {
    let h = String(v, radix: 16)
    return String(repeating: "0", count: max(0, width - h.count)) + h
}

/// Python's `str.isprintable` for one character.
func isPythonPrintable(_ scalar: Unicode.Scalar) -> Bool {
    if scalar == " " { return true }
    switch scalar.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
        return false
    default:
        return true
    }
}

/// Python's `str.isspace` for one character.
func isPythonSpace(_ scalar: Unicode.Scalar) -> Bool {
    if (0x1C...0x1F).contains(scalar.value) { return true }
    return scalar.properties.isWhitespace
}

/// markupsafe's `escape`: `& < > " '` become HTML entities.
func htmlEscape(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&#34;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}
