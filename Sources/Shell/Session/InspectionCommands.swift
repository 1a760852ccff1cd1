import Foundation
import Schema

extension CommandTable {
    /// /parse, /tokenize, /stats, /help.
    static let inspectionCommands: [CommandSpec] = [
        CommandSpec(
            name: "/parse", usage: ["/parse TEXT|FILE"], summary: "run the active tool parser over captured model output",
            details: """
            No model is needed: the text (or the file's contents) is streamed through the parser as if
            the model had produced it, events are shown, and /expect checks the result like a reply.
            """,
            completion: .files,
            run: { session, input throws(ShellError) in
                let raw = input.rest
                guard !raw.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw ShellError(.usage, "/parse needs text or a file")
                }
                var text = raw
                if let words = try? ArgumentLexer.split(raw), words.count == 1,
                   FileManager.default.fileExists(atPath: session.resolvePath(words[0])) {
                    text = try session.readFile(words[0])
                }
                try session.parseCaptured(text)
            }),
        CommandSpec(
            name: "/tokenize", usage: ["/tokenize TEXT"], summary: "show the loaded model's tokens for the text",
            details: "", completion: .none,
            run: { session, input throws(ShellError) in
                guard let model = session.model else { throw ShellError(.usage, "no model loaded", fix: "/load MODEL first") }
                let tokens = try model.tokenize(input.rest)
                session.info("/tokenize", "\(tokens.count) tokens\n" + tokens.map { "\($0.id)\t\($0.piece.debugDescription)" }.joined(separator: "\n"))
            }),
        CommandSpec(
            name: "/stats", usage: ["/stats"], summary: "show the last reply's token counts and speed",
            details: "", completion: .none,
            run: { session, _ throws(ShellError) in
                guard let stats = session.lastStats else { session.info("/stats", "no reply yet"); return }
                session.emit(.stats(stats))
            }),
        CommandSpec(
            name: "/help", usage: ["/help [COMMAND]"], summary: "list the commands, or explain one",
            details: "", completion: .commandNames,
            run: { session, input throws(ShellError) in
                let word = input.rest.trimmingCharacters(in: .whitespaces)
                guard !word.isEmpty else { session.info("/help", CommandTable.overview); return }
                let name = word.hasPrefix("/") ? word : "/" + word
                guard let spec = CommandTable.find(name) else {
                    throw ShellError(.usage, "no command '\(name)'", fix: "/help lists every command")
                }
                session.info("/help", CommandTable.help(for: spec))
            }),
    ]

    /// The /help overview: each command's first usage line and summary.
    static var overview: String {
        var lines = ["commands (a line not starting with / is a message to the model):"]
        for spec in commands {
            let usage = spec.usage.first ?? spec.name
            if usage.count > 34 {
                lines.append("  \(usage)")
                lines.append("  \(String(repeating: " ", count: 34)) \(spec.summary)")
            } else {
                lines.append("  \(usage.padding(toLength: 34, withPad: " ", startingAt: 0)) \(spec.summary)")
            }
        }
        lines.append("\"\"\" starts and ends a multi-line block. /help COMMAND explains one command.")
        return lines.joined(separator: "\n")
    }

    static func help(for spec: CommandSpec) -> String {
        var text = spec.usage.map { "usage: \($0)" }.joined(separator: "\n") + "\n" + spec.summary
        if !spec.details.isEmpty { text += "\n\n" + spec.details }
        return text
    }
}
