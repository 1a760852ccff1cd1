import ChatTemplates
import Foundation
import Schema
import ToolParsers

/// A tool the model may call, in the OpenAI tools shape, with how the shell answers it.
struct ToolEntry: Sendable {
    var name: String
    /// `{"type":"function","function":{"name":…,"description":…,"parameters":…}}`
    var definition: JSONValue
    var binding: ToolBinding?
}

/// How `/tool-choice` steers the model.
enum ToolChoiceMode: Sendable, Equatable {
    case auto, required, none
    case named(String)

    var text: String {
        switch self {
        case .auto: return "auto"
        case .required: return "required"
        case .none: return "none"
        case .named(let n): return n
        }
    }

    /// The OpenAI `tool_choice` request value.
    var json: JSONValue {
        switch self {
        case .named(let n): return ["type": "function", "function": ["name": .string(n)]]
        default: return .string(text)
        }
    }
}

/// The active output constraint (/schema, /regex, /choice, /grammar).
enum OutputConstraint: Sendable, Equatable {
    case schema(JSONValue)
    case regex(String)
    case choice([String])
    /// GBNF grammar text and the file it came from.
    case grammar(String, path: String)

    var summary: String {
        switch self {
        case .schema(let s): return "schema \(s.jsonString(.compact))"
        case .regex(let r): return "regex \(r)"
        case .choice(let c): return "choice \(c.joined(separator: "|"))"
        case .grammar(_, let path): return "grammar \(path)"
        }
    }
}

/// A finished tool call of the last reply.
struct RecordedToolCall: Sendable, Equatable {
    var id: String
    var name: String
    /// The arguments as the model wrote them (JSON text).
    var arguments: String
}

/// What the last user turn (or /parse) produced, for /expect.
struct TurnRecord: Sendable, Equatable {
    /// Content of the final reply.
    var content: String
    var reasoning: String
    /// Every tool call since the user message, in order.
    var toolCalls: [RecordedToolCall]
}

/// Everything one shell session knows: model, settings, conversation, tools, parser and
/// constraint. Commands (see `CommandTable`) and turns change it; events go to `sink`.
@MainActor
final class ShellSession {
    var sink: EventSink
    /// Whether a person is at a terminal (approval prompts, `--ask` tools).
    let interactive: Bool
    /// Directory relative file arguments are resolved against (the script's, or the cwd).
    var baseDirectory: String
    /// Asks the person a question and returns the answer (nil: no terminal or Ctrl-D).
    var ask: ((String) -> String?)?

    var settings = Settings()
    var systemPrompt: String?
    /// The conversation without the system prompt, as OpenAI chat messages.
    var messages: [JSONValue] = []
    var tools: [ToolEntry] = []
    var toolChoice: ToolChoiceMode = .auto
    /// Parser name as chosen: "auto" follows the model's template.
    var parserSetting = "auto"
    /// The built-in parsers plus formats loaded with `/parser load`.
    var parserRegistry = ToolParserRegistry.builtIn
    var constraint: OutputConstraint?
    /// Where Ctrl-C comes from (the process's SIGINT flag unless a test gives a private one).
    var interrupts = InterruptSource.processSignal
    var lastTurn: TurnRecord?
    var lastStats: TurnStats?
    /// The prompt text of the most recent request.
    var lastPrompt: String?
    /// The template source set by /template-free users through the model, or nil.
    var model: (any ShellModel)?
    /// Loads models by name or path; swapped in tests.
    var modelLoader: ModelLoader
    /// Extra plugin directories (--plugin-path).
    var pluginPaths: [String] = []
    /// `toolshell run --remote URL`: `/load NAME` asks this server for NAME (see RemoteCommands).
    var remoteRedirect: RemoteLoadOptions?

    private(set) var errorCount = 0
    private(set) var expectFailures = 0
    private(set) var quitRequested = false
    private var turnCounter = 0
    /// The parser `auto` inferred for a template (so inference runs once per model).
    var inferredParser: (template: String, name: String?)?
    /// The model's chat template, parsed once.
    var parsedTemplate: ChatTemplate?
    var callCounter = 0

    init(sink: EventSink, interactive: Bool, baseDirectory: String = FileManager.default.currentDirectoryPath,
         modelLoader: ModelLoader) {
        self.sink = sink
        self.interactive = interactive
        self.baseDirectory = baseDirectory
        self.modelLoader = modelLoader
    }

