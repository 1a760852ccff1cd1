import Foundation

/// Runs a script: one command or message per line, `"""` blocks, `#` comments.
@MainActor
enum ScriptRunner {
    /// Runs the lines of `text` in `session`; stops early at /quit.
    static func run(_ text: String, source: String, session: ShellSession, transcript: TranscriptWriter?) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).makeIterator()
        run(nextLine: { lines.next().map(String.init) }, source: source, session: session, transcript: transcript)
    }

    /// Runs lines pulled from `nextLine` (nil ends the input).
    static func run(nextLine: () -> String?, source: String, session: ShellSession, transcript: TranscriptWriter?) {
        var assembler = LogicalLineAssembler()
        var number = 0
        while var line = nextLine() {
            number += 1
            if line.hasSuffix("\r") { line.removeLast() }
            if !assembler.isInsideBlock && line.trimmingCharacters(in: .whitespaces).hasPrefix("#") { continue }
            guard let logical = assembler.feed(line, at: SourceLocation(source: source, line: number)) else { continue }
            if logical.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
            transcript?.recordInput(logical)
            session.execute(logical)
            if session.quitRequested { return }
        }
        if let open = assembler.finish() {
            session.emit(.error(ShellError(.usage, "a \"\"\" block opened here is never closed",
                                           fix: "end the block with a line holding \"\"\"", location: open)))
        }
    }
}
