/// What the REPL completes after a command word.
indirect enum ArgumentCompletion: Sendable {
    case none
    case files
    case words([String])
    case settingKeys
    case parserNames
    case toolNames
    /// auto, required, none and the tool names.
    case toolChoices
    case modelNames
    case commandNames
    /// A sub-command word, then what follows each one.
    case subcommands([(String, ArgumentCompletion)])
}

/// One /command: its usage lines, help text and handler.
struct CommandSpec: Sendable {
    /// The command word including the slash, e.g. "/tools".
    var name: String
    /// Usage forms, one per line, e.g. "/tools add FILE|JSON|NAME DSL".
    var usage: [String]
    /// One line for the /help overview.
    var summary: String
    /// Further lines for `/help NAME`.
    var details: String
    var completion: ArgumentCompletion
    /// Runs the command with the text after the command word.
    var run: @Sendable @MainActor (ShellSession, CommandInput) throws(ShellError) -> Void
}

/// The text after a command word, with where it came from.
struct CommandInput: Sendable {
    var command: String
    var rest: String
    var location: SourceLocation

    /// The rest split into shell-quoted words.
    func words() throws(ShellError) -> [String] {
        do {
            return try ArgumentLexer.split(rest)
        } catch {
            throw ShellError(.usage, "\(error.message) at column \(command.count + 2 + error.offset)",
                             fix: "close the quote, or escape it with a backslash", location: location)
        }
    }
}

/// Every /command, as data. /help, completion and dispatch read this table.
@MainActor
enum CommandTable {
    static let commands: [CommandSpec] =
        modelCommands + conversationCommands + toolCommands + constraintCommands + inspectionCommands + scriptCommands

    static func find(_ name: String) -> CommandSpec? {
        commands.first { $0.name == name }
    }

    /// Command names close to a mistyped one (same prefix, or edit distance ≤ 2).
    static func suggestions(for name: String) -> [String] {
        let names = commands.map(\.name)
        let prefixed = names.filter { $0.hasPrefix(name) || name.hasPrefix($0) }
        if !prefixed.isEmpty { return prefixed }
        return names.filter { editDistance($0, name) <= 2 }
    }
}

/// Levenshtein distance between two short strings.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    guard !x.isEmpty else { return y.count }
    guard !y.isEmpty else { return x.count }
    var previous = Array(0...y.count)
    for i in 1...x.count {
        var current = [i] + Array(repeating: 0, count: y.count)
        for j in 1...y.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[y.count]
}
