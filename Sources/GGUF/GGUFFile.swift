/// One tensor's description from a GGUF file's tensor info table.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name, e.g. `blk.0.attn_q.weight`.
    public let name: String
    /// Dimensions, innermost first (ggml's `ne[0]` is the row length).
    public let dimensions: [Int]
    /// Element type.
    public let type: GGMLType
    /// Offset of the tensor's bytes from the start of the data section.
    public let offset: Int
    /// Size of the tensor's bytes.
    public let byteCount: Int

    /// Number of elements (product of the dimensions).
    public var elementCount: Int { dimensions.reduce(1, *) }
}

/// A GGUF model file (versions 2 and 3), memory-mapped read-only. Parsing checks every
/// length, count and offset against the file size, so a damaged file yields a `GGUFError`.
/// The mapping lives as long as this object; buffers from `tensorData` must not outlive it.
public final class GGUFFile: Sendable {
    /// The path the file was opened from (nil for in-memory files).
    public let path: String?
    /// The GGUF format version (2 or 3).
    public let version: UInt32
    /// Key/value metadata.
    public let metadata: GGUFMetadata
    /// Tensor infos, in file order.
    public let tensors: [GGUFTensorInfo]
    /// Alignment of the data section and of tensor offsets (`general.alignment`, default 32).
    public let alignment: Int
    /// Byte offset of the data section from the start of the file.
    public let dataOffset: Int
    private let tensorIndex: [String: Int]
    private let storage: GGUFStorage

    /// Opens and parses the GGUF file at `path`.
    public convenience init(path: String) throws {
        try self.init(storage: GGUFStorage(path: path), path: path)
    }

    /// Parses a GGUF file held in memory (the bytes are copied once).
    public convenience init(bytes: [UInt8]) throws {
        try self.init(storage: GGUFStorage(bytes: bytes), path: nil)
    }

    private init(storage: GGUFStorage, path: String?) throws {
        self.storage = storage
        self.path = path
        var parser = GGUFParser(storage: storage)
        let header = try parser.parse()
        version = header.version
        metadata = header.metadata
        tensors = header.tensors
        alignment = header.alignment
        dataOffset = header.dataOffset
        var index = [String: Int](minimumCapacity: tensors.count)
        for (i, t) in tensors.enumerated() { index[t.name] = i }
        tensorIndex = index
    }

    /// Size of the file in bytes.
    public var fileSize: Int { storage.count }

    /// `general.architecture` (e.g. `qwen2`, `gemma3`, `llama`).
    public var architecture: String? { metadata.string("general.architecture") }

    /// The tensor info named `name`.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The bytes of tensor `name`, pointing into the mapped file (no copy).
    public func tensorData(_ name: String) throws -> UnsafeRawBufferPointer {
        guard let info = tensor(named: name) else { throw GGUFError.missingTensor(name) }
        return tensorData(info)
    }

    /// The bytes of a tensor from this file's `tensors` (bounds were checked when parsing).
    public func tensorData(_ info: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        storage.bytes(dataOffset + info.offset ..< dataOffset + info.offset + info.byteCount)
    }

    /// Base address of the whole mapped file (for plugins handing pointers across the C ABI).
    public var baseAddress: UnsafeRawPointer { storage.base }
}

/// Reads the header, metadata and tensor infos with bounds checks at every step.
struct GGUFParser {
    struct Header {
        var version: UInt32
        var metadata: GGUFMetadata
        var tensors: [GGUFTensorInfo]
        var alignment: Int
        var dataOffset: Int
    }

    /// Deepest nesting of arrays accepted (real files use 1).
    static let maxArrayDepth = 8
    /// ggml's GGML_MAX_DIMS.
    static let maxDimensions = 4
    /// ggml's GGML_MAX_NAME (names must be shorter).
    static let maxTensorName = 64

    let storage: GGUFStorage
    var offset = 0

    init(storage: GGUFStorage) { self.storage = storage }

    var remaining: Int { storage.count - offset }

