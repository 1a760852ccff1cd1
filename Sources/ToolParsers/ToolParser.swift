import Schema

/// One streamed event, shaped like an OpenAI chat-completion chunk delta.
public enum ToolParserEvent: Sendable, Equatable {
    /// Visible answer text.
    case content(String)
    /// Reasoning ("thinking") text.
    case reasoning(String)
    /// A tool-call delta. The first delta of an index carries `id` and the full `name`
    /// (and empty `arguments`); later deltas carry only `arguments` fragments, whose
    /// concatenation is the call's final arguments JSON.
    case toolCall(index: Int, id: String?, name: String?, arguments: String)
}

/// A finished tool call.
public struct ParsedToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The arguments as JSON text (an object).
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// The whole of one model output, split into content, reasoning and tool calls.
public struct ParsedOutput: Sendable, Equatable {
    public var content: String
    public var reasoning: String
    public var toolCalls: [ParsedToolCall]

    public init(content: String = "", reasoning: String = "", toolCalls: [ParsedToolCall] = []) {
        self.content = content
        self.reasoning = reasoning
        self.toolCalls = toolCalls
    }

    /// Folds streamed events into the final output.
    public init(events: [ToolParserEvent]) {
        self.init()
        apply(events)
    }

    /// Adds streamed events to this output.
    public mutating func apply(_ events: [ToolParserEvent]) {
        for event in events {
            switch event {
            case .content(let text): content += text
            case .reasoning(let text): reasoning += text
            case let .toolCall(index, id, name, arguments):
                if index == toolCalls.count {
                    toolCalls.append(ParsedToolCall(id: id ?? "", name: name ?? "", arguments: arguments))
                } else if index < toolCalls.count {
                    toolCalls[index].arguments += arguments
                }
            }
        }
    }

    /// The OpenAI message shape: {"content","reasoning","tool_calls":[{"id","type","function":{"name","arguments"}}]}.
    public var json: JSONValue {
        var calls: [JSONValue] = []
        for call in toolCalls {
            calls.append(.object(JSONObject([
                ("id", .string(call.id)),
                ("type", "function"),
                ("function", .object(JSONObject([("name", .string(call.name)), ("arguments", .string(call.arguments))]))),
            ])))
        }
        return .object(JSONObject([
            ("content", .string(content)), ("reasoning", .string(reasoning)), ("tool_calls", .array(calls)),
        ]))
    }
}

/// A tool-call parser for one model output stream.
///
/// Feed text deltas as they are detokenized, then call `finish()` once. The events depend only on
/// the text, never on how it was split into deltas (apart from how the text is grouped into events).
public protocol ToolParser: AnyObject {
    /// Consumes the next piece of model output; returns the events it completes.
    func feed(_ delta: String) -> [ToolParserEvent]
    /// Ends the stream: flushes held text and closes a call cut off mid-way.
    func finish() -> [ToolParserEvent]
    /// Parses a whole output at once (on a fresh parser): the result streaming it would give.
    func parse(_ text: String) -> ParsedOutput
}

extension ToolParser {
    /// Parses a whole output at once (on a fresh parser); the same result as streaming it.
    public func parse(_ text: String) -> ParsedOutput {
        var output = ParsedOutput(events: feed(text))
        output.apply(finish())
        return output
    }
}

/// What `tool_choice` asks of the model; structural tags depend on it.
public enum ToolChoice: Sendable, Equatable {
    /// The model may answer in text or call tools (calls are constrained once triggered).
    case auto
    /// The model must call at least one tool, starting at its first token.
    case required
    /// The model must call this tool, starting at its first token.
    case named(String)
    /// No tool calls.
    case none
}

/// Per-stream settings shared by every parser.
public struct ToolParserOptions: Sendable {
    /// Call ids are `idPrefix` + the call's index unless the format carries its own ids.
    public var idPrefix: String
    /// Whether the output starts inside reasoning because the prompt opened it (R1 style);
    /// nil takes the format's default.
    public var startsInReasoning: Bool?
    /// Turns reasoning separation off (reasoning markers are then plain content).
    public var separateReasoning: Bool

    public init(idPrefix: String = "call_", startsInReasoning: Bool? = nil, separateReasoning: Bool = true) {
        self.idPrefix = idPrefix
        self.startsInReasoning = startsInReasoning
        self.separateReasoning = separateReasoning
    }
}
