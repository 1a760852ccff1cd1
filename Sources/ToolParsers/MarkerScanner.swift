/// A small set of literal markers (byte strings) searched for together.
/// No marker in a set may be a prefix of another one. Empty strings keep their index but never match.
struct MarkerSet: Sendable {
    let markers: [[UInt8]]
    /// Per byte value: the markers (bit k = marker k) that begin with it.
    private let firstByteMask: [UInt64]
    /// The byte every marker begins with when they all begin with the same one; -1 otherwise.
    let soleFirstByte: Int

    init(_ strings: [String]) {
        markers = strings.prefix(64).map { Array($0.utf8) }
        var masks = [UInt64](repeating: 0, count: 256)
        for (k, m) in markers.enumerated() where !m.isEmpty { masks[Int(m[0])] |= 1 << UInt64(k) }
        firstByteMask = masks
        let firsts = Set(markers.compactMap(\.first))
        soleFirstByte = firsts.count == 1 ? Int(firsts.first!) : -1
    }

    @inline(__always) func startsMarker(_ byte: UInt8) -> Bool { firstByteMask[Int(byte)] != 0 }

    @inline(__always) func markersStarting(with byte: UInt8) -> UInt64 { firstByteMask[Int(byte)] }

    /// Of the `live` markers, those whose byte at `position` is `byte`.
    @inline(__always) func advance(_ live: UInt64, position: Int, byte: UInt8) -> UInt64 {
        var rest = live
        var kept: UInt64 = 0
        while rest != 0 {
            let k = rest.trailingZeroBitCount
            rest &= rest - 1
            let m = markers[k]
            if m.count > position && m[position] == byte { kept |= 1 << UInt64(k) }
        }
        return kept
    }

    /// A live marker exactly `length` bytes long.
    @inline(__always) func complete(_ live: UInt64, length: Int) -> Int? {
        var rest = live
        while rest != 0 {
            let k = rest.trailingZeroBitCount
            rest &= rest - 1
            if markers[k].count == length { return k }
        }
        return nil
    }

    /// The markers `pending` is a prefix of.
    func live(for pending: [UInt8]) -> UInt64 {
        guard let first = pending.first else { return 0 }
        var live = markersStarting(with: first)
        var position = 1
        while position < pending.count && live != 0 {
            live = advance(live, position: position, byte: pending[position])
            position += 1
        }
        return live
    }

    enum Match { case full(Int), prefix, none }

    func match(_ pending: [UInt8]) -> Match {
        let l = live(for: pending)
        if let k = complete(l, length: pending.count) { return .full(k) }
        return l != 0 ? .prefix : .none
    }
}

/// Finds markers in a byte stream fed in pieces, holding back only a possible partial marker.
struct MarkerScanner {
    /// Bytes that may begin a marker, held until it is clear whether they do.
    var pending: [UInt8] = []
    private var live: UInt64 = 0

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
                let b = p[i]
                i += 1
                pending.append(b)
                live = set.markersStarting(with: b)
            } else {
                let b = p[i]
                i += 1
                live = set.advance(live, position: pending.count, byte: b)
                pending.append(b)
            }
            if let k = set.complete(live, length: pending.count) {
                clearKeepingCapacity(&pending)
                live = 0
                return k
            }
            if live != 0 { continue }
            // Not a marker after all: release bytes until the rest could still begin one.
            while !pending.isEmpty {
                text.append(pending.removeFirst())
                live = set.live(for: pending)
                if let k = set.complete(live, length: pending.count), !pending.isEmpty {
                    clearKeepingCapacity(&pending)
                    live = 0
                    return k
                }
                if live != 0 { break }
            }
        }
        return nil
    }

    /// Takes over `bytes` held while searching another marker set: releases leading bytes to `text`
    /// until the rest could still begin a marker of `set`. Returns the marker the rest already is.
    mutating func carry(_ bytes: [UInt8], _ set: MarkerSet, into text: inout [UInt8]) -> Int? {
        clearKeepingCapacity(&pending)
        pending.append(contentsOf: bytes)
        live = set.live(for: pending)
        while !pending.isEmpty {
            if let k = set.complete(live, length: pending.count) {
                clearKeepingCapacity(&pending)
                live = 0
                return k
            }
            if live != 0 { return nil }
            text.append(pending.removeFirst())
            live = set.live(for: pending)
        }
        return nil
    }

    /// Forgets held bytes.
    mutating func reset() {
        clearKeepingCapacity(&pending)
        live = 0
    }

    /// Takes whatever is held (at the end of the stream).
    mutating func drain() -> [UInt8] {
        let out = pending
        pending.removeAll()
        live = 0
        return out
    }
}

@inline(__always) func isJSONWhitespace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
}
