// The OpenAI-compatible wire format as vLLM, llama.cpp's server and llama-cpp-python speak
// it: GET /v1/models, POST /v1/chat/completions and /v1/completions with `stream: true`
// (server-sent events), tools and tool_choice, and output constraints in each server's
// dialect (response_format, vLLM's structured_outputs, llama.cpp's grammar / json_schema).
import Foundation
import Schema

/// An error with the fix, as the shell shows it.
struct RemoteError: Error, CustomStringConvertible {
    let message: String
    let fix: String?

    init(_ message: String, fix: String? = nil) {
        self.message = message
        self.fix = fix
    }

    var description: String { fix.map { "\(message) (fix: \($0))" } ?? message }
}

/// Which server family is on the other end; decides how constraints and sampling
/// parameters are spelled. Read from `owned_by` in /v1/models unless configured.
enum ServerDialect: String, CaseIterable {
    case vllm
    /// llama.cpp's own server (`llama-server`).
    case llamacpp
    /// llama-cpp-python's `python -m llama_cpp.server`.
    case llamaCppPython = "llama-cpp-python"
    /// Anything else: only what the OpenAI API documents.
    case openai

    static func guess(ownedBy: String?) -> ServerDialect {
        switch ownedBy {
        case "vllm": return .vllm
        case "llamacpp": return .llamacpp
        case "me": return .llamaCppPython  // llama-cpp-python's /v1/models says owned_by "me"
        default: return .openai
        }
    }
}

/// How tool calls are recognised.
enum ToolCallMode: String {
    /// The server parses tool calls (its `tool_calls` deltas become the shell's events).
    case serverTools = "server-tools"
    /// The server returns raw text (completions endpoint, our prompt) and the shell's parser runs.
    case raw
}

/// Everything `/load remote` configures.
struct RemoteConfig {
    var address: ServerAddress
    var model: String?
    var apiKeyEnv: String?
    var mode: ToolCallMode = .serverTools
    var dialect: ServerDialect?
    /// Seconds without a byte from the server before a request fails.
    var timeout: Double = 120
    var connectTimeout: Double = 10
    /// Extra attempts after a connection error (refused, reset before an answer).
    var retries = 3

