import Foundation
import Schema

/// Splits a reply into content, reasoning and tool-call events as it streams.
@MainActor
protocol ReplyParser: AnyObject {
    /// Events completed by this piece of model output (content, reasoning, tool_call_delta).
    func feed(_ delta: String) -> [ShellEvent]
    /// Events still held at the end of the reply.
    func finish() -> [ShellEvent]
}

/// The parser used when none is active: everything is content.
final class PlainTextParser: ReplyParser {
    func feed(_ delta: String) -> [ShellEvent] { delta.isEmpty ? [] : [.content(delta)] }
    func finish() -> [ShellEvent] { [] }
}

/// Folds streamed events into the reply's content, reasoning and calls.
struct ReplyAccumulator {
    var content = ""
    var reasoning = ""
    var calls: [RecordedToolCall] = []
    /// Parser call index → position in `calls`.
    private var positions: [Int: Int] = [:]

    /// Applies an event; returns it with the call id replaced by `idFor(index)` on first sight.
    mutating func apply(_ event: ShellEvent, newID: () -> String) -> ShellEvent {
        switch event {
        case .content(let text):
            content += text
        case .reasoning(let text):
            reasoning += text
        case let .toolCallDelta(index, _, name, arguments):
            if let position = positions[index] {
                calls[position].arguments += arguments
                if let name, calls[position].name.isEmpty { calls[position].name = name }
                return .toolCallDelta(index: index, id: nil, name: name, arguments: arguments)
            }
            let id = newID()
            positions[index] = calls.count
            calls.append(RecordedToolCall(id: id, name: name ?? "", arguments: arguments))
            return .toolCallDelta(index: index, id: id, name: name, arguments: arguments)
        default:
            break
        }
        return event
    }

    /// The OpenAI assistant message for this reply.
    var message: JSONValue {
        var o = JSONObject()
        o["role"] = "assistant"
        o["content"] = .string(content)
        if !calls.isEmpty {
            o["tool_calls"] = .array(calls.map { call in
                ["id": .string(call.id), "type": "function",
                 "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
            })
        }
        return .object(o)
    }
}

extension ShellSession {
    /// A line that is not a command: append it as a user message and run a turn.
    func sendUserMessage(_ text: String, at location: SourceLocation) throws(ShellError) {
        guard model != nil else {
            throw ShellError(.usage, "no model loaded, so the message was not sent",
                             fix: "/load MODEL first (/models lists them)", location: location)
        }
        messages.append(["role": "user", "content": .string(text)])
        try runTurn(userText: text, at: location)
    }

