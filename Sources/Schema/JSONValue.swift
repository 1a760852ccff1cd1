/// A JSON value that keeps object key order and the exact form of numbers.
///
/// - Integers that fit in 64 bits are `.integer`; every other number is `.number`,
///   whose `source` keeps the text it was parsed from (so `1.0` stays `1.0` and an
///   integer too big for 64 bits prints exactly as written). Values built in code
///   have `source == nil` and print the way Python's `repr(float)` does.
/// - Objects keep insertion order; see `JSONObject`.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double, source: String?)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON object: string keys in insertion order, each key at most once.
/// Setting an existing key replaces its value and keeps its position
/// (as Python's `dict` and jansson do, so duplicate keys in a document: last value wins,
/// first position kept).
///
/// Stored as parallel key/value arrays; small objects are searched linearly and objects with
/// more than `indexThreshold` members get a hash index, so building and iterating stay cheap.
public struct JSONObject: Sendable {
    public private(set) var keys: [String] = []
    /// Values in key order.
    public private(set) var values: [JSONValue] = []
    private var index: [ExactKey: Int]? = nil
    private static let indexThreshold = 12

    /// A key compared by code points (JSON's rule), not by Swift's canonical equivalence,
    /// so `"é"` and `"e\u{301}"` stay two keys.
    private struct ExactKey: Hashable, Sendable {
        let text: String
        static func == (a: ExactKey, b: ExactKey) -> Bool { JSONObject.sameKey(a.text, b.text) }
        func hash(into h: inout Hasher) { h.combine(text) }  // canonical hash: consistent with ==
    }

    @inline(__always)
    static func sameKey(_ a: String, _ b: String) -> Bool {
        a == b && a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }

    public init() {}

    public init(_ pairs: [(String, JSONValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// Position of `key` in `keys`.
    public func position(of key: String) -> Int? {
        if let index { return index[ExactKey(text: key)] }
        return keys.firstIndex { Self.sameKey($0, key) }
    }

    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { values[$0] } }
        set {
            if let newValue {
                if let p = position(of: key) { values[p] = newValue } else { append(key, newValue) }
            } else if let p = position(of: key) {
                keys.remove(at: p)
                values.remove(at: p)
                if index != nil { rebuildIndex() }
            }
        }
    }

    private mutating func append(_ key: String, _ value: JSONValue) {
        keys.append(key)
        values.append(value)
        if index != nil {
            index?[ExactKey(text: key)] = keys.count - 1
        } else if keys.count > Self.indexThreshold {
            rebuildIndex()
        }
    }

    private mutating func rebuildIndex() {
        guard keys.count > Self.indexThreshold else { index = nil; return }
        var d: [ExactKey: Int] = [:]
        d.reserveCapacity(keys.count)
        for (i, k) in keys.enumerated() { d[ExactKey(text: k)] = i }
        index = d
    }

    /// Key/value pairs in order.
    public var pairs: [(key: String, value: JSONValue)] { Array(self) }
    public func contains(_ key: String) -> Bool { position(of: key) != nil }

    /// Reserves room for `n` members.
    public mutating func reserveCapacity(_ n: Int) {
        keys.reserveCapacity(n)
        values.reserveCapacity(n)
    }

    /// Adds a member; an existing key keeps its position and takes the new value.
    mutating func appendNew(_ key: String, _ value: JSONValue) {
        self[key] = value
    }
}

extension JSONObject: Sequence {
    /// Iterates key/value pairs in order.
    public struct Iterator: IteratorProtocol {
        let object: JSONObject
        var i = 0
        public mutating func next() -> (key: String, value: JSONValue)? {
            guard i < object.keys.count else { return nil }
            defer { i += 1 }
            return (object.keys[i], object.values[i])
        }
    }

    public func makeIterator() -> Iterator { Iterator(object: self) }
    public var underestimatedCount: Int { keys.count }
}

extension JSONObject: Equatable {
    /// Objects are equal when they hold the same keys with equal values, in any order
    /// (JSON's and JSON Schema's notion of equality).
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.count == b.count else { return false }
        for (i, key) in a.keys.enumerated() {
            guard let p = b.position(of: key), a.values[i] == b.values[p] else { return false }
        }
        return true
    }
}

extension JSONObject: Hashable {
    public func hash(into h: inout Hasher) {
        // Order-independent: a commutative sum of per-member hashes.
        var sum = 0
        for (i, key) in keys.enumerated() {
            var member = Hasher()
            member.combine(key)
            member.combine(values[i])
            sum &+= member.finalize()
        }
        h.combine(count)
        h.combine(sum)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }
}

extension JSONValue: Equatable {
    /// Structural equality as JSON Schema defines it: `1` equals `1.0`; object key order
    /// does not matter; array order does; number source text does not.
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.integer(x), .integer(y)): return x == y
        case let (.number(x, _), .number(y, _)): return x == y
        case let (.integer(x), .number(y, _)), let (.number(y, _), .integer(x)):
            return Double(x) == y && (y.magnitude < 9.2e18 ? Int64(y) == x : false)
        // Code point equality (JSON's), not Swift's canonical equivalence.
        case let (.string(x), .string(y)): return x.utf8.elementsEqual(y.utf8)
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)): return x == y
        default: return false
        }
    }
}

extension JSONValue: Hashable {
    public func hash(into h: inout Hasher) {
        switch self {
        case .null: h.combine(0)
        case .bool(let b): h.combine(1); h.combine(b)
        case .integer(let i): h.combine(2); h.combine(Double(i))
        case .number(let d, _): h.combine(2); h.combine(d)
        case .string(let s): h.combine(3); h.combine(s)
        case .array(let a): h.combine(4); h.combine(a)
        case .object(let o): h.combine(5); h.combine(o)
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value, source: nil) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

extension JSONValue {
    /// The JSON type name of this value (`"integer"` for 64-bit integers).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }

    /// The value as Int64 when it is an integer, or a number with no fractional part in range.
    public var int64Value: Int64? {
        switch self {
        case .integer(let i): return i
        case .number(let d, _) where d.rounded() == d && d.magnitude < 9.2e18: return Int64(d)
        default: return nil
        }
    }

    /// The value as Double when it is numeric.
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d, _): return d
        default: return nil
        }
    }

    /// Member of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// Element of an array, or nil when out of range.
    public subscript(index: Int) -> JSONValue? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }
}
