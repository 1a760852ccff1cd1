/// Collects a parser's output into merged events; adjacent output of one kind becomes one event.
///
/// Output arrives as bytes or as spans of the current feed's input text (`input`). Spans become
/// slices of that String, so text copied from the input is never re-validated as UTF-8; bytes are
/// cut only at UTF-8 character boundaries (an incomplete trailing sequence waits for the next feed).
struct EventEmitter {
    private enum Channel: Equatable { case none, content, reasoning, arguments(Int) }

    private(set) var events: [ToolParserEvent] = []
    private var channel: Channel = .none
    /// Pending output of the current channel already in String form.
    private var text = ""
    /// Pending output bytes after `text`.
    private var buffer: [UInt8] = []
    /// The current feed's input; spans are UTF-8 offsets into it.
    var input = ""
    /// The same input's bytes while a feed runs (short spans are copied from here).
    var inputBytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    /// Number of calls started so far (the next call's index).
    private(set) var callCount = 0
    /// Bytes copied so far: into the buffer, into Strings, and by merging events (a work counter for tests).
    private(set) var work = 0

    init() {}

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

    /// Appends input bytes `a..<b` of the current feed as content.
    mutating func contentSpan(_ a: Int, _ b: Int) {
        if a >= b { return }
        switchTo(.content)
        span(a, b)
    }

    mutating func reasoning<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if bytes.isEmpty { return }
        switchTo(.reasoning)
        buffer.append(contentsOf: bytes)
        work &+= bytes.count
    }

    /// Appends input bytes `a..<b` of the current feed as reasoning.
    mutating func reasoningSpan(_ a: Int, _ b: Int) {
        if a >= b { return }
        switchTo(.reasoning)
        span(a, b)
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

    @inline(__always) private mutating func toArguments() {
        if case .arguments = channel {} else { switchTo(.arguments(max(callCount - 1, 0))) }
    }

    /// Appends arguments text to the current call.
    mutating func arguments<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if bytes.isEmpty { return }
        toArguments()
        buffer.append(contentsOf: bytes)
        work &+= bytes.count
    }

    /// Appends `bytes` as arguments text and empties it (by swapping buffers when nothing is pending).
    mutating func arguments(moving bytes: inout [UInt8]) {
        if bytes.isEmpty { return }
        toArguments()
        work &+= bytes.count
        if buffer.isEmpty {
            swap(&buffer, &bytes)
        } else {
            buffer.append(contentsOf: bytes)
            clearKeepingCapacity(&bytes)
        }
    }

    mutating func arguments(_ text: StaticString) {
        arguments(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends a transcoder's output of the current feed (its runs are spans of `input`) as arguments
    /// text, and empties it.
    mutating func arguments(from transcoder: inout JSONTranscoder) {
        if !transcoder.hasOutput { return }
        toArguments()
        var k = 0
        for r in transcoder.runs {
            if r.at > k {
                buffer.append(contentsOf: transcoder.out[k..<r.at])
                work &+= r.at - k
            }
            span(r.start, r.end)
            k = r.at
        }
        if k < transcoder.out.count {
            buffer.append(contentsOf: transcoder.out[k...])
            work &+= transcoder.out.count - k
        }
        transcoder.discardOutput()
    }

    /// Spans shorter than this are copied as bytes (a slice costs more than validating a few bytes).
    static let shortSpan = 48

    /// Appends input bytes `a..<b` to the pending output as a slice of the input String.
    private mutating func span(_ a: Int, _ b: Int) {
        work &+= b - a
        if b - a < Self.shortSpan, let base = inputBytes.baseAddress {
            buffer.append(contentsOf: UnsafeBufferPointer(start: base + a, count: b - a))
            return
        }
        let u = input.utf8
        let lower = u.index(u.startIndex, offsetBy: a)
        let upper = u.index(u.startIndex, offsetBy: b)
        if b - a < Self.shortSpan {
            buffer.append(contentsOf: u[lower..<upper])
            return
        }
        if !buffer.isEmpty {
            let cut = completeUTF8Prefix(buffer)
            if cut < buffer.count {
                // An incomplete sequence is pending: keep everything as bytes.
                buffer.append(contentsOf: u[lower..<upper])
                return
            }
            moveBufferToText(buffer.count)
        }
        let slice = input[lower..<upper]
        if text.isEmpty { text = String(slice) } else { text.append(contentsOf: slice) }
    }

    private mutating func moveBufferToText(_ cut: Int) {
        let piece = buffer.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[0..<cut]), as: UTF8.self) }
        work &+= cut
        if text.isEmpty { text = piece } else { text += piece }
        if cut == buffer.count { clearKeepingCapacity(&buffer) } else { buffer.removeFirst(cut); work &+= buffer.count }
    }

    /// Converts pending output into an event. With `all == false`, an incomplete UTF-8 tail stays buffered.
    private mutating func flush(all: Bool) {
        if !buffer.isEmpty {
            let cut = all ? buffer.count : completeUTF8Prefix(buffer)
            if cut > 0 { moveBufferToText(cut) }
        }
        if text.isEmpty { return }
        let out = text
        text = ""
        switch channel {
        case .none, .content: append(.content(out))
        case .reasoning: append(.reasoning(out))
        case .arguments(let index): append(.toolCall(index: index, id: nil, name: nil, arguments: out))
        }
    }

    private mutating func append(_ event: ToolParserEvent) {
        // Merge with the previous event of the same kind (keeps event lists short).
        if let last = events.last {
            work &+= mergedLength(last, event)
            switch (last, event) {
            case let (.content(a), .content(b)): events[events.count - 1] = .content(a + b); return
            case let (.reasoning(a), .reasoning(b)): events[events.count - 1] = .reasoning(a + b); return
            case let (.toolCall(i, id, name, a), .toolCall(j, nil, nil, b)) where i == j:
                events[events.count - 1] = .toolCall(index: i, id: id, name: name, arguments: a.isEmpty ? b : a + b); return
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
        case let (.toolCall(i, _, _, x), .toolCall(j, nil, nil, y)) where i == j: return x.isEmpty ? 0 : x.utf8.count + y.utf8.count
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