    mutating func need(_ n: Int, _ what: @autoclosure () -> String) throws {
        if n > remaining { throw GGUFError.truncated(offset: offset, needed: n - remaining, what: what()) }
    }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, what())
        let v = storage.load(offset, as: T.self)
        offset += MemoryLayout<T>.size
        return v
    }

    /// Reads a u64 count and checks that `count * minimumElementSize` bytes remain.
    mutating func readCount(_ what: String, minimumElementSize: Int) throws -> Int {
        let at = offset
        let raw = try read(UInt64.self, "\(what) count")
        let limit = remaining / max(minimumElementSize, 1)
        guard raw <= UInt64(limit) else {
            throw GGUFError.invalid(offset: at, what: "\(what) count \(raw) cannot fit in the \(remaining) bytes left in the file (at most \(limit))")
        }
        return Int(raw)
    }

    /// Reads a GGUF string (u64 length + bytes); returns the range of its bytes.
    mutating func readStringRange(_ what: @autoclosure () -> String) throws -> Range<Int> {
        let at = offset
        let length = try read(UInt64.self, "length of \(what())")
        guard length <= UInt64(remaining) else {
            throw GGUFError.truncated(offset: at, needed: Int(clamping: length) - remaining + 8, what: "\(what()) of \(length) bytes")
        }
        let start = offset
        offset += Int(length)
        return start ..< offset
    }

    mutating func readString(_ what: @autoclosure () -> String) throws -> String {
        let range = try readStringRange(what())
        return String(decoding: storage.bytes(range), as: UTF8.self)
    }

    mutating func readValueType(_ what: String) throws -> GGUFValueType {
        let at = offset
        let raw = try read(UInt32.self, "type of \(what)")
        guard let type = GGUFValueType(rawValue: raw) else {
            throw GGUFError.invalid(offset: at, what: "\(what) has unknown value type \(raw) (known: 0–12)")
        }
        return type
    }

    mutating func readValue(_ type: GGUFValueType, _ what: String, depth: Int) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try read(UInt8.self, what))
        case .int8: return .int8(try read(Int8.self, what))
        case .uint16: return .uint16(try read(UInt16.self, what))
        case .int16: return .int16(try read(Int16.self, what))
        case .uint32: return .uint32(try read(UInt32.self, what))
        case .int32: return .int32(try read(Int32.self, what))
        case .uint64: return .uint64(try read(UInt64.self, what))
        case .int64: return .int64(try read(Int64.self, what))
        case .float32: return .float32(Float(bitPattern: try read(UInt32.self, what)))
        case .float64: return .float64(Double(bitPattern: try read(UInt64.self, what)))
        case .bool:
            let at = offset
            let b = try read(UInt8.self, what)
            guard b <= 1 else { throw GGUFError.invalid(offset: at, what: "\(what) is a bool stored as \(b) (must be 0 or 1)") }
            return .bool(b == 1)
        case .string: return .string(try readString(what))
        case .array: return .array(try readArray(what, depth: depth + 1))
        }
    }

    mutating func readArray(_ what: String, depth: Int) throws -> GGUFArray {
        let at = offset
        guard depth <= Self.maxArrayDepth else {
            throw GGUFError.invalid(offset: at, what: "\(what) nests arrays deeper than \(Self.maxArrayDepth) levels")
        }
        let elementType = try readValueType("elements of \(what)")
        let count = try readCount("\(what) element", minimumElementSize: elementType.minimumSize)
        let start = offset
        var stringStarts = [Int]()
        var nested = [GGUFArray]()
        switch elementType {
        case .string:
            stringStarts.reserveCapacity(count)
            for i in 0 ..< count {
                let range = try readStringRange("\(what)[\(i)]")
                stringStarts.append(range.lowerBound)
            }
        case .array:
            for i in 0 ..< count {
                nested.append(try readArray("\(what)[\(i)]", depth: depth + 1))
            }
        case .bool:
            // Bools are validated element by element so a damaged array is reported.
            for i in 0 ..< count {
                let b = storage.load(offset + i, as: UInt8.self)
                guard b <= 1 else {
                    throw GGUFError.invalid(offset: offset + i, what: "\(what)[\(i)] is a bool stored as \(b) (must be 0 or 1)")
                }
            }
            offset += count
        default:
            // readCount already checked count * size <= remaining.
            offset += count * (elementType.fixedSize ?? 1)
        }
        return GGUFArray(elementType: elementType, count: count, storage: storage, start: start,
                         stringStarts: stringStarts, nested: nested)
    }

    mutating func parse() throws -> Header {
        try need(4, "the magic 'GGUF'")
        let magic = Array(storage.bytes(0 ..< 4))
        guard magic == Array("GGUF".utf8) else { throw GGUFError.badMagic(found: magic) }
        offset = 4
        let version = try read(UInt32.self, "the version")
        guard version == 2 || version == 3 else {
            if version.byteSwapped == 2 || version.byteSwapped == 3 {
                throw GGUFError.invalid(offset: 4, what: "the file is a big-endian GGUF; only little-endian files are supported — convert it with llama.cpp's gguf tools")
            }
            throw GGUFError.unsupportedVersion(version)
        }
        let tensorCountOffset = offset
        let rawTensorCount = try read(UInt64.self, "the tensor count")
        let kvCount = try readCount("metadata key/value", minimumElementSize: 8 + 4 + 1)
        // Each tensor info takes at least 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset) bytes.
        guard rawTensorCount <= UInt64(remaining / 24) else {
            throw GGUFError.invalid(offset: tensorCountOffset, what: "tensor count \(rawTensorCount) cannot fit in the \(storage.count) byte file")
        }
        let tensorCount = Int(rawTensorCount)

        var keys = [String]()
        keys.reserveCapacity(kvCount)
        var values = [String: GGUFValue](minimumCapacity: kvCount)
        var alignment = 32
        for i in 0 ..< kvCount {
            let keyOffset = offset
            let key = try readString("metadata key #\(i)")
            guard values[key] == nil else {
                throw GGUFError.invalid(offset: keyOffset, what: "metadata key '\(key)' appears twice")
            }
            let type = try readValueType("metadata '\(key)'")
            let valueOffset = offset
            let value = try readValue(type, "metadata '\(key)'", depth: 0)
            if key == "general.alignment" {
                guard case let .uint32(a) = value else {
                    throw GGUFError.invalid(offset: valueOffset, what: "general.alignment must be a uint32, found \(type)")
                }
                guard a > 0, a & (a - 1) == 0 else {
                    throw GGUFError.invalid(offset: valueOffset, what: "general.alignment \(a) is not a power of two")
                }
                alignment = Int(a)
            }
            keys.append(key)
            values[key] = value
        }

        var infos = [(name: String, dims: [Int], type: GGMLType, offset: Int, byteCount: Int, at: Int)]()
        infos.reserveCapacity(tensorCount)
        var seen = Set<String>()
        for i in 0 ..< tensorCount {
            let at = offset
            let name = try readString("name of tensor #\(i)")
            guard name.utf8.count < Self.maxTensorName else {
                throw GGUFError.invalid(offset: at, what: "tensor #\(i) name is \(name.utf8.count) bytes (ggml allows at most \(Self.maxTensorName - 1))")
            }
            guard seen.insert(name).inserted else {
                throw GGUFError.invalid(offset: at, what: "tensor name '\(name)' appears twice")
            }
            let dimsOffset = offset
            let nDims = try read(UInt32.self, "dimension count of tensor '\(name)'")
            guard nDims <= UInt32(Self.maxDimensions) else {
                throw GGUFError.invalid(offset: dimsOffset, what: "tensor '\(name)' has \(nDims) dimensions (ggml allows at most \(Self.maxDimensions))")
            }
            var dims = [Int]()
            var elements = 1
            for d in 0 ..< Int(nDims) {
                let dimOffset = offset
                let raw = try read(UInt64.self, "dimension \(d) of tensor '\(name)'")
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int(clamping: raw))
                guard raw <= UInt64(Int.max), !overflow else {
                    throw GGUFError.invalid(offset: dimOffset, what: "tensor '\(name)' dimension \(d) = \(raw) makes the element count overflow")
                }
                dims.append(Int(raw))
                elements = product
            }
            let typeOffset = offset
            let type = GGMLType(rawValue: try read(UInt32.self, "type of tensor '\(name)'"))
            guard type.isKnown, let blockSize = type.blockSize else {
                throw GGUFError.invalid(offset: typeOffset, what: "tensor '\(name)' has unknown ggml type \(type.rawValue)")
            }
            let rowLength = dims.first ?? 1
            guard rowLength % blockSize == 0 else {
                throw GGUFError.invalid(offset: dimsOffset, what: "tensor '\(name)' row length \(rowLength) is not a multiple of the \(type.name) block size \(blockSize)")
            }
            guard let byteCount = type.byteCount(elements: elements) else {
                throw GGUFError.invalid(offset: dimsOffset, what: "tensor '\(name)' byte size overflows")
            }
            let offsetAt = offset
            let rawOffset = try read(UInt64.self, "data offset of tensor '\(name)'")
            guard rawOffset <= UInt64(Int.max), Int(rawOffset) % alignment == 0 else {
                throw GGUFError.invalid(offset: offsetAt, what: "tensor '\(name)' data offset \(rawOffset) is not a multiple of the alignment \(alignment)")
            }
            infos.append((name, dims, type, Int(rawOffset), byteCount, offsetAt))
        }

        let padding = (alignment - offset % alignment) % alignment
        let dataOffset = offset + padding
        let dataSize = max(storage.count - dataOffset, 0)
        if !infos.isEmpty, dataOffset > storage.count {
            throw GGUFError.truncated(offset: offset, needed: dataOffset - storage.count, what: "the padding before the tensor data")
        }
        var tensors = [GGUFTensorInfo]()
        tensors.reserveCapacity(infos.count)
        for info in infos {
            guard info.offset <= dataSize, info.byteCount <= dataSize - info.offset else {
                let end = dataOffset &+ info.offset &+ info.byteCount
                throw GGUFError.truncated(offset: info.at, needed: max(end - storage.count, 1),
                                          what: "tensor '\(info.name)' (\(info.type.name), \(info.byteCount) bytes at data offset \(info.offset))")
            }
            tensors.append(GGUFTensorInfo(name: info.name, dimensions: info.dims, type: info.type,
                                          offset: info.offset, byteCount: info.byteCount))
        }
        return Header(version: version, metadata: GGUFMetadata(keys: keys, values: values), tensors: tensors,
                      alignment: alignment, dataOffset: dataOffset)
    }
}
