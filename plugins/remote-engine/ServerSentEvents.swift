// Server-sent events (the WHATWG HTML "event stream" format) as OpenAI-compatible servers
// stream them: `data:` lines, events separated by a blank line, `:` comments ignored.

/// One dispatched event: its `event:` type (default "message") and its joined `data:` lines.
struct ServerSentEvent: Equatable {
    var type: String
    var data: String
}

/// Turns body bytes into events; feed bytes as they arrive, then call `finish` at end of stream.
struct ServerSentEventDecoder {
    private var pending: [UInt8] = []
    private var dataLines: [String] = []
    private var eventType = ""
    private var sawField = false
    /// Line count, for error messages.
    private(set) var lineNumber = 0

    /// Events completed by these bytes.
    mutating func feed(_ bytes: [UInt8]) -> [ServerSentEvent] {
        pending += bytes
        var events: [ServerSentEvent] = []
        var start = 0
        var i = 0
        while i < pending.count {
            let b = pending[i]
            if b == 10 || b == 13 {
                // CR LF counts as one line end; a CR at the very end waits for a possible LF.
                if b == 13 && i + 1 == pending.count { break }
                let line = String(decoding: pending[start..<i], as: UTF8.self)
                if b == 13 && pending[i + 1] == 10 { i += 1 }
                i += 1
                start = i
                if let event = take(line) { events.append(event) }
                continue
            }
            i += 1
        }
        pending.removeFirst(start)
        return events
    }

    /// Whether `finish` found an event that was never closed by a blank line (and dropped it).
    private(set) var droppedOpenEvent = false

    /// End of stream: events a trailing CR completes. An event not closed by a blank line is
    /// discarded, as the standard says (`droppedOpenEvent` tells).
    mutating func finish() -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        if pending.last == 13 {
            let line = String(decoding: pending.dropLast(), as: UTF8.self)
            pending.removeAll()
            if let event = take(line) { events.append(event) }
        }
        droppedOpenEvent = !pending.isEmpty || sawField
        pending.removeAll()
        dataLines = []
        eventType = ""
        sawField = false
        return events
    }

    private mutating func take(_ line: String) -> ServerSentEvent? {
        lineNumber += 1
        if line.isEmpty { return dispatch() }
        if line.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = Substring(line)
            value = ""
        }
        switch field {
        case "data": dataLines.append(String(value)); sawField = true
        case "event": eventType = String(value); sawField = true
        default: break  // id, retry and unknown fields do not matter here (the spec ignores unknown ones)
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer { dataLines = []; eventType = ""; sawField = false }
        guard sawField, !dataLines.isEmpty else { return nil }
        return ServerSentEvent(type: eventType.isEmpty ? "message" : eventType, data: dataLines.joined(separator: "\n"))
    }
}
