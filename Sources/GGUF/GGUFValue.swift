/// The type code of a GGUF metadata value.
public enum GGUFValueType: UInt32, Sendable, CaseIterable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6
    case bool = 7, string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Bytes per value for fixed-size types; nil for string and array.
    public var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return nil
        }
    }

    /// The fewest bytes one value of this type can take in a file (used to bound counts).
    var minimumSize: Int {
        switch self {
        case .string: return 8        // u64 length
        case .array: return 12        // u32 element type + u64 count
        default: return fixedSize ?? 1
        }
    }
}

/// One metadata value. Integers keep their stored width; arrays stay in the file
/// (see `GGUFArray`) until read.
public enum GGUFValue: Sendable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    case array(GGUFArray)

    /// The value's type code.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// Any integer type as `Int` (nil for non-integers and for a UInt64 beyond Int.max).
    public var int: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return Int(exactly: v)
        case let .int64(v): return Int(v)
        default: return nil
        }
    }

    /// Float types (and integers, converted) as `Double`.
    public var double: Double? {
        switch self {
        case let .float32(v): return Double(v)
        case let .float64(v): return v
        default: return int.map(Double.init)
        }
    }

    /// The value if it is a bool.
    public var bool: Bool? {
        if case let .bool(v) = self { return v }
        return nil
    }

    /// The value if it is a string.
    public var string: String? {
        if case let .string(v) = self { return v }
        return nil
    }

    /// The value if it is an array.
    public var array: GGUFArray? {
        if case let .array(v) = self { return v }
        return nil
    }
}

/// A metadata array, read lazily from the mapped file. Elements share one type;
/// nested arrays are allowed.
public struct GGUFArray: Sendable {
    /// The type of every element.
    public let elementType: GGUFValueType
    /// Number of elements.
    public let count: Int

    let storage: GGUFStorage
    /// Offset of the first element's bytes (fixed-size elements).
    let start: Int
    /// For strings: offset of each string's bytes (its u64 length precedes it). For nested
    /// arrays: the parsed elements.
    let stringStarts: [Int]
    let nested: [GGUFArray]

    /// The raw bytes of string element `index` (valid while the file is open).
    public func stringBytes(_ index: Int) -> UnsafeRawBufferPointer? {
        guard elementType == .string, index >= 0, index < count else { return nil }
        let s = stringStarts[index]
        let length = Int(storage.load(s - 8, as: UInt64.self))
        return storage.bytes(s ..< s + length)
    }

    /// All string elements, decoded as UTF-8 (invalid sequences become U+FFFD); nil when not strings.
    public var strings: [String]? {
        guard elementType == .string else { return nil }
        return (0 ..< count).map { String(decoding: stringBytes($0) ?? UnsafeRawBufferPointer(start: nil, count: 0), as: UTF8.self) }
    }

    /// All string elements as byte arrays; nil when not strings.
    public var stringByteArrays: [[UInt8]]? {
        guard elementType == .string else { return nil }
        return (0 ..< count).map { Array(stringBytes($0) ?? UnsafeRawBufferPointer(start: nil, count: 0)) }
    }

    /// Integer elements of any width as `Int` (nil when not an integer type or a UInt64 overflows).
    public var ints: [Int]? {
        guard let size = elementType.fixedSize else { return nil }
        var result = [Int]()
        result.reserveCapacity(count)
        for i in 0 ..< count {
            let o = start + i * size
            switch elementType {
            case .uint8: result.append(Int(storage.load(o, as: UInt8.self)))
            case .int8: result.append(Int(storage.load(o, as: Int8.self)))
            case .uint16: result.append(Int(storage.load(o, as: UInt16.self)))
            case .int16: result.append(Int(storage.load(o, as: Int16.self)))
            case .uint32: result.append(Int(storage.load(o, as: UInt32.self)))
            case .int32: result.append(Int(storage.load(o, as: Int32.self)))
            case .int64: result.append(Int(storage.load(o, as: Int64.self)))
            case .uint64:
                guard let v = Int(exactly: storage.load(o, as: UInt64.self)) else { return nil }
                result.append(v)
            default: return nil
            }
        }
        return result
    }

    /// Float elements (float32/float64) as `Float`; nil for other types.
    public var floats: [Float]? {
        switch elementType {
        case .float32:
            return (0 ..< count).map { Float(bitPattern: storage.load(start + $0 * 4, as: UInt32.self)) }
        case .float64:
            return (0 ..< count).map { Float(Double(bitPattern: storage.load(start + $0 * 8, as: UInt64.self))) }
        default: return nil
        }
    }

    /// Bool elements; nil for other types.
    public var bools: [Bool]? {
        guard elementType == .bool else { return nil }
        return (0 ..< count).map { storage.load(start + $0, as: UInt8.self) != 0 }
    }

    /// Nested array elements; nil when the elements are not arrays.
    public var arrays: [GGUFArray]? { elementType == .array ? nested : nil }

    /// Element `index` as a `GGUFValue`.
    public subscript(index: Int) -> GGUFValue? {
        guard index >= 0, index < count else { return nil }
        if let size = elementType.fixedSize {
            let o = start + index * size
            switch elementType {
            case .uint8: return .uint8(storage.load(o, as: UInt8.self))
            case .int8: return .int8(storage.load(o, as: Int8.self))
            case .uint16: return .uint16(storage.load(o, as: UInt16.self))
            case .int16: return .int16(storage.load(o, as: Int16.self))
            case .uint32: return .uint32(storage.load(o, as: UInt32.self))
            case .int32: return .int32(storage.load(o, as: Int32.self))
            case .uint64: return .uint64(storage.load(o, as: UInt64.self))
            case .int64: return .int64(storage.load(o, as: Int64.self))
            case .float32: return .float32(Float(bitPattern: storage.load(o, as: UInt32.self)))
            case .float64: return .float64(Double(bitPattern: storage.load(o, as: UInt64.self)))
            case .bool: return .bool(storage.load(o, as: UInt8.self) != 0)
            case .string, .array: return nil
            }
        }
        if elementType == .string {
            return stringBytes(index).map { .string(String(decoding: $0, as: UTF8.self)) }
        }
        return .array(nested[index])
    }
}

/// The key/value metadata of a GGUF file, in file order, with lookup by key.
public struct GGUFMetadata: Sendable {
    /// Keys in the order the file stores them.
    public let keys: [String]
    private let values: [String: GGUFValue]

    init(keys: [String], values: [String: GGUFValue]) {
        self.keys = keys
        self.values = values
    }

    /// The value stored under `key`.
    public subscript(key: String) -> GGUFValue? { values[key] }

    /// Number of key/value pairs.
    public var count: Int { keys.count }

    /// An integer value (any width).
    public func int(_ key: String) -> Int? { values[key]?.int }
    /// A float value (or an integer, converted).
    public func double(_ key: String) -> Double? { values[key]?.double }
    /// A string value.
    public func string(_ key: String) -> String? { values[key]?.string }
    /// A bool value.
    public func bool(_ key: String) -> Bool? { values[key]?.bool }
    /// An array value.
    public func array(_ key: String) -> GGUFArray? { values[key]?.array }
}
