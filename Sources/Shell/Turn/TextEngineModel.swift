import Engine
import Foundation
import PluginABI
import Schema

/// One item a model streams: raw text for the shell's tool parser, or an event the engine
/// already separated (a server that parses tool calls itself).
enum ModelStreamItem {
    case text(String)
    case event(ShellEvent)
}

/// A model that can stream engine-parsed events besides raw text (see `ModelStreamItem`).
@MainActor
protocol EventStreamingModel: ShellModel {
    func generateEvents(_ request: GenerationRequest, isCancelled: () -> Bool,
                        onItem: (ModelStreamItem) -> Void) throws(ShellError) -> GenerationOutcome
}

/// A model opened by a TEXT engine plugin (replay, remote servers): the plugin yields text
/// pieces (or, from ABI 1.1, events); the shell applies stop strings and counts pieces as
/// generated tokens. Constraints are passed to the engine, and for a remote server the reply
/// is checked against them afterwards (a server may ignore `response_format`).
@MainActor
final class TextEngineModel: EventStreamingModel {
    let path: String
    let engineName: String
    let chatTemplate: String?
    let details: [(String, String)]
    let templateVariables: JSONObject
    /// The server URL when the engine runs the model elsewhere (remote engine).
    let serverURL: String?
    /// The model name the server knows the model by.
    let serverModel: String?
    nonisolated(unsafe) private let vtable: UnsafePointer<ts_engine_vtable>
    nonisolated(unsafe) private let handle: OpaquePointer
    /// Raw mode: the active parser's structural tag for a request that must call a tool (sent to
    /// servers that take one, e.g. vLLM's structured_outputs.structural_tag).
    var structuralTag: ((GenerationRequest) -> JSONValue?)?
    private let hasEvents: Bool
    private let hasCancel: Bool
    private let hasModelList: Bool

    var displayName: String {
        if let serverModel, let serverURL { return "\(serverModel) @ \(serverURL)" }
        return (path as NSString).lastPathComponent
    }

    /// Opens `path` with a TEXT engine; `config` adds engine-specific keys to the config JSON
    /// and `template` supplies a chat template (and its variables) the engine does not have.
    init(plugin: LoadedPlugin, path: String, settings: Settings, config extra: JSONObject = JSONObject(),
         template: (source: String, variables: JSONObject)? = nil, progress: (Double) -> Void) throws(ShellError) {
        guard let vtable = plugin.engineVTable else {
            throw ShellError(.model, "plugin \(plugin.name) is not an engine")
        }
        self.vtable = vtable
        self.path = path
        engineName = plugin.name
        hasEvents = plugin.engineTableHas(\.next_event_json)
        hasCancel = plugin.engineTableHas(\.set_cancel_flag)
        hasModelList = plugin.engineTableHas(\.list_models_json)
        var config = JSONObject()
        config["ctx"] = .integer(Int64(settings.int("ctx") ?? 4096))
        config["threads"] = .integer(Int64(settings.int("threads") ?? 0))
        for (key, value) in extra { config[key] = value }
        var error: UnsafeMutablePointer<CChar>?
        let opened: OpaquePointer? = withoutActuallyEscaping(progress) { progress in
            var box = progress
            return withUnsafeMutablePointer(to: &box) { boxPointer in
                vtable.pointee.open_model?(path, JSONValue.object(config).jsonString(.compact), nil, { fraction, user in
                    user?.assumingMemoryBound(to: ((Double) -> Void).self).pointee(Double(fraction))
                }, UnsafeMutableRawPointer(boxPointer), &error)
            }
        }
        guard let opened else {
            let message = Self.takeString(error, vtable) ?? "unknown error"
            let (text, fix) = Self.splitFix(message)
            throw ShellError(.model, "the \(engineName) engine cannot open \(path): \(text)",
                             fix: fix ?? "check the file (see the message), or load another model")
        }
        handle = opened
        let info = Self.takeString(vtable.pointee.model_info_json?(opened), vtable).flatMap { try? JSONValue.parse($0) }
        chatTemplate = template?.source ?? info?["chat_template"]?.stringValue
        var variables = JSONObject()
        for key in ["bos_token", "eos_token"] {
            if let value = info?[key]?.stringValue { variables[key] = .string(value) }
        }
        for (key, value) in template?.variables ?? JSONObject() { variables[key] = value }
        templateVariables = variables
        serverURL = info?["url"]?.stringValue
        serverModel = serverURL == nil ? nil : info?["model"]?.stringValue
        var facts = (info?.objectValue?.pairs ?? []).filter { !["chat_template", "path", "bos_token", "eos_token", "n_vocab"].contains($0.key) }
            .map { ($0.key, $0.value.stringValue ?? $0.value.jsonString(.compact)) }
        if let serverURL {
            facts.insert(("runs on", "the server at \(serverURL) (\(info?["server"]?.stringValue ?? "OpenAI-compatible"))"), at: 0)
            if template != nil { facts.append(("chat template", "local (rendered by toolshell; raw text parsed by toolshell's parser)")) }
        }
        details = facts
    }