    init(url: String, json: JSONValue?) throws(RemoteError) {
        address = try ServerAddress(url)
        guard let json else { return }
        model = json["model"]?.stringValue
        apiKeyEnv = json["api_key_env"]?.stringValue
        if let m = json["mode"]?.stringValue {
            guard let mode = ToolCallMode(rawValue: m) else {
                throw RemoteError("unknown mode '\(m)'", fix: "--mode server-tools or --mode raw")
            }
            self.mode = mode
        }
        if let d = json["dialect"]?.stringValue, d != "auto" {
            guard let dialect = ServerDialect(rawValue: d) else {
                throw RemoteError("unknown server dialect '\(d)'", fix: "one of: auto, \(ServerDialect.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.dialect = dialect
        }
        if let t = json["timeout"]?.doubleValue { timeout = t }
        if let t = json["connect_timeout"]?.doubleValue { connectTimeout = t }
        if let r = json["retries"]?.int64Value { retries = Int(max(0, min(r, 10))) }
    }
}

/// HTTP requests to one server, with the API key, timeouts and retries applied.
final class OpenAIClient {
    let config: RemoteConfig

    init(config: RemoteConfig) { self.config = config }

    private var apiKey: String? {
        guard let variable = config.apiKeyEnv else { return nil }
        return ProcessInfo.processInfo.environment[variable]
    }

    /// Checks the API key variable is set (when one is named).
    func checkAPIKey() throws(RemoteError) {
        guard let variable = config.apiKeyEnv else { return }
        guard let key = ProcessInfo.processInfo.environment[variable], !key.isEmpty else {
            throw RemoteError("the environment variable \(variable) (named by --api-key-env) is not set or empty",
                              fix: "export \(variable)=YOUR_KEY before starting toolshell")
        }
    }

    /// Sends a request; retries connection errors with backoff (0.5 s, 1 s, 2 s, …). A status
    /// of 400 or more becomes an error carrying the server's message.
    func send(_ method: String, _ path: String, body: JSONValue?, stream: Bool,
              cancel: UnsafePointer<Int32>?) throws(RemoteError) -> HTTPResponse {
        var headers: [(String, String)] = [("Accept", stream ? "text/event-stream" : "application/json")]
        if let key = apiKey { headers.append(("Authorization", "Bearer \(key)")) }
        var bytes: [UInt8]?
        if let body {
            headers.append(("Content-Type", "application/json"))
            bytes = Array(body.jsonString(.compact).utf8)
        }
        let url = "\(config.address)\(path)"
        var attempt = 0
        while true {
            do {
                let connection = try HTTPConnection.open(config.address, connectTimeout: config.connectTimeout,
                                                         idleTimeout: config.timeout, cancel: cancel)
                let response = try connection.send(method: method, path: config.address.prefix + path,
                                                   host: "\(config.address.host):\(config.address.port)",
                                                   headers: headers, body: bytes)
                if response.status >= 400 {
                    let text = (try? response.readAll(limit: 1 << 20)).map { String(decoding: $0, as: UTF8.self) } ?? ""
                    response.close()
                    throw Self.statusError(response.status, body: text, url: url)
                }
                return response
            } catch let failure as HTTPFailure {
                switch failure {
                case .cancelled:
                    throw RemoteError("cancelled")
                case .connect, .broken:
                    if attempt < config.retries {
                        let delay = 0.5 * pow(2, Double(attempt))
                        attempt += 1
                        if sleepChecking(delay, cancel: cancel) { throw RemoteError("cancelled") }
                        continue
                    }
                    throw RemoteError("\(method) \(url) failed after \(attempt + 1) attempt\(attempt == 0 ? "" : "s"): \(failure)",
                                      fix: "check that the server is running and the URL and port are right")
                case .timeout:
                    throw RemoteError("\(method) \(url): \(failure)",
                                      fix: "the server may be overloaded; raise the limit with /load remote … --timeout SECONDS")
                case .protocolError:
                    throw RemoteError("\(method) \(url): \(failure)", fix: "check that the URL points at an OpenAI-compatible server")
                }
            } catch let error as RemoteError {
                throw error
            } catch {
                throw RemoteError("\(method) \(url): \(error)")
            }
        }
    }

    /// Sleeps in 50 ms steps; true when cancelled meanwhile.
    private func sleepChecking(_ seconds: Double, cancel: UnsafePointer<Int32>?) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let cancel, cancel.pointee != 0 { return true }
            usleep(50_000)
        }
        return false
    }

    /// An HTTP error status as a message naming what the server said.
    static func statusError(_ status: Int, body: String, url: String) -> RemoteError {
        var detail = body.trimmingCharacters(in: .whitespacesAndNewlines)
        if let json = try? JSONValue.parse(detail) {
            if let m = json["error"]?["message"]?.stringValue { detail = m }
            else if let m = json["error"]?.stringValue { detail = m }
            else if let m = json["message"]?.stringValue { detail = m }
            else if let d = json["detail"] { detail = d.stringValue ?? d.jsonString(.compact) }
        }
        if detail.count > 600 { detail = String(detail.prefix(600)) + "…" }
        let fix: String
        switch status {
        case 401, 403: fix = "check the API key (--api-key-env VAR names the environment variable that holds it)"
        case 404: fix = "check the URL (the server's base URL, without /v1/...) and the model name (/models lists them)"
        case 400, 422: fix = "the server rejected the request; see its message (a setting or constraint it does not support?)"
        default: fix = "the server failed; see its message and its log"
        }
        return RemoteError("\(url) answered HTTP \(status): \(detail.isEmpty ? "(empty body)" : detail)", fix: fix)
    }

    /// The models the server serves: (id, owned_by).
    func listModels(cancel: UnsafePointer<Int32>? = nil) throws(RemoteError) -> [(id: String, ownedBy: String?)] {
        let response = try send("GET", "/v1/models", body: nil, stream: false, cancel: cancel)
        defer { response.close() }
        let bytes: [UInt8]
        do { bytes = try response.readAll() } catch { throw RemoteError("reading /v1/models failed: \(error)") }
        guard let json = try? JSONValue.parse(bytes: bytes), let list = json["data"]?.arrayValue else {
            throw RemoteError("\(config.address)/v1/models did not answer with a model list ({\"data\": [...]})",
                              fix: "check that the URL points at an OpenAI-compatible server")
        }
        return list.compactMap { item in
            item["id"]?.stringValue.map { ($0, item["owned_by"]?.stringValue) }
        }
    }
}

