import Foundation
import Schema

/// Receives the shell's events; the session talks only to this.
protocol EventSink: AnyObject {
    func emit(_ event: ShellEvent)
}

/// Where renderers write: stdout-like and stderr-like text streams.
struct TextStreams {
    var out: (String) -> Void
    var err: (String) -> Void

    /// The process's stdout and stderr, written unbuffered.
    static var standard: TextStreams {
        TextStreams(
            out: { writeText($0, to: STDOUT_FILENO) },
            err: { writeText($0, to: STDERR_FILENO) })
    }
}

/// Writes all of `text` with write(2). A closed reader (EPIPE, e.g. `| head`) is not an error
/// worth dying for: the text is dropped and the session goes on.
func writeText(_ text: String, to fd: Int32) {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
        if n > 0 { offset += n; continue }
        if n < 0 && errno == EINTR { continue }
        return
    }
}

/// One JSON object per line on stdout (`--json`).
final class JSONLinesRenderer: EventSink {
    private let streams: TextStreams

    init(streams: TextStreams = .standard) { self.streams = streams }

    func emit(_ event: ShellEvent) {
        if case .modelOutput = event { return }  // raw pieces go to transcripts only
        streams.out(event.json.jsonString(.compact) + "\n")
    }
}

/// Sends every event to several sinks (a renderer and the transcript).
final class FanOutSink: EventSink {
    private var sinks: [EventSink]

    init(_ sinks: [EventSink]) { self.sinks = sinks }

    func add(_ sink: EventSink) { sinks.append(sink) }

    func emit(_ event: ShellEvent) {
        for sink in sinks { sink.emit(event) }
    }
}

/// Keeps events in memory (tests, and the last turn for /expect).
final class EventRecorder: EventSink {
    private(set) var events: [ShellEvent] = []

    func emit(_ event: ShellEvent) { events.append(event) }
    func removeAll() { events.removeAll() }
}