    deinit {
        vtable.pointee.close_model?(handle)
    }

    /// Splits an engine message "text (fix: what to do)" into its parts.
    static func splitFix(_ message: String) -> (String, String?) {
        guard message.hasSuffix(")"), let range = message.range(of: " (fix: ", options: .backwards) else { return (message, nil) }
        return (String(message[..<range.lowerBound]), String(message[range.upperBound...].dropLast()))
    }

    func tokenize(_ text: String) throws(ShellError) -> [(id: Int32, piece: String)] {
        throw ShellError(.usage, "the \(engineName) engine produces text and has no tokenizer",
                         fix: "/load a GGUF model to see tokens")
    }

    /// The models the engine can serve (a remote server's /v1/models); nil when the engine cannot list them.
    func servedModels() throws(ShellError) -> [String]? {
        guard hasModelList, let list = vtable.pointee.list_models_json else { return nil }
        var error: UnsafeMutablePointer<CChar>?
        guard let raw = list(handle, &error), let json = try? JSONValue.parse(takeString(raw) ?? "") else {
            let (text, fix) = Self.splitFix(takeString(error) ?? "unknown error")
            throw ShellError(.model, "cannot list the models of \(serverURL ?? path): \(text)", fix: fix)
        }
        return (json.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
    }

    func generate(_ request: GenerationRequest, isCancelled: () -> Bool,
                  onPiece: (String) -> Void) throws(ShellError) -> GenerationOutcome {
        try generateEvents(request, isCancelled: isCancelled) { item in
            switch item {
            case .text(let text), .event(.content(let text)): onPiece(text)
            default: break
            }
        }
    }

    func generateEvents(_ request: GenerationRequest, isCancelled: () -> Bool,
                        onItem: (ModelStreamItem) -> Void) throws(ShellError) -> GenerationOutcome {
        var error: UnsafeMutablePointer<CChar>?
        guard let sequence = vtable.pointee.create_sequence?(handle, UInt32(request.settings.int("ctx") ?? 4096), &error) else {
            throw ShellError(.model, "cannot start a sequence: \(takeString(error) ?? "unknown error")")
        }
        defer { vtable.pointee.free_sequence?(sequence) }
        let cancelCell = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        cancelCell.initialize(to: 0)
        let watcher = hasCancel ? CancelCellWatcher(cell: cancelCell) : nil
        if hasCancel { vtable.pointee.set_cancel_flag?(sequence, cancelCell) }
        defer {
            watcher?.stop()
            if hasCancel { vtable.pointee.set_cancel_flag?(sequence, nil) }
            cancelCell.deallocate()
        }
        var body = JSONObject()
        if let prompt = request.prompt { body["prompt"] = .string(prompt) }
        body["messages"] = .array(request.messages)
        body["tools"] = .array(request.tools)
        body["tool_choice"] = request.toolChoice.json
        var params = JSONObject()
        for spec in settingSpecs { params[spec.key] = request.settings[spec.key] }
        body["params"] = .object(params)
        // As on the local engine: a forced call's structural tag comes before the active
        // /schema, /regex, /choice or /grammar (which then applies to the answer after the tool results).
        var sentConstraint: OutputConstraint?
        if request.forceToolCall, let tag = structuralTag?(request) {
            body["constraint"] = ["type": "structural_tag", "structural_tag": tag]
        } else if let constraint = request.constraint {
            body["constraint"] = constraint.engineJSON
            sentConstraint = constraint
        }
        let status = vtable.pointee.generate_text?(sequence, JSONValue.object(body).jsonString(.compact), &error)
        if status == TS_ERR_CANCELLED || (status != TS_OK && isCancelled()) {
            _ = takeString(error)
            return GenerationOutcome(promptTokens: nil, generatedTokens: 0, finishReason: "cancelled")
        }
        guard status == TS_OK else {
            let (text, fix) = Self.splitFix(takeString(error) ?? "the \(engineName) engine failed to start generating")
            throw ShellError(.model, text, fix: fix)
        }
        var stops = StopStringFilter(stops: request.settings.strings("stop"))
        var generated = 0
        var promptTokens: Int?
        var completionTokens: Int?
        var text = ""
        func emitText(_ piece: String, parsed: Bool) -> Bool {
            let (emit, stopped) = stops.feed(piece)
            if !emit.isEmpty {
                text += emit
                onItem(parsed ? .event(.content(emit)) : .text(emit))
            }
            return stopped
        }
        var parsedText = false
        let finishReason: String
        while true {
            if isCancelled() {
                if let rest = stops.flush() { onItem(parsedText ? .event(.content(rest)) : .text(rest)) }
                return GenerationOutcome(promptTokens: promptTokens, generatedTokens: generated, finishReason: "cancelled")
            }
            var finish: UnsafeMutablePointer<CChar>?
            let raw = hasEvents ? vtable.pointee.next_event_json?(sequence, &finish, &error)
                                : vtable.pointee.next_text?(sequence, &finish, &error)
            guard let raw else {
                if let message = takeString(error) {
                    if let rest = stops.flush() { onItem(parsedText ? .event(.content(rest)) : .text(rest)) }
                    let (text, fix) = Self.splitFix(message)
                    throw ShellError(.model, "the \(engineName) engine failed: \(text)", fix: fix)
                }
                if let rest = stops.flush() {
                    text += rest
                    onItem(parsedText ? .event(.content(rest)) : .text(rest))
                }
                finishReason = takeString(finish) ?? "stop"
                break
            }
            let piece = takeString(raw) ?? ""
            guard hasEvents else {
                generated += 1
                if emitText(piece, parsed: false) { finishReason = "stop"; break }
                continue
            }
            guard let event = try? JSONValue.parse(piece), let type = event["type"]?.stringValue else {
                throw ShellError(.model, "the \(engineName) engine sent a malformed event: \(piece.prefix(120))")
            }
            switch type {
            case "text", "content":
                generated += 1
                parsedText = type == "content"
                if emitText(event["text"]?.stringValue ?? "", parsed: parsedText) {
                    return GenerationOutcome(promptTokens: promptTokens, generatedTokens: completionTokens ?? generated, finishReason: "stop")
                }
            case "reasoning":
                generated += 1
                onItem(.event(.reasoning(event["text"]?.stringValue ?? "")))
            case "tool_call":
                generated += 1
                onItem(.event(.toolCallDelta(index: Int(event["index"]?.int64Value ?? 0), id: event["id"]?.stringValue,
                                             name: event["name"]?.stringValue, arguments: event["arguments"]?.stringValue ?? "")))
            case "usage":
                promptTokens = event["prompt_tokens"]?.int64Value.map { Int($0) } ?? promptTokens
                completionTokens = event["completion_tokens"]?.int64Value.map { Int($0) } ?? completionTokens
            default:
                break  // event types from a newer engine: ignored
            }
        }
        if serverURL != nil, finishReason == "stop", let constraint = sentConstraint {
            try checkServerHonoured(constraint, text: text)
        }
        return GenerationOutcome(promptTokens: promptTokens, generatedTokens: completionTokens ?? generated, finishReason: finishReason)
    }

    /// A server that ignores `response_format` / `structured_outputs` answers free text; say so
    /// instead of letting the reply pass as constrained.
    private func checkServerHonoured(_ constraint: OutputConstraint, text: String) throws(ShellError) {
        let fix = "the reply is kept but the server ignored the constraint; use a server that supports it (vLLM, llama.cpp) or /load remote … --dialect NAME"
        switch constraint {
        case .schema(let schema):
            guard let value = try? JSONValue.parse(text) else {
                throw ShellError(.model, "the server's reply is not JSON although a schema was sent (response_format / structured_outputs): \(text.prefix(120))", fix: fix)
            }
            if let validator = try? SchemaValidator(schema: schema), !validator.isValid(value) {
                throw ShellError(.model, "the server's reply does not match the schema it was sent: \(text.prefix(120))", fix: fix)
            }
        case .regex(let pattern):
            if let regex = try? NSRegularExpression(pattern: pattern) {
                let range = NSRange(text.startIndex..., in: text)
                let match = regex.firstMatch(in: text, options: .anchored, range: range)
                if match?.range != range {
                    throw ShellError(.model, "the server's reply does not match the regex it was sent: \(text.prefix(120))", fix: fix)
                }
            }
        case .choice(let options):
            if !options.contains(text) {
                throw ShellError(.model, "the server's reply is not one of the choices it was sent: \(text.prefix(120))", fix: fix)
            }
        case .grammar:
            break  // no local GBNF matcher to check against
        }
    }

    private func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        Self.takeString(pointer, vtable)
    }

