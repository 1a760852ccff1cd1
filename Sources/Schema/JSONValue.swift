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
public struct JSONObject: Sendable {
    public private(set) var keys: [String] = []
    private var storage: [String: JSONValue] = [:]

    public init() {}

    public init(_ pairs: [(String, JSONValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public subscript(key: String) -> JSONValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Key/value pairs in order.
    public var pairs: [(key: String, value: JSONValue)] { keys.map { ($0, storage[$0]!) } }
    public var values: [JSONValue] { keys.map { storage[$0]! } }
    public func contains(_ key: String) -> Bool { storage[key] != nil }

    /// Reserves room for `n` members.
    public mutating func reserveCapacity(_ n: Int) {
        keys.reserveCapacity(n)
        storage.reserveCapacity(n)
    }

    /// Adds a member; an existing key keeps its position and takes the new value.
    mutating func appendNew(_ key: String, _ value: JSONValue) {
        if storage.updateValue(value, forKey: key) == nil { keys.append(key) }
    }
}

extension JSONObject: Sequence {
    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        pairs.makeIterator()
    }
}

extension JSONObject: Equatable {
    /// Objects are equal when they hold the same keys with equal values, in any order
    /// (JSON's and JSON Schema's notion of equality).
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.storage == b.storage
    }
}

extension JSONObject: Hashable {
    public func hash(into h: inout Hasher) {
        h.combine(storage)
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