/// Builds a request body from the shell's generation request.
struct RequestBuilder {
    let model: String
    let mode: ToolCallMode
    let dialect: ServerDialect

    /// Path, body, whether it is the chat endpoint, and notes for the shell.
    func build(_ request: JSONValue) throws(RemoteError) -> (path: String, body: JSONObject, chat: Bool) {
        let constraint = request["constraint"]
        let prompt = request["prompt"]?.stringValue
        var useChat = mode == .serverTools || prompt == nil
        if !useChat, let constraint, !completionsCanCarry(constraint) {
            // e.g. a JSON Schema on llama-cpp-python, whose /v1/completions takes only a grammar.
            useChat = true
        }
        var body = JSONObject()
        body["model"] = .string(model)
        if useChat {
            body["messages"] = request["messages"] ?? .array([])
            let tools = request["tools"]?.arrayValue ?? []
            if mode == .serverTools && !tools.isEmpty {
                body["tools"] = .array(tools)
                if let choice = request["tool_choice"] {
                    // "required" with one tool means "call that tool": sent as the named form,
                    // which every server supports (llama-cpp-python rejects "required").
                    if choice.stringValue == "required", tools.count == 1,
                       let name = tools[0]["function"]?["name"]?.stringValue {
                        body["tool_choice"] = ["type": "function", "function": ["name": .string(name)]]
                    } else {
                        body["tool_choice"] = choice
                    }
                }
            }
        } else {
            body["prompt"] = .string(prompt ?? "")
        }
        body["stream"] = true
        if dialect != .llamaCppPython { body["stream_options"] = ["include_usage": true] }
        let params = request["params"]?.objectValue ?? JSONObject()
        for key in ["temperature", "top_p", "max_tokens", "seed"] {
            if let v = params[key], !v.isNull { body[key] = v }
        }
        if let stop = params["stop"]?.arrayValue, !stop.isEmpty { body["stop"] = .array(stop) }
        switch dialect {
        case .vllm:
            for key in ["top_k", "min_p"] { if let v = params[key], !v.isNull { body[key] = v } }
            if let v = params["repeat_penalty"], !v.isNull { body["repetition_penalty"] = v }
            if mode == .raw { body["skip_special_tokens"] = false }
        case .llamacpp, .llamaCppPython:
            for key in ["top_k", "min_p", "repeat_penalty"] { if let v = params[key], !v.isNull { body[key] = v } }
        case .openai:
            break
        }
        if let constraint { try apply(constraint, to: &body, chat: useChat) }
        return (useChat ? "/v1/chat/completions" : "/v1/completions", body, useChat)
    }

    private func completionsCanCarry(_ constraint: JSONValue) -> Bool {
        switch (dialect, constraint["type"]?.stringValue) {
        case (.vllm, _), (.llamacpp, _): return true
        case (.llamaCppPython, "schema"): return false
        case (.llamaCppPython, _): return true
        case (.openai, _): return false
        }
    }

