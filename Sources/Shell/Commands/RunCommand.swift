import Foundation

/// `toolshell run SCRIPT [--json]`: runs a script of shell commands; `-` reads it from stdin.
/// Exit status: 0 ok, 1 an /expect failed, 2 a usage or input error.
struct RunCommand: Subcommand {
    static let name = "run"
    static let summary = "run a script of shell commands (SCRIPT or - for stdin) [--json] [--model M]"

    static func run(_ arguments: [String]) -> Int32 {
        MainActor.assumeIsolated { runOnMain(arguments) }
    }

    @MainActor
    private static func runOnMain(_ arguments: [String]) -> Int32 {
        let options: ShellOptions
        do {
            options = try ShellOptions.parse(arguments)
        } catch {
            writeError("toolshell run: \(error.humanText)\nusage: toolshell run SCRIPT \(ShellOptions.usageText)")
            return 2
        }
        guard options.positional.count == 1, let script = options.positional.first else {
            writeError("usage: toolshell run SCRIPT \(ShellOptions.usageText)   (SCRIPT - reads stdin)")
            return 2
        }
        if script == "-" {
            let setup = ShellSetup(options: options, interactive: false,
                                   baseDirectory: FileManager.default.currentDirectoryPath)
            setup.loadInitialModel(options.model)
            StdinScript.run(session: setup.session, transcript: setup.transcript)
            return setup.session.exitStatus
        }
        let path = (script as NSString).expandingTildeInPath
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        guard let data = FileManager.default.contents(atPath: absolute), let text = String(data: data, encoding: .utf8) else {
            let error = ShellError(.input, "cannot read the script \(absolute)", fix: "check the path")
            if options.json { JSONLinesRenderer().emit(.error(error)) } else { writeError("toolshell run: \(error.humanText)") }
            return 2
        }
        let setup = ShellSetup(options: options, interactive: false,
                               baseDirectory: (absolute as NSString).deletingLastPathComponent)
        setup.loadInitialModel(options.model)
        installInterruptHandler()
        ScriptRunner.run(text, source: script, session: setup.session, transcript: setup.transcript)
        return setup.session.exitStatus
    }
}
