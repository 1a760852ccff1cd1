/// Builds GGUF files in memory (little-endian, version 3 by default). Used by tests and
/// tools that need small synthetic models; values are written exactly as given.
public struct GGUFWriter: Sendable {
    /// A metadata value to write; arrays carry their element type so empty arrays are typed.
    public indirect enum Value: Sendable {
        case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
        case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
        case array(GGUFValueType, [Value])
    }

    /// A tensor to write: its bytes must match the type and dimensions for a valid file.
    public struct Tensor: Sendable {
        public var name: String
        public var dimensions: [Int]
        public var type: GGMLType
        public var data: [UInt8]
        public init(name: String, dimensions: [Int], type: GGMLType, data: [UInt8]) {
            self.name = name
            self.dimensions = dimensions
            self.type = type
            self.data = data
        }
    }

    public var version: UInt32 = 3
    public var metadata: [(String, Value)] = []
    public var tensors: [Tensor] = []
    /// Alignment used for padding; write `general.alignment` yourself to change the reader's.
    public var alignment: Int = 32

    public init() {}

    /// The encoded file.
    public func bytes() -> [UInt8] {
        var out = [UInt8]()
        out += Array("GGUF".utf8)
        Self.append(&out, version)
        Self.append(&out, UInt64(tensors.count))
        Self.append(&out, UInt64(metadata.count))
        for (key, value) in metadata {
            Self.appendString(&out, key)
            Self.append(&out, Self.typeCode(value).rawValue)
            Self.appendValue(&out, value)
        }
        var dataOffset = 0
        var offsets = [Int]()
        for t in tensors {
            offsets.append(dataOffset)
            dataOffset += t.data.count
            dataOffset += (alignment - dataOffset % alignment) % alignment
        }
        for (t, offset) in zip(tensors, offsets) {
            Self.appendString(&out, t.name)
            Self.append(&out, UInt32(t.dimensions.count))
            for d in t.dimensions { Self.append(&out, UInt64(d)) }
            Self.append(&out, t.type.rawValue)
            Self.append(&out, UInt64(offset))
        }
        out += [UInt8](repeating: 0, count: (alignment - out.count % alignment) % alignment)
        for t in tensors {
            out += t.data
            out += [UInt8](repeating: 0, count: (alignment - t.data.count % alignment) % alignment)
        }
        return out
    }

    static func typeCode(_ value: Value) -> GGUFValueType {
        switch value {
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

    static func append<T: FixedWidthInteger>(_ out: inout [UInt8], _ v: T) {
        withUnsafeBytes(of: v.littleEndian) { out += $0 }
    }

    static func appendString(_ out: inout [UInt8], _ s: String) {
        append(&out, UInt64(s.utf8.count))
        out += Array(s.utf8)
    }

    static func appendValue(_ out: inout [UInt8], _ value: Value) {
        switch value {
        case let .uint8(v): append(&out, v)
        case let .int8(v): append(&out, v)
        case let .uint16(v): append(&out, v)
        case let .int16(v): append(&out, v)
        case let .uint32(v): append(&out, v)
        case let .int32(v): append(&out, v)
        case let .uint64(v): append(&out, v)
        case let .int64(v): append(&out, v)
        case let .float32(v): append(&out, v.bitPattern)
        case let .float64(v): append(&out, v.bitPattern)
        case let .bool(v): append(&out, UInt8(v ? 1 : 0))
        case let .string(v): appendString(&out, v)
        case let .array(type, elements):
            append(&out, type.rawValue)
            append(&out, UInt64(elements.count))
            // A nested element is itself encoded as a full array (type, count, elements).
            for e in elements { appendValue(&out, e) }
        }
    }
}