    /// Generates replies, runs bound tools and feeds their results back until the model
    /// answers without a call, a call has no binding, Ctrl-C, or `chain_limit` replies.
    func runTurn(userText: String?, at location: SourceLocation?) throws(ShellError) {
        guard let model else { throw ShellError(.usage, "no model loaded", fix: "/load MODEL first") }
        interrupts.clear()
        var record = TurnRecord(content: "", reasoning: "", toolCalls: [])
        lastTurn = record
        let chainLimit = settings.int("chain_limit") ?? 8
        for step in 0..<chainLimit {
            let prompt: String?
            do {
                prompt = try renderPrompt(addGenerationPrompt: true)
            } catch {
                // Nothing lost: a message the template rejects is taken back out.
                if step == 0, userText != nil, let last = lastUserIndex, last == messages.count - 1 {
                    messages.removeLast()
                }
                throw error
            }
            lastPrompt = prompt
            // required / NAME force the first reply of a turn to call; after tool results the
            // model may answer (else a required call could never end the chain).
            let choice: ToolChoiceMode = step == 0 || toolChoice == .none ? toolChoice : .auto
            var request = GenerationRequest(
                prompt: prompt, messages: requestMessages, tools: toolChoice == .none ? [] : requestTools,
                toolChoice: choice, settings: settings, constraint: constraint,
                forceToolCall: !tools.isEmpty && (choice == .required || { if case .named = choice { return true }; return false }()))
            if request.forceToolCall { request.structuralTag = forcedCallStructuralTag(choice: choice) }
            emit(.turnStart(turn: nextTurnNumber(), message: step == 0 ? (userText ?? "(retry)") : "(tool results)"))

            let parser = try makeReplyParser()
            var reply = ReplyAccumulator()
            var pieces: [String] = []
            let started = Date()
            var firstPiece: Date?
            var failure: ShellError?
            var outcome: GenerationOutcome
            do {
                if let streaming = model as? any EventStreamingModel {
                    // Engines that parse tool calls themselves (a remote server) hand over events;
                    // raw text still goes through the active parser.
                    outcome = try streaming.generateEvents(request, isCancelled: { self.interrupts.isRequested }) { item in
                        if firstPiece == nil { firstPiece = Date() }
                        switch item {
                        case .text(let piece):
                            pieces.append(piece)
                            for event in parser.feed(piece) { emit(reply.apply(event, newID: newCallID)) }
                        case .event(let event):
                            if case .content(let text) = event { pieces.append(text) }
                            emit(reply.apply(event, newID: newCallID))
                        }
                    }
                } else {
                    outcome = try model.generate(request, isCancelled: { self.interrupts.isRequested }) { piece in
                        if firstPiece == nil { firstPiece = Date() }
                        pieces.append(piece)
                        for event in parser.feed(piece) { emit(reply.apply(event, newID: newCallID)) }
                    }
                }
            } catch {
                // Nothing arrived: the conversation is as before the reply (the user message stays, /retry works).
                guard firstPiece != nil else { throw error }
                // A reply cut by a failure (server gone, stream cut, malformed stream, a constraint the
                // server ignored): what arrived is kept and recorded as partial (finish reason "error").
                failure = error
                outcome = GenerationOutcome(promptTokens: nil, generatedTokens: pieces.count, finishReason: "error")
            }
            for event in parser.finish() { emit(reply.apply(event, newID: newCallID)) }
            let finished = Date()
            let cancelled = outcome.finishReason == "cancelled"
            emit(.modelOutput(pieces: pieces, finishReason: outcome.finishReason))
            // A call cut off mid-stream is not run.
            if cancelled || failure != nil { reply.calls.removeAll() }
            for (index, call) in reply.calls.enumerated() {
                emit(.toolCall(index: index, id: call.id, name: call.name, arguments: call.arguments))
            }
            let stats = TurnStats(promptTokens: outcome.promptTokens, generatedTokens: outcome.generatedTokens,
                                  timeToFirstToken: firstPiece.map { $0.timeIntervalSince(started) },
                                  totalSeconds: finished.timeIntervalSince(started), finishReason: outcome.finishReason)
            lastStats = stats
            emit(.stats(stats))
            messages.append(reply.message)
            record.content = reply.content
            record.reasoning += reply.reasoning
            record.toolCalls += reply.calls
            lastTurn = record
            if var failure {
                if failure.location == nil { failure.location = location }
                emit(.error(failure))
                return
            }
            if cancelled {
                emit(.error(ShellError(.cancelled, "generation stopped (Ctrl-C); the partial reply is kept",
                                       fix: "/retry generates it again, /undo drops the exchange")))
                return
            }
            guard !reply.calls.isEmpty else { return }
            let runner = ToolRunner(session: self)
            for call in reply.calls {
                let binding = tools.first { $0.name == call.name }?.binding
                if !tools.contains(where: { $0.name == call.name }) {
                    let result = "error: there is no tool named \(call.name)"
                    emit(.error(ShellError(.tool, "the model called \(call.name), which is not a declared tool",
                                           fix: "/tools list shows the declared tools")))
                    emit(.toolResult(id: call.id, name: call.name, result: result, isError: true))
                    messages.append(["role": "tool", "tool_call_id": .string(call.id), "name": .string(call.name),
                                     "content": .string(result)])
                    continue
                }
                guard let outcome = runner.answer(name: call.name, arguments: call.arguments, binding: binding) else {
                    info("turn", "\(call.name) has no binding (or no answer was given); the turn stops at this call. Bind it with /tools bind \(call.name) --exec CMD | --mock JSON | --ask")
                    return
                }
                emit(.toolResult(id: call.id, name: call.name, result: outcome.result, isError: outcome.isError))
                messages.append(["role": "tool", "tool_call_id": .string(call.id), "name": .string(call.name),
                                 "content": .string(outcome.result)])
                if interrupts.isRequested { return }
            }
        }
        emit(.error(ShellError(.usage, "stopped after \(chainLimit) replies in a row that called tools",
                               fix: "raise /set chain_limit, or answer the model yourself")))
    }

    private func newCallID() -> String {
        callCounter += 1
        return "call_\(callCounter)"
    }

    /// Streams captured model output through the active parser as if it were a reply (/parse).
    func parseCaptured(_ text: String) throws(ShellError) {
        let parser = try makeReplyParser()
        var reply = ReplyAccumulator()
        emit(.turnStart(turn: nextTurnNumber(), message: "(parse)"))
        for piece in tokenLikePieces(text) {
            for event in parser.feed(piece) { emit(reply.apply(event, newID: newCallID)) }
        }
        for event in parser.finish() { emit(reply.apply(event, newID: newCallID)) }
        for (index, call) in reply.calls.enumerated() {
            emit(.toolCall(index: index, id: call.id, name: call.name, arguments: call.arguments))
        }
        lastTurn = TurnRecord(content: reply.content, reasoning: reply.reasoning, toolCalls: reply.calls)
        info("/parse", "")
    }
}

/// Cuts text into token-sized pieces (a word with its leading space, or one other character),
/// so /parse exercises a parser's streaming paths the way a model's output would.
func tokenLikePieces(_ text: String) -> [String] {
    var pieces: [String] = []
    var current = ""
    var currentIsWord = false
    for ch in text {
        let isWord = ch.isLetter || ch.isNumber || ch == "_"
        if isWord && (currentIsWord || current == " ") {
            current.append(ch)
        } else {
            if !current.isEmpty && !(current == " " && isWord) { pieces.append(current); current = "" }
            current.append(ch)
            if !isWord && ch != " " { pieces.append(current); current = "" }
        }
        currentIsWord = isWord
    }
    if !current.isEmpty { pieces.append(current) }
    return pieces
}
