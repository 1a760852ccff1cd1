import Foundation
import Schema

/// Appends every event of a session to a JSONL file, one `write(2)` per event, so a
/// `kill -9` loses at most the event being written (the turn in progress stays as far as it got).
final class TranscriptWriter: EventSink {
    let path: String
    private let fd: Int32

    /// Opens (creating directories) `directory/<UTC time>-<pid>.jsonl` and writes a header line.
    init(directory: String = StatePaths.transcriptDirectory) throws(ShellError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ShellError(.input, "cannot create the transcript directory \(directory)",
                             fix: "set XDG_STATE_HOME to a writable directory, or pass --no-transcript")
        }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        path = "\(directory)/\(formatter.string(from: Date()))-\(getpid()).jsonl"
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ShellError(.input, "cannot open the transcript \(path): \(String(cString: strerror(errno)))",
                             fix: "set XDG_STATE_HOME to a writable directory, or pass --no-transcript")
        }
        write(["type": "session_start", "version": .string(toolshellVersion),
               "arguments": .array(CommandLine.arguments.dropFirst().map { .string($0) })])
    }

    deinit { close(fd) }

    /// Records a line of input (command or message) before it runs.
    func recordInput(_ line: LogicalLine) {
        write(["type": "input", "text": .string(line.text), "location": .string(line.location.description)])
    }

    func emit(_ event: ShellEvent) {
        switch event {
        case .content, .reasoning, .toolCallDelta:
            return  // the model_output event holds the same text, once
        default:
            write(event.json)
        }
    }

    private func write(_ value: JSONValue) {
        guard case .object(var object) = value else { return }
        object["time"] = .number(Date().timeIntervalSince1970, source: nil)
        let bytes = Array((JSONValue.object(object).jsonString(.compact) + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n <= 0 { if errno == EINTR { continue }; return }
            offset += n
        }
    }
}
