import Foundation

/// Version printed by `toolshell --version`.
let toolshellVersion = "0.1.0"

/// A one-shot subcommand (`toolshell NAME ARGS...`). One file per command family.
protocol Subcommand: Sendable {
    /// The word after `toolshell`.
    static var name: String { get }
    /// One line for `toolshell --help`.
    static var summary: String { get }
    /// Runs with the arguments after the name; returns the process exit code.
    static func run(_ arguments: [String]) -> Int32
}

/// Dispatches the command line to a subcommand.
enum CommandLineInterface {
    /// Every subcommand, in the order `--help` lists them.
    static let subcommands: [any Subcommand.Type] = [
        ChatCommand.self,
        RunCommand.self,
        ValidateCommand.self,
        BenchCommand.self,
        RenderCommand.self,
        TokenizeCommand.self,
        InspectCommand.self,
        ParseCommand.self,
        ParsersCommand.self,
        CompleteCommand.self,
        GrammarCommand.self,
    ]

    static func main(_ arguments: [String]) -> Int32 {
        guard let first = arguments.first else {
            return ChatCommand.run([])
        }
        switch first {
        case "--version", "-V":
            print("toolshell \(toolshellVersion)")
            return 0
        case "--help", "-h", "help":
            printUsage()
            return 0
        default:
            if let command = subcommands.first(where: { $0.name == first }) {
                return command.run(Array(arguments.dropFirst()))
            }
            if first.hasPrefix("-") && first != "-" {
                // `toolshell --model M` and the like: options of the interactive shell.
                return ChatCommand.run(arguments)
            }
            writeText("toolshell: unknown command '\(first)'; run 'toolshell --help' for the list\n", to: STDERR_FILENO)
            return 2
        }
    }

    static func printUsage() {
        var text = "toolshell \(toolshellVersion): an interactive, scriptable shell for tool calling and structured output\n\nusage: toolshell [COMMAND] [ARGS...]   (no command: the interactive shell)\n\ncommands:\n"
        for command in subcommands {
            text += "  \(command.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(command.summary)\n"
        }
        text += "  --version    print the version\n"
        print(text, terminator: "")
    }
}
