import Foundation
import Schema

/// One recorded model reply: the text pieces in the order they were produced.
struct RecordedReply: Sendable, Equatable {
    var pieces: [String]
    var finishReason: String
    /// Pause before each piece, in milliseconds (lets a person or a test interrupt a reply).
    var delayMilliseconds: Int
}

/// Why a recording could not be read.
struct ReplayRecordingError: Error, CustomStringConvertible {
    var path: String
    /// 1-based line for JSONL recordings; 0 when it concerns the whole file.
    var line: Int
    var message: String

    var description: String { line > 0 ? "\(path):\(line): \(message)" : "\(path): \(message)" }
}

/// A recording of model output, as the replay engine plays it.
///
/// Accepted files:
/// - JSONL, one object per line: `{"pieces": [...], "finish_reason": "stop"}` or
///   `{"text": "...", "finish_reason": "stop"}` is one reply (text is cut into token-like
///   pieces); `{"type": "model_output", ...}` lines of a toolshell transcript are replies
///   and its other events are skipped; `{"type": "replay_config", "delay_ms": N,
///   "chat_template": "...", "bos_token": "...", "eos_token": "..."}` sets the pause before
///   each piece for the replies after it, and the chat template the shell renders prompts with.
/// - JSON: an array of reply objects, `{"replies": [...]}` (with optional `delay_ms` and
///   `chat_template`), or OpenAI chat JSON `{"messages": [...]}` whose assistant contents
///   are the replies.
struct ReplayRecording: Sendable {
    var replies: [RecordedReply]
    var chatTemplate: String?
    /// Template variables the recording names (`bos_token`, `eos_token`).
    var templateVariables: [String: String] = [:]

    static func load(path: String) throws(ReplayRecordingError) -> ReplayRecording {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReplayRecordingError(path: path, line: 0, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReplayRecordingError(path: path, line: 0, message: "not UTF-8 text")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let whole = try? JSONValue.parse(trimmed), !(path.hasSuffix(".jsonl") && whole.objectValue != nil) {
            return try fromDocument(whole, path: path)
        }
        return try fromLines(text, path: path)
    }

    private static func fromLines(_ text: String, path: String) throws(ReplayRecordingError) -> ReplayRecording {
        var recording = ReplayRecording(replies: [], chatTemplate: nil)
        var delay = 0
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let value: JSONValue
            do {
                value = try JSONValue.parse(line)
            } catch {
                throw ReplayRecordingError(path: path, line: offset + 1,
                                           message: "bad JSON at column \(error.column): \(error.message)")
            }
            guard let object = value.objectValue else {
                throw ReplayRecordingError(path: path, line: offset + 1, message: "expected a JSON object per line")
            }
            switch object["type"]?.stringValue {
            case "replay_config":
                if let d = object["delay_ms"]?.int64Value { delay = Int(max(0, d)) }
                if let t = object["chat_template"]?.stringValue { recording.chatTemplate = t }
                for key in ["bos_token", "eos_token"] {
                    if let v = object[key]?.stringValue { recording.templateVariables[key] = v }
                }
            case nil, "model_output":
                recording.replies.append(try reply(from: object, defaultDelay: delay, path: path, line: offset + 1))
            default:
                continue  // other transcript events
            }
        }
        guard !recording.replies.isEmpty else {
            throw ReplayRecordingError(path: path, line: 0, message: "no replies recorded (expected lines with \"pieces\" or \"text\")")
        }
        return recording
    }

    private static func fromDocument(_ value: JSONValue, path: String) throws(ReplayRecordingError) -> ReplayRecording {
        var recording = ReplayRecording(replies: [], chatTemplate: nil)
        var delay = 0
        let list: [JSONValue]
        if let array = value.arrayValue {
            list = array
        } else if let object = value.objectValue, let replies = object["replies"]?.arrayValue {
            delay = Int(max(0, object["delay_ms"]?.int64Value ?? 0))
            recording.chatTemplate = object["chat_template"]?.stringValue
            list = replies
        } else if let messages = value["messages"]?.arrayValue {
            list = messages.compactMap { message -> JSONValue? in
                guard message["role"]?.stringValue == "assistant", let content = message["content"]?.stringValue else { return nil }
                return ["text": .string(content)]
            }
        } else {
            throw ReplayRecordingError(path: path, line: 0,
                                       message: "expected an array of replies, {\"replies\": [...]}, or {\"messages\": [...]}")
        }
        for (i, item) in list.enumerated() {
            guard let object = item.objectValue else {
                throw ReplayRecordingError(path: path, line: 0, message: "reply \(i) is not an object")
            }
            recording.replies.append(try reply(from: object, defaultDelay: delay, path: path, line: 0))
        }
        guard !recording.replies.isEmpty else {
            throw ReplayRecordingError(path: path, line: 0, message: "no replies recorded")
        }
        return recording
    }

    private static func reply(from object: JSONObject, defaultDelay: Int, path: String, line: Int)
        throws(ReplayRecordingError) -> RecordedReply
    {
        let finish = object["finish_reason"]?.stringValue ?? "stop"
        let delay = object["delay_ms"]?.int64Value.map { Int(max(0, $0)) } ?? defaultDelay
        if let pieces = object["pieces"]?.arrayValue {
            var strings: [String] = []
            for piece in pieces {
                guard let s = piece.stringValue else {
                    throw ReplayRecordingError(path: path, line: line, message: "\"pieces\" must hold only strings")
                }
                strings.append(s)
            }
            return RecordedReply(pieces: strings, finishReason: finish, delayMilliseconds: delay)
        }
        if let text = object["text"]?.stringValue {
            return RecordedReply(pieces: tokenLikePieces(text), finishReason: finish, delayMilliseconds: delay)
        }
        throw ReplayRecordingError(path: path, line: line, message: "a reply needs \"pieces\" (array of strings) or \"text\"")
    }

    /// Cuts text the way BPE tokenizers roughly do: a word with its leading space, a run of
    /// digits, or a single other character.
    static func tokenLikePieces(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var currentIsWord = false
        func flush() {
            if !current.isEmpty { pieces.append(current); current = "" }
        }
        for ch in text {
            let isWord = ch.isLetter || ch.isNumber || ch == "_"
            if isWord {
                if currentIsWord || current == " " {
                    current.append(ch)
                } else {
                    flush(); current.append(ch)
                }
                currentIsWord = true
            } else {
                flush()
                current.append(ch)
                currentIsWord = false
                if ch != " " { flush() }
            }
        }
        flush()
        return pieces
    }
}
