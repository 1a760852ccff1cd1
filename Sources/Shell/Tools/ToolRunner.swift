import Foundation
import Schema

/// How the shell answers a call to a tool.
enum ToolBinding: Sendable, Equatable {
    /// Run an executable (argv, no shell); the call's arguments JSON goes to its stdin and its
    /// stdout is the result. `confirm` asks first in the interactive shell.
    case exec(argv: [String], workingDirectory: String, timeout: Double?, outputLimit: Int?, confirm: Bool)
    /// Answer every call with this fixed text.
    case mock(String)
    /// Ask the person at the terminal for the result.
    case ask

    var summary: String {
        switch self {
        case let .exec(argv, _, timeout, limit, confirm):
            var s = "exec \(argv.map(Self.quoted).joined(separator: " "))"
            if let timeout { s += " (timeout \(timeout) s)" }
            if let limit { s += " (output limit \(limit) bytes)" }
            if !confirm { s += " (no confirmation)" }
            return s
        case .mock(let text): return "mock \(text)"
        case .ask: return "ask"
        }
    }

    private static func quoted(_ word: String) -> String {
        word.contains(where: { " \t'\"\\".contains($0) }) ? "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" : word
    }
}

/// What a tool call produced: the text that goes back to the model as the `tool` message.
struct ToolOutcome: Sendable, Equatable {
    var result: String
    var isError: Bool
}

/// Runs bound tools for the turn loop.
@MainActor
struct ToolRunner {
    let session: ShellSession

    /// Answers one call; nil when the tool has no binding (the turn stops there) or the
    /// person declined to answer.
    func answer(name: String, arguments: String, binding: ToolBinding?) -> ToolOutcome? {
        guard let binding else { return nil }
        switch binding {
        case .mock(let text):
            return ToolOutcome(result: text, isError: false)
        case .ask:
            guard session.interactive, let ask = session.ask else {
                return ToolOutcome(result: "error: tool \(name) is bound with --ask but no one is at a terminal", isError: true)
            }
            guard let answer = ask("result for \(name)(\(arguments))> ") else { return nil }
            return ToolOutcome(result: answer, isError: false)
        case let .exec(argv, directory, timeout, limit, confirm):
            if confirm, session.interactive, session.settings.bool("confirm_tools"), let ask = session.ask {
                let reply = ask("run \(argv.joined(separator: " ")) with \(arguments)? [y/N] ")?.lowercased() ?? ""
                guard reply == "y" || reply == "yes" else {
                    return ToolOutcome(result: "error: the user declined to run \(name)", isError: true)
                }
            }
            return runExecutable(name: name, argv: argv, directory: directory, arguments: arguments,
                                 timeout: timeout ?? session.settings.double("tool_timeout") ?? 10,
                                 outputLimit: limit ?? session.settings.int("tool_output_limit") ?? 1_048_576)
        }
    }

    /// Runs the executable; every failure becomes an error result (and an error event) so the
    /// model and the person both see what happened.
    func runExecutable(name: String, argv: [String], directory: String, arguments: String,
                       timeout: Double, outputLimit: Int) -> ToolOutcome {
        let result: ProcessResult
        do {
            result = try ProcessRunner.run(argv: argv, stdin: Array(arguments.utf8), timeout: timeout,
                                           outputLimit: outputLimit, workingDirectory: directory,
                                           isCancelled: { [interrupts = session.interrupts] in interrupts.isRequested })
        } catch {
            return failure(name, error.message, fix: "check the --exec command of /tools bind \(name)")
        }
        let stdout = String(decoding: result.stdout, as: UTF8.self)
        let stderr = String(decoding: result.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        switch result.ending {
        case .exited(0):
            return ToolOutcome(result: stdout.hasSuffix("\n") ? String(stdout.dropLast()) : stdout, isError: false)
        case .exited(let code):
            return failure(name, "tool \(name) exited with status \(code)\(stderr.isEmpty ? "" : ": \(stderr)")",
                           fix: "run \(argv.joined(separator: " ")) by hand with the arguments on stdin")
        case .signalled(let signal):
            return failure(name, "tool \(name) was killed by signal \(signal)", fix: nil)
        case .timedOut:
            return failure(name, "tool \(name) did not finish within \(timeout) s and was stopped",
                           fix: "raise the limit with /set tool_timeout SECONDS or /tools bind \(name) --timeout SECONDS --exec …")
        case .outputLimitExceeded:
            return failure(name, "tool \(name) printed more than \(outputLimit) bytes and was stopped",
                           fix: "make the tool print less, or raise /set tool_output_limit BYTES")
        case .cancelled:
            return failure(name, "tool \(name) was interrupted (Ctrl-C)", fix: nil, kind: .cancelled)
        }
    }

    private func failure(_ name: String, _ message: String, fix: String?, kind: ShellError.Kind = .tool) -> ToolOutcome {
        session.emit(.error(ShellError(kind, message, fix: fix)))
        return ToolOutcome(result: "error: \(message)", isError: true)
    }
}
