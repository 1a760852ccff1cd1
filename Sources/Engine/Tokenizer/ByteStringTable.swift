/// An immutable hash map from byte strings to Int32 values, built once per vocabulary.
/// Lookups take a pointer and a length, so the hot paths never allocate.
struct ByteStringTable: Sendable {
    private var storage: [UInt8] = []
    /// start << 32 | length of each entry's key in `storage` (one load per probe).
    private var spans: [UInt64] = []
    private var values: [Int32] = []
    private var slots: [Int32] = []      // entry index + 1; 0 = empty
    private var mask: Int = 0

    init() {}

    /// An empty table that takes `entries` keys of `keyBytes` bytes in all without growing.
    init(minimumCapacity entries: Int, keyBytes: Int = 0) {
        storage.reserveCapacity(keyBytes)
        spans.reserveCapacity(entries)
        values.reserveCapacity(entries)
        let capacity = max(16, (entries + 1) * 2).nextPowerOfTwo
        mask = capacity - 1
        slots = [Int32](repeating: 0, count: capacity)
    }

    /// Builds a table; for a repeated key the LAST value wins (as a C++ `map[key] = v` loop).
    init<S: Sequence>(_ entries: S) where S.Element == ([UInt8], Int32) {
        for (key, value) in entries { insert(key, value) }
    }

    var count: Int { values.count }

    /// A word-at-a-time multiplicative hash (keys are short; this is the hot path of lookups).
    @inline(__always) static func hash(_ p: UnsafePointer<UInt8>?, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        guard let p else { return h }
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i + 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 29)
    }

    private mutating func grow() {
        let capacity = max(16, (values.count + 1) * 2).nextPowerOfTwo
        mask = capacity - 1
        slots = [Int32](repeating: 0, count: capacity)
        storage.withUnsafeBufferPointer { buf in
            for e in 0 ..< values.count {
                let span = spans[e]
                var s = Int(truncatingIfNeeded: Self.hash(buf.baseAddress.map { $0 + Int(span >> 32) }, Int(span & 0xFFFF_FFFF))) & mask
                while slots[s] != 0 { s = (s + 1) & mask }
                slots[s] = Int32(e + 1)
            }
        }
    }

    mutating func insert(_ key: [UInt8], _ value: Int32) {
        key.withUnsafeBufferPointer { insert($0, value) }
    }

    /// Inserts the bytes of `key` (copied); for a key already present the value is replaced.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, _ value: Int32) {
        let h = Self.hash(key.baseAddress, key.count)
        if let e = entryIndex(key.baseAddress, key.count, hash: h) {
            values[e] = value
            return
        }
        if (values.count + 1) * 2 > slots.count { grow() }
        let e = values.count
        spans.append(UInt64(storage.count) << 32 | UInt64(key.count))
        storage.append(contentsOf: key)
        values.append(value)
        var s = Int(truncatingIfNeeded: h) & mask
        while slots[s] != 0 { s = (s + 1) & mask }
        slots[s] = Int32(e + 1)
    }

    private func entryIndex(_ p: UnsafePointer<UInt8>?, _ n: Int, hash: UInt64) -> Int? {
        guard !slots.isEmpty else { return nil }
        var s = Int(truncatingIfNeeded: hash) & mask
        return storage.withUnsafeBufferPointer { buf -> Int? in
            while true {
                let slot = Int(slots[s])
                if slot == 0 { return nil }
                let e = slot - 1
                let span = spans[e]
                if Int(span & 0xFFFF_FFFF) == n {
                    if n == 0 { return e }
                    if let p, let base = buf.baseAddress, memcmpBytes(base + Int(span >> 32), p, n) { return e }
                }
                s = (s + 1) & mask
            }
        }
    }

    private func entryIndex(_ p: UnsafePointer<UInt8>?, _ n: Int) -> Int? {
        entryIndex(p, n, hash: Self.hash(p, n))
    }

    /// The value for the bytes `p[0..<n]`.
    @inline(__always) func lookup(_ p: UnsafePointer<UInt8>?, _ n: Int) -> Int32? {
        entryIndex(p, n).map { values[$0] }
    }

    func lookup(_ key: [UInt8]) -> Int32? {
        key.withUnsafeBufferPointer { lookup($0.baseAddress, $0.count) }
    }
}

@inline(__always) func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    for i in 0 ..< n where a[i] != b[i] { return false }
    return true
}

extension Int {
    var nextPowerOfTwo: Int {
        var v = 1
        while v < self { v <<= 1 }
        return v
    }
}
