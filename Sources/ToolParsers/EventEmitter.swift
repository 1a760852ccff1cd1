/// Collects a parser's output bytes into merged events; adjacent output of one kind becomes one event.
/// Text is cut only at UTF-8 character boundaries: an incomplete trailing sequence waits for the next feed.
struct EventEmitter {
    private enum Channel: Equatable { case none, content, reasoning, arguments(Int) }

    private(set) var events: [ToolParserEvent] = []
    private var channel: Channel = .none
    private var buffer: [UInt8] = []
    /// Number of calls started so far (the next call's index).
    private(set) var callCount = 0
    /// Bytes copied so far: into the buffer, into Strings, and by merging events (a work counter for tests).
    private(set) var work = 0

    init() { buffer.reserveCapacity(256) }

    @inline(__always) private mutating func switchTo(_ target: Channel) {
        if channel != target {
            flush(all: true)
            channel = target
        }
    }

    mutating func content(_ byte: UInt8) {
        switchTo(.content)
        buffer.append(byte)
        work &+= 1
    }

    mutating func content<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if bytes.isEmpty { return }
        switchTo(.content)
        buffer.append(contentsOf: bytes)
        work &+= bytes.count
    }

    mutating func content(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        if range.isEmpty { return }
        switchTo(.content)
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
        work &+= range.count
    }

    mutating func reasoning<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if bytes.isEmpty { return }
        switchTo(.reasoning)
        buffer.append(contentsOf: bytes)
        work &+= bytes.count
    }

    mutating func reasoning(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        if range.isEmpty { return }
        switchTo(.reasoning)
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
        work &+= range.count
    }

    /// Starts the next call: its first delta carries id and name. Returns the call's index.
    @discardableResult
    mutating func startCall(id: String, name: String) -> Int {
        flush(all: true)
        let index = callCount
        callCount += 1
        events.append(.toolCall(index: index, id: id, name: name, arguments: ""))
        channel = .arguments(index)
        return index
    }

    /// Appends arguments text to the current call.
    mutating func arguments<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if bytes.isEmpty { return }
        if case .arguments = channel {} else { switchTo(.arguments(max(callCount - 1, 0))) }
        buffer.append(contentsOf: bytes)
        work &+= bytes.count
    }

    /// Appends `bytes` as arguments text and empties it (by swapping buffers when nothing is pending).
    mutating func arguments(moving bytes: inout [UInt8]) {
        if bytes.isEmpty { return }
        if case .arguments = channel {} else { switchTo(.arguments(max(callCount - 1, 0))) }
        work &+= bytes.count
        if buffer.isEmpty {
            swap(&buffer, &bytes)
        } else {
            buffer.append(contentsOf: bytes)
            bytes.removeAll(keepingCapacity: true)
        }
    }

    mutating func arguments(_ text: StaticString) {
        arguments(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Converts buffered bytes into an event. With `all == false`, an incomplete UTF-8 tail stays buffered.
    private mutating func flush(all: Bool) {
        if buffer.isEmpty { return }
        var cut = buffer.count
        if !all { cut = completeUTF8Prefix(buffer) }
        if cut == 0 { return }
        let text = buffer.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[0..<cut]), as: UTF8.self) }
        work &+= cut
        switch channel {
        case .none, .content: append(.content(text))
        case .reasoning: append(.reasoning(text))
        case .arguments(let index): append(.toolCall(index: index, id: nil, name: nil, arguments: text))
        }
        if cut == buffer.count { buffer.removeAll(keepingCapacity: true) } else { buffer.removeFirst(cut); work &+= buffer.count }
    }

    private mutating func append(_ event: ToolParserEvent) {
        // Merge with the previous event of the same kind (keeps event lists short).
        if let last = events.last {
            work &+= mergedLength(last, event)
            switch (last, event) {
            case let (.content(a), .content(b)): events[events.count - 1] = .content(a + b); return
            case let (.reasoning(a), .reasoning(b)): events[events.count - 1] = .reasoning(a + b); return
            case let (.toolCall(i, id, name, a), .toolCall(j, nil, nil, b)) where i == j:
                events[events.count - 1] = .toolCall(index: i, id: id, name: name, arguments: a + b); return
            default: break
            }
        }
        events.append(event)
    }

    /// Hands out the events gathered so far.
    mutating func take(final: Bool = false) -> [ToolParserEvent] {
        flush(all: final)
        if events.isEmpty { return [] }
        let out = events
        events = []
        return out
    }

    /// Bytes a merge of `a` and `b` would copy (0 when they do not merge).
    private func mergedLength(_ a: ToolParserEvent, _ b: ToolParserEvent) -> Int {
        switch (a, b) {
        case let (.content(x), .content(y)), let (.reasoning(x), .reasoning(y)): return x.utf8.count + y.utf8.count
        case let (.toolCall(i, _, _, x), .toolCall(j, nil, nil, y)) where i == j: return x.utf8.count + y.utf8.count
        default: return 0
        }
    }
}

/// Length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence.
func completeUTF8Prefix(_ bytes: [UInt8]) -> Int {
    let n = bytes.count
    var i = n - 1
    var back = 0
    while i >= 0 && back < 4 {
        let b = bytes[i]
        if b & 0xC0 != 0x80 {
            let need: Int
            if b < 0x80 { need = 1 } else if b >= 0xF0 { need = 4 } else if b >= 0xE0 { need = 3 } else if b >= 0xC0 { need = 2 } else { need = 1 }
            return (n - i) >= need ? n : i
        }
        i -= 1
        back += 1
    }
    return n
}
