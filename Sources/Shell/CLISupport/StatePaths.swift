import Foundation

/// Where the shell keeps its state: `${XDG_STATE_HOME:-~/.local/state}/toolshell`.
enum StatePaths {
    static var directory: String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_STATE_HOME"], !xdg.isEmpty { return xdg + "/toolshell" }
        return (env["HOME"] ?? NSHomeDirectory()) + "/.local/state/toolshell"
    }

    /// The REPL's history file (libedit format).
    static var historyFile: String { directory + "/history" }

    /// The directory of session transcripts (one JSONL file per session).
    static var transcriptDirectory: String { directory + "/transcripts" }
}
