/// A small set of literal markers (byte strings) searched for together.
/// No marker in a set may be a prefix of another one. Empty strings keep their index but never match.
struct MarkerSet: Sendable {
    let markers: [[UInt8]]
    private let isFirstByte: [Bool]

    init(_ strings: [String]) {
        markers = strings.map { Array($0.utf8) }
        var table = [Bool](repeating: false, count: 256)
        for m in markers where !m.isEmpty { table[Int(m[0])] = true }
        isFirstByte = table
    }

    @inline(__always) func startsMarker(_ byte: UInt8) -> Bool { isFirstByte[Int(byte)] }

    enum Match { case full(Int), prefix, none }

    func match(_ pending: [UInt8]) -> Match {
        var isPrefix = false
        for (k, m) in markers.enumerated() where m.count >= pending.count && !m.isEmpty {
            var same = true
            for j in 0..<pending.count where m[j] != pending[j] { same = false; break }
            if same {
                if m.count == pending.count { return .full(k) }
                isPrefix = true
            }
        }
        return isPrefix ? .prefix : .none
    }
}

/// Finds markers in a byte stream fed in pieces, holding back only a possible partial marker.
struct MarkerScanner {
    /// Bytes that may begin a marker, held until it is clear whether they do.
    var pending: [UInt8] = []

    /// Scans `p[i..<n]`, appending plain text to `text`. Returns the index (in `set`) of the first
    /// complete marker, with `i` just past it, or nil when the input ran out.
    mutating func scan(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ n: Int, _ set: MarkerSet,
                       into text: inout [UInt8]) -> Int? {
        while i < n {
            if pending.isEmpty {
                let start = i
                while i < n && !set.startsMarker(p[i]) { i += 1 }
                if i > start { text.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<i])) }
                if i == n { return nil }
            }
            pending.append(p[i])
            i += 1
            while !pending.isEmpty {
                switch set.match(pending) {
                case .full(let k):
                    pending.removeAll(keepingCapacity: true)
                    return k
                case .prefix:
                    break
                case .none:
                    text.append(pending[0])
                    pending.removeFirst()
                    continue
                }
                break
            }
        }
        return nil
    }

    /// Takes whatever is held (at the end of the stream).
    mutating func drain() -> [UInt8] {
        let out = pending
        pending.removeAll()
        return out
    }
}

@inline(__always) func isJSONWhitespace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
}