    /// Copies a plugin-allocated string and frees it with the plugin's allocator.
    private static func takeString(_ pointer: UnsafeMutablePointer<CChar>?, _ vtable: UnsafePointer<ts_engine_vtable>) -> String? {
        guard let pointer else { return nil }
        defer { vtable.pointee.free_string?(pointer) }
        return String(cString: pointer)
    }
}

extension OutputConstraint {
    /// The constraint as a TEXT engine receives it in the request's `constraint` member:
    /// {"type":"schema","schema":…} | {"type":"regex","pattern":…} | {"type":"choice","choices":[…]} |
    /// {"type":"grammar","grammar":"GBNF text"}.
    var engineJSON: JSONValue {
        switch self {
        case .schema(let schema): return ["type": "schema", "schema": schema]
        case .regex(let pattern): return ["type": "regex", "pattern": .string(pattern)]
        case .choice(let options): return ["type": "choice", "choices": .array(options.map { .string($0) })]
        case .grammar(let text, _): return ["type": "grammar", "grammar": .string(text)]
        }
    }
}

/// Raises an engine's cancel cell when Ctrl-C sets the shell's interrupt flag (polled every 20 ms
/// on a background thread, since the engine blocks the main thread while it waits).
final class CancelCellWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    nonisolated(unsafe) private let cell: UnsafeMutablePointer<Int32>

    init(cell: UnsafeMutablePointer<Int32>) {
        self.cell = cell
        Thread.detachNewThread { [self] in
            while true {
                // The store happens under the lock, so after stop() returns the cell is never touched.
                lock.lock()
                guard running else { lock.unlock(); return }
                if interruptRequested() { UnsafeMutableRawPointer(self.cell).storeBytes(of: 1, as: Int32.self) }
                lock.unlock()
                usleep(20_000)
            }
        }
    }

    /// Stops the thread; after it returns the cell is no longer touched.
    func stop() {
        lock.lock()
        running = false
        lock.unlock()
    }
}

/// Holds back text that could be the start of a stop string; cuts the output at a stop string.
struct StopStringFilter {
    let stops: [String]
    private var pending = ""

    init(stops: [String]) { self.stops = stops.filter { !$0.isEmpty } }

    /// Text safe to show now, and whether a stop string was reached.
    mutating func feed(_ piece: String) -> (String, Bool) {
        guard !stops.isEmpty else { return (piece, false) }
        pending += piece
        if let hit = stops.compactMap({ pending.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            let out = String(pending[..<hit.lowerBound])
            pending = ""
            return (out, true)
        }
        // Keep the longest suffix that is a prefix of some stop string.
        var keep = 0
        for stop in stops {
            for length in stride(from: min(stop.count - 1, pending.count), to: 0, by: -1)
            where pending.hasSuffix(stop.prefix(length)) {
                keep = max(keep, length)
                break
            }
        }
        let out = String(pending.dropLast(keep))
        pending = String(pending.suffix(keep))
        return (out, false)
    }

    /// Whatever is held back at the end of the reply.
    mutating func flush() -> String? {
        defer { pending = "" }
        return pending.isEmpty ? nil : pending
    }
}
