import Foundation

/// The interactive loop: libedit on a terminal, plain line reads otherwise.
@MainActor
struct REPL {
    let session: ShellSession
    let transcript: TranscriptWriter?

    /// `qwen2.5-coder-0.5b [hermes]> `: the model and the parser in effect.
    var prompt: String {
        let model = session.model?.displayName ?? "no model"
        let parser = session.activeParserName ?? (session.parserSetting == "auto" ? "auto" : session.parserSetting)
        return "\(model) [\(parser)]> "
    }

    /// Runs until /quit or Ctrl-D.
    func run() {
        installInterruptHandler()
        let completer = Completer(session: session)
        let editor = LineEditor(historyPath: StatePaths.historyFile) { line, start, word in
            MainActor.assumeIsolated { completer.candidates(line: line, wordStart: start, word: word) }
        }
        session.ask = { question in
            switch editor.readLine(prompt: question) {
            case .line(let answer): return answer
            case .interrupted, .endOfInput: return nil
            }
        }
        var assembler = LogicalLineAssembler()
        var number = 0
        while !session.quitRequested {
            switch editor.readLine(prompt: assembler.isInsideBlock ? "... " : prompt) {
            case .endOfInput:
                if let open = assembler.finish() {
                    session.emit(.error(ShellError(.usage, "the \"\"\" block was not closed; it was dropped", location: open)))
                }
                print("")
                return
            case .interrupted:
                _ = assembler.finish()
                print("^C")
            case .line(let line):
                number += 1
                editor.remember(line)
                guard let logical = assembler.feed(line, at: SourceLocation(source: "<repl>", line: number)) else { continue }
                if logical.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
                transcript?.recordInput(logical)
                session.execute(logical)
            }
        }
    }
}

/// Reads commands from a non-terminal stdin, line by line, as a script.
@MainActor
enum StdinScript {
    static func run(session: ShellSession, transcript: TranscriptWriter?) {
        installInterruptHandler()
        ScriptRunner.run(nextLine: { readLine(strippingNewline: true) }, source: "<stdin>", session: session,
                         transcript: transcript)
    }
}
