import Foundation

/// Renders events for a person: content streams as plain text, reasoning dimmed, tool calls
/// as `⚙ name(arguments)` while their arguments stream in, stats as one dim line.
final class HumanRenderer: EventSink {
    private let streams: TextStreams
    private let color: Bool
    /// Whether the cursor sits after streamed text (so the next block starts on a new line).
    private var midLine = false
    private var inReasoning = false
    private var openToolCall: Int?
    /// Calls of the current reply whose deltas were already shown.
    private var streamedCalls: Set<Int> = []

    init(streams: TextStreams = .standard, color: Bool) {
        self.streams = streams
        self.color = color
    }

    /// Colour when stdout is a terminal and NO_COLOR is unset (https://no-color.org).
    static func wantsColor() -> Bool {
        isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    private func style(_ code: String, _ text: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    private func write(_ text: String) {
        guard !text.isEmpty else { return }
        streams.out(text)
        midLine = !text.hasSuffix("\n")
    }

    private func newlineIfNeeded() {
        if midLine { write("\n") }
    }

    private func closeToolCall() {
        if openToolCall != nil {
            write(style("36", ")") + "\n")
            openToolCall = nil
        }
    }

    func emit(_ event: ShellEvent) {
        switch event {
        case .turnStart:
            inReasoning = false
            openToolCall = nil
            streamedCalls = []
        case .content(let text):
            closeToolCall()
            if inReasoning { newlineIfNeeded(); inReasoning = false }
            write(text)
        case .reasoning(let text):
            closeToolCall()
            if !inReasoning { newlineIfNeeded(); inReasoning = true; write(style("2", "thinking: ")) }
            write(style("2", text))
        case let .toolCallDelta(index, _, name, arguments):
            if openToolCall != index {
                closeToolCall()
                newlineIfNeeded()
                write(style("36", "⚙ \(name ?? "?")("))
                openToolCall = index
                streamedCalls.insert(index)
            }
            write(style("36", arguments))
        case let .toolCall(index, _, name, arguments):
            if streamedCalls.contains(index) {
                if openToolCall == index { closeToolCall() }
            } else {
                closeToolCall()
                newlineIfNeeded()
                write(style("36", "⚙ \(name)(\(arguments))") + "\n")
            }
        case let .toolResult(_, name, result, isError):
            newlineIfNeeded()
            let shown = result.count > 2000 ? String(result.prefix(2000)) + "… (\(result.utf8.count) bytes)" : result
            write(style(isError ? "31" : "32", "↳ \(name): ") + shown + "\n")
        case .stats(let s):
            closeToolCall()
            newlineIfNeeded()
            write(style("2", Self.statsLine(s)) + "\n")
        case let .expect(passed, assertion, detail, location):
            newlineIfNeeded()
            let mark = passed ? style("32", "✓ expect") : style("31", "✗ expect")
            let place = location.map { " (\($0))" } ?? ""
            write("\(mark) \(assertion)\(place)\(detail.isEmpty ? "" : ": \(detail)")\n")
        case .error(let error):
            closeToolCall()
            newlineIfNeeded()
            streams.err(style("31", error.humanText) + "\n")
        case .info(_, let text):
            newlineIfNeeded()
            write(text.hasSuffix("\n") || text.isEmpty ? text : text + "\n")
        case .modelOutput:
            break
        }
    }

    /// `12 prompt tokens · 34 generated · first token 0.12 s · 45.6 tok/s`
    static func statsLine(_ s: TurnStats) -> String {
        var parts: [String] = []
        parts.append(s.promptTokens.map { "\($0) prompt tokens" } ?? "prompt tokens n/a")
        parts.append("\(s.generatedTokens) generated")
        if let ttft = s.timeToFirstToken { parts.append(String(format: "first token %.2f s", ttft)) }
        if let tps = s.tokensPerSecond { parts.append(String(format: "%.1f tok/s", tps)) }
        if s.finishReason != "stop" { parts.append("finish: \(s.finishReason)") }
        return "[" + parts.joined(separator: " · ") + "]"
    }
}