    /// Puts the constraint where this server looks for it.
    private func apply(_ constraint: JSONValue, to body: inout JSONObject, chat: Bool) throws(RemoteError) {
        let type = constraint["type"]?.stringValue ?? ""
        func unsupported() -> RemoteError {
            RemoteError("the \(dialect.rawValue) server dialect has no way to send a \(type) constraint",
                        fix: "use /schema (response_format), or a vLLM or llama.cpp server (/load remote … --dialect NAME if it was guessed wrong)")
        }
        func grammar(_ text: String) { body["grammar"] = .string(text) }
        switch type {
        case "schema":
            let schema = constraint["schema"] ?? .bool(true)
            let plainObject = schema == .bool(true) || schema == .object(JSONObject())
            switch dialect {
            case .vllm:
                body["structured_outputs"] = ["json": schema]
            case .llamacpp:
                if chat {
                    body["response_format"] = plainObject ? ["type": "json_object"]
                        : ["type": "json_schema", "json_schema": ["name": "output", "schema": schema, "strict": true]]
                } else {
                    body["json_schema"] = schema
                }
            case .llamaCppPython:
                body["response_format"] = plainObject ? ["type": "json_object"] : ["type": "json_object", "schema": schema]
            case .openai:
                body["response_format"] = plainObject ? ["type": "json_object"]
                    : ["type": "json_schema", "json_schema": ["name": "output", "schema": schema, "strict": true]]
            }
        case "regex":
            let pattern = constraint["pattern"]?.stringValue ?? ""
            switch dialect {
            case .vllm: body["structured_outputs"] = ["regex": .string(pattern)]
            case .llamacpp, .llamaCppPython:
                do { grammar(try GBNFTranslation.regex(pattern)) } catch {
                    throw RemoteError("the regex cannot be sent as a llama.cpp grammar: \(error.message)",
                                      fix: "simplify the pattern, or write the grammar and use /grammar FILE")
                }
            case .openai: throw unsupported()
            }
        case "choice":
            let options = constraint["choices"]?.arrayValue?.compactMap(\.stringValue) ?? []
            switch dialect {
            case .vllm: body["structured_outputs"] = ["choice": .array(options.map { .string($0) })]
            case .llamacpp, .llamaCppPython: grammar(GBNFTranslation.choice(options))
            case .openai: throw unsupported()
            }
        case "grammar":
            let text = constraint["grammar"]?.stringValue ?? ""
            switch dialect {
            case .vllm: body["structured_outputs"] = ["grammar": .string(text)]
            case .llamacpp, .llamaCppPython: grammar(text)
            case .openai: throw unsupported()
            }
        case "structural_tag":
            // A tool call the reply must start with (raw mode, tool_choice required or named).
            guard let tag = constraint["structural_tag"] else { return }
            switch dialect {
            case .vllm: body["structured_outputs"] = ["structural_tag": .string(tag.jsonString(.compact))]
            case .llamacpp, .llamaCppPython:
                if let text = GBNFTranslation.structuralTag(tag) { grammar(text) }
            case .openai: break  // no way to force it; the parser reads whatever comes
            }
        default:
            throw RemoteError("unknown constraint type '\(type)'")
        }
    }
}

/// One streamed reply: SSE chunks decoded into the shell's events.
final class ReplyStream {
    private let response: HTTPResponse
    private let chat: Bool
    /// Server-tools mode: content is final; raw mode: text still goes through the shell's parser.
    private let parsedByServer: Bool
    private var decoder = ServerSentEventDecoder()
    private var queue: [JSONValue] = []
    private var queueStart = 0
    private var sawDone = false
    private var ended = false
    private(set) var finishReason: String?
    private var namedCalls = Set<Int>()
    private var eventCount = 0
    private let isEventStream: Bool
    private let url: String

    init(response: HTTPResponse, chat: Bool, parsedByServer: Bool, url: String) {
        self.response = response
        self.chat = chat
        self.parsedByServer = parsedByServer
        self.url = url
        isEventStream = response.header("content-type")?.lowercased().contains("text/event-stream") ?? true
    }

    func close() { response.close() }

    /// The next event as JSON (`text`, `content`, `reasoning`, `tool_call`, `usage`), or nil at the end.
    func next() throws(RemoteError) -> JSONValue? {
        while true {
            if queueStart < queue.count {
                defer { queueStart += 1 }
                return queue[queueStart]
            }
            queue.removeAll(keepingCapacity: true)
            queueStart = 0
            // An error met after good events in the same read: those events go out first.
            if let error = pendingError { pendingError = nil; ended = true; throw error }
            if ended { return nil }
            if !isEventStream {
                // The server ignored `stream: true` and answered with one JSON object.
                let bytes: [UInt8]
                do { bytes = try response.readAll() } catch { throw failure(error) }
                guard let json = try? JSONValue.parse(bytes: bytes) else {
                    throw RemoteError("\(url) answered with neither an event stream nor JSON",
                                      fix: "check that the URL points at an OpenAI-compatible server")
                }
                try take(json, whole: true)
                ended = true
                sawDone = true
                continue
            }
            let bytes: [UInt8]?
            do { bytes = try response.read() } catch { throw failure(error) }
            guard let bytes else {
                ended = true
                // An event without its closing blank line is discarded (WHATWG event-stream rules).
                do {
                    for event in decoder.finish() { try handle(event) }
                } catch {
                    pendingError = error
                    continue
                }
                let unfinished: Bool? = decoder.droppedOpenEvent ? true : nil
                if !sawDone && finishReason == nil {
                    pendingError = RemoteError("the stream from \(url) ended before the reply finished (no finish_reason, no [DONE]\(unfinished == nil ? "" : ", an unterminated event dropped")); the server may have crashed or been stopped",
                                      fix: "the partial reply is kept; check the server, then /retry")
                }
                continue
            }
            do {
                for event in decoder.feed(bytes) { try handle(event) }
            } catch {
                pendingError = error
            }
        }
    }