    /// The process exit status for `toolshell run`: 2 after any error, else 1 after a failed /expect, else 0.
    var exitStatus: Int32 {
        if errorCount > 0 { return 2 }
        if expectFailures > 0 { return 1 }
        return 0
    }

    func emit(_ event: ShellEvent) {
        if case .error = event { errorCount += 1 }
        if case .expect(let passed, _, _, _) = event, !passed { expectFailures += 1 }
        sink.emit(event)
    }

    func info(_ command: String, _ text: String) {
        emit(.info(command: command, text: text))
    }

    func requestQuit() { quitRequested = true }

    func nextTurnNumber() -> Int {
        turnCounter += 1
        return turnCounter
    }

    /// Runs one logical line: a /command, or a user message. Errors become `error` events.
    func execute(_ line: LogicalLine) {
        let text = line.text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return }
        do {
            if text.hasPrefix("/") {
                try runCommand(text, at: line.location)
            } else {
                try sendUserMessage(line.text, at: line.location)
            }
        } catch {
            var located = error
            if located.location == nil { located.location = line.location }
            emit(.error(located))
        }
    }

    private func runCommand(_ text: String, at location: SourceLocation) throws(ShellError) {
        let (word, rest) = ArgumentLexer.headAndRest(text)
        guard let spec = CommandTable.find(word) else {
            let close = CommandTable.suggestions(for: word)
            throw ShellError(.usage, "unknown command '\(word)'",
                             fix: close.isEmpty ? "type /help for the list of commands"
                                 : "did you mean \(close.joined(separator: " or "))? (/help lists every command)",
                             location: location)
        }
        try spec.run(self, CommandInput(command: word, rest: rest, location: location))
    }

    // MARK: Files and arguments

    /// An absolute path for a file argument (relative to `baseDirectory`; `~` is the home directory).
    func resolvePath(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return (baseDirectory as NSString).appendingPathComponent(expanded)
    }

    /// The contents of a file argument, or an input error naming the path.
    func readFile(_ path: String) throws(ShellError) -> String {
        let full = resolvePath(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else {
            throw ShellError(.input, "no such file: \(full)", fix: "check the path (relative paths start at \(baseDirectory))")
        }
        guard !isDirectory.boolValue else { throw ShellError(.input, "\(full) is a directory, not a file") }
        guard let data = FileManager.default.contents(atPath: full) else {
            throw ShellError(.input, "cannot read \(full)", fix: "check its permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ShellError(.input, "\(full) is not UTF-8 text")
        }
        return text
    }

    /// Parses JSON text, reporting line:column inside `what`.
    func parseJSON(_ text: String, what: String) throws(ShellError) -> JSONValue {
        do {
            return try JSONValue.parse(text)
        } catch {
            throw ShellError(.input, "bad JSON in \(what) at \(error.line):\(error.column): \(error.message)",
                             fix: error.hint)
        }
    }

    /// A JSON argument given inline (starts with `{` or `[`) or as a file.
    func jsonArgument(_ text: String, what: String) throws(ShellError) -> JSONValue {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ShellError(.usage, "\(what): expected a file or JSON") }
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            return try parseJSON(trimmed, what: what)
        }
        let path = (try? ArgumentLexer.split(trimmed).first) ?? trimmed
        return try parseJSON(try readFile(path), what: resolvePath(path))
    }

    // MARK: Conversation

    /// The messages a request sends: the system prompt, then the conversation.
    var requestMessages: [JSONValue] {
        var all: [JSONValue] = []
        if let systemPrompt { all.append(["role": "system", "content": .string(systemPrompt)]) }
        return all + messages
    }

    /// The tools array of a request (empty when /tool-choice none).
    var requestTools: [JSONValue] { tools.map(\.definition) }

    /// Index of the last user message, if any.
    var lastUserIndex: Int? {
        messages.lastIndex { $0["role"]?.stringValue == "user" }
    }

    /// The conversation as OpenAI chat JSON (`/save`).
    var chatDocument: JSONValue {
        var o = JSONObject()
        o["messages"] = .array(requestMessages)
        if !tools.isEmpty { o["tools"] = .array(requestTools) }
        return .object(o)
    }
}
