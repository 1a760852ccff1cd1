import Schema

/// Timing and token counts of one model reply.
struct TurnStats: Sendable, Equatable {
    /// Tokens in the rendered prompt (nil when the engine cannot count them).
    var promptTokens: Int?
    var generatedTokens: Int
    /// Seconds from the start of the request to the first piece of output.
    var timeToFirstToken: Double?
    /// Seconds from the start of the request to the end of the reply.
    var totalSeconds: Double
    /// Why generation ended ("stop", "length", "cancelled", …).
    var finishReason: String

    /// Generated tokens per second after the first token.
    var tokensPerSecond: Double? {
        guard let ttft = timeToFirstToken, generatedTokens > 1, totalSeconds > ttft else { return nil }
        return Double(generatedTokens - 1) / (totalSeconds - ttft)
    }
}

/// Everything the shell reports, in the order it happens. Rendered for people by
/// `HumanRenderer`, as one JSON object per line by `JSONLinesRenderer`, and kept in transcripts.
enum ShellEvent: Sendable {
    case turnStart(turn: Int, message: String)
    case content(String)
    case reasoning(String)
    /// A fragment of a tool call as it streams: name once, then argument fragments.
    case toolCallDelta(index: Int, id: String?, name: String?, arguments: String)
    case toolCall(index: Int, id: String, name: String, arguments: String)
    case toolResult(id: String, name: String, result: String, isError: Bool)
    case stats(TurnStats)
    case expect(passed: Bool, assertion: String, detail: String, location: SourceLocation?)
    case error(ShellError)
    /// Output of a command such as /show or /help.
    case info(command: String, text: String)
    /// The raw text the model produced in one reply (for transcripts and replay).
    case modelOutput(pieces: [String], finishReason: String)

    /// The `type` field of the JSON form.
    var typeName: String {
        switch self {
        case .turnStart: return "turn_start"
        case .content: return "content"
        case .reasoning: return "reasoning"
        case .toolCallDelta: return "tool_call_delta"
        case .toolCall: return "tool_call"
        case .toolResult: return "tool_result"
        case .stats: return "stats"
        case .expect: return "expect"
        case .error: return "error"
        case .info: return "info"
        case .modelOutput: return "model_output"
        }
    }

    /// The event as one JSON object with a `type` field.
    var json: JSONValue {
        var o = JSONObject()
        o["type"] = .string(typeName)
        switch self {
        case let .turnStart(turn, message):
            o["turn"] = .integer(Int64(turn))
            o["message"] = .string(message)
        case let .content(text), let .reasoning(text):
            o["text"] = .string(text)
        case let .toolCallDelta(index, id, name, arguments):
            o["index"] = .integer(Int64(index))
            if let id { o["id"] = .string(id) }
            if let name { o["name"] = .string(name) }
            o["arguments"] = .string(arguments)
        case let .toolCall(index, id, name, arguments):
            o["index"] = .integer(Int64(index))
            o["id"] = .string(id)
            o["name"] = .string(name)
            o["arguments"] = .string(arguments)
        case let .toolResult(id, name, result, isError):
            o["id"] = .string(id)
            o["name"] = .string(name)
            o["result"] = .string(result)
            o["is_error"] = .bool(isError)
        case let .stats(s):
            o["prompt_tokens"] = s.promptTokens.map { .integer(Int64($0)) } ?? .null
            o["generated_tokens"] = .integer(Int64(s.generatedTokens))
            o["time_to_first_token_s"] = s.timeToFirstToken.map { .number($0, source: nil) } ?? .null
            o["total_s"] = .number(s.totalSeconds, source: nil)
            o["tokens_per_second"] = s.tokensPerSecond.map { .number($0, source: nil) } ?? .null
            o["finish_reason"] = .string(s.finishReason)
        case let .expect(passed, assertion, detail, location):
            o["passed"] = .bool(passed)
            o["assertion"] = .string(assertion)
            o["detail"] = .string(detail)
            if let location { o["location"] = .string(location.description) }
        case let .error(e):
            o["kind"] = .string(e.kind.rawValue)
            o["message"] = .string(e.message)
            if let fix = e.fix { o["fix"] = .string(fix) }
            if let location = e.location { o["location"] = .string(location.description) }
        case let .info(command, text):
            o["command"] = .string(command)
            o["text"] = .string(text)
        case let .modelOutput(pieces, finishReason):
            o["pieces"] = .array(pieces.map { .string($0) })
            o["finish_reason"] = .string(finishReason)
        }
        return .object(o)
    }
}
