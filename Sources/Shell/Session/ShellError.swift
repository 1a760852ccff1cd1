/// An error a command or a turn reports; the session always goes on after it.
struct ShellError: Error, Sendable, Equatable {
    /// What kind of failure this is (the `kind` field of a JSON `error` event).
    enum Kind: String, Sendable {
        /// The command line itself is wrong: unknown command, missing argument, bad option.
        case usage
        /// An argument's content is wrong: bad JSON, bad schema, missing file.
        case input
        /// A bound tool failed, timed out or printed too much.
        case tool
        /// Loading or running the model failed.
        case model
        /// The chat template failed to render.
        case template
        /// A generation was stopped by Ctrl-C.
        case cancelled
    }

    var kind: Kind
    /// What went wrong, naming the offending value.
    var message: String
    /// What to do about it.
    var fix: String?
    /// The script line or REPL input the error belongs to.
    var location: SourceLocation?

    init(_ kind: Kind, _ message: String, fix: String? = nil, location: SourceLocation? = nil) {
        self.kind = kind
        self.message = message
        self.fix = fix
        self.location = location
    }

    /// Input and usage errors make `toolshell run` exit with status 2.
    var isInputError: Bool { kind != .cancelled }

    /// One line for a person: `file:line: message (fix)`.
    var humanText: String {
        var text = ""
        if let location { text += "\(location): " }
        text += "error: \(message)"
        if let fix { text += "\n  fix: \(fix)" }
        return text
    }
}
