import Engine
import Foundation

/// `toolshell chat [--model M]` (and `toolshell` alone): the interactive shell.
struct ChatCommand: Subcommand {
    static let name = "chat"
    static let summary = "the interactive shell on a model (the default when no command is given)"
    /// The model `toolshell` loads when none is named.
    static let defaultModel = "qwen2.5-coder-0.5b"

    static func run(_ arguments: [String]) -> Int32 {
        MainActor.assumeIsolated { runOnMain(arguments) }
    }

    @MainActor
    private static func runOnMain(_ arguments: [String]) -> Int32 {
        let options: ShellOptions
        do {
            options = try ShellOptions.parse(arguments)
        } catch {
            writeError("toolshell chat: \(error.humanText)\nusage: toolshell chat \(ShellOptions.usageText)")
            return 2
        }
        guard options.positional.isEmpty else {
            writeError("toolshell chat: unexpected argument '\(options.positional[0])'; to run a script use toolshell run SCRIPT")
            return 2
        }
        let terminal = isatty(STDIN_FILENO) != 0
        let setup = ShellSetup(options: options, interactive: terminal,
                               baseDirectory: FileManager.default.currentDirectoryPath)
        if terminal {
            setup.session.info("toolshell", "toolshell \(toolshellVersion) — /help lists the commands, Ctrl-D quits")
            setup.loadInitialModel(options.model ?? defaultModel)
            REPL(session: setup.session, transcript: setup.transcript).run()
            return 0
        }
        setup.loadInitialModel(options.model)
        StdinScript.run(session: setup.session, transcript: setup.transcript)
        return setup.session.exitStatus
    }
}