    private var pendingError: RemoteError?

    private func failure(_ error: HTTPFailure) -> RemoteError {
        switch error {
        case .cancelled: return RemoteError("cancelled")
        case .timeout:
            return RemoteError("the stream from \(url) stalled: \(error)",
                               fix: "the partial reply is kept; raise the limit with /load remote … --timeout SECONDS, or check the server")
        default:
            return RemoteError("the stream from \(url) was cut: \(error)",
                               fix: "the partial reply is kept; check the server, then /retry")
        }
    }

    private func handle(_ event: ServerSentEvent) throws(RemoteError) {
        eventCount += 1
        let data = event.data.trimmingCharacters(in: .whitespaces)
        if data == "[DONE]" { sawDone = true; ended = true; return }
        if sawDone { return }
        let json: JSONValue
        do {
            json = try JSONValue.parse(data)
        } catch {
            throw RemoteError("malformed server-sent event #\(eventCount) (near line \(decoder.lineNumber)) from \(url): \(error.message) in '\(data.prefix(120))'",
                              fix: "the server sent something that is not an OpenAI stream chunk; the partial reply is kept")
        }
        if event.type == "error" || json["error"] != nil {
            let e = json["error"] ?? json
            let message = e["message"]?.stringValue ?? e.stringValue ?? e.jsonString(.compact)
            throw RemoteError("the server reported an error mid-stream: \(message)", fix: "the partial reply is kept; see the server's log")
        }
        try take(json, whole: false)
    }

    /// Turns one chunk (or a whole non-streamed reply) into events.
    private func take(_ json: JSONValue, whole: Bool) throws(RemoteError) {
        if let usage = json["usage"], usage.objectValue != nil {
            queue.append(["type": "usage", "prompt_tokens": usage["prompt_tokens"] ?? .null,
                          "completion_tokens": usage["completion_tokens"] ?? .null])
        }
        guard let choices = json["choices"]?.arrayValue else {
            if json["usage"] != nil { return }
            throw RemoteError("a stream chunk from \(url) has no choices: \(json.jsonString(.compact).prefix(160))",
                              fix: "the server does not speak the OpenAI streaming format")
        }
        guard let choice = choices.first else { return }
        if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
        if !chat {
            if let text = choice["text"]?.stringValue, !text.isEmpty { queue.append(["type": "text", "text": .string(text)]) }
            return
        }
        guard let delta = whole ? choice["message"] : choice["delta"] else { return }
        for key in ["reasoning_content", "reasoning"] {
            if let text = delta[key]?.stringValue, !text.isEmpty {
                queue.append(["type": .string(parsedByServer ? "reasoning" : "text"), "text": .string(text)])
                break
            }
        }
        if let text = delta["content"]?.stringValue, !text.isEmpty {
            queue.append(["type": .string(parsedByServer ? "content" : "text"), "text": .string(text)])
        }
        for (position, call) in (delta["tool_calls"]?.arrayValue ?? []).enumerated() {
            let index = Int(call["index"]?.int64Value ?? Int64(position))
            var event: JSONObject = ["type": "tool_call", "index": .integer(Int64(index))]
            let first = namedCalls.insert(index).inserted
            if first {
                if let id = call["id"]?.stringValue { event["id"] = .string(id) }
                if let name = call["function"]?["name"]?.stringValue { event["name"] = .string(name) }
            }
            var arguments = call["function"]?["arguments"]
            if let a = arguments, a.objectValue != nil { arguments = .string(a.jsonString(.compact)) }
            event["arguments"] = .string(arguments?.stringValue ?? "")
            if !first && (arguments?.stringValue ?? "").isEmpty { continue }
            queue.append(.object(event))
        }
    }
}
