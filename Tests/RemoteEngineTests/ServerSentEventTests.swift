import Testing
@testable import RemoteEnginePlugin

/// The event-stream decoder against the examples of the WHATWG HTML standard, section 9.2.6
/// ("Interpreting an event stream") and 9.2.5 (the stream grammar: CRLF, CR or LF line ends).
@Suite struct ServerSentEventTests {
    /// Events dispatched by the stream; one left open at the end is discarded, as the standard says.
    func decode(_ text: String, split: Int? = nil) -> [ServerSentEvent] {
        var decoder = ServerSentEventDecoder()
        let bytes = Array(text.utf8)
        var events: [ServerSentEvent] = []
        if let split {
            var i = 0
            while i < bytes.count {
                events += decoder.feed(Array(bytes[i..<min(i + split, bytes.count)]))
                i += split
            }
        } else {
            events = decoder.feed(bytes)
        }
        events += decoder.finish()
        return events
    }

    @Test func multiLineDataJoinsWithNewlines() {
        // "data: YHOO / data: +2 / data: 10" is one message "YHOO\n+2\n10".
        #expect(decode("data: YHOO\ndata: +2\ndata: 10\n\n") == [ServerSentEvent(type: "message", data: "YHOO\n+2\n10")])
    }

    @Test func commentsAndFieldsWithoutSpace() {
        // From the standard: a comment, then "data: first event"; "data:second event" (no space);
        // "data:  third event" keeps one of its two spaces.
        let stream = ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n"
        #expect(decode(stream).map(\.data) == ["first event", "second event", " third event"])
    }

    @Test func emptyDataAndEventTypes() {
        // "data" alone is an empty line of data; two of them join to "\n"; the last block has no
        // closing blank line and is discarded. event: sets the type.
        #expect(decode("data\n\ndata\ndata\n\ndata:\n").map(\.data) == ["", "\n"])
        #expect(decode("event: error\ndata: {}\n\n") == [ServerSentEvent(type: "error", data: "{}")])
    }

    @Test func lineEndingsAndByteBoundaries() {
        let expected = [ServerSentEvent(type: "message", data: "a"), ServerSentEvent(type: "message", data: "b")]
        #expect(decode("data: a\r\n\r\ndata: b\r\n\r\n") == expected)
        #expect(decode("data: a\r\rdata: b\r\r") == expected)
        // Fed one byte at a time (a CR at a chunk end waits for a possible LF).
        #expect(decode("data: a\r\n\r\ndata: b\r\n\r\n", split: 1) == expected)
        #expect(decode("data: é€𝄞\n\n", split: 1) == [ServerSentEvent(type: "message", data: "é€𝄞")])
    }
}
